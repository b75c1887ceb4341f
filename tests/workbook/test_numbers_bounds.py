"""Counts at the edges the mutation run of numbers.py found untested (`make mutate`): every dash a
unit may type for "not reported", every space-like character Excel and Word put between thousands,
nothing else taken for a space, and the largest count accepted.

How this was seen to fail: mutmut's mutants `_BLANKS` without "—", `_SPACES` with an extra "X",
MAX_COUNT 11**12 and 10**13 each survived tests/workbook/test_numbers.py; each fails a case here.
"""
import pytest

from pipelines.workbook.numbers import MAX_COUNT, parse_count


@pytest.mark.parametrize("raw", ["-", "–", "—", " — ", "\u00a0—\u00a0"])
def test_every_dash_is_not_reported(raw):
    assert parse_count(raw).value is None and parse_count(raw).code is None


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2007", "\u2009", " "])
def test_every_space_like_thousands_separator(space):
    assert parse_count(f"1{space}234").value == 1234


@pytest.mark.parametrize("raw", ["1X234", "1_234", "1'234", "12X"])
def test_no_other_character_is_a_separator(raw):
    assert parse_count(raw).code == "not_a_number"


def test_the_largest_count_accepted():
    assert MAX_COUNT == 10**12
    assert parse_count(10**12).value == 10**12
    assert parse_count("1.000.000.000.000").value == 10**12
    over = parse_count(10**12 + 1)
    assert over.value is None and over.code == "out_of_range"
    assert over.reason == "số quá lớn (tối đa 1.000.000.000.000)"
