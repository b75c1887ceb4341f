"""Vietnamese count parsing: what a unit typed in a `Số liệu` cell → a whole number, blank, or a problem.

Accepted: 12, 12.0 (an Excel number that is whole), " 12 ", "1.234" and "1 234" (Vietnamese
thousands separators, groups of exactly three digits). Blank, "-" mean *not reported*.
Refused: "1,234" (ambiguous: thousands in English, a decimal in Vietnamese), "12,5", "2.5", "-3",
"12 vụ", "mười hai".
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

_BLANKS = {"", "-", "–", "—"}
# No count of one unit in one quarter comes near this; it keeps typos such as 1e20 out of BIGINT.
MAX_COUNT = 10**12
_SPACES = "\u00a0\u202f\u2007\u2009"  # no-break, narrow no-break, figure and thin spaces
_PLAIN = re.compile(r"\d+")
_DOT_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_SPACE_GROUPS = re.compile(r"\d{1,3}(?: \d{3})+")
_COMMA_GROUPS = re.compile(r"\d{1,3}(?:,\d{3})+")
_DECIMAL = re.compile(r"\d+[.,]\d+")
_NEGATIVE = re.compile(r"-\s*\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Parsed:
    value: int | None          # None: not reported (or refused, see `code`)
    code: str | None = None    # problem code when refused
    reason: str | None = None  # Vietnamese explanation when refused


def parse_count(raw: object) -> Parsed:
    parsed = _parse(raw)
    if parsed.value is not None and parsed.value > MAX_COUNT:
        return Parsed(None, "out_of_range", f"số quá lớn (tối đa {MAX_COUNT:,})".replace(",", "."))
    return parsed


def _parse(raw: object) -> Parsed:
    if raw is None:
        return Parsed(None)
    if isinstance(raw, bool):
        return Parsed(None, "not_a_number", "ô chứa giá trị đúng/sai, không phải số")
    if isinstance(raw, int):
        return Parsed(None, "negative", "số âm") if raw < 0 else Parsed(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return Parsed(None, "not_a_number", "không phải số")
        if raw < 0:
            return Parsed(None, "negative", "số âm")
        if raw != int(raw):
            return Parsed(None, "not_whole", "số lẻ thập phân; số liệu phải là số nguyên")
        return Parsed(int(raw))
    if not isinstance(raw, str):  # dates, times: a date typed in a count cell
        return Parsed(None, "not_a_number", "không phải số")
    text = raw
    for ch in _SPACES:
        text = text.replace(ch, " ")
    text = text.strip()
    if text in _BLANKS:
        return Parsed(None)
    if _PLAIN.fullmatch(text):
        return Parsed(int(text))
    if _DOT_GROUPS.fullmatch(text):
        return Parsed(int(text.replace(".", "")))
    if _SPACE_GROUPS.fullmatch(text):
        return Parsed(int(text.replace(" ", "")))
    if _NEGATIVE.fullmatch(text):
        return Parsed(None, "negative", "số âm; số liệu không được âm")
    if _COMMA_GROUPS.fullmatch(text):
        return Parsed(None, "not_a_number",
                      "dấu phẩy không rõ là phân cách hàng nghìn hay thập phân; hãy ghi 1.234 hoặc 1234")
    if _DECIMAL.fullmatch(text):
        return Parsed(None, "not_whole", "số lẻ thập phân; số liệu phải là số nguyên")
    return Parsed(None, "not_a_number", "không phải số")
