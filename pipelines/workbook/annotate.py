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
from openpyxl.styles import Font, PatternFill

from pipelines.problems import Problem
from pipelines.text import fold

ERROR_FILL = PatternFill("solid", fgColor="F4B183")    # orange: readable in print and for colour-blind eyes
WARNING_FILL = PatternFill("solid", fgColor="FFE699")
_CELL = re.compile(r"^(?P<sheet>.+)!(?P<ref>[A-Z]{1,3}[0-9]{1,7})$")
UNOPENABLE = {"hostile", "encrypted", "unreadable", "too_large", "unsupported_format"}
LIST_SHEET = "Danh sách lỗi"


def annotated_name(file_name: str) -> str:
    return f"{Path(file_name).stem}_can_sua.xlsx"


def annotate(data: bytes, file_name: str, problems: list[Problem], open_original: bool = True) -> bytes:
    """The annotated copy. Opening the original parses untrusted bytes: callers serving people use
    `sandbox.annotate`, which runs this in the child process."""
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
    ws.append(["Mức", "Vị trí", "Mã lỗi", "Giá trị", "Nội dung", "Cách sửa"])
    for c in ws[3]:
        c.font = Font(bold=True)
    for p in problems:
        ws.append(["Lỗi" if p.level == "error" else "Cảnh báo", p.where, p.code, p.value, p.message, p.hint])
    for col, width in zip("ABCDEF", (10, 22, 22, 16, 80, 50)):
        ws.column_dimensions[col].width = width
    wb.active = 0
