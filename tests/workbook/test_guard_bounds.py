"""The guard itself refuses a sheet used beyond 2.000 rows or 100 columns, in each format, before any
reader builds a grid (README "Hostile and broken files": `guard.py` + `extent.py`).

The reader (python-calamine) refuses such a file later with the same address, so a test that goes
through `read_workbook` cannot tell the guard stopped doing it. These call `guard.check` alone.

How this was seen to fail: with `s.rows > extent.MAX_ROWS or` removed from guard._bounds,
`test_guard_bounds_rows_and_columns[rows-2001-*]` failed for .ods (no problem at all) and for .xlsx
and .xls (refused only by the declared-range branch, "khai báo vùng dữ liệu", not from the cells);
with `s.cols > extent.MAX_COLS` removed, the `cols-101` cases failed; with `>` made `>=`, the
2.000-row and 100-column cases (at the bound, accepted) failed.
"""
from __future__ import annotations

import pytest
from conftest import book

from pipelines.workbook import extent, guard


def tall(rows: int) -> list[list]:
    return [["đầu"]] + [[None]] * (rows - 2) + [["cuối"]]


def wide(cols: int) -> list[list]:
    return [["đầu"] + [None] * (cols - 2) + ["cuối"]]


def test_bounds_are_the_documented_ones():
    assert (extent.MAX_ROWS, extent.MAX_COLS) == (2000, 100)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("what,n,refused_at", [
    ("rows", 2000, None), ("rows", 2001, "Số liệu!A2001"),
    ("cols", 100, None), ("cols", 101, "Số liệu!CW1"),
])
def test_guard_bounds_rows_and_columns(fmt, what, n, refused_at):
    grid = tall(n) if what == "rows" else wide(n)
    result = guard.check(book({"Số liệu": grid}, fmt), f"bc.{fmt}")
    errors = [(p.code, p.where) for p in result.problems if p.level == "error"]
    if refused_at is None:
        assert errors == []
    else:
        assert errors == [("hostile", refused_at)]
        # the used range, measured from the cells (not only the range the file declares about itself)
        cell = refused_at.split("!")[1]
        message = result.problems[0].message
        assert f"có dữ liệu ở ô {cell}" in message and "tối đa 2.000 dòng × 100 cột" in message, message
