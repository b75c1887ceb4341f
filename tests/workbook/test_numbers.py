"""Vietnamese count parsing (spec/workbook.md, "Values")."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.workbook.numbers import parse_count


@pytest.mark.parametrize("raw, expected", [
    (12, 12), (0, 0), (12.0, 12), (" 12 ", 12), ("12", 12), ("1.234", 1234), ("1 234", 1234),
    ("1\u00a0234", 1234), ("1.234.567", 1234567), ("0", 0),
])
def test_accepted_spellings(raw, expected):
    assert parse_count(raw).value == expected
    assert parse_count(raw).code is None


@pytest.mark.parametrize("raw", [None, "", "   ", "-", " - ", "–"])
def test_blank_means_not_reported(raw):
    parsed = parse_count(raw)
    assert parsed.value is None and parsed.code is None


@pytest.mark.parametrize("raw, code", [
    ("mười hai", "not_a_number"), ("12 vụ", "not_a_number"), ("1,234", "not_a_number"),
    ("12,5", "not_whole"), ("2.5", "not_whole"), (2.5, "not_whole"), (12.5, "not_whole"),
    ("-3", "negative"), (-3, "negative"), (-3.0, "negative"), ("1.23", "not_whole"), ("12.0", "not_whole"),
    (True, "not_a_number"), ("1.2345", "not_whole"), ("1 23", "not_a_number"),
])
def test_refused_spellings(raw, code):
    parsed = parse_count(raw)
    assert parsed.value is None
    assert parsed.code == code
    assert parsed.reason  # a Vietnamese explanation for the message


@given(st.integers(min_value=0, max_value=10**12))
def test_any_whole_number_round_trips_in_every_accepted_spelling(n):
    grouped = f"{n:,}"
    for text in (str(n), f"  {n} ", grouped.replace(",", "."), grouped.replace(",", " ")):
        assert parse_count(text).value == n
    assert parse_count(n).value == n
    assert parse_count(float(n)).value == n if n < 2**53 else True


@given(st.integers(min_value=1, max_value=10**9))
def test_negative_numbers_are_always_refused(n):
    assert parse_count(-n).code == "negative"
    assert parse_count(f"-{n}").code == "negative"


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), min_size=1).filter(
    lambda s: s.strip() not in ("", "-", "–", "—")))
def test_text_without_digits_is_never_a_number(text):
    parsed = parse_count(text)
    assert parsed.value is None and parsed.code == "not_a_number"
