"""validate.py's small rules one by one, at their edges (spec/workbook.md), found untested by the mutation
run of validate.py (`make mutate`, README "Mutation testing"); each case failed on its mutant.
"""
from __future__ import annotations

import pytest

from pipelines.workbook.validate import parse_quarter


@pytest.mark.parametrize("written,quarter", [
    # workbook.md, Quý: "1, 2, 3 or 4; I, II, III, IV and Quý 2 also accepted"
    (1, 1), (2, 2), (3, 3), (4, 4), (4.0, 4), ("3", 3),
    ("I", 1), ("II", 2), ("III", 3), ("IV", 4), ("i", 1), ("iv", 4),
    ("Quý 2", 2), ("Quý II", 2), ("quy iii", 3), ("QUÝ IV", 4), ("Quý I", 1),
])
def test_a_quarter_written_as_units_write_it(written, quarter):
    """Mutants of `_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}` (1 → 2, 3 → 4, …) read "I" as 2."""
    assert parse_quarter(written) == quarter


@pytest.mark.parametrize("written", [0, 5, "V", "Quý 5", "0", "", None, True, 2.5, "Q1 2022"])
def test_anything_else_is_no_quarter(written):
    assert parse_quarter(written) is None


def _validate(store, sheets):
    from conftest import book

    from pipelines.workbook.read import read_workbook
    from pipelines.workbook.validate import validate
    raw, problems = read_workbook(book(sheets), "bc.xlsx")
    sub, more = validate(raw, store.plans())
    return sub, [p for p in problems + more if p.level == "error"]


@pytest.mark.parametrize("field,blank,cell,label", [
    ("year", None, "Thông tin!B4", "Năm"), ("quarter", "   ", "Thông tin!B5", "Quý"), ("unit", None, "Thông tin!B3", "Mã đơn vị"),
])
def test_a_label_with_nothing_right_of_it_is_a_missing_field_at_its_cell(store, field, blank, cell, label):
    """workbook.md: Năm, Quý, Mã đơn vị are required. The label is there, its value cell blank (or spaces):
    `missing_field` at that cell, not "Năm “None” không hợp lệ". Mutant `cell is None or cell.value is None
    or (…)` → `… or cell.value is None and (…)`."""
    from conftest import report
    sub, errs = _validate(store, report(values={"TT_BUOI": 1}, **{field: blank}))
    assert sub is None
    assert [(p.code, p.where, p.message) for p in errs] == [
        ("missing_field", cell, f"Thiếu “{label}” trên trang Thông tin.")]


def test_an_unknown_unit_is_named_with_its_cell_and_the_code_found(store):
    """Mutants: the problem's place `got[1]` → `got[2]`, the value found `got[0]` → `got[1]`."""
    from conftest import report
    sub, errs = _validate(store, report(unit="XYZ", values={"TT_BUOI": 1}))
    assert sub is None
    assert [(p.code, p.where, p.value, p.message) for p in errs] == [
        ("unknown_unit", "Thông tin!B3", "XYZ", "Mã đơn vị “XYZ” không có trong kế hoạch.")]


@pytest.mark.parametrize("field,written,cell,message", [
    ("year", "năm nay", "Thông tin!B4", "Năm “năm nay” không hợp lệ."),
    ("quarter", "Quý V", "Thông tin!B5", "Quý “Quý V” không hợp lệ."),
])
def test_a_year_or_quarter_that_is_not_one_is_named_with_its_cell_and_what_was_written(store, field, written, cell,
                                                                                       message):
    """Mutants: the problem's place `got[1]` → `got[2]`, the value found `got[0]` → `got[1]`."""
    from conftest import report
    sub, errs = _validate(store, report(values={"TT_BUOI": 1}, **{field: written}))
    assert sub is None
    assert [(p.code, p.where, p.value, p.message) for p in errs] == [("unknown_period", cell, written, message)]


def test_a_year_without_a_plan_gives_no_submission(store):
    """Units, year and quarter all read, but no plan for 2030: one `unknown_period` error at the year's
    cell and no submission (nothing later may look for a plan that is not there). Mutant
    `unit is None or year is None or quarter is None or plan is None` → `… or quarter is None and
    plan is None` (the only case where every field was read and the plan is still missing)."""
    from conftest import report
    sub, errs = _validate(store, report(year=2030, values={"TT_BUOI": 1}))
    assert sub is None
    assert [(p.code, p.where, p.value, p.message) for p in errs] == [
        ("unknown_period", "Thông tin!B4", "2030/Q1", "Không có kế hoạch nào cho quý 1 năm 2030.")]


# -- a rate whose counts are given only in part (plan §5) ---------------------------------------------------
def _rate_plan(terms: list[str]):
    from types import SimpleNamespace
    return SimpleNamespace(indicators=[SimpleNamespace(code="KPI_X", name="Tỷ lệ X", numerator=terms[:1],
                                                       denominator=terms[1:])])


@pytest.mark.parametrize("n,word", [(2, "hai"), (3, "ba"), (4, "bốn"), (5, "năm"), (6, "6")])
def test_an_incomplete_rate_says_how_many_counts_it_needs_in_words(n, word):
    """The shipped plans' rates have two or three counts; four and five are spelled too. Mutants of
    `_HOW_MANY = {2: "hai", 3: "ba", 4: "bốn", 5: "năm"}` (2 → 3, …) said "2" or the wrong word."""
    from pipelines.workbook.validate import Submission, incomplete_rates
    terms = [f"E{i}" for i in range(n)]
    sub = Submission("CA", 2022, 1, values={"E0": 3}, cells={"E0": "Số liệu!D3"})
    out = incomplete_rates(_rate_plan(terms), sub, {}, "Số liệu")
    assert [p.code for p in out] == ["incomplete_rate"] * (n - 1)            # one error per blank count
    assert f"cần đủ {word} số liệu" in out[0].message and f"Ghi đủ cả {word} ô" in out[0].hint


def test_an_incomplete_rate_names_each_count_written_and_each_left_blank():
    """E0 written (D3), E1 written but unreadable (D4), E2 a row left blank (D5), E3 no row at all.
    Mutants: `… is not None or e in unparsed` → `and`, `sub.cells.get(e) or unparsed.get(e) or …` →
    `and` (either), the blank's place."""
    from pipelines.workbook.validate import Submission, incomplete_rates
    sub = Submission("CA", 2022, 1, values={"E0": 3, "E2": None}, cells={"E0": "Số liệu!D3", "E2": "Số liệu!D5"})
    out = incomplete_rates(_rate_plan(["E0", "E1", "E2", "E3"]), sub, {"E1": "Số liệu!D4"}, "Số liệu")
    assert [p.where for p in out] == ["Số liệu!D5", "Số liệu"]
    assert out[0].message == (
        "Tỷ lệ KPI_X (Tỷ lệ X) cần đủ bốn số liệu E0, E1, E2, E3: đã ghi E0 = 3 (Số liệu!D3), E1 = ? (Số liệu!D4) "
        "nhưng để trống E2 (Số liệu!D5), E3 (Số liệu (không có dòng E3)). "
        "Thiếu một phần thì không tính được tỷ lệ của đơn vị.")


def test_a_rate_with_all_or_none_of_its_counts_is_not_incomplete():
    """Mutant `if not given or not blank` → `and`: a rate with nothing written was called incomplete."""
    from pipelines.workbook.validate import Submission, incomplete_rates
    none = Submission("CA", 2022, 1, values={"E0": None, "E1": None}, cells={"E0": "Số liệu!D3", "E1": "Số liệu!D4"})
    assert incomplete_rates(_rate_plan(["E0", "E1"]), none, {}, "Số liệu") == []
    zeros = Submission("CA", 2022, 1, values={"E0": 0, "E1": 0}, cells={"E0": "Số liệu!D3", "E1": "Số liệu!D4"})
    assert incomplete_rates(_rate_plan(["E0", "E1"]), zeros, {}, "Số liệu") == []


def test_a_broken_error_rule_says_what_to_do_a_warning_does_not(store):
    """plan §5: R_TIN_PHAN_LOAI (error) TIN_PHAN_LOAI ≤ TIN_MOI; R_TT_LUOT (warning) TT_LUOT ≥ TT_BUOI. An error
    refuses the file and says to check the counts; a warning is kept, without a hint. Mutant
    `hint=… if rule.level == "error"` → `!=`."""
    from conftest import report
    _, errs = _validate(store, report(values={"TIN_TON": 0, "TIN_MOI": 3, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 3}))
    assert [(p.code, p.hint) for p in errs] == [("rule", "Kiểm tra lại các số liệu liên quan.")]
    from conftest import book

    from pipelines.workbook.read import read_workbook
    from pipelines.workbook.validate import validate
    raw, _ = read_workbook(book(report(values={"TT_BUOI": 10, "TT_LUOT": 9})), "bc.xlsx")
    sub, problems = validate(raw, store.plans())
    assert sub is not None
    assert [(p.level, p.code, p.where, p.hint) for p in problems if p.code == "rule"] == [
        ("warning", "rule", "Số liệu!D4", None)]


# -- counts and tasks given twice, blank, or beyond a unit's duty (workbook.md) -----------------------------
def _both(store, sheets):
    from conftest import book

    from pipelines.workbook.read import read_workbook
    from pipelines.workbook.validate import validate
    raw, problems = read_workbook(book(sheets), "bc.xlsx")
    sub, more = validate(raw, store.plans())
    return sub, [(p.level, p.code, p.where) for p in problems + more]


def test_the_same_code_twice_with_the_same_value_is_one_count(store):
    """workbook.md refuses a code twice *with different values*. Mutant `seen[code][0] != parsed.value` →
    `seen[code][1]` (the cell, never equal to a value) refused the same value twice."""
    from conftest import report
    sub, problems = _both(store, report(values={"TT_BUOI": 2}, extra_rows=[[9, "TT_BUOI", "chỉ tiêu TT_BUOI", 2]]))
    assert problems == [] and sub.values == {"TT_BUOI": 2} and sub.cells == {"TT_BUOI": "Số liệu!D3"}


def test_a_count_beyond_the_units_duty_is_kept_with_a_warning_at_its_code(store):
    """workbook.md: a code the unit's kind does not report is a warning, the value kept. Công an (police)
    does not report TT_TRUONG_HOC. Mutant `expected is not None and code not in expected` → `or` warned on
    every count."""
    from conftest import report
    sub, problems = _both(store, report(values={"TT_BUOI": 1, "TT_TRUONG_HOC": 2}))
    assert problems == [("warning", "element_not_assigned", "Số liệu!B4")]
    assert sub.values == {"TT_BUOI": 1, "TT_TRUONG_HOC": 2}


def test_a_task_given_twice_with_the_same_status_is_one_with_another_is_refused(store):
    """Mutants of `code in sub.tasks and sub.tasks[code][0] != status.code` (`and` → `or`, `[0]` → `[1]`,
    `!=` → `==`)."""
    from conftest import report
    sheets = report(values={"TT_BUOI": 1}, tasks={"T1A": "Hoàn thành"})
    sheets["Nhiệm vụ"].append(["T1A", "hoàn thành"])
    sheets["Nhiệm vụ"].append(["T1B", "Đang triển khai"])
    sub, problems = _both(store, sheets)
    assert problems == []
    assert {k: v[0] for k, v in sub.tasks.items()} == {"T1A": "done", "T1B": "in_progress"}
    sheets["Nhiệm vụ"].append(["T1A", "Chưa triển khai"])
    sub, problems = _both(store, sheets)
    assert problems == [("error", "duplicate_task", "Nhiệm vụ!A5")]


def test_a_task_left_blank_is_not_reported(store):
    """Mutants of `raw_status is None or (isinstance(raw_status, str) and not raw_status.strip())`."""
    from conftest import report
    sheets = report(values={"TT_BUOI": 1}, tasks={"T1A": "Hoàn thành"})
    sheets["Nhiệm vụ"].append(["T1B", "   "])
    sheets["Nhiệm vụ"].append(["T1C", None])
    sub, problems = _both(store, sheets)
    assert problems == [] and list(sub.tasks) == ["T1A"]
