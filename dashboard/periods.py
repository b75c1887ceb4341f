"""Report periods as the plan defines them (code, name, quarters), without naming any code.

A period is *cumulative* when its quarters run from the first quarter without a gap (Quý I, 6 tháng,
9 tháng, Năm); the others are single quarters. Everything here derives from the plan's period list,
so another plan's periods work the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Period:
    code: str
    name: str
    quarters: tuple[int, ...]

    @property
    def is_single_quarter(self) -> bool:
        return len(self.quarters) == 1

    @property
    def is_cumulative(self) -> bool:
        return self.quarters == tuple(range(1, len(self.quarters) + 1))

    @property
    def last_quarter(self) -> int:
        return max(self.quarters)


def from_frame(df: pd.DataFrame) -> list[Period]:
    return [Period(r.code, r.name, tuple(int(q) for q in r.quarters)) for r in df.itertuples()]


def ordered(periods: list[Period]) -> list[Period]:
    """For the period picker: the cumulative chain first (Quý I, 6 tháng, 9 tháng, Năm), then the
    other single quarters (Quý II, III, IV)."""
    chain = sorted((p for p in periods if p.is_cumulative), key=lambda p: len(p.quarters))
    rest = sorted((p for p in periods if not p.is_cumulative), key=lambda p: p.quarters)
    return chain + rest


def by_code(periods: list[Period], code: str) -> Period | None:
    return next((p for p in periods if p.code == code), None)


def single_quarter(periods: list[Period], quarter: int) -> Period | None:
    return next((p for p in periods if p.quarters == (quarter,)), None)


def cumulative_to(periods: list[Period], quarter: int) -> Period | None:
    """The cumulative period that ends with `quarter` (Q2 → 6 tháng, Q3 → 9 tháng, Q4 → Năm)."""
    return next((p for p in periods if p.quarters == tuple(range(1, quarter + 1))), None)


def previous(periods: list[Period], period: Period) -> Period | None:
    """The period to compare with: the previous quarter for a single quarter, the previous
    cumulative period for a cumulative one (9 tháng → 6 tháng); None for the first."""
    if period.is_cumulative and not period.is_single_quarter:
        return cumulative_to(periods, period.last_quarter - 1)
    if period.is_single_quarter:
        return single_quarter(periods, period.quarters[0] - 1)
    return None


def default_code(periods: list[Period], quarters_with_data: set[int]) -> str | None:
    """The longest cumulative period whose quarters all have data; else the first period."""
    chain = [p for p in ordered(periods) if p.is_cumulative]
    best = None
    for p in chain:
        if set(p.quarters) <= quarters_with_data:
            best = p
    if best is None and chain:
        best = chain[0]
    if best is None and periods:
        best = periods[0]
    return best.code if best else None
