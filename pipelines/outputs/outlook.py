"""The year-end outlook of each yearly target (judged_on = 'cumulative'): at the pace so far and with
the quarters left, will it be met, and how many more cases the numerator needs by the last deadline.

The method (also in the README and the Tổng quan help text), for a target "numerator / denominator
op t" judged on the cumulative rate, seen after quarter k of a year of n quarters (r = n − k left):

1. So far: N = the cumulative numerator and D = the cumulative denominator over quarters 1..k
   (the backlog counts by their `first` rule, as everywhere); k is the last quarter of the period
   shown, or the last quarter before it from which any report has arrived.
2. New cases expected: the denominator's inflow terms (its `sum` elements: new cases accepted)
   averaged over the k quarters, times r, rounded to the nearest whole case (half up):
   E = round(inflow_k × r ÷ k). The projected year's denominator is D_end = D + E.
3. The smallest year's numerator that meets the target with D_end cases: ⌊D_end × t⌋ + 1 for "> t",
   ⌈D_end × t⌉ for "≥ t", D_end × t for "= t" (exact fractions, never floats).
4. What it takes: more = max(need − N, 0) cases by the last quarter's end (the day after it:
   "trước 15/12" when the data period ends 14/12).
5. At the pace so far the numerator grows by round(N × r ÷ k) (half up), at most to D_end:
   N_end = min(N + round(N × r ÷ k), D_end).
6. Verdict: with no quarter left (r = 0) the year is decided: 'met' or 'missed' (không thể đạt nữa).
   Otherwise 'secured' when more = 0 (met even if none of the E new cases is settled), 'impossible'
   when need > D_end (more cases would have to be settled than there are), 'on_track' when
   N_end ≥ need, 'off_track' when not. 'no_cases' when D_end = 0, 'no_data' when nothing is reported.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from pipelines.outputs import metrics
from pipelines.store import Store

VERDICTS = ("met", "missed", "secured", "on_track", "off_track", "impossible", "no_cases", "no_data")


def _round_half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def numerator_to_meet(denominator: int, op: str, target: float | Fraction) -> int:
    """The smallest whole numerator that meets `op target` with this denominator (exact)."""
    t = target if isinstance(target, Fraction) else Fraction(Decimal(str(target)))
    x = denominator * t
    if op == ">":
        return math.floor(x) + 1
    if op == ">=":
        return math.ceil(x)
    return math.ceil(x)  # "=": only a whole x can be met exactly; ⌈x⌉ otherwise (then `impossible`)


def meets(numerator: int, denominator: int, op: str, target: float | Fraction) -> bool:
    """numerator ÷ denominator op target, exactly (as the SQL judges: 9/10 is not "> 90 %")."""
    t = target if isinstance(target, Fraction) else Fraction(Decimal(str(target)))
    x = Fraction(int(numerator), int(denominator))
    return x > t if op == ">" else (x >= t if op == ">=" else x == t)


@dataclass(frozen=True)
class Outlook:
    verdict: str
    quarters_done: int          # k
    quarters_left: int          # r
    numerator: int              # N so far
    denominator: int            # D so far
    expected_new: int           # E
    denominator_end: int        # D_end = D + E
    need: int                   # the smallest year's numerator meeting the target with D_end
    more: int                   # max(need − N, 0)
    numerator_end: int          # N_end at the pace so far


def project(numerator: int, denominator: int, inflow: int, quarters_done: int, quarters_left: int,
            op: str, target: float) -> Outlook:
    """The method above on whole counts: N, D, the denominator's inflow over the k quarters, k, r."""
    n, d, k, r = int(numerator), int(denominator), int(quarters_done), int(quarters_left)
    e = _round_half_up(Fraction(int(inflow) * r, k)) if k else 0
    d_end = d + e
    need = numerator_to_meet(d_end, op, target) if d_end else 0
    more = max(need - n, 0)
    n_end = min(n + (_round_half_up(Fraction(n * r, k)) if k else 0), d_end)
    if d_end == 0:
        verdict = "no_cases"
    elif r == 0:
        verdict = "met" if meets(n, d, op, target) else "missed"
    elif more == 0:
        verdict = "secured"
    elif need > d_end:
        verdict = "impossible"
    elif n_end >= need:
        verdict = "on_track"
    else:
        verdict = "off_track"
    return Outlook(verdict, k, r, n, d, e, d_end, need, more, n_end)


def outlook(store: Store, year: int, period: str, scope: str | None = None) -> pd.DataFrame:
    """One row per yearly target (judged_on = 'cumulative') of `year`, seen at the cumulative period
    that ends with `period`'s last quarter (or with the last quarter before it from which a report
    has arrived), for `scope` (default the whole plan): indicator,
    short_name, action, target_op, target, cumulative_period, by (the day before which the cases
    must be settled: the day after the last quarter's data period), the Outlook fields, and
    inflow (the denominator's inflow so far)."""
    scope = scope or metrics.TOWN
    cols = ["indicator", "short_name", "action", "target_op", "target", "cumulative_period", "by", "inflow",
            *Outlook.__dataclass_fields__]
    periods = metrics.periods(store, year)
    row = periods[periods["code"] == period]
    if row.empty or store.plan(year) is None:
        return pd.DataFrame(columns=cols)
    # the quarters so far: up to the period's last quarter, or the last one before it from which a
    # report has arrived (the year seen before its Q4 reports is seen after 9 months, not as missed)
    last = max(int(q) for q in row.iloc[0]["quarters"])
    reported = metrics.quarters_reported(store, year)
    arrived = [int(q) for q, n in zip(reported["quarter"], reported["units_reported"]) if n and int(q) <= last]
    k_last = max(arrived) if arrived else last
    cum_rows = periods[periods["is_cumulative"].astype(bool)]
    cum = next(p for _, p in cum_rows.iterrows() if max(int(q) for q in p["quarters"]) == k_last)
    cumulative = cum["code"]
    quarters = metrics.quarters(store, year)
    k = len(cum["quarters"])
    r = len(quarters) - k
    by = pd.Timestamp(quarters["data_to"].max()).date() + pd.Timedelta(days=1)
    df = store.query_df(
        """SELECT i.code AS indicator, i.short_name, i.action, i.op AS target_op, CAST(i.target AS DOUBLE PRECISION) AS target,
                  a.numerator, a.denominator, a.status,
                  (SELECT sum(v.value) FROM dim_indicator_term t
                     JOIN dim_element e ON e.year = t.year AND e.code = t.element AND e.over_time = 'sum'
                     JOIN mart_scope_period_value v ON v.year = t.year AND v.element = t.element
                                                   AND v.period = a.period AND v.scope = a.scope
                    WHERE t.year = i.year AND t.indicator = i.code AND t.role = 'denominator') AS inflow
           FROM dim_indicator i
           JOIN mart_attainment a ON a.year = i.year AND a.indicator = i.code AND a.period = ? AND a.scope = ?
           WHERE i.year = ? AND i.judged_on = 'cumulative'
           ORDER BY i.sort""", [cumulative, scope, year])
    out = []
    for x in df.itertuples():
        base = {"indicator": x.indicator, "short_name": x.short_name, "action": x.action, "target_op": x.target_op,
                "target": x.target, "cumulative_period": cumulative, "by": by}
        if x.status == "no_data" or pd.isna(x.denominator) or pd.isna(x.numerator):
            o = Outlook("no_data", k, r, 0, 0, 0, 0, 0, 0, 0)
            out.append(base | {"inflow": None} | o.__dict__)
            continue
        inflow = 0 if pd.isna(x.inflow) else int(x.inflow)
        o = project(int(x.numerator), int(x.denominator), inflow, k, r, x.target_op, x.target)
        out.append(base | {"inflow": inflow} | o.__dict__)
    return pd.DataFrame(out, columns=cols)
