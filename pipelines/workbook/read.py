"""Workbook → RawWorkbook: the cells a unit filled in, found by meaning, not by address.

Formats: .xlsx/.xlsm (macros never run), .xls and .ods, all read by python-calamine. The format is
sniffed from the bytes, not trusted from the file name. Before anything is inflated, `guard.py`
refuses hostile files (DTD/entities, zip bombs, encrypted, oversized, a used range far beyond a
report), so the grids built here are small. Untrusted bytes are read through `sandbox.py` (a child
process with memory and time limits), which calls `read_workbook` there. Person-level data anywhere
refuses the file (plan §7). Every problem is collected; nothing is raised for bad input.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache

import python_calamine

from pipelines.plan import DEFAULT_PERSONAL_HEADINGS
from pipelines.problems import Problem, error
from pipelines.text import fold
from pipelines.workbook import guard
from pipelines.workbook.cells import a1, col_letter
from pipelines.workbook.extent import MAX_COLS, MAX_ROWS

log = logging.getLogger(__name__)
# A panic in the reader's Rust code reaches Python as pyo3's PanicException, a BaseException: a
# damaged file, not a reason to stop the process.
_PANIC = next((c for c in BaseException.__subclasses__() if c.__name__ == "PanicException"), Exception)

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

# Person-level headings (plan §7) when no plan is at hand; a plan's `confidentiality` list is used
# otherwise. A header or label cell that is, or begins with, one of them refuses the file.
PERSONAL_HEADINGS = DEFAULT_PERSONAL_HEADINGS
_PREPARER = re.compile(r"\bnguoi (?:lap|bao cao|ky)\b")
_NAME_LABEL = re.compile(r"^ho (?:va )?ten$")
_PUNCT = re.compile(r"[,;/()]+")
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


def address(sheet: str, row: int, col: int) -> str:
    return f"{sheet}!{col_letter(col)}{row + 1}"


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _label(value: object) -> str:
    return fold(_PAREN.sub("", value)) if isinstance(value, str) else ""


def read_workbook(data: bytes, file_name: str, personal_headings: tuple[str, ...] = PERSONAL_HEADINGS
                  ) -> tuple[RawWorkbook | None, list[Problem]]:
    """Read a unit's workbook. Returns the cells found and every problem met on the way.
    `personal_headings` (from the plan) are the headings that mark person-level data."""
    checked = guard.check(data, file_name)
    if checked.problems:
        return None, checked.problems
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        grids = {}
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            end = sheet.end   # (last row, last column), 0-based; None when the sheet is empty
            if end and (end[0] >= MAX_ROWS or end[1] >= MAX_COLS):  # the guard measured otherwise: stop here
                return None, [error("hostile", f"{name}!{a1(*end)}",
                                    f"Tệp bị từ chối vì lý do an toàn: trang “{name}” có dữ liệu ở ô {a1(*end)}, "
                                    "vượt xa kích thước một báo cáo đơn vị.", hint=guard.HINT_TRIM)]
            grids[name] = sheet.to_python(skip_empty_area=False)
    except MemoryError:
        raise  # the sandbox reports it (hostile)
    except (Exception, _PANIC) as exc:  # calamine raises its own error types for every kind of damage
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            return None, [error("encrypted", file_name, "Tệp được đặt mật khẩu (mã hóa); không thể đọc.",
                                hint="Gỡ mật khẩu trong Excel (Tệp → Thông tin → Bảo vệ sổ làm việc) rồi gửi lại.")]
        log.info("calamine could not read %s: %s", file_name, exc)  # the library's text is for the log only
        return None, [error("unreadable", file_name, "Không đọc được tệp: tệp hỏng hoặc không phải bảng tính.",
                            hint="Mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi gửi lại.")]

    problems: list[Problem] = []
    wb = RawWorkbook(file_name=file_name, format=checked.format)
    by_fold = {fold(name): name for name in grids}
    for logical in (INFO_SHEET, DATA_SHEET, TASK_SHEET):
        actual = by_fold.get(fold(logical))
        if actual is not None:
            wb.sheet_names[logical] = actual
    tables = {logical: _find_header(grids[wb.sheet_names[logical]], headers, required)
              for logical, headers, required in ((DATA_SHEET, DATA_HEADERS, ("code", "value")),
                                                 (TASK_SHEET, TASK_HEADERS, ("code", "status")))
              if logical in wb.sheet_names}

    # Person-level data refuses the file before anything else of it is read (plan §7).
    free_text = {(wb.sheet_names[logical], found[1]["note"], found[0])
                 for logical, found in tables.items() if found and "note" in found[1]}
    personal = _personal_data(grids, free_text, personal_headings)
    if personal:
        return None, personal

    # Formula cells whose cached value is missing would read as blank: refuse them, by cell.
    for sheet, cell_ref in checked.formulas_without_value:
        problems.append(error("formula_without_value", f"{sheet}!{cell_ref}",
                              "Ô chứa công thức nhưng chưa có giá trị đã tính.",
                              hint="Mở tệp bằng Excel hoặc LibreOffice, nhấn Lưu (để tính công thức) rồi gửi lại."))

    if INFO_SHEET not in wb.sheet_names:
        problems.append(error("missing_sheet", file_name, f"Thiếu trang tính “{INFO_SHEET}”.",
                              hint="Dùng đúng mẫu báo cáo đã được phát hành cho đơn vị."))
    else:
        _read_info(grids, wb)
    if DATA_SHEET not in wb.sheet_names:
        problems.append(error("missing_sheet", file_name, f"Thiếu trang tính “{DATA_SHEET}”.",
                              hint="Dùng đúng mẫu báo cáo đã được phát hành cho đơn vị."))
    else:
        problems += _read_table(grids, wb, DATA_SHEET, tables[DATA_SHEET])
    if TASK_SHEET in wb.sheet_names:
        wb.tasks = []
        problems += _read_table(grids, wb, TASK_SHEET, tables[TASK_SHEET])
    return wb, problems


def _personal_data(grids: dict[str, list[list]], free_text: set[tuple[str, int, int]],
                   headings: tuple[str, ...]) -> list[Problem]:
    """Cells used as a header or label that are, or begin with, a personal-data heading.
    Free-text cells (the note columns of the data and task tables, below their header) are not
    headers: "Địa chỉ tin cậy tại cộng đồng" there is the name of a support model, not an address."""
    pattern = _personal_pattern(tuple(fold(h) for h in headings))
    found: list[Problem] = []
    for sheet, rows in grids.items():
        info_sheet = fold(sheet) == fold(INFO_SHEET)
        notes = {(col, header) for s, col, header in free_text if s == sheet}
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if not isinstance(value, str):
                    continue
                folded = " ".join(_PUNCT.sub(" ", fold(value)).split())
                if not pattern.match(folded):
                    continue
                if any(col == c and r > header for col, header in notes):
                    continue
                if info_sheet and _is_preparer_label(rows, r, c, folded):
                    continue
                found.append(error(
                    "personal_data", address(sheet, r, c),
                    f"Tệp có cột/nhãn thông tin cá nhân “{value.strip()}” (trang {sheet}). Hệ thống chỉ nhận "
                    "số liệu tổng hợp; thông tin nạn nhân phải được giữ bí mật (Kế hoạch, mục II.4.a).",
                    value.strip(), hint="Xóa các cột, trang tính có thông tin cá nhân rồi gửi lại."))
    return found


@lru_cache(maxsize=8)
def _personal_pattern(folded_headings: tuple[str, ...]) -> re.Pattern:
    return re.compile(r"^(?:%s)(?![a-z0-9])" % "|".join(re.escape(h) for h in folded_headings))


def _is_preparer_label(rows: list[list], r: int, c: int, folded: str) -> bool:
    """On `Thông tin`, "Họ tên người lập", or a bare "Họ và tên" label with the preparer's name to
    its right and nothing under it (a list of people would have names under its header)."""
    if _PREPARER.search(folded):
        return True
    if not _NAME_LABEL.match(folded):
        return False
    below = rows[r + 1][c] if r + 1 < len(rows) and c < len(rows[r + 1]) else None
    has_value = any(not _is_blank(v) for v in rows[r][c + 1:])
    return has_value and (_is_blank(below) or INFO_LABELS.get(_label(below)) is not None)


def _read_info(grids: dict[str, list[list]], wb: RawWorkbook) -> None:
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


def _find_header(rows: list[list], headers: dict[str, str], required: tuple[str, ...]
                 ) -> tuple[int, dict[str, int]] | None:
    """The first row within HEADER_SEARCH_ROWS holding every required header: (row, key → column)."""
    for r, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for c, value in enumerate(row):
            key = headers.get(_label(value))
            if key and key not in found:
                found[key] = c
        if all(k in found for k in required):
            return r, found
    return None


def _read_table(grids: dict[str, list[list]], wb: RawWorkbook, logical: str,
                header: tuple[int, dict[str, int]] | None) -> list[Problem]:
    sheet = wb.sheet_names[logical]
    rows = grids[sheet]
    if header is None:
        names = ("Mã chỉ tiêu", "Số liệu") if logical == DATA_SHEET else ("Mã nhiệm vụ", "Tình trạng")
        wanted = " và ".join(f"“{n}”" for n in names)
        return [error("missing_field", sheet,
                      f"Trang “{sheet}” không có dòng tiêu đề chứa {wanted} trong {HEADER_SEARCH_ROWS} dòng đầu.",
                      hint=f"Giữ nguyên dòng tiêu đề của mẫu ({wanted}).")]
    header_row, columns = header
    code_col = columns["code"]
    value_key = "value" if logical == DATA_SHEET else "status"
    for r in range(header_row + 1, len(rows)):
        row = rows[r]

        def cell(key: str) -> Cell | None:
            c = columns.get(key)
            if c is None:
                return None
            return Cell(row[c] if c < len(row) else None, address(sheet, r, c))

        raw_code = row[code_col] if code_col < len(row) else None
        if not isinstance(raw_code, str) or not raw_code.strip():
            continue  # section titles, blank rows
        value = cell(value_key)
        if not _CODE_LIKE.fullmatch(raw_code.strip()) and (value is None or _is_blank(value.value)):
            continue  # text with no value beside it: a signature block or a note, not a data row
        code_cell = Cell(raw_code, address(sheet, r, code_col))
        if logical == DATA_SHEET:
            wb.values.append((code_cell, value))
        else:
            wb.tasks.append((code_cell, value, cell("note")))  # type: ignore[union-attr]
    return []
