"""Templates: pre-filled, only the unit's elements and tasks, dropdowns, locked codes; round-trip."""
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pipelines.workbook.read import read_workbook
from pipelines.workbook.template import build_template, unit_line
from pipelines.workbook.validate import validate


def _header_row(ws, first: str) -> int:
    return next(r[0].row for r in ws.iter_rows() if r[1].value == first)


def test_template_lists_only_the_units_elements_and_tasks(plan):
    wb = load_workbook(io.BytesIO(build_template(plan, "TP", 2)))
    assert wb.sheetnames == ["Số liệu", "Nhiệm vụ", "Thông tin"]
    data = wb["Số liệu"]
    codes = [r[1] for r in data.iter_rows(min_row=_header_row(data, "Mã chỉ tiêu") + 1, values_only=True) if r[1]]
    assert codes == plan.unit_elements("TP")
    tasks = [r[1] for r in wb["Nhiệm vụ"].iter_rows(min_row=4, values_only=True) if r[1]]
    assert tasks == [t.code for t, _ in plan.unit_tasks("TP")] and "T4C" in tasks and "T4B" not in tasks
    info = {r[0]: r[1] for r in wb["Thông tin"].iter_rows(values_only=True) if r[0]}
    assert (info["Mã đơn vị"], info["Năm"], info["Quý"]) == ("TP", 2022, 2)


def test_only_the_form_prints_and_it_says_what_loads(plan):
    """Thông tin is hidden (it would print a third page) but read; the unit and quarter printed on
    Số liệu are those the reader takes from it; the file opens on Số liệu."""
    data = build_template(plan, "X_PHO_AN", 3)
    wb = load_workbook(io.BytesIO(data))
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible", "visible", "hidden"]
    assert wb.active.title == "Số liệu"
    raw, _ = read_workbook(data, "t.xlsx")
    unit, quarter = raw.info["unit"].value, int(raw.info["quarter"].value)
    assert (unit, raw.info["year"].value, quarter) == ("X_PHO_AN", 2022, 3)
    assert raw.info["year"].where.startswith("Thông tin!")
    shown = [c.value for c in wb["Số liệu"]["A"][:5]]
    assert unit_line(plan, unit, quarter) in shown and "Quý III/2022" in unit_line(plan, unit, quarter)


def test_the_guide_gives_the_deadline_in_force(plan):
    def deadline(data: bytes) -> str:
        return next(c.value for c in load_workbook(io.BytesIO(data))["Số liệu"]["A"]
                    if str(c.value).startswith("Hạn nộp"))
    assert deadline(build_template(plan, "CA", 3)).startswith("Hạn nộp: chậm nhất hết ngày 15/9/2022, gửi")
    late = deadline(build_template(plan, "CA", 3, due=dt.date(2022, 9, 26)))
    assert late.startswith("Hạn nộp: chậm nhất hết ngày 26/9/2022 (hạn mới theo công văn đôn đốc)")


def test_codes_are_locked_values_open_and_statuses_a_dropdown(plan):
    wb = load_workbook(io.BytesIO(build_template(plan, "CA", 1)))
    data = wb["Số liệu"]
    assert data.protection.sheet
    first = _header_row(data, "Mã chỉ tiêu") + 2   # under the first section's title
    assert data[f"B{first}"].value == "TIN_TON"
    assert data[f"B{first}"].protection.locked and not data[f"E{first}"].protection.locked
    tasks = wb["Nhiệm vụ"]
    dv = tasks.data_validations.dataValidation[0]
    assert dv.type == "list" and "Hoàn thành" in dv.formula1 and "E4" in str(dv.sqref)


def test_blank_template_reads_back_with_nothing_reported(plan, store):
    raw, problems = read_workbook(build_template(plan, "X_PHO_AN", 1), "blank.xlsx")
    sub, more = validate(raw, store.plans())
    assert [p for p in problems + more if p.level == "error"] == []
    assert set(sub.values) == set(plan.unit_elements("X_PHO_AN"))
    assert all(v is None for v in sub.values.values())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_filled_template_round_trips_exactly(plan, store, data):
    unit = data.draw(st.sampled_from([u.code for u in plan.units]))
    quarter = data.draw(st.integers(1, 4))
    codes = plan.unit_elements(unit)
    values = {c: data.draw(st.one_of(st.none(), st.integers(0, 10**7))) for c in codes}
    # keep the rules between counts satisfied so only the round trip is under test: a rate's counts
    # are all written or all blank (incomplete_rate), and the inequalities between them hold
    changed = True
    while changed:  # rates share counts (TIN_MOI): blank until no rate is half written
        changed = False
        for ind in plan.indicators:
            terms = [e for e in {*ind.numerator, *ind.denominator} if e in values]
            if any(values[e] is None for e in terms) and any(values[e] is not None for e in terms):
                values.update({e: None for e in terms})
                changed = True
    for left, right in (("TIN_PHAN_LOAI", "TIN_MOI"), ("AN_KHAM_PHA", "AN_KHOI_TO"), ("NN_XAC_DINH", "NN_TIEP_NHAN")):
        if values.get(left) is not None and values.get(right) is not None:
            values[left] = min(values[left], values[right])
    for done, todo in (("TIN_DA_GQ", ("TIN_TON", "TIN_MOI")), ("VKS_TRUY_TO", ("VKS_TON", "VKS_MOI")),
                       ("TA_XET_XU", ("TA_TON", "TA_MOI"))):
        if values.get(done) is not None and all(values.get(t) is not None for t in todo):
            values[done] = min(values[done], sum(values[t] for t in todo))
    names = [s.name for s in plan.task_statuses]
    tasks = {t.code: data.draw(st.sampled_from(names)) for t, _ in plan.unit_tasks(unit)}
    raw, problems = read_workbook(build_template(plan, unit, quarter, values=values, tasks=tasks), "t.xlsx")
    sub, more = validate(raw, store.plans())
    assert [p for p in problems + more if p.level == "error"] == []
    assert (sub.unit, sub.year, sub.quarter) == (unit, 2022, quarter)
    assert sub.values == values
    by_name = {s.name: s.code for s in plan.task_statuses}
    assert {t: s for t, (s, _, _) in sub.tasks.items()} == {t: by_name[n] for t, n in tasks.items()}
