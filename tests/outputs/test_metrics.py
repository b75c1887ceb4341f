"""Rates, attainment and timeliness, with numbers worked out by hand from spec/plan-2022.md §2 and §4.

Every case loads real workbooks (the unit's template, filled in) through the real loader and reads
the SQL views back through pipelines.outputs.metrics.
"""
import datetime as dt

import pandas as pd
import pytest

from pipelines.outputs import metrics
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

ICT = dt.timezone(dt.timedelta(hours=7))


def load(store, unit, quarter, values, received=None, name=None):
    plan = store.plan(2022)
    data = build_template(plan, unit, quarter, values=values)
    r = ingest_bytes(store, data, name or f"{unit}_Q{quarter}.xlsx", received or dt.datetime(2022, 3, 1, 9))
    assert r.status == "accepted", [e.message for e in r.errors]
    return r


def row(store, indicator, period, unit=None):
    df = metrics.attainment(store, 2022, period, unit=unit)
    got = df[df["indicator"] == indicator].iloc[0]
    return got


def tips(ton, moi, pl, gq):
    return {"TIN_TON": ton, "TIN_MOI": moi, "TIN_PHAN_LOAI": pl, "TIN_DA_GQ": gq}


# -- targets: strict ">" and ">=" at the boundary ----------------------------------------------------
def test_exactly_90_percent_is_not_above_90(store):
    load(store, "CA", 1, tips(0, 10, 10, 9) | {"AN_KHOI_TO": 20, "AN_KHAM_PHA": 18})
    r = row(store, "KPI_GIAI_QUYET", "Q1")
    assert (r.numerator, r.denominator, r.value, r.status) == (9, 10, 0.9, "not_met")
    assert r.needed == 1  # 10/10 is the smallest numerator above 90 % of 10
    k = row(store, "KPI_KHAM_PHA", "Q1")
    assert (k.numerator, k.denominator, k.status, k.needed) == (18, 20, "not_met", 1)  # 18/20 = 90 %, 19/20 meets


def test_above_90_percent_is_met(store):
    load(store, "CA", 1, tips(0, 11, 11, 10))
    r = row(store, "KPI_GIAI_QUYET", "Q1")
    assert (r.numerator, r.denominator, r.status) == (10, 11, "met")  # 90,9 %
    assert r.value == pytest.approx(10 / 11)


def test_exactly_100_percent_meets_greater_or_equal(store):
    load(store, "CA", 1, tips(0, 7, 7, 7))
    assert row(store, "KPI_TIEP_NHAN", "Q1").status == "met"


def test_below_100_percent_classified_is_not_met(store):
    load(store, "CA", 1, tips(0, 7, 6, 6))
    r = row(store, "KPI_TIEP_NHAN", "Q1")
    assert (r.numerator, r.denominator, r.status, r.needed) == (6, 7, "not_met", 1)


def test_exactly_95_percent_prosecuted_is_met(store):
    load(store, "VKS", 1, {"VKS_TON": 4, "VKS_MOI": 16, "VKS_TRUY_TO": 19})
    r = row(store, "KPI_TRUY_TO", "Q1")
    assert (r.numerator, r.denominator, r.value, r.status) == (19, 20, 0.95, "met")
    assert r.target_op == ">=" and r.target == 0.95


def test_needed_for_a_95_percent_target(store):
    load(store, "VKS", 1, {"VKS_TON": 0, "VKS_MOI": 21, "VKS_TRUY_TO": 15})
    r = row(store, "KPI_TRUY_TO", "Q1")
    # 95 % of 21 = 19,95 → 20 indictments needed, 5 more than the 15 done
    assert (r.status, r.needed) == ("not_met", 5)


# -- no cases, no data --------------------------------------------------------------------------------
def test_denominator_zero_is_no_cases_not_zero_or_hundred(store):
    load(store, "CA", 1, tips(0, 0, 0, 0) | {"AN_KHOI_TO": 0, "AN_KHAM_PHA": 0})
    for indicator in ("KPI_TIEP_NHAN", "KPI_GIAI_QUYET", "KPI_KHAM_PHA"):
        r = row(store, indicator, "Q1")
        assert r.status == "no_cases" and r.denominator == 0
        assert pd.isna(r.value)  # null, not 0 % nor 100 %


def test_no_submission_is_no_data(store):
    r = row(store, "KPI_XET_XU", "Y")
    assert r.status == "no_data" and pd.isna(r.numerator) and pd.isna(r.value)


def test_blank_counts_are_not_zero(store):
    load(store, "TAND", 1, {"TA_TON": None, "TA_MOI": None, "TA_XET_XU": None, "TT_BUOI": 2})
    assert row(store, "KPI_XET_XU", "Q1").status == "no_data"


# -- backlog `first` over cumulative periods --------------------------------------------------------
@pytest.fixture
def three_quarters(store):
    # CA: Q1 backlog 2, 3 new, 4 resolved → 1 left; Q2 1+5, 5 resolved → 1; Q3 1+4, 5 resolved → 0.
    load(store, "CA", 1, tips(2, 3, 3, 4))
    load(store, "CA", 2, tips(1, 5, 5, 5))
    load(store, "CA", 3, tips(1, 4, 4, 5))
    return store


def test_9_months_takes_the_backlog_of_q1_only(three_quarters):
    r = row(three_quarters, "KPI_GIAI_QUYET", "9M")
    # Σ resolved = 4 + 5 + 5 = 14; TIN_TON(Q1) + Σ new = 2 + 3 + 5 + 4 = 14 → 100 %.
    # A naive sum of backlogs would give 16 and 87,5 % (not met).
    assert (r.numerator, r.denominator, r.status) == (14, 14, "met")


def test_6_months_backlog(three_quarters):
    r = row(three_quarters, "KPI_GIAI_QUYET", "H1")
    # 9 resolved of 2 + 3 + 5 = 10 → exactly 90 %: not above 90 %.
    assert (r.numerator, r.denominator, r.value, r.status) == (9, 10, 0.9, "not_met")


def test_single_quarter_uses_its_own_backlog(three_quarters):
    r = row(three_quarters, "KPI_GIAI_QUYET", "Q3")
    assert (r.numerator, r.denominator) == (5, 5)


def test_first_takes_the_earliest_reported_quarter_per_unit(store):
    # BP_PQ reports no tip-off count in Q1 and a backlog of 3 in Q2: its H1 backlog is 3.
    load(store, "BP_PQ", 1, tips(None, None, None, None) | {"TT_BUOI": 1})
    load(store, "BP_PQ", 2, tips(3, 1, 1, 4))
    r = row(store, "KPI_GIAI_QUYET", "H1", unit="BP_PQ")
    assert (r.numerator, r.denominator, r.status) == (4, 4, "met")


def test_year_backlog_per_unit_then_summed(store):
    load(store, "CA", 1, tips(2, 0, 0, 2))
    load(store, "CA", 4, tips(5, 0, 0, 5))
    load(store, "BP_SH", 2, tips(1, 0, 0, 0))
    load(store, "BP_SH", 3, tips(1, 0, 0, 1))
    r = row(store, "KPI_GIAI_QUYET", "Y")
    # Resolved are summed: 2 + 5 + 0 + 1 = 8. Backlogs are not: BP_SH's is Q2's 1 (its earliest; Q2
    # carries 1 + 0 - 0 = 1 into Q3, which reports 1: nothing unexplained). CA's is Q1's 2, and Q1 carries
    # 2 + 0 - 2 = 0 on, but Q4 (Q2, Q3 not reported) starts with 5: those 5 also had to be resolved in the
    # year. Denominators: (2 + 5 + 0) + (1 + 0) = 8, so 8 of 8 — not 8 of 3 = 267 %.
    assert (r.numerator, r.denominator) == (8, 8)


# -- sum then divide over units -----------------------------------------------------------------------
def test_town_rate_is_sum_then_divide_not_mean_of_unit_rates(store):
    load(store, "CA", 1, tips(0, 10, 10, 10))    # 100 %
    load(store, "BP_PQ", 1, tips(0, 1, 1, 0))    # 0 %
    town = row(store, "KPI_GIAI_QUYET", "Q1")
    # (10 + 0) / (10 + 1) = 90,9 % → met; the mean of unit rates (50 %) would say not met.
    assert (town.numerator, town.denominator, town.status) == (10, 11, "met")
    by_unit = metrics.attainment(store, 2022, "Q1", by_unit=True)
    ca = by_unit[(by_unit.unit == "CA") & (by_unit.indicator == "KPI_GIAI_QUYET")].iloc[0]
    bp = by_unit[(by_unit.unit == "BP_PQ") & (by_unit.indicator == "KPI_GIAI_QUYET")].iloc[0]
    assert (ca.status, bp.status, bp.needed) == ("met", "not_met", 1)


def test_contributions_list_each_units_numerator_and_denominator(store):
    load(store, "CA", 1, tips(0, 10, 10, 10))
    load(store, "BP_PQ", 1, tips(0, 1, 1, 0))
    df = metrics.contributions(store, 2022, "Q1", "KPI_GIAI_QUYET")
    assert df[["unit", "numerator", "denominator"]].values.tolist() == [["CA", 10, 10], ["BP_PQ", 0, 1]]


# -- timeliness ------------------------------------------------------------------------------------
def status_of(store, unit, quarter, as_of=None):
    df = metrics.compliance(store, 2022, as_of)
    return df[(df.unit == unit) & (df.quarter == quarter)].iloc[0]


@pytest.mark.parametrize("received, expected", [
    (dt.datetime(2022, 3, 15, 23, 59, 59, tzinfo=ICT), "on_time"),
    (dt.datetime(2022, 3, 15, 23, 59), "on_time"),                      # no offset: Asia/Ho_Chi_Minh
    (dt.datetime(2022, 3, 16, 0, 0, tzinfo=ICT), "late"),
    (dt.datetime(2022, 3, 15, 16, 59, 59, tzinfo=dt.timezone.utc), "on_time"),
    (dt.datetime(2022, 3, 15, 17, 0, tzinfo=dt.timezone.utc), "late"),  # = 00:00 on 16/3 in Đức Phổ
])
def test_deadline_minute_in_ho_chi_minh_time(store, received, expected):
    load(store, "CA", 1, {"TT_BUOI": 1}, received=received)
    assert status_of(store, "CA", 1).status == expected


def test_missing_and_pending_depend_on_as_of(store):
    before = dt.datetime(2022, 3, 15, 12, 0, tzinfo=ICT)
    after = dt.datetime(2022, 3, 16, 0, 0, tzinfo=ICT)
    assert status_of(store, "VKS", 1, before).status == "pending"
    assert status_of(store, "VKS", 1, after).status == "missing"
    assert status_of(store, "VKS", 2, after).status == "pending"


def test_a_file_received_after_as_of_does_not_count_yet(store):
    load(store, "CA", 1, {"TT_BUOI": 1}, received=dt.datetime(2022, 3, 14, 9))
    assert status_of(store, "CA", 1, dt.datetime(2022, 3, 10, tzinfo=ICT)).status == "pending"
    assert status_of(store, "CA", 1, dt.datetime(2022, 3, 20, tzinfo=ICT)).status == "on_time"


def test_a_corrected_version_replaces_values_but_not_timeliness(store):
    load(store, "CA", 1, tips(0, 4, 4, 2), received=dt.datetime(2022, 3, 14, 9), name="ca_q1.xlsx")
    load(store, "CA", 1, tips(0, 4, 4, 4), received=dt.datetime(2022, 3, 20, 9), name="ca_q1_sua.xlsx")
    r = row(store, "KPI_GIAI_QUYET", "Q1")
    assert (r.numerator, r.denominator, r.status) == (4, 4, "met")   # the correction's values
    c = status_of(store, "CA", 1)
    assert c.status == "on_time" and c.versions == 2
    assert c.received_at == dt.datetime(2022, 3, 14, 9, tzinfo=ICT)
    assert c.deadline.isoformat() == "2022-03-15T23:59:59+07:00"


def test_first_late_then_corrected_stays_late(store):
    load(store, "CA", 2, {"TT_BUOI": 1}, received=dt.datetime(2022, 6, 17, 9), name="a.xlsx")
    load(store, "CA", 2, {"TT_BUOI": 2}, received=dt.datetime(2022, 6, 18, 9), name="b.xlsx")
    assert status_of(store, "CA", 2).status == "late"


# -- element totals and tasks ------------------------------------------------------------------------
def test_element_totals_sum_units(store):
    load(store, "CA", 1, {"TT_BUOI": 5, "TT_LUOT": 200})
    load(store, "X_PHO_AN", 1, {"TT_BUOI": 8, "TT_LUOT": 400})
    load(store, "X_PHO_AN", 2, {"TT_BUOI": 2, "TT_LUOT": 90})
    df = metrics.element_totals(store, 2022, "H1").set_index("element")
    assert df.loc["TT_BUOI", "value"] == 15 and df.loc["TT_LUOT", "value"] == 690
    assert pd.isna(df.loc["NN_HO_TRO", "value"])  # nobody reported it: not 0


def test_task_progress_counts_units_concerned(store):
    plan = store.plan(2022)
    for unit, status in (("CA", "Hoàn thành"), ("VKS", "Đang triển khai")):
        ingest_bytes(store, build_template(plan, unit, 1, values={"TT_BUOI": 1}, tasks={"T3B": status}),
                     f"{unit}.xlsx", dt.datetime(2022, 3, 1))
    df = metrics.task_progress(store, 2022, 1).set_index("task")
    t3b = df.loc["T3B"]
    assert (t3b.units_concerned, t3b.done, t3b.in_progress, t3b.not_started, t3b.not_reported) == (3, 1, 1, 0, 1)
    assert df.loc["T1A", "units_concerned"] == 27


def test_the_rates_each_unit_is_asked_for(store):
    # spec/plan-2022.md §2: tip-offs and cases are the police's and the border posts' counts, the
    # procuracy's and the court's their own; a commune reports none of them, the town all five
    assert metrics.indicators_asked(store, 2022) == ["KPI_GIAI_QUYET", "KPI_KHAM_PHA", "KPI_TIEP_NHAN",
                                                     "KPI_TRUY_TO", "KPI_XET_XU"]
    assert metrics.indicators_asked(store, 2022, "CA") == ["KPI_GIAI_QUYET", "KPI_KHAM_PHA", "KPI_TIEP_NHAN"]
    assert metrics.indicators_asked(store, 2022, "BP_SH") == ["KPI_GIAI_QUYET", "KPI_KHAM_PHA", "KPI_TIEP_NHAN"]
    assert metrics.indicators_asked(store, 2022, "VKS") == ["KPI_TRUY_TO"]
    assert metrics.indicators_asked(store, 2022, "TAND") == ["KPI_XET_XU"]
    assert metrics.indicators_asked(store, 2022, "X_PHO_AN") == []
