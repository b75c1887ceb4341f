"""The store's views on one small store, every figure worked by hand from spec/plan-2022.md — fast
(one store for the module), so that the SQL mutants of `tests/mutate_sql.py` (`>`/`>=`, min/max,
arg_min/arg_max, floor/ceil, greatest/least, a dropped join condition, LEFT JOIN → JOIN) are killed in
seconds. Two plan years are installed and 2023 holds a report too, so a join that loses its `year`
condition mixes the years and shows.

The reports (received at, Asia/Ho_Chi_Minh time):
  2022 CA  Q1 v1 15/03 23:59 (the deadline's last minute): TIN_TON 2, TIN_MOI 8, TIN_PHAN_LOAI 8, TIN_DA_GQ 9,
                                                           TT_BUOI 0, AN_KHOI_TO 0, AN_KHAM_PHA 0 (no case)
  2022 CA  Q1 v2 20/03 09:00 (a correction, late):          TIN_PHAN_LOAI 7, the rest as v1
  2022 CA  Q2    16/06 00:00 (the first instant after the deadline: late):
                                                           TIN_TON 4, TIN_MOI 10, TIN_PHAN_LOAI 10, TIN_DA_GQ 12
  2022 BP_PQ Q1  10/03 09:00: TIN_TON 5, TIN_MOI 3,  TIN_PHAN_LOAI 3, TIN_DA_GQ 6
  2022 BP_PQ Q2  10/06 09:00: TIN_TON 2, TIN_MOI 4,  TIN_PHAN_LOAI 4, TIN_DA_GQ 5
  2022 VKS Q1    01/03 09:00: VKS_TON 0, VKS_MOI 20, VKS_TRUY_TO 19
  2022 VKS Q2    01/06 09:00: VKS_TON 1, VKS_MOI 9,  VKS_TRUY_TO 5
  2023 CA  Q1    01/03 09:00: TIN_TON 1, TIN_MOI 9,  TIN_PHAN_LOAI 9, TIN_DA_GQ 10
Every report says task T1A "Hoàn thành". Two units report the same backlog (Công an, Biên phòng Phổ
Quang), and Công an a count of 0 besides (TT_BUOI), so that a carried-over backlog joined to another
unit's or another element's counts changes a figure.
How each mutant was seen to die: `python tests/mutate_sql.py` (README "Mutation testing").
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CA_Q1 = {"TIN_TON": 2, "TIN_MOI": 8, "TIN_PHAN_LOAI": 8, "TIN_DA_GQ": 9, "TT_BUOI": 0, "AN_KHOI_TO": 0, "AN_KHAM_PHA": 0}


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


@pytest.fixture(scope="module")
def s(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("views") / "data")
    loads = [
        (2022, "CA", 1, CA_Q1, local(2022, 3, 15, 23, 59)),
        (2022, "CA", 1, {**CA_Q1, "TIN_PHAN_LOAI": 7}, local(2022, 3, 20, 9)),
        (2022, "CA", 2, {"TIN_TON": 4, "TIN_MOI": 10, "TIN_PHAN_LOAI": 10, "TIN_DA_GQ": 12}, local(2022, 6, 16)),
        (2022, "BP_PQ", 1, {"TIN_TON": 5, "TIN_MOI": 3, "TIN_PHAN_LOAI": 3, "TIN_DA_GQ": 6}, local(2022, 3, 10, 9)),
        (2022, "BP_PQ", 2, {"TIN_TON": 2, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 5}, local(2022, 6, 10, 9)),
        (2022, "VKS", 1, {"VKS_TON": 0, "VKS_MOI": 20, "VKS_TRUY_TO": 19}, local(2022, 3, 1, 9)),
        (2022, "VKS", 2, {"VKS_TON": 1, "VKS_MOI": 9, "VKS_TRUY_TO": 5}, local(2022, 6, 1, 9)),
        (2023, "CA", 1, {"TIN_TON": 1, "TIN_MOI": 9, "TIN_PHAN_LOAI": 9, "TIN_DA_GQ": 10}, local(2023, 3, 1, 9)),
    ]
    for n, (year, unit, q, values, at) in enumerate(loads):
        data = build_template(store.plan(year), unit, q, values=values, tasks={"T1A": "Hoàn thành"})
        r = ingest_bytes(store, data, f"{n}_{unit}_{year}_Q{q}.xlsx", at)
        assert r.status == "accepted", [e.message for e in r.errors]
    from pipelines.accounts.users import add_user
    from pipelines.outputs import quality
    analyst = add_user(store, "chuyen_vien", "analyst", "mat-khau-dai-138")
    quality.mark(store, analyst, 2022, 1, "CA", "TIN_MOI", "8 tin mới: hỏi lại đơn vị")
    return store


def rows(s: Store, sql: str, params=()) -> list[tuple]:
    with s.connect() as con:
        return [tuple(r) for r in con.execute(sql, list(params)).fetchall()]


def test_periods(s):
    got = rows(s, "SELECT period, quarters, first_quarter, last_quarter, is_single_quarter, is_cumulative, "
                  "cumulative_period FROM v_period WHERE year = 2022 ORDER BY sort")
    assert got == [
        ("Q1", [1], 1, 1, True, True, "Q1"),
        ("Q2", [2], 2, 2, True, False, "H1"),
        ("Q3", [3], 3, 3, True, False, "9M"),
        ("Q4", [4], 4, 4, True, False, "Y"),
        ("H1", [1, 2], 1, 2, False, True, "H1"),
        ("9M", [1, 2, 3], 1, 3, False, True, "9M"),
        ("Y", [1, 2, 3, 4], 1, 4, False, True, "Y"),
    ]
    assert rows(s, "SELECT count(*) FROM v_period") == [(14,)]          # 7 periods × 2 plan years


def test_current_values_are_the_latest_version(s):
    got = rows(s, "SELECT element, value FROM v_current_value WHERE year = 2022 AND unit = 'CA' AND quarter = 1 "
                  "AND value IS NOT NULL ORDER BY element")
    assert got == [("AN_KHAM_PHA", 0), ("AN_KHOI_TO", 0), ("TIN_DA_GQ", 9), ("TIN_MOI", 8), ("TIN_PHAN_LOAI", 7),
                   ("TIN_TON", 2), ("TT_BUOI", 0)]


def test_unit_period_values_sum_flows_and_take_the_first_backlog_plus_its_unexplained_growth(s):
    got = {(p, e): (v, n) for p, e, v, n in rows(
        s, "SELECT period, element, value, quarters_reported FROM v_unit_period_value "
           "WHERE year = 2022 AND unit = 'CA' AND element LIKE 'TIN_%'")}
    # Q1 carries 2 + 8 − 9 = 1 into Q2; Q2 reports a backlog of 4: 3 came from elsewhere. H1's backlog
    # is the first (2) plus that excess (3) = 5; the flows add up.
    assert got[("Q1", "TIN_TON")] == (2, 1) and got[("Q2", "TIN_TON")] == (4, 1)
    assert got[("H1", "TIN_TON")] == (5, 2) and got[("9M", "TIN_TON")] == (5, 2) and got[("Y", "TIN_TON")] == (5, 2)
    assert got[("H1", "TIN_MOI")] == (18, 2) and got[("H1", "TIN_DA_GQ")] == (21, 2)
    assert got[("H1", "TIN_PHAN_LOAI")] == (17, 2)
    assert ("Q3", "TIN_MOI") not in got
    # Biên phòng Phổ Quang: Q1 carries 5 + 3 − 6 = 2, Q2 reports 2: no excess, H1 backlog 5
    bp = dict(rows(s, "SELECT element, value FROM v_unit_period_value WHERE year = 2022 AND unit = 'BP_PQ' "
                      "AND period = 'H1' AND element LIKE 'TIN_%'"))
    assert bp == {"TIN_TON": 5, "TIN_MOI": 7, "TIN_PHAN_LOAI": 7, "TIN_DA_GQ": 11}
    vks = dict(rows(s, "SELECT element, value FROM v_unit_period_value WHERE year = 2022 AND unit = 'VKS' "
                       "AND period = 'H1' AND element LIKE 'VKS_%'"))
    # Q1 carries 0 + 20 − 19 = 1, Q2 reports 1: nothing unexplained; H1 backlog 0
    assert vks == {"VKS_TON": 0, "VKS_MOI": 29, "VKS_TRUY_TO": 24}
    assert rows(s, "SELECT value FROM v_unit_period_value WHERE year = 2023 AND unit = 'CA' AND period = 'Y' "
                   "AND element = 'TIN_TON'") == [(1,)]


def test_scope_values_add_units_once_and_keep_years_apart(s):
    town = dict(rows(s, "SELECT element, value FROM v_scope_period_value WHERE year = 2022 AND scope = 'ALL' "
                        "AND period = 'H1' AND element IN ('TIN_TON', 'TIN_MOI', 'VKS_MOI')"))
    assert town == {"TIN_TON": 5 + 5, "TIN_MOI": 18 + 7, "VKS_MOI": 29}
    assert rows(s, "SELECT value, units_reported FROM v_scope_period_value WHERE year = 2023 AND scope = 'ALL' "
                   "AND period = 'Q1' AND element = 'TIN_MOI'") == [(9, 1)]
    # the mart holds what the view computes
    assert rows(s, "SELECT count(*) FROM (SELECT * FROM v_scope_period_value EXCEPT "
                   "SELECT * FROM mart_scope_period_value)") == [(0,)]


ATTAINMENT = "SELECT numerator, denominator, status, needed, period_status, judged_period FROM v_attainment " \
             "WHERE year = ? AND scope = ? AND period = ? AND indicator = ?"


@pytest.mark.parametrize("scope, period, indicator, expected", [
    # Công an. > 90 %: 9/10 is exactly 90 %, not above: 9 + 1 = 10 needed, 1 more
    ("CA", "Q1", "KPI_GIAI_QUYET", (9, 10, "not_met", 1, "not_met", "Q1")),
    # 12/14 = 85,7 %: 90 % of 14 is 12,6, above it is 13: 1 more
    ("CA", "Q2", "KPI_GIAI_QUYET", (12, 14, "not_met", 1, "not_met", "Q2")),
    # 21 / (5 + 18) = 91,3 %
    ("CA", "H1", "KPI_GIAI_QUYET", (21, 23, "met", None, "met", "H1")),
    # = 100 % (≥ 1.00): 7 of 8 classified, 1 more
    ("CA", "Q1", "KPI_TIEP_NHAN", (7, 8, "not_met", 1, "not_met", "Q1")),
    ("CA", "Q2", "KPI_TIEP_NHAN", (10, 10, "met", None, "met", "Q2")),
    ("CA", "H1", "KPI_TIEP_NHAN", (17, 18, "not_met", 1, "not_met", "H1")),
    # no case opened (0 of 0): no rate, "không phát sinh"; nothing reported at all in Q2
    ("CA", "Q1", "KPI_KHAM_PHA", (0, 0, "no_cases", None, "no_cases", "Q1")),
    ("CA", "Q2", "KPI_KHAM_PHA", (None, None, "no_data", None, "no_data", "Q2")),
    # The town: Công an + Biên phòng Phổ Quang. Q1 (9 + 6) / (2 + 8 + 5 + 3) = 15/18 = 83,3 %; 90 % of 18
    # is 16,2, so 17: 2 more. Q2 (12 + 5) / (4 + 10 + 2 + 4) = 17/20 = 85 %: above 18, 19: 2 more.
    # H1 (21 + 11) / (10 + 25) = 32/35 = 91,4 %.
    ("ALL", "Q1", "KPI_GIAI_QUYET", (15, 18, "not_met", 2, "not_met", "Q1")),
    ("ALL", "Q2", "KPI_GIAI_QUYET", (17, 20, "not_met", 2, "not_met", "Q2")),
    ("ALL", "H1", "KPI_GIAI_QUYET", (32, 35, "met", None, "met", "H1")),
    ("ALL", "Q1", "KPI_TIEP_NHAN", (10, 11, "not_met", 1, "not_met", "Q1")),
    ("ALL", "Q2", "KPI_TIEP_NHAN", (14, 14, "met", None, "met", "Q2")),
    ("ALL", "H1", "KPI_TIEP_NHAN", (24, 25, "not_met", 1, "not_met", "H1")),
    ("ALL", "Q1", "KPI_KHAM_PHA", (0, 0, "no_cases", None, "no_cases", "Q1")),
])
def test_attainment_of_period_targets(s, scope, period, indicator, expected):
    assert rows(s, ATTAINMENT, [2022, scope, period, indicator]) == [expected]
    (value,), = rows(s, "SELECT value FROM v_attainment WHERE year = 2022 AND scope = ? AND period = ? "
                        "AND indicator = ?", [scope, period, indicator])
    n, d = expected[:2]
    assert value is None if not d else value == pytest.approx(n / d, abs=1e-12)


@pytest.mark.parametrize("scope", ["VKS", "ALL"])
def test_attainment_of_a_yearly_target_is_judged_on_the_cumulative_rate(s, scope):
    # ≥ 95 %: Q1 19/20 is exactly 95 %: met. Q2 5/10 on its own, judged on H1 = 24 / (0 + 29) = 82,8 %:
    # 95 % of 29 is 27,55, so 28 are needed, 4 more.
    assert rows(s, ATTAINMENT, [2022, scope, "Q1", "KPI_TRUY_TO"]) == [(19, 20, "met", None, "met", "Q1")]
    assert rows(s, ATTAINMENT, [2022, scope, "Q2", "KPI_TRUY_TO"]) == [(5, 10, "not_met", 4, "not_met", "H1")]
    assert rows(s, ATTAINMENT, [2022, scope, "H1", "KPI_TRUY_TO"]) == [(24, 29, "not_met", 4, "not_met", "H1")]


def test_attainment_rows_one_per_scope_period_indicator(s):
    scopes = rows(s, "SELECT count(*) FROM dim_scope WHERE year = 2022")[0][0]
    indicators = rows(s, "SELECT count(*) FROM dim_indicator WHERE year = 2022")[0][0]
    assert rows(s, "SELECT count(*) FROM v_attainment WHERE year = 2022") == [(scopes * 7 * indicators,)]
    assert rows(s, "SELECT count(*) FROM v_indicator_value WHERE year = 2022") == [(scopes * 7 * indicators,)]


def utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.timezone.utc).replace(tzinfo=None)


def compliance(s: Store, as_of: dt.datetime, year: int = 2022) -> dict:
    got = rows(s, "SELECT unit, quarter, status, versions FROM compliance_at(CAST(? AS TIMESTAMP)) WHERE year = ?",
               [utc(as_of), year])
    assert len(got) == len({(u, q) for u, q, _, _ in got}), "one row per unit and quarter"
    return {(u, q): (st, n) for u, q, st, n in got}


def test_timeliness_at_the_deadline_minute(s):
    c = compliance(s, local(2022, 7, 1))
    # CA Q1: first version in the deadline's last minute (on time, the late correction does not
    # change it); CA Q2: received at 16/06 00:00, the first instant after the deadline: late
    assert c[("CA", 1)] == ("on_time", 2) and c[("CA", 2)] == ("late", 1)
    assert c[("VKS", 1)] == ("on_time", 1) and c[("VKS", 2)] == ("on_time", 1)
    assert c[("BP_PQ", 1)] == ("on_time", 1) and c[("BP_PQ", 2)] == ("on_time", 1)
    assert c[("TP", 1)] == ("missing", 0) and c[("TP", 3)] == ("pending", 0)
    assert len(c) == rows(s, "SELECT count(*) FROM dim_unit WHERE year = 2022")[0][0] * 4
    # judged exactly at the first receipt: it counts (received_at <= as_of)
    assert compliance(s, local(2022, 3, 15, 23, 59))[("CA", 1)] == ("on_time", 1)
    # judged exactly at the first instant after the deadline: a report that never came is missing
    at_end = compliance(s, local(2022, 3, 16))
    assert at_end[("TP", 1)] == ("missing", 0) and at_end[("CA", 1)] == ("on_time", 1)  # v2 came on 20/03
    assert compliance(s, local(2022, 3, 15, 23, 58))[("TP", 1)] == ("pending", 0)
    # a year later, with Công an's 2023 Q1 report in: 2022 keeps its own receipts
    later = compliance(s, local(2023, 6, 1))
    assert later[("CA", 1)] == ("on_time", 2) and later[("CA", 2)] == ("late", 1)
    assert compliance(s, local(2023, 6, 1), 2023)[("CA", 1)] == ("on_time", 1)


def test_timeliness_rolled_up(s):
    units = rows(s, "SELECT count(*) FROM dim_unit WHERE year = 2022")[0][0]
    got = rows(s, "SELECT quarter, units, on_time, late, missing, pending FROM compliance_rollup_at(CAST(? AS TIMESTAMP)) "
                  "WHERE year = 2022 AND scope = 'ALL' ORDER BY quarter", [utc(local(2022, 7, 1))])
    assert got == [(1, units, 3, 0, units - 3, 0), (2, units, 2, 1, units - 3, 0),
                   (3, units, 0, 0, 0, units), (4, units, 0, 0, 0, units)]


def test_task_progress_counts_the_units_concerned(s):
    concerned = rows(s, "SELECT count(*) FROM dim_task_unit WHERE year = 2022 AND task = 'T1A'")[0][0]
    got = rows(s, "SELECT quarter, units_concerned, done, not_reported FROM v_task_progress "
                  "WHERE year = 2022 AND task = 'T1A' ORDER BY quarter")
    # T1A: every unit; CA, BP_PQ and VKS reported it done in Q1 and Q2
    assert got == [(1, concerned, 3, concerned - 3), (2, concerned, 3, concerned - 3),
                   (3, concerned, 0, concerned), (4, concerned, 0, concerned)]
    assert rows(s, "SELECT done FROM v_task_progress WHERE year = 2023 AND quarter = 1 AND task = 'T1A'") == [(1,)]
    # no other task was reported: nothing done, every unit concerned not reported
    assert rows(s, "SELECT count(*) FROM v_task_progress WHERE year = 2022 AND task <> 'T1A' "
                   "AND (done > 0 OR not_reported <> units_concerned)") == [(0,)]


def test_completeness(s):
    expected = len(s.plan(2022).unit_elements("CA"))
    got = rows(s, "SELECT reported, elements_expected, elements_with_value FROM v_completeness "
                  "WHERE year = 2022 AND unit = 'CA' AND quarter = 1")
    assert got == [(True, expected, 7)]
    assert rows(s, "SELECT reported, elements_with_value, elements_missing FROM v_completeness "
                   "WHERE year = 2022 AND unit = 'TP' AND quarter = 1") == [(False, 0, [])]
    units = rows(s, "SELECT count(*) FROM dim_unit WHERE year = 2022")[0][0]
    assert rows(s, "SELECT count(*) FROM v_completeness WHERE year = 2022") == [(units * 4,)]


def test_follow_up_mark_keeps_its_year(s):
    # one mark, on 2022 Q1 Công an TIN_MOI = 8 (still the current value: open); 2023 Q1 holds 9
    assert rows(s, "SELECT year, quarter, unit, element, value, current_value, status FROM v_follow_up") == [
        (2022, 1, "CA", "TIN_MOI", 8, 8, "open")]
