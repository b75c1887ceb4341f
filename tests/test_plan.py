"""The plan file (data/plans/duc_pho_2022.toml) against spec/plan-2022.md."""
import datetime as dt
from pathlib import Path

import pytest

from pipelines.plan import PlanError, default_plan_files, load_plan

PLAN_FILE = Path(__file__).resolve().parent.parent / "data" / "plans" / "duc_pho_2022.toml"


@pytest.fixture(scope="module")
def plan():
    return load_plan(PLAN_FILE)


def test_plan_file_is_the_default(plan):
    assert PLAN_FILE in default_plan_files()
    assert plan.year == 2022


def test_counts_of_the_spec(plan):
    assert len(plan.units) == 27
    assert sum(u.kind == "commune" for u in plan.units) == 15
    assert len(plan.elements) == 31
    assert len(plan.indicators) == 5
    assert len(plan.tasks) == 18
    assert len(plan.quarters) == 4


def test_backlogs_are_first_and_the_rest_summed(plan):
    firsts = {e.code for e in plan.elements if e.over_time == "first"}
    assert firsts == {"TIN_TON", "VKS_TON", "TA_TON"}


def test_targets_and_operators(plan):
    got = {i.code: (i.op, i.target, i.numerator, i.denominator) for i in plan.indicators}
    assert got == {
        "KPI_TIEP_NHAN": (">=", 1.0, ["TIN_PHAN_LOAI"], ["TIN_MOI"]),
        "KPI_GIAI_QUYET": (">", 0.9, ["TIN_DA_GQ"], ["TIN_TON", "TIN_MOI"]),
        "KPI_KHAM_PHA": (">", 0.9, ["AN_KHAM_PHA"], ["AN_KHOI_TO"]),
        "KPI_TRUY_TO": (">=", 0.95, ["VKS_TRUY_TO"], ["VKS_TON", "VKS_MOI"]),
        "KPI_XET_XU": (">=", 0.9, ["TA_XET_XU"], ["TA_TON", "TA_MOI"]),
    }


def test_deadline_is_end_of_due_day_in_ho_chi_minh_time(plan):
    # 15/03/2022 23:59:59 +07:00 is the last on-time second; the next instant is 17:00 UTC.
    assert plan.due_end_utc(1) == dt.datetime(2022, 3, 15, 17, 0, tzinfo=dt.timezone.utc)
    assert plan.deadline_local(4).isoformat() == "2022-12-15T23:59:59+07:00"


def test_departments_report_their_own_work(plan):
    assert {"NN_TGPL", "CN_RA_SOAT"} <= set(plan.unit_elements("TP"))
    assert "NN_HO_TRO" not in plan.unit_elements("TP")
    assert {"NN_TIEP_NHAN", "NN_HO_TRO"} <= set(plan.unit_elements("LDTBXH"))
    assert "TT_TRUONG_HOC" in plan.unit_elements("GDDT")
    assert "TIN_MOI" in plan.unit_elements("BP_SH") and "TIN_MOI" not in plan.unit_elements("VKS")


def test_task_roles(plan):
    t3b = plan.task_by_code["T3B"]
    assert plan.task_role(t3b, "VKS") == "lead"
    assert plan.task_role(t3b, "X_PHO_AN") is None  # T3B: no participants beyond the leads
    assert plan.task_role(plan.task_by_code["T2A3"], "X_PHO_AN") == "participant"
    assert len(plan.unit_tasks("X_PHO_AN")) == 15  # all but T3B, T4B, T4C


def test_a_broken_plan_lists_every_problem(tmp_path):
    text = PLAN_FILE.read_text(encoding="utf-8")
    text = text.replace('kind = "court"', 'kind = "tribunal"').replace('denominator = ["AN_KHOI_TO"]',
                                                                        'denominator = ["AN_KHOI"]')
    text = text.replace('lead_unit = "CA"', 'lead_unit = "CONG_AN"')
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(bad)
    # every problem at once, in Vietnamese, naming what the file says
    assert "không có loại đơn vị tribunal" in str(err.value)
    assert "không có chỉ tiêu AN_KHOI" in str(err.value)
    assert "dữ liệu mẫu [demo]: không có đơn vị CONG_AN" in str(err.value)
    assert "Value error" not in str(err.value) and "unknown" not in str(err.value)


def test_plan_file_mistakes_are_told_in_vietnamese(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[plan]\ncode = \"X\"\nyear = 2022\nname = \"KH\"\ncolour = \"đỏ\"\n", encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(bad)
    text = str(err.value)
    assert "plan.colour: mục này không có trong mẫu tệp kế hoạch" in text
    assert "units: thiếu mục bắt buộc" in text and "Field required" not in text
    bad.write_text("[plan]\ncode = \n", encoding="utf-8")
    with pytest.raises(PlanError) as err:
        load_plan(bad)
    assert "không đúng định dạng TOML (dòng 2, cột" in str(err.value)


def test_names_the_code_used_to_hold_come_from_the_plan(plan, demo_store):
    """The whole area's name and the demo story's units are plan data (not strings in code)."""
    assert plan.plan.scope_name == "Toàn thị xã" and plan.plan.committee == "Ban Chỉ đạo 138"
    assert plan.demo.lead_unit == "CA" and plan.demo.missing == {"3": ["X_PHO_KHANH"], "4": ["X_PHO_NHON", "DTN"]}
    from pipelines.outputs import metrics
    town = metrics.attainment(demo_store, 2022, "Q1")
    assert set(town["unit_name"]) == {"Toàn thị xã"}
    values = metrics.scope_values(demo_store, 2022, "Q1", elements=["TT_BUOI"])
    names = dict(zip(values["scope"], values["unit_name"]))
    assert names["ALL"] == "Toàn thị xã" and names["CA"] == "Công an thị xã" and len(names) == 28
    compliance = metrics.compliance(demo_store, 2022)
    never = compliance[compliance["status"] == "missing"]
    assert {("X_PHO_KHANH", 3), ("X_PHO_NHON", 4), ("DTN", 4)} <= set(zip(never["unit"], never["quarter"]))


def test_a_next_year_plan_is_a_new_file_not_code(tmp_path, store):
    text = PLAN_FILE.read_text(encoding="utf-8").replace("year = 2022", "year = 2023").replace(
        'code = "DUC_PHO_2022"', 'code = "DUC_PHO_2023"')
    new = tmp_path / "duc_pho_2023.toml"
    new.write_text(text, encoding="utf-8")
    store.install_plan(new)
    assert sorted(store.plans()) == [2022, 2023]
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM dim_unit WHERE year = 2023").fetchone()[0] == 27


def test_a_schema_change_rebuilds_plan_tables_and_keeps_the_ledger(store, plan):
    from pipelines.store.load import ingest_bytes
    from pipelines.workbook.template import build_template
    ingest_bytes(store, build_template(plan, "CA", 1, values={"TT_BUOI": 4}), "ca.xlsx")
    with store.connect() as con:
        con.execute("UPDATE meta SET value = 'an-older-schema' WHERE key = 'schema'")
        con.execute("DELETE FROM dim_unit")  # what an older version left behind does not matter
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM dim_unit WHERE year = 2022").fetchone()[0] == 27
        assert con.execute("SELECT count(*) FROM submission").fetchone()[0] == 1
        assert con.execute("SELECT value FROM v_current_value WHERE element = 'TT_BUOI'").fetchone() == (4,)


def test_key_activities_are_flagged_in_the_plan(plan):
    assert {e.code for e in plan.elements if e.key} == {
        "TT_BUOI", "TT_LUOT", "TH_LOP", "TH_LUOT", "KT_CO_SO", "HD_30_7", "NN_TIEP_NHAN", "NN_HO_TRO"}
