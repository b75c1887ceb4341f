"""Vietnamese number and date formats (1.234,5 — 15/03/2022), via babel, for CLI tables, exports and UI."""
from __future__ import annotations

import datetime as dt
import math

from babel.numbers import format_decimal

LOCALE = "vi_VN"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("<NA>", "NaT", "nan")


def num(value: object, digits: int = 0) -> str:
    """1234 → '1.234'; 1234.5 with digits=1 → '1.234,5'; blank for missing."""
    if _missing(value):
        return ""
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=LOCALE)


def pct(value: object, digits: int = 1) -> str:
    """0.925 → '92,5 %'; 1.0 → '100 %' (trailing zeros dropped)."""
    if _missing(value):
        return "—"
    fmt = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(float(value) * 100, format=fmt, locale=LOCALE) + " %"


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
