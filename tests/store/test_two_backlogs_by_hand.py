"""Two joins of the views that the shipped plans cannot test, on a plan year of its own, every figure
worked by hand from the plan file and spec/plan-2022.md ("backlogs take the earliest quarter").

The shipped plans end every quarter with a cumulative period (Q1, H1, 9M, Y), and no unit reports two
backlogs, so with them 00_v_period.sql's LEFT JOIN to the cumulative periods could be a JOIN, and
02_v_unit_period_value.sql's `ca.element = s.element` and `u.element = a.element` could be dropped
(`tests/mutate_sql.py`, README "Mutation testing"). The plan 2024 written here from the 2023 file:
  - periods Q1, Q2, Q3, Q4 and Y only (no H1, no 9M): Quý II and Quý III end no cumulative period;
  - the police kind reports the procuracy's three counts too (VKS_TON, VKS_MOI, VKS_TRUY_TO), so Công an
    reports two backlogs, TIN_TON and VKS_TON, each with its carry-over rule.

Công an's reports:
  Q1: TIN_TON 2, TIN_MOI 8, TIN_PHAN_LOAI 8, TIN_DA_GQ 9   → carries 2 + 8 − 9 = 1 tip into Q2
      VKS_TON 0, VKS_MOI 5, VKS_TRUY_TO 5                  → carries 0 + 5 − 5 = 0 cases into Q2
  Q2: TIN_TON 1, TIN_MOI 4, TIN_PHAN_LOAI 4, TIN_DA_GQ 5   (1 = what Q1 carried: nothing unexplained)
      VKS_TON 0, VKS_MOI 3, VKS_TRUY_TO 2                  (0 = what Q1 carried)
The year (Y): TIN_TON = the earliest, 2, plus no excess = 2; VKS_TON = 0; the flows add up.
With `ca.element = s.element` dropped, Q2's TIN_TON (1) is also compared with the 0 cases VKS_TON carried:
an excess of 1, and the year's TIN_TON becomes 3. With `u.element = a.element` dropped, every count of
Công an's year meets both backlogs' excess rows: each comes out twice.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from conftest import ROOT

from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PLAN_2023 = ROOT / "data" / "plans" / "duc_pho_2023.toml"
POLICE_LAST = '"KT_VI_PHAM", "PL_KIEN_NGHI", "HTQT"]\n[kinds.border]'
H1_9M = ('[[periods]]\ncode = "H1"\nname = "6 tháng"\nquarters = [1, 2]\n'
         '[[periods]]\ncode = "9M"\nname = "9 tháng"\nquarters = [1, 2, 3]\n')


def plan_2024(tmp) -> str:
    text = PLAN_2023.read_text(encoding="utf-8").replace("2023", "2024").replace("2022-12-15", "2023-12-15")
    assert text.count(POLICE_LAST) == 1 and text.count(H1_9M) == 1
    text = text.replace(POLICE_LAST, POLICE_LAST.replace('"HTQT"]', '"HTQT", "VKS_TON", "VKS_MOI", "VKS_TRUY_TO"]'))
    text = text.replace(H1_9M, "")
    path = tmp / "duc_pho_2024.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def s(tmp_path_factory) -> Store:
    tmp = tmp_path_factory.mktemp("two_backlogs")
    store = Store(tmp / "data")
    store.install_plan(plan_2024(tmp))
    reports = [
        (1, {"TIN_TON": 2, "TIN_MOI": 8, "TIN_PHAN_LOAI": 8, "TIN_DA_GQ": 9,
             "VKS_TON": 0, "VKS_MOI": 5, "VKS_TRUY_TO": 5}),
        (2, {"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 5,
             "VKS_TON": 0, "VKS_MOI": 3, "VKS_TRUY_TO": 2}),
    ]
    for q, values in reports:
        data = build_template(store.plan(2024), "CA", q, values=values)
        r = ingest_bytes(store, data, f"CA_2024_Q{q}.xlsx", dt.datetime(2024, 3 * q, 1, 9, tzinfo=VN))
        assert r.status == "accepted", [e.message for e in r.errors]
        assert not r.warnings, [w.message for w in r.warnings]   # both backlogs follow from Q1
    return store


def rows(s: Store, sql: str) -> list[tuple]:
    with s.connect() as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def test_a_quarter_that_ends_no_cumulative_period_is_still_a_period(s):
    assert rows(s, "SELECT period, quarters, first_quarter, last_quarter, is_single_quarter, is_cumulative, "
                   "cumulative_period FROM v_period WHERE year = 2024 ORDER BY sort") == [
        ("Q1", [1], 1, 1, True, True, "Q1"),
        ("Q2", [2], 2, 2, True, False, None),    # no H1 in this plan
        ("Q3", [3], 3, 3, True, False, None),    # no 9M
        ("Q4", [4], 4, 4, True, False, "Y"),
        ("Y", [1, 2, 3, 4], 1, 4, False, True, "Y"),
    ]


def test_two_backlogs_of_one_unit_are_carried_over_each_on_its_own(s):
    got = rows(s, "SELECT period, element, value, quarters_reported FROM v_unit_period_value "
                  "WHERE year = 2024 AND unit = 'CA' AND period IN ('Q2', 'Y') AND value IS NOT NULL "
                  "ORDER BY period, element")
    assert got == [
        ("Q2", "TIN_DA_GQ", 5, 1), ("Q2", "TIN_MOI", 4, 1), ("Q2", "TIN_PHAN_LOAI", 4, 1), ("Q2", "TIN_TON", 1, 1),
        ("Q2", "VKS_MOI", 3, 1), ("Q2", "VKS_TON", 0, 1), ("Q2", "VKS_TRUY_TO", 2, 1),
        ("Y", "TIN_DA_GQ", 14, 2), ("Y", "TIN_MOI", 12, 2), ("Y", "TIN_PHAN_LOAI", 12, 2), ("Y", "TIN_TON", 2, 2),
        ("Y", "VKS_MOI", 8, 2), ("Y", "VKS_TON", 0, 2), ("Y", "VKS_TRUY_TO", 7, 2),
    ]
