"""validate.py's small rules one by one, at their edges (spec/workbook.md), found untested by the mutation
run of validate.py (`make mutate`, README "Mutation testing"); each case failed on its mutant.
"""
from __future__ import annotations

import pytest

from pipelines.workbook.validate import parse_quarter


@pytest.mark.parametrize("written,quarter", [
    # workbook.md, Quý: "1, 2, 3 or 4; I, II, III, IV and Quý 2 also accepted"
    (1, 1), (2, 2), (3, 3), (4, 4), (4.0, 4), ("3", 3),
    ("I", 1), ("II", 2), ("III", 3), ("IV", 4), ("i", 1), ("iv", 4),
    ("Quý 2", 2), ("Quý II", 2), ("quy iii", 3), ("QUÝ IV", 4), ("Quý I", 1),
])
def test_a_quarter_written_as_units_write_it(written, quarter):
    """Mutants of `_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}` (1 → 2, 3 → 4, …) read "I" as 2."""
    assert parse_quarter(written) == quarter


@pytest.mark.parametrize("written", [0, 5, "V", "Quý 5", "0", "", None, True, 2.5, "Q1 2022"])
def test_anything_else_is_no_quarter(written):
    assert parse_quarter(written) is None
