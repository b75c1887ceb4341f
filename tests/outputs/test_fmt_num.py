"""Counts and percentages in Vietnamese, at the edges the mutation run of fmt.py found untested
(`make mutate`): a whole number with decimals asked for, a fraction with none, rounding.

How this was seen to fail: the mutants `not digits or isinstance(...)` (line 24) and `"#,##0" - …`
(line 26) of fmt.num survived tests/outputs/test_fmt.py; each fails a case here.
"""
import pytest

from pipelines.outputs import fmt


@pytest.mark.parametrize("value, digits, text", [
    (1234, 0, "1.234"),
    (1234567, 0, "1.234.567"),
    (1234, 1, "1.234,0"),          # an integer with one decimal asked for
    (1234.5, 1, "1.234,5"),
    (1234.6, 0, "1.235"),          # a fraction with none: rounded, not cut
    (0, 0, "0"),
    (None, 0, ""),
    (float("nan"), 1, ""),
])
def test_num(value, digits, text):
    assert fmt.num(value, digits) == text


@pytest.mark.parametrize("value, digits, text", [
    (0.925, 1, "92,5 %"), (1.0, 1, "100 %"), (0.12346, 2, "12,35 %"), (0.5, 0, "50 %"), (None, 1, "—"),
])
def test_pct(value, digits, text):
    assert fmt.pct(value, digits) == text


def test_pct_shows_one_decimal_by_default():
    assert fmt.pct(1 / 3) == "33,3 %"


@pytest.mark.parametrize("n, d", [(None, 4), (3, None), (float("nan"), float("nan")), (0, 0), (3, 0), (3, -1)])
def test_rate_digits_without_a_rate_is_one(n, d):
    """export.to_xlsx_bytes asks rate_digits for every row, "no data" rows included: one decimal,
    never an error (the mutants of its guard — `or` → `and`, `<=` → `<`, 0 → 1, return 2 — survived)."""
    assert fmt.rate_digits(n, d, ">", 0.9) == 1


def test_rate_digits_without_a_target_is_one():
    assert fmt.rate_digits(181, 201, ">", None) == 1


@pytest.mark.parametrize("op, value, text", [
    # spec/plan-2022.md §4: KPI_TIEP_NHAN "= 100 % (value ≥ 1.00)" — a document writes it "100 %" (no rate
    # exceeds it), whether the plan says "=" or ">="; every other target keeps its sign
    ("=", 1.0, "100 %"), (">=", 1.0, "100 %"),
    (">=", 0.95, "≥ 95 %"), (">=", 0.9, "≥ 90 %"), (">", 0.9, "> 90 %"), (">", 0.92, "> 92 %"),
])
def test_a_target_as_a_document_writes_it(op, value, text):
    """Found by the mutation run of fmt.py: `op in (">=", "=") and float(value) >= 1` → `or` (every ≥
    target written "100 %"), `>= 1` → `> 1` and `>= 2` (the 100 % target written "≥ 100 %") survived."""
    assert fmt.target_text(op, value) == text


def test_a_rate_needing_seven_decimals_gets_seven():
    """949 999 999 / 10⁹ against "≥ 95 %" is 94,9999999 %, 10⁻⁷ points under the target (by hand). Rounded
    half up to 6 decimals it would show 95,000000 % next to "Chưa đạt"; 7 keep it under. The XLSX export
    builds its number format from these digits ("0.0000000%": an 8th would show a trailing zero).
    Mutant `range(1, MAX_RATE_DIGITS + 1)` → `- 1` (tries 1…6, then falls back to 8) survived: no
    fixture needs more than two decimals."""
    assert fmt.rate_digits(949_999_999, 10**9, ">=", 0.95) == 7
    assert fmt.rate(949_999_999, 10**9, ">=", 0.95) == "94,9999999 %"
    assert fmt.rate_digits(94_999_999, 10**8, ">=", 0.95) == 6         # 10⁻⁶ under: six are enough
