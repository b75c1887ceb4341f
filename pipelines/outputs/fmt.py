"""Vietnamese number and date formats (1.234,5 — 15/03/2022), via babel, for CLI tables, exports and UI."""
from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from decimal import Decimal
from fractions import Fraction

from babel.numbers import format_decimal, get_group_symbol

LOCALE = "vi_VN"
_GROUP = get_group_symbol(LOCALE)  # "." — a page at national scale formats ~50 000 counts


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT", "nan")


def num(value: object, digits: int = 0) -> str:
    """1234 → '1.234'; 1234.5 with digits=1 → '1.234,5'; blank for missing."""
    if _missing(value):
        return ""
    if not digits and isinstance(value, numbers.Integral):  # the common case, 50× faster than babel
        return f"{int(value):,}".replace(",", _GROUP)
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=LOCALE)


def pct(value: object, digits: int = 1) -> str:
    """0.925 → '92,5 %'; 1.0 → '100 %' (trailing zeros dropped)."""
    if _missing(value):
        return "—"
    fmt = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(float(value) * 100, format=fmt, locale=LOCALE) + " %"


# -- a rate next to its verdict ---------------------------------------------------------------------
# A rate is shown with as few decimals as let the shown figure, compared with the target, give the
# verdict of the exact fraction: 181/201 for "> 90 %" is "90,05 %" (not "90 %" next to "Đạt"), 189/199
# for "≥ 95 %" is "94,97 %" (not "95 %" next to "Chưa đạt"). Integer arithmetic, exact.
_CMP = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "=": lambda a, b: a == b}
MAX_RATE_DIGITS = 8


def _target_fraction(target: object) -> tuple[int, int]:
    t = Fraction(Decimal(str(target)))
    return t.numerator, t.denominator


def rate_digits(numerator: object, denominator: object, op: str, target: object) -> int:
    """How many decimals of the percentage (at least one, as `pct`) keep the shown figure on the side
    of the target that the exact fraction is on."""
    if _missing(numerator) or _missing(denominator) or int(denominator) <= 0 or _missing(target):
        return 1
    n, d = int(numerator), int(denominator)
    a, b = _target_fraction(target)
    verdict = _CMP[op](n * b, a * d)                     # n/d op a/b, exactly
    for digits in range(1, MAX_RATE_DIGITS + 1):
        scale = 100 * 10 ** digits                       # shown = k / scale, k rounded half up
        k = (2 * n * scale + d) // (2 * d)
        if _CMP[op](k * b, a * scale) == verdict:
            return digits
    return MAX_RATE_DIGITS


def rate(numerator: object, denominator: object, op: str, target: object) -> str:
    """'90,05 %' for 181/201 against '> 90 %', '92,5 %' for 37/40, '90 %' for 9/10 (trailing zeros
    dropped, as `pct`); '—' when there is no value (no data, denominator 0).
    Every rate shown next to a verdict (cards, tables, hover text, exports, the report) goes through here."""
    if _missing(numerator) or _missing(denominator) or int(denominator) <= 0:
        return "—"
    n, d = int(numerator), int(denominator)
    digits = rate_digits(n, d, op, target)
    scale = 10 ** digits
    k = (2 * n * 100 * scale + d) // (2 * d)
    whole, part = divmod(k, scale)
    text = f"{whole:,}".replace(",", ".")
    decimals = f"{part:0{digits}d}".rstrip("0")
    return text + (f",{decimals}" if decimals else "") + " %"


def rates(df) -> list[str]:
    """`rate` for each row of a frame with numerator, denominator, target_op and target columns."""
    return [rate(n, d, op, t) for n, d, op, t in zip(df["numerator"], df["denominator"], df["target_op"], df["target"])]


def date(value: dt.date | dt.datetime | None) -> str:
    if _missing(value):
        return ""
    return value.strftime("%d/%m/%Y")


def datetime(value: dt.datetime | None) -> str:
    if _missing(value):
        return ""
    return value.strftime("%d/%m/%Y %H:%M")


def target(op: str, value: float) -> str:
    """('>', 0.9) → '> 90 %'; ('>=', 1.0) → '≥ 100 %'."""
    return f"{ {'>': '>', '>=': '≥', '=': '='}.get(op, op) } {pct(value, 1)}".strip()


# -- figures in documents ---------------------------------------------------------------------------
NBSP = "\u00a0"


# a space inside a figure of a sentence: between a number and "%" or "điểm"/"pp", between "điểm" and
# "%", after a comparison sign
_FIGURE_SPACE = re.compile(r"(?<=\d) (?=%|điểm\b|pp\b)|(?<=điểm) (?=%)|(?<=[<>=≤≥]) (?=[\d−+±])")


def keep_figures(text: str) -> str:
    """A sentence on a narrow screen with no line ending inside a figure: "> 90 %", "−13,3 điểm %"
    each kept on one line (no-break spaces); every other space left for the line to break at."""
    return _FIGURE_SPACE.sub(NBSP, text)


def glue(text: str) -> str:
    """A figure with its sign and unit kept on one line: "> 90 %" → ">\u00a090\u00a0%" (no-break spaces),
    so a line never ends between the number, its target sign and the per cent sign."""
    return text.replace(" ", NBSP)


def day(value: dt.date | dt.datetime | None) -> str:
    """The decree's short date in running text: 15/9/2022, 5/10/2022 (no leading zeros)."""
    if _missing(value):
        return ""
    return f"{value.day}/{value.month}/{value.year}"


WEEKDAYS = ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"]


def day_in_words(value: dt.date) -> str:
    """"thứ Hai, ngày 26 tháng 9 năm 2022" (the weekday and the date spelt out, for a deadline)."""
    return f"{WEEKDAYS[value.weekday()]}, ngày {value.day} tháng {value.month} năm {value.year}"


def time_of_day(value: dt.datetime) -> str:
    """"08 giờ 00 ngày 18/9/2022" (how a letter writes a moment)."""
    return f"{value.hour:02d} giờ {value.minute:02d} ngày {day(value)}"


def target_text(op: str, value: float) -> str:
    """A target as a document writes it: "> 90 %", "≥ 95 %"; a target of 100 % is just "100 %"
    (no rate exceeds it, so "≥ 100 %" reads oddly)."""
    if op in (">=", "=") and float(value) >= 1:
        return pct(1.0)
    return target(op, value)
