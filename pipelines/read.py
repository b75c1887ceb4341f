"""Workbook → RawWorkbook: the cells a unit filled in, found by meaning, not by address.

Formats: .xlsx/.xlsm (macros never run), .xls and .ods, all read by python-calamine. The format is
sniffed from the bytes, not trusted from the file name. Before anything is inflated, `guard.py`
refuses hostile files (DTD/entities, zip bombs, encrypted, oversized). Person-level data anywhere
refuses the file (plan §7). Every problem is collected; nothing is raised for bad input.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import python_calamine

from . import guard
from .problems import Problem, error, warning
from .text import fold

INFO_SHEET, DATA_SHEET, TASK_SHEET = "Thông tin", "Số liệu", "Nhiệm vụ"

# `Thông tin` labels (folded) → field.
INFO_LABELS = {
    "ma don vi": "unit",
    "nam": "year",
    "quy": "quarter",
    "ten don vi": "unit_name",
    "ngay lap": "prepared_on",
    "phien ban mau": "template_version",
}
DATA_HEADERS = {"ma chi tieu": "code", "so lieu": "value", "chi tieu": "name", "stt": "no",
                "don vi tinh": "uom", "ghi chu": "note"}
TASK_HEADERS = {"ma nhiem vu": "code", "tinh trang": "status", "noi dung": "name", "vai tro": "role",
                "ket qua": "note", "ghi chu": "note"}
HEADER_SEARCH_ROWS = 30

# Person-level headings (plan §7), folded. A cell that is, or begins with, one of them is refused.
PERSONAL_HEADINGS = ("ho ten", "ho va ten", "ngay sinh", "nam sinh", "cccd", "cmnd", "so dinh danh",
                     "so dien thoai", "dia chi", "que quan")
_PERSONAL = re.compile(r"^(?:%s)(?![a-z0-9])" % "|".join(re.escape(h) for h in PERSONAL_HEADINGS))
_PREPARER = re.compile(r"\bnguoi (?:lap|bao cao|ky)\b")
_CODE_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_PAREN = re.compile(r"\(.*?\)|\*")


@dataclass(frozen=True)
class Cell:
    value: object
    where: str  # "Số liệu!D14"


@dataclass
class RawWorkbook:
    file_name: str
    format: str
    info: dict[str, Cell] = field(default_factory=dict)
    values: list[tuple[Cell, Cell]] = field(default_factory=list)   # (code cell, value cell)
    tasks: list[tuple[Cell, Cell, Cell | None]] | None = None       # None: no `Nhiệm vụ` sheet
    sheet_names: dict[str, str] = field(default_factory=dict)       # logical → actual name


def col_letter(col: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def address(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{col_letter(col)}{row + 1}"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _label(value: object) -> str:
    return fold(_PAREN.sub("", value)) if isinstance(value, str) else ""


def read_workbook(data: bytes, file_name: str) -> tuple[RawWorkbook | None, list[Problem]]:
    """Read a unit's workbook. Returns the cells found and every problem met on the way."""
    checked = guard.check(data, file_name)
    if checked.problems:
        return None, checked.problems
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                 for name in book.sheet_names}
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            return None, [error("encrypted", file_name, "Tệp được đặt mật khẩu (mã hóa); không thể đọc.",
                                hint="Gỡ mật khẩu trong Excel (Tệp → Thông tin → Bảo vệ sổ làm việc) rồi gửi lại.")]
        return None, [error("unreadable", file_name, f"Không đọc được tệp: tệp hỏng hoặc không phải bảng tính ({exc}).",
                            hint="Mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi gửi lại.")]

    problems: list[Problem] = list(checked.warnings)
    problems += _personal_data(grids)
    if problems and any(p.code == "personal_data" for p in problems):
        return None, problems  # refuse before reading anything else of it

    # Formula cells whose cached value is missing would read as blank: refuse them, by cell.
    for sheet, cell_ref in checked.formulas_without_value:
        problems.append(error("formula_without_value", f"{sheet}!{cell_ref}",
                              "Ô chứa công thức nhưng chưa có giá trị đã tính.",
                              hint="Mở tệp bằng Excel, nhấn Lưu (để tính công thức) rồi gửi lại."))

    wb = RawWorkbook(file_name=file_name, format=checked.format)
    by_fold = {fold(name): name for name in grids}
    for logical in (INFO_SHEET, DATA_SHEET, TASK_SHEET):
        actual = by_fold.get(fold(logical))
        if actual is not None:
            wb.sheet_names[logical] = actual

    if INFO_SHEET not in wb.sheet_names:
        problems.append(error("missing_sheet", file_name, f"Thiếu trang tính “{INFO_SHEET}”.",
                              hint="Dùng mẫu báo cáo do Công an thị xã phát hành."))
    else:
        problems += _read_info(grids, wb)
    if DATA_SHEET not in wb.sheet_names:
        problems.append(error("missing_sheet", file_name, f"Thiếu trang tính “{DATA_SHEET}”.",
                              hint="Dùng mẫu báo cáo do Công an thị xã phát hành."))
    else:
        problems += _read_table(grids, wb, DATA_SHEET, DATA_HEADERS, ("code", "value"))
    if TASK_SHEET in wb.sheet_names:
        wb.tasks = []
        problems += _read_table(grids, wb, TASK_SHEET, TASK_HEADERS, ("code", "status"))
    return wb, problems


def _personal_data(grids: dict[str, list[list]]) -> list[Problem]:
    found: list[Problem] = []
    for sheet, rows in grids.items():
        info_sheet = fold(sheet) == fold(INFO_SHEET)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if not isinstance(value, str):
                    continue
                folded = fold(value)
                if not _PERSONAL.match(folded):
                    continue
                if info_sheet and _PREPARER.search(folded):
                    continue  # "Họ tên người lập": the preparer's name is not a victim's
                found.append(error(
                    "personal_data", address(sheet, r, c),
                    f"Tệp có cột/nhãn thông tin cá nhân “{value.strip()}”. Hệ thống chỉ nhận số liệu "
                    "tổng hợp; thông tin nạn nhân phải được giữ bí mật (Kế hoạch, mục II.4.a).",
                    value.strip(), hint="Xóa các cột, trang tính có thông tin cá nhân rồi gửi lại."))
    return found


def _read_info(grids: dict[str, list[list]], wb: RawWorkbook) -> list[Problem]:
    sheet = wb.sheet_names[INFO_SHEET]
    for r, row in enumerate(grids[sheet]):
        for c, value in enumerate(row):
            key = INFO_LABELS.get(_label(value))
            if key is None or key in wb.info:
                continue
            for c2 in range(c + 1, len(row)):
                if not _is_blank(row[c2]):
                    wb.info[key] = Cell(row[c2], address(sheet, r, c2))
                    break
            else:
                wb.info[key] = Cell(None, address(sheet, r, c + 1))
    return []


def _read_table(grids: dict[str, list[list]], wb: RawWorkbook, logical: str,
                headers: dict[str, str], required: tuple[str, ...]) -> list[Problem]:
    sheet = wb.sheet_names[logical]
    rows = grids[sheet]
    header_row, columns = None, {}
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {}
        for c, value in enumerate(row):
            key = headers.get(_label(value))
            if key and key not in found:
                found[key] = c
        if all(k in found for k in required):
            header_row, columns = r, found
            break
    if header_row is None:
        wanted = " và ".join(f"“{h}”" for h, k in headers.items() if k in required)
        names = {"code": "Mã chỉ tiêu", "value": "Số liệu"} if logical == DATA_SHEET else \
            {"code": "Mã nhiệm vụ", "status": "Tình trạng"}
        return [error("missing_field", sheet,
                      f"Trang “{sheet}” không có dòng tiêu đề chứa "
                      + " và ".join(f"“{names[k]}”" for k in required)
                      + f" trong {HEADER_SEARCH_ROWS} dòng đầu.",
                      hint=f"Giữ nguyên dòng tiêu đề của mẫu ({wanted}).")]
    code_col = columns["code"]
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        raw_code = row[code_col] if code_col < len(row) else None
        if not isinstance(raw_code, str) or not _CODE_LIKE.fullmatch(raw_code.strip()):
            continue  # section titles, blank rows, signature block
        code_cell = Cell(raw_code, address(sheet, r, code_col))

        def cell(key: str) -> Cell | None:
            c = columns.get(key)
            if c is None:
                return None
            return Cell(row[c] if c < len(row) else None, address(sheet, r, c))

        if logical == DATA_SHEET:
            wb.values.append((code_cell, cell("value")))
        else:
            wb.tasks.append((code_cell, cell("status"), cell("note")))  # type: ignore[union-attr]
    return []
