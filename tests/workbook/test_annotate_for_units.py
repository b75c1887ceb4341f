"""The marked-up copy of a refused file sent back to the unit (issue 18): Vietnamese only, and only
what the unit must fix — not the committee's own refusals (a real file in the demo year)."""
import io

from conftest import book, report
from openpyxl import load_workbook

from pipelines.problems import CODES, error, warning
from pipelines.workbook.annotate import LIST_SHEET, annotate


def test_the_copy_lists_only_the_units_problems_in_vietnamese():
    data = book(report(values={"TT_BUOI": 4, "TT_LUOT": "nhiều"}))
    problems = [error("not_a_number", "Số liệu!D4", "Số liệu không phải là số.", "nhiều", "Ghi một số nguyên."),
                error("demo_year", "bad.xlsx", "Năm 2022 đang chứa dữ liệu mẫu."),
                warning("same_report_in_batch", "bad.xlsx", "Hai tệp cùng đơn vị, cùng quý.")]
    wb = load_workbook(io.BytesIO(annotate(data, "bad.xlsx", problems)))
    ws = wb[LIST_SHEET]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if any(r)]
    assert rows == [("Lỗi", "Số liệu!D4", "Không phải số", "nhiều", "Số liệu không phải là số.", "Ghi một số nguyên.")]
    assert ws["A1"].value == "Tệp bad.xlsx: 1 lỗi, 0 cảnh báo. Sửa các ô được tô màu rồi gửi lại."
    texts = {str(c.value) for sheet in wb.worksheets for r in sheet.iter_rows() for c in r if c.value is not None}
    assert not texts & CODES   # no machine code (not_a_number, rule, demo_year …) anywhere


def test_a_problem_on_the_templates_hidden_sheet_is_shown(plan):
    """The template hides `Thông tin` (it need not print); the copy sent back shows it when a cell
    there is marked, and leaves it hidden otherwise."""
    from pipelines.workbook.template import build_template
    data = build_template(plan, "CA", 1)
    wrong = [error("unknown_unit", "Thông tin!B1", "Mã đơn vị “XX” không có trong kế hoạch.", "XX")]
    elsewhere = [error("not_a_number", "Số liệu!E12", "Số liệu không phải là số.", "nhiều")]
    shown = load_workbook(io.BytesIO(annotate(data, "bc.xlsx", wrong)))
    assert shown["Thông tin"].sheet_state == "visible" and shown["Thông tin"]["B1"].comment is not None
    assert load_workbook(io.BytesIO(annotate(data, "bc.xlsx", elsewhere)))["Thông tin"].sheet_state == "hidden"
