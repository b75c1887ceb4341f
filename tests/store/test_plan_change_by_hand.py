"""What changed between plan years (views v_element_change, v_indicator_change) and a follow-up mark whose
element the current version no longer holds (v_follow_up), on a store of three plan years, every
expected row worked by hand from the plan files.

The shipped plans 2022 and 2023 differ in one element (TT_LUOT counts people, "người", no longer
"lượt người") and one target (KPI_GIAI_QUYET > 90 % → > 92 %): data/plans/duc_pho_2023.toml's header.
A third year, 2024, is written here from the 2023 file:
  - a new element TT_MOI (reported by the police kind) and a new indicator KPI_MOI = TT_MOI ÷ TT_BUOI;
  - AN_KHOI_TO counted in "vụ án", no longer "vụ": not comparable, and so neither is KPI_KHAM_PHA, whose
    denominator it is;
  - after Công an's 2024 Q1 report (TT_TIN_BAI 5, marked for follow-up), the 2024 plan is replaced
    (`--replace`) by one where the police kind no longer reports TT_TIN_BAI (still asked of the
    departments and mass organisations) and no unit at all reports KT_VI_PHAM (police and communes in
    2023): the units asked for each differ from 2023's ("units_differ"), and Công an's second version
    holds no TT_TIN_BAI at all.

Found untested by `tests/mutate_sql.py` (README "Mutation testing"): with two plan years, no element or
indicator added and every element asked of some unit, 13_v_plan_change.sql's LEFT JOINs could be plain
JOINs and two of its `year` conditions could be dropped, and 14_v_follow_up.sql's LEFT JOIN
v_current_value could be a JOIN; each fails a test here.
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
POLICE_2023 = ('elements = ["TIN_TON", "TIN_MOI", "TIN_PHAN_LOAI", "TIN_DA_GQ", "AN_KHOI_TO", "AN_KHAM_PHA", "BI_CAN",\n'
               '            "NN_TIEP_NHAN", "NN_XAC_DINH", "NN_GIAI_CUU", "TT_BUOI", "TT_LUOT", "TT_TIN_BAI",\n')
NEW_ELEMENT = ('[[elements]]\ncode = "TT_MOI"\nsection = "IV. Truyền thông, phòng ngừa"\n'
               'name = "Số buổi tuyên truyền có người bị mua bán trở về tham gia"\nunit_of_measure = "buổi"\n'
               'over_time = "sum"\n')
NEW_INDICATOR = ('[[indicators]]\ncode = "KPI_MOI"\nname = "Tỷ lệ buổi tuyên truyền có người trở về tham gia"\n'
                 'short_name = "Tuyên truyền có người trở về"\nnumerator = ["TT_MOI"]\ndenominator = ["TT_BUOI"]\n'
                 'op = ">="\ntarget = 0.10\nowner = "CA"\njudged_on = "period"\naction = "thêm {n} buổi"\n')


def plan_2024(tmp_path, *, police_reports_tin_bai: bool) -> str:
    text = PLAN_2023.read_text(encoding="utf-8").replace("2023", "2024").replace("2022-12-15", "2023-12-15")
    assert text.count(POLICE_2023) == 1
    police = POLICE_2023.replace('"TT_LUOT", "TT_TIN_BAI",', '"TT_LUOT", "TT_TIN_BAI", "TT_MOI",')
    text = text.replace(POLICE_2023, police)
    if not police_reports_tin_bai:
        kinds = text.index("[kinds.police]"), text.index("[[units]]")
        assert text[kinds[0]:kinds[1]].count('"KT_VI_PHAM", ') == 2      # police and communes
        text = (text[:kinds[0]] + text[kinds[0]:kinds[1]].replace('"KT_VI_PHAM", ', "")
                .replace('"TT_LUOT", "TT_TIN_BAI", "TT_MOI",', '"TT_LUOT", "TT_MOI",') + text[kinds[1]:])
    an_khoi_to = 'code = "AN_KHOI_TO"\nsection = "II. Điều tra, truy tố, xét xử"\nname = "Số vụ án mua bán người đã khởi tố"\nunit_of_measure = "vụ"\n'
    assert text.count(an_khoi_to) == 1
    text = text.replace(an_khoi_to, an_khoi_to.replace('"vụ"', '"vụ án"'))
    first_indicator = text.index("[[indicators]]")
    text = text[:first_indicator] + NEW_ELEMENT + NEW_INDICATOR + text[first_indicator:]
    path = tmp_path / f"duc_pho_2024_{'a' if police_reports_tin_bai else 'b'}.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def s(tmp_path_factory) -> Store:
    tmp = tmp_path_factory.mktemp("plan_change")
    store = Store(tmp / "data")
    assert sorted(store.plans()) == [2022, 2023]
    store.install_plan(plan_2024(tmp, police_reports_tin_bai=True))

    def send(n: int, values: dict) -> None:
        data = build_template(store.plan(2024), "CA", 1, values=values)
        r = ingest_bytes(store, data, f"{n}_CA_2024_Q1.xlsx", dt.datetime(2024, 3, 1 + n, 9, tzinfo=VN))
        assert r.status == "accepted", [e.message for e in r.errors]

    send(1, {"TT_BUOI": 4, "TT_TIN_BAI": 5, "TT_MOI": 1})
    from pipelines.accounts.users import add_user
    from pipelines.outputs import quality
    analyst = add_user(store, "chuyen_vien", "analyst", "mat-khau-dai-138")
    quality.mark(store, analyst, 2024, 1, "CA", "TT_TIN_BAI", "5 tin bài: hỏi lại đơn vị")
    store.install_plan(plan_2024(tmp, police_reports_tin_bai=False), replace=True)
    send(2, {"TT_BUOI": 4, "TT_MOI": 1})
    return store


def rows(s: Store, sql: str) -> list[tuple]:
    with s.connect() as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def test_elements_that_changed_year_by_year(s):
    # one row per element of a year whose previous year has a plan: 2023's 31, 2024's 32 (TT_MOI added)
    assert rows(s, "SELECT year, count(*), count(DISTINCT element) FROM v_element_change GROUP BY year ORDER BY year") \
        == [(2023, 31, 31), (2024, 32, 32)]
    assert rows(s, "SELECT year, element, previous_year, previous_unit_of_measure, unit_of_measure, difference "
                   "FROM v_element_change WHERE difference IS NOT NULL ORDER BY year, element") == [
        (2023, "TT_LUOT", 2022, "lượt người", "người", "unit_of_measure"),
        (2024, "AN_KHOI_TO", 2023, "vụ", "vụ án", "unit_of_measure"),
        (2024, "KT_VI_PHAM", 2023, "cơ sở", "cơ sở", "units_differ"),      # no unit asked for it in 2024
        (2024, "TT_MOI", 2023, None, "buổi", "new_element"),
        (2024, "TT_TIN_BAI", 2023, "tin, bài", "tin, bài", "units_differ"),
    ]


def test_indicators_that_changed_year_by_year(s):
    # five indicators in 2023, six in 2024 (KPI_MOI added)
    assert rows(s, "SELECT year, count(*), count(DISTINCT indicator) FROM v_indicator_change GROUP BY year "
                   "ORDER BY year") == [(2023, 5, 5), (2024, 6, 6)]
    assert rows(s, "SELECT year, indicator, difference FROM v_indicator_change WHERE difference IS NOT NULL "
                   "ORDER BY year, indicator") == [
        (2024, "KPI_KHAM_PHA", "element"),      # its denominator AN_KHOI_TO now counts "vụ án"
        (2024, "KPI_MOI", "new_indicator"),
    ]
    # targets: 2023 raised KPI_GIAI_QUYET's (0,90 → 0,92); 2024 kept every 2023 target
    assert rows(s, "SELECT year, indicator, previous_op, previous_target FROM v_indicator_change "
                   "WHERE target_changed ORDER BY year, indicator") == [(2023, "KPI_GIAI_QUYET", ">", 0.90)]
    assert rows(s, "SELECT previous_op, previous_target, target_changed FROM v_indicator_change "
                   "WHERE year = 2024 AND indicator = 'KPI_MOI'") == [(None, None, False)]


def test_a_mark_whose_element_the_current_version_no_longer_holds_is_corrected(s):
    # marked on version 1 (TT_TIN_BAI = 5); version 2, under the replaced plan, has no TT_TIN_BAI at all
    assert rows(s, "SELECT count(*) FROM v_current_value WHERE year = 2024 AND element = 'TT_TIN_BAI'") == [(0,)]
    assert rows(s, "SELECT year, quarter, unit, element, value, current_value, current_submission_id, status "
                   "FROM v_follow_up") == [(2024, 1, "CA", "TT_TIN_BAI", 5, None, None, "corrected")]
