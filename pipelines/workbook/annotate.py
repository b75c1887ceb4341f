"""A refused workbook, annotated to send back to the unit: every problem cell highlighted with a
comment saying what is wrong and what to do, and a first sheet listing every problem.

.xls and .ods come back as .xlsx (rebuilt from the cells calamine read). A file the guard refused
(hostile, encrypted, unreadable) is never opened: the unit gets the list of problems only.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import python_calamine
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from pipelines.problems import Problem
from pipelines.text import fold

ERROR_FILL = PatternFill("solid", fgColor="F4B183")    # orange: readable in print and for colour-blind eyes
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
_CELL = re.compile(r"^(?P<sheet>.+)!(?P<ref>[A-Z]{1,3}[0-9]{1,7})$")
UNOPENABLE = {"hostile", "encrypted", "unreadable", "too_large", "unsupported_format"}
LIST_SHEET = "Danh sách lỗi"
# The committee's own business, not the unit's: a file for a year that holds the demo data, a received
# time in the future, a failure of the software, two files of one batch. The unit has nothing to fix.
COMMITTEE_CODES = {"demo_year", "received_in_future", "internal_error", "same_report_in_batch"}
# What kind of problem each code is, in the unit's words (the machine codes stay in the JSON output).
KIND_NAMES = {
    "not_a_number": "Không phải số", "not_whole": "Không phải số nguyên", "negative": "Số âm",
    "unknown_unit": "Mã đơn vị không đúng", "unknown_element": "Mã chỉ tiêu không đúng",
    "unknown_period": "Năm hoặc quý không đúng", "duplicate_element": "Chỉ tiêu ghi hai lần",
    "rule": "Số liệu không khớp nhau", "personal_data": "Có thông tin cá nhân", "unreadable": "Tệp không đọc được",
    "encrypted": "Tệp có mật khẩu", "formula_without_value": "Công thức chưa có giá trị",
    "hostile": "Tệp không an toàn", "missing_sheet": "Thiếu trang tính", "missing_field": "Thiếu thông tin",
    "unknown_task": "Mã nhiệm vụ không đúng", "unknown_status": "Tình trạng không đúng",
    "incomplete_rate": "Thiếu số liệu để tính tỷ lệ", "too_large": "Tệp quá lớn",
    "out_of_range": "Số quá lớn", "element_not_assigned": "Chỉ tiêu không thuộc đơn vị",
    "missing_task_sheet": "Thiếu trang “Nhiệm vụ”", "empty_report": "Chưa ghi số liệu nào",
    "duplicate_task": "Nhiệm vụ ghi hai lần",
}


def unit_problems(problems: list[Problem]) -> list[Problem]:
    """What the unit must fix: the problems of its file, not the committee's own refusals."""
    return [p for p in problems if p.code not in COMMITTEE_CODES]


def annotated_name(file_name: str) -> str:
    return f"{Path(file_name).stem}_can_sua.xlsx"


def annotate(data: bytes, file_name: str, problems: list[Problem], open_original: bool = True) -> bytes:
    """The annotated copy. Opening the original parses untrusted bytes: callers serving people use
    `sandbox.annotate`, which runs this in the child process. Only what the unit must fix is listed
    (`unit_problems`), in Vietnamese."""
    problems = unit_problems(problems)
    wb = None
    if open_original and not any(p.code in UNOPENABLE for p in problems):
        wb = _open(data, file_name)
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
    by_fold = {fold(ws.title): ws for ws in wb.worksheets}
    for p in problems:
        m = _CELL.match(p.where)
        ws = by_fold.get(fold(m["sheet"])) if m else None
        if ws is None:
            continue
        ws.sheet_state = "visible"   # our template hides `Thông tin`: a marked cell must be seen
        cell = ws[m["ref"]]
        cell.fill = ERROR_FILL if p.level == "error" else WARNING_FILL
        text = f"{'LỖI' if p.level == 'error' else 'CẢNH BÁO'}: {p.message}" + (f"\n→ {p.hint}" if p.hint else "")
        if cell.comment:
            text = cell.comment.text + "\n\n" + text
        cell.comment = Comment(text, "Công an thị xã", width=360, height=160)
    _problem_list(wb, file_name, problems)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _open(data: bytes, file_name: str) -> Workbook | None:
    try:
        if data.startswith(b"PK") and not _is_ods(data):
            wb = load_workbook(io.BytesIO(data))
            for ws in wb.worksheets:
                ws.protection.sheet = False  # the unit must be able to fix the cells
            return wb
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        wb = Workbook()
        wb.remove(wb.active)
        for name in book.sheet_names:
            ws = wb.create_sheet(name[:31])
            for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
                ws.append(list(row))
        return wb
    except Exception:  # unreadable in some other way: fall back to the list of problems
        return None


def _is_ods(data: bytes) -> bool:
    return b"application/vnd.oasis.opendocument.spreadsheet" in data[:200]


def _problem_list(wb: Workbook, file_name: str, problems: list[Problem]) -> None:
    ws = wb.create_sheet(LIST_SHEET, 0)
    ws.append([f"Tệp {file_name}: {sum(p.level == 'error' for p in problems)} lỗi, "
               f"{sum(p.level == 'warning' for p in problems)} cảnh báo. Sửa các ô được tô màu rồi gửi lại."])
    ws["A1"].font = Font(bold=True)
    ws.append([])
    ws.append(["Mức", "Vị trí", "Loại lỗi", "Giá trị", "Nội dung", "Cách sửa"])
    for c in ws[3]:
        c.font = Font(bold=True)
    for p in problems:
        ws.append(["Lỗi" if p.level == "error" else "Cảnh báo", p.where, KIND_NAMES.get(p.code, "Khác"), p.value,
                   p.message, p.hint])
    for row in ws.iter_rows(min_row=4):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.number_format = "@"   # a value is shown as the unit typed it
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    for col, width in zip("ABCDEF", (10, 22, 22, 16, 80, 50)):
        ws.column_dimensions[col].width = width
    wb.active = 0
