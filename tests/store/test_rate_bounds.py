"""Issue 8 §2 as a property: for any set of submissions the validator accepts, every rate the plan's
rules bound (all five: outflow ≤ backlog + inflow, classified ≤ new, solved ≤ opened) lies between 0
and 1 in every scope (each unit and the town) and every period (quarters and cumulative periods),
and equals a reference computed here, by hand, from the accepted counts.

Submissions go through the real validator (built as the reader would hand them over) and are written
into the ledger as the loader would (the loader has its own tests); rejected ones are left out.
"""
from fractions import Fraction

from conftest import write_ledger
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.outputs import metrics
from pipelines.workbook.read import Cell, RawWorkbook
from pipelines.workbook.validate import validate

# rate → (backlog or None, inflow, outflow): numerator = outflow, denominator = backlog + inflow
RATES = {"KPI_TIEP_NHAN": (None, "TIN_MOI", "TIN_PHAN_LOAI"), "KPI_GIAI_QUYET": ("TIN_TON", "TIN_MOI", "TIN_DA_GQ"),
         "KPI_KHAM_PHA": (None, "AN_KHOI_TO", "AN_KHAM_PHA"), "KPI_TRUY_TO": ("VKS_TON", "VKS_MOI", "VKS_TRUY_TO"),
         "KPI_XET_XU": ("TA_TON", "TA_MOI", "TA_XET_XU")}
UNIT_GROUPS = {"CA": ["TIN", "AN"], "BP_PQ": ["TIN", "AN"], "VKS": ["VKS"], "TAND": ["TA"]}
PERIODS = {"Q1": [1], "Q2": [2], "Q3": [3], "Q4": [4], "H1": [1, 2], "9M": [1, 2, 3], "Y": [1, 2, 3, 4]}
n = st.integers(0, 12)


@st.composite
def group_counts(draw, group):
    if draw(st.booleans()) and draw(st.booleans()):
        return {}                                    # the group left blank whole (allowed)
    if group == "TIN":
        ton, moi = draw(n), draw(n)
        return {"TIN_TON": ton, "TIN_MOI": moi, "TIN_PHAN_LOAI": draw(st.integers(0, moi + 2)),
                "TIN_DA_GQ": draw(st.integers(0, ton + moi + 2))}   # sometimes too many: refused
    if group == "AN":
        opened = draw(n)
        return {"AN_KHOI_TO": opened, "AN_KHAM_PHA": draw(st.integers(0, opened + 1))}
    ton, moi = draw(n), draw(n)
    return {f"{group}_TON": ton, f"{group}_MOI": moi,
            ("VKS_TRUY_TO" if group == "VKS" else "TA_XET_XU"): draw(st.integers(0, ton + moi + 1))}


@st.composite
def batches(draw):
    out = {}
    for unit, groups in UNIT_GROUPS.items():
        for quarter in range(1, 5):
            if draw(st.booleans()):
                values = {}
                for g in groups:
                    values |= draw(group_counts(g))
                out[(unit, quarter)] = values
    return out


def accepted(plans, unit, quarter, values):
    raw = RawWorkbook(file_name="x.xlsx", format="xlsx",
                      info={"unit": Cell(unit, "Thông tin!B1"), "year": Cell(2022, "Thông tin!B2"),
                            "quarter": Cell(quarter, "Thông tin!B3")},
                      values=[(Cell(e, f"Số liệu!B{i}"), Cell(v, f"Số liệu!D{i}")) for i, (e, v) in
                              enumerate(values.items(), start=5)],
                      tasks=[], sheet_names={"Thông tin": "Thông tin", "Số liệu": "Số liệu"})
    sub, problems = validate(raw, plans)
    return sub is not None and not [p for p in problems if p.level == "error"]


def reference(reports, units, quarters, rate):
    """(numerator, denominator) summed over `units`, by hand: outflows and inflows summed over the
    quarters; the backlog of the unit's first reported quarter, plus any later backlog's excess over
    what the quarter before it carried (backlog + inflow − outflow). None when nothing is reported."""
    backlog, inflow, outflow = RATES[rate]
    num = den = 0
    seen = False
    for unit in units:
        rows = [reports[(unit, q)] for q in sorted(quarters) if (unit, q) in reports and inflow in reports[(unit, q)]]
        if not rows:
            continue
        seen = True
        num += sum(r[outflow] for r in rows)
        den += sum(r[inflow] for r in rows)
        if backlog:
            den += rows[0][backlog]
            for before, after in zip(rows, rows[1:]):
                den += max(after[backlog] - (before[backlog] + before[inflow] - before[outflow]), 0)
    return (num, den) if seen else None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(batch=batches())
def test_every_bounded_rate_stays_within_0_and_1_and_matches_the_hand_computation(store, batch):
    plans = store.plans()
    reports = {k: v for k, v in batch.items() if accepted(plans, k[0], k[1], v)}
    write_ledger(store, reports)
    with store.connect():
        town = metrics.attainment(store, 2022)
        by_unit = metrics.attainment(store, 2022, by_unit=True)
    for frame, scope_units in ((town, None), (by_unit, "each")):
        for r in frame.itertuples():
            units = list(UNIT_GROUPS) if scope_units is None else [r.unit]
            expected = reference(reports, units, PERIODS[r.period], r.indicator)
            if expected is None:
                assert r.period_status == "no_data", (r.indicator, r.unit, r.period)
                continue
            num, den = expected
            assert (int(r.numerator), int(r.denominator)) == (num, den), (r.indicator, r.unit, r.period, reports)
            assert num <= den, (r.indicator, r.unit, r.period)        # bounded: never above 100 %
            if den:
                assert 0 <= r.value <= 1 and Fraction(int(r.numerator), int(r.denominator)) == Fraction(num, den)
            else:
                assert r.period_status == "no_cases" and num == 0
