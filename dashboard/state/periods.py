"""Report periods as the plan defines them, for the pages' pickers and comparisons.

Which periods are cumulative and which cumulative period ends with a quarter is decided once, in
the store's `v_period` view (pipelines/store/sql/views/00_v_period.sql); this module only walks
the list it returns, so another plan's periods work the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Period:
    code: str
    name: str
    quarters: tuple[int, ...]
    is_cumulative: bool = False
    cumulative_period: str | None = None  # the cumulative period ending with the same quarter

    @property
    def is_single_quarter(self) -> bool:
        return len(self.quarters) == 1

    @property
    def last_quarter(self) -> int:
        return max(self.quarters)


def from_frame(df: pd.DataFrame) -> list[Period]:
    """From `metrics.periods` (the v_period view)."""
    return [Period(r.code, r.name, tuple(int(q) for q in r.quarters), bool(r.is_cumulative),
                   None if pd.isna(r.cumulative_period) else r.cumulative_period) for r in df.itertuples()]


def ordered(periods: list[Period]) -> list[Period]:
    """For the period picker: the cumulative chain first (Quý I, 6 tháng, 9 tháng, Năm), then the
    other single quarters (Quý II, III, IV)."""
    chain = sorted((p for p in periods if p.is_cumulative), key=lambda p: len(p.quarters))
    rest = sorted((p for p in periods if not p.is_cumulative), key=lambda p: p.quarters)
    return chain + rest


def by_code(periods: list[Period], code: str | None) -> Period | None:
    return next((p for p in periods if p.code == code), None)


def single_quarter(periods: list[Period], quarter: int) -> Period | None:
    return next((p for p in periods if p.quarters == (quarter,)), None)


def cumulative_to(periods: list[Period], quarter: int) -> Period | None:
    """The cumulative period that ends with `quarter` (Q2 → 6 tháng, Q3 → 9 tháng, Q4 → Năm)."""
    quarter_period = next((p for p in periods if p.last_quarter == quarter and p.cumulative_period), None)
    return by_code(periods, quarter_period.cumulative_period) if quarter_period else None


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
