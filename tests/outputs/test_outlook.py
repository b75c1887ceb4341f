"""The year-end outlook of the yearly targets (pipelines/outputs/outlook.py), checked on numbers
worked out by hand: the method on whole counts, then two hand-made courts of 2022 seen after 9 months
— the procuracy off track for "≥ 95 %", the court on track for "≥ 90 %"."""
import datetime as dt

import pytest

from pipelines.outputs import outlook
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

# Procuracy: backlogs follow from quarter to quarter (2 + 4 − 5 = 1, 1 + 5 − 5 = 1).
VKS = {1: {"VKS_TON": 2, "VKS_MOI": 4, "VKS_TRUY_TO": 5},
       2: {"VKS_TON": 1, "VKS_MOI": 5, "VKS_TRUY_TO": 5},
       3: {"VKS_TON": 1, "VKS_MOI": 3, "VKS_TRUY_TO": 3}}
# Court: 0 + 5 − 4 = 1, 1 + 5 − 6 = 0.
TAND = {1: {"TA_TON": 0, "TA_MOI": 5, "TA_XET_XU": 4},
        2: {"TA_TON": 1, "TA_MOI": 5, "TA_XET_XU": 6},
        3: {"TA_TON": 0, "TA_MOI": 5, "TA_XET_XU": 5}}


def test_the_smallest_numerator_minds_strict_and_wide_targets():
    # 20 cases: "> 90 %" needs 19 (18/20 = 90 % is not above 90 %), "≥ 90 %" needs 18,
    # "≥ 95 %" needs 19 (19/20 = 95 %), and 18 cases "≥ 95 %" needs ⌈17,1⌉ = 18
    assert outlook.numerator_to_meet(20, ">", 0.9) == 19
    assert outlook.numerator_to_meet(20, ">=", 0.9) == 18
    assert outlook.numerator_to_meet(20, ">=", 0.95) == 19
    assert outlook.numerator_to_meet(18, ">=", 0.95) == 18
    assert outlook.numerator_to_meet(7, "=", 1.0) == 7


def test_off_track_worked_by_hand():
    # N = 13, D = 14 after 3 quarters, 12 new cases in them; 1 quarter left:
    # E = round(12 × 1 ÷ 3) = 4, D_end = 18, need = ⌈18 × 0,95⌉ = ⌈17,1⌉ = 18, more = 18 − 13 = 5;
    # at the pace so far N grows by round(13 ÷ 3 = 4,33) = 4: N_end = 17 < 18 → off track
    o = outlook.project(13, 14, 12, 3, 1, ">=", 0.95)
    assert (o.expected_new, o.denominator_end, o.need, o.more, o.numerator_end, o.verdict) == \
        (4, 18, 18, 5, 17, "off_track")


def test_on_track_worked_by_hand():
    # N = 15, D = 15, 15 new cases in 3 quarters; 1 left: E = 5, D_end = 20, need = ⌈20 × 0,9⌉ = 18,
    # more = 3; pace: 15 + round(15 ÷ 3) = 20 ≥ 18 → on track
    o = outlook.project(15, 15, 15, 3, 1, ">=", 0.9)
    assert (o.expected_new, o.denominator_end, o.need, o.more, o.numerator_end, o.verdict) == \
        (5, 20, 18, 3, 20, "on_track")
    # the same with "> 90 %": need = ⌊18⌋ + 1 = 19, more = 4, still on track (20 ≥ 19)
    o = outlook.project(15, 15, 15, 3, 1, ">", 0.9)
    assert (o.need, o.more, o.verdict) == (19, 4, "on_track")


def test_secured_decided_impossible_and_rounding():
    # 19 of 19, 3 new cases in 3 quarters, 1 left: E = 1, D_end = 20, need 18 ≤ 19: nothing more needed
    assert outlook.project(19, 19, 3, 3, 1, ">=", 0.9).verdict == "secured"
    # no quarter left: 19/20 ≥ 95 % is met, 18/20 is missed for good
    assert outlook.project(19, 20, 20, 4, 0, ">=", 0.95).verdict == "met"
    o = outlook.project(18, 20, 20, 4, 0, ">=", 0.95)
    assert (o.verdict, o.more) == ("missed", 1)
    # more would have to be settled than there are cases ("> 100 %"): impossible
    assert outlook.project(5, 5, 5, 1, 3, ">", 1.0).verdict == "impossible"
    # rounding half up: 5 new cases in 2 quarters, 1 left → 2,5 → 3 expected
    assert outlook.project(5, 5, 5, 2, 1, ">=", 0.9).expected_new == 3
    # nothing arose and nothing is expected
    assert outlook.project(0, 0, 0, 3, 1, ">=", 0.9).verdict == "no_cases"


@pytest.fixture
def courts(store):
    for unit, quarters in (("VKS", VKS), ("TAND", TAND)):
        for q, values in quarters.items():
            data = build_template(store.plan(2022), unit, q, values=values)
            r = ingest_bytes(store, data, f"{unit}_2022_Q{q}.xlsx", dt.datetime(2022, 3 * q, 10, 9))
            assert r.status == "accepted", [e.message for e in r.errors]
    return store


@pytest.mark.parametrize("period", ["9M", "Q3"])  # a single quarter is seen at its cumulative period
def test_the_two_courts_after_nine_months(courts, period):
    df = outlook.outlook(courts, 2022, period).set_index("indicator")
    assert list(df.index) == ["KPI_TRUY_TO", "KPI_XET_XU"]   # the yearly targets only
    v = df.loc["KPI_TRUY_TO"]
    # N = 5 + 5 + 3 = 13; D = VKS_TON(Q1) 2 + VKS_MOI 4 + 5 + 3 = 14; inflow 12 → as test_off_track_worked_by_hand
    assert (v.numerator, v.denominator, v.inflow, v.quarters_done, v.quarters_left) == (13, 14, 12, 3, 1)
    assert (v.denominator_end, v.need, v.more, v.numerator_end, v.verdict) == (18, 18, 5, 17, "off_track")
    assert v.by == dt.date(2022, 12, 15)      # the last data period ends 14/12: "trước 15/12"
    c = df.loc["KPI_XET_XU"]
    # N = 4 + 6 + 5 = 15; D = TA_TON(Q1) 0 + 5 + 5 + 5 = 15 → as test_on_track_worked_by_hand
    assert (c.numerator, c.denominator, c.inflow) == (15, 15, 15)
    assert (c.denominator_end, c.need, c.more, c.numerator_end, c.verdict) == (20, 18, 3, 20, "on_track")


def test_nothing_reported_yet(store):
    df = outlook.outlook(store, 2022, "H1").set_index("indicator")
    assert set(df["verdict"]) == {"no_data"} and set(df["quarters_left"]) == {2}


def test_the_year_before_its_last_reports_is_seen_after_nine_months(courts):
    # "Năm" with no Q4 report yet: not "missed for the year" but 3 quarters done, 1 left (as 9M)
    df = outlook.outlook(courts, 2022, "Y").set_index("indicator")
    assert (df.loc["KPI_TRUY_TO", "cumulative_period"], df.loc["KPI_TRUY_TO", "quarters_done"]) == ("9M", 3)
    assert df.loc["KPI_TRUY_TO", "verdict"] == "off_track"


def test_a_decided_year(courts):
    # Q4 arrives: VKS backlog 1 (1 + 3 − 3), 2 new, 3 indicted → the year: N = 13 + 3 = 16,
    # D = 2 + 4 + 5 + 3 + 2 = 16 → 16/16 = 100 % ≥ 95 %: met; the court sends nothing in Q4: 15/15
    # (its 9 months) with no quarter left → met as well
    data = build_template(courts.plan(2022), "VKS", 4, values={"VKS_TON": 1, "VKS_MOI": 2, "VKS_TRUY_TO": 3})
    assert ingest_bytes(courts, data, "VKS_2022_Q4.xlsx", dt.datetime(2022, 12, 10, 9)).status == "accepted"
    df = outlook.outlook(courts, 2022, "Y").set_index("indicator")
    v = df.loc["KPI_TRUY_TO"]
    assert (v.quarters_left, v.numerator, v.denominator, v.verdict) == (0, 16, 16, "met")
    assert df.loc["KPI_XET_XU", "verdict"] == "met"
