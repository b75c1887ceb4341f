"""Blank (or pre-filled) report workbooks for one unit and quarter.

Pre-filled: unit, year, quarter; one row per element and task that unit reports; a dropdown of the
plan's task statuses; code columns locked (sheet protection without a password: it prevents slips,
not people). What `read.py` reads back from a filled template equals what was written. It prints on
two A4 pages, `Số liệu` then `Nhiệm vụ`; the `Thông tin` sheet the reader needs is hidden.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from pipelines.plan import Plan
from pipelines.workbook.read import DATA_SHEET, INFO_SHEET, TASK_SHEET

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
SECTION_FILL = PatternFill("solid", fgColor="DDEBF7")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
TASK_ROLE_NAMES = {"lead": "Chủ trì", "participant": "Phối hợp"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def template_file_name(plan: Plan, unit: str, quarter: int) -> str:
    return f"BC_{unit}_{plan.year}_Q{quarter}.xlsx"


def build_template(plan: Plan, unit: str, quarter: int, values: dict[str, int | str | None] | None = None,
                   tasks: dict[str, str] | None = None, note: str | None = None, due: dt.date | None = None) -> bytes:
    """The workbook as bytes. `values`/`tasks` pre-fill answers (tests, demo): task values are
    status names as users pick them.

    What prints is a form like the paper one, two A4 pages: `Số liệu` (title, unit and quarter, the
    short guide with the deadline in force, the counts, the signatures) and `Nhiệm vụ`. `Thông tin`,
    which the reader needs, is written from the same arguments and hidden: a third printed page the
    clerk has nothing to do on."""
    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    _data_sheet(data, plan, unit, quarter, values or {}, note, due or plan.quarter_by_number[quarter].due)
    _task_sheet(wb.create_sheet(TASK_SHEET), plan, unit, quarter, tasks or {})
    _info_sheet(wb.create_sheet(INFO_SHEET), plan, unit, quarter, note)
    wb.active = 0  # open on `Số liệu`
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def unit_line(plan: Plan, unit: str, quarter: int) -> str:
    """The unit and quarter as `Số liệu` shows them. Plain text, not a formula over `Thông tin`:
    openpyxl writes no cached value for a formula, and the reader refuses a formula without one
    (`formula_without_value`), so every template would be refused until opened and saved."""
    q = plan.quarter_by_number[quarter]
    return (f"Đơn vị: {plan.unit_by_code[unit].name} — Quý {ROMAN.get(quarter, quarter)}/{plan.year} "
            f"(số liệu từ ngày {_day(q.data_from)} đến ngày {_day(q.data_to)})")


def guide_lines(plan: Plan, quarter: int, due: dt.date) -> list[str]:
    """The short guide printed above the counts; the first line is the deadline in force (a letter's
    new deadline when the template goes with one)."""
    late = due != plan.quarter_by_number[quarter].due
    send = f"gửi {plan.plan.issuer}" + (f" qua {plan.plan.collector}" if plan.plan.collector else "")
    return [
        f"Hạn nộp: chậm nhất hết ngày {_day(due)}" + (" (hạn mới theo công văn đôn đốc)" if late else "")
        + f", {send}.",
        "1. Ghi số của riêng quý này (không cộng dồn) vào cột “Số liệu” (ô màu vàng): số nguyên không âm, "
        "ví dụ 12 hoặc 1.234. Để trống hoặc ghi “-” nếu không báo cáo; ghi 0 nếu không phát sinh.",
        "2. Trang “Nhiệm vụ”: chọn tình trạng từng nhiệm vụ trong danh sách; ghi kết quả nổi bật nếu có.",
        "3. Không sửa cột mã (đã khóa). Có thể thêm dòng tiêu đề, đổi thứ tự cột, lưu dạng .xlsx, .xls hoặc .ods.",
        "4. Bảo mật: tuyệt đối không ghi thông tin cá nhân của nạn nhân (tên, ngày sinh, nơi ở, giấy tờ tùy thân); "
        "hệ thống chỉ nhận số liệu tổng hợp và sẽ từ chối tệp có thông tin cá nhân.",
    ]


DATA_WIDTHS = (6, 16, 56, 11, 10, 20)
TASK_WIDTHS = (6, 13, 56, 11, 18, 34)


def _data_sheet(ws, plan: Plan, unit: str, quarter: int, values: dict, note: str | None, due: dt.date) -> None:
    """`Số liệu`, one portrait page: heading and guide, the counts, the signatures."""
    title = f"BÁO CÁO KẾT QUẢ THỰC HIỆN {plan.plan.name.upper()}"
    r = _line(ws, 1, title, DATA_WIDTHS, _font(bold=True, size=13), center=True)
    r = _line(ws, r, unit_line(plan, unit, quarter), DATA_WIDTHS, _font(bold=True), center=True)
    if note:   # the demo's "not real data", where anyone who opens the file sees it
        r = _line(ws, r, note, DATA_WIDTHS, _font(bold=True, color="C00000"), center=True)
    for i, line in enumerate(guide_lines(plan, quarter, due)):
        r = _line(ws, r + (i == 0), line, DATA_WIDTHS, _font(bold=(i == 0)))
    header = r + 1
    _header(ws, header, ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số liệu", "Ghi chú"])
    r, section, n = header + 1, None, 0
    for code in plan.unit_elements(unit):
        e = plan.element_by_code[code]
        if e.section != section:
            section = e.section
            ws.cell(r, 1, section).font = _font(bold=True)
            for c in range(1, 7):
                ws.cell(r, c).fill = SECTION_FILL
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)  # a label that never overlaps
            ws.row_dimensions[r].height = ROW_HEIGHT
            r += 1
        n += 1
        ws.cell(r, 1, n)
        ws.cell(r, 2, code)
        ws.cell(r, 3, e.name)
        ws.cell(r, 4, e.unit_of_measure)
        value = ws.cell(r, 5, values.get(code))
        value.fill, value.protection, value.number_format = INPUT_FILL, UNLOCKED, "#,##0"
        ws.cell(r, 6).protection = UNLOCKED
        _boxed(ws, r, wrap=(3, 4))
        _fit(ws, r, DATA_WIDTHS)
        r += 1
    _signatures(ws, r + 1)
    for col, width in zip("ABCDEF", DATA_WIDTHS):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{header + 1}"
    ws.protection.sheet = True
    _print(ws, landscape=False, title_row=header)


def _signatures(ws, row: int) -> None:
    """The paper form's foot: who drew up the table (left), the head of the unit (right, under the
    date). Never in the code column (B): text there would read as an element code."""
    date = ws.cell(row, 4, "……, ngày …… tháng …… năm ……")
    date.font, date.protection = _font(italic=True), UNLOCKED
    for col, lines in ((1, ["NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)"]),
                       (4, ["THỦ TRƯỞNG ĐƠN VỊ", "(Ký tên, đóng dấu)"])):
        for i, text in enumerate(lines, start=1):
            ws.cell(row + i, col, text).font = _font(bold=(i == 1), italic=(i == 2))
    for r in range(row, row + 3):
        ws.row_dimensions[r].height = ROW_HEIGHT
        for first, last in ((1, 3), (4, 6)):
            ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=last)
            ws.cell(r, first).alignment = Alignment(horizontal="center", vertical="center")


def _task_sheet(ws, plan: Plan, unit: str, quarter: int, tasks: dict[str, str]) -> None:
    """`Nhiệm vụ`, one landscape page: the unit's tasks and a dropdown of statuses."""
    roman = ROMAN.get(quarter, str(quarter))
    title = f"TÌNH TRẠNG THỰC HIỆN NHIỆM VỤ QUÝ {roman}/{plan.year} — {plan.unit_by_code[unit].name.upper()}"
    r = _line(ws, 1, title, TASK_WIDTHS, _font(bold=True, size=13))
    _line(ws, r, "Chọn tình trạng từng nhiệm vụ trong danh sách (ô màu vàng); ghi kết quả nổi bật nếu có.",
          TASK_WIDTHS, _font())
    _header(ws, 3, ["STT", "Mã nhiệm vụ", "Nội dung", "Vai trò", "Tình trạng", "Kết quả"])
    names = [s.name for s in plan.task_statuses]
    dv = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Tình trạng không hợp lệ",
                        error="Chọn một tình trạng trong danh sách.")
    ws.add_data_validation(dv)
    for i, (task, role) in enumerate(plan.unit_tasks(unit), start=1):
        row = 3 + i
        ws.cell(row, 1, i)
        ws.cell(row, 2, task.code)
        ws.cell(row, 3, f"{task.name} (mục {task.section})")
        ws.cell(row, 4, TASK_ROLE_NAMES[role])
        status = ws.cell(row, 5, tasks.get(task.code))
        status.fill, status.protection = INPUT_FILL, UNLOCKED
        dv.add(status)
        ws.cell(row, 6).protection = UNLOCKED
        _boxed(ws, row, wrap=(3, 6))
        _fit(ws, row, TASK_WIDTHS)
    for col, width in zip("ABCDEF", TASK_WIDTHS):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    ws.protection.sheet = True
    _print(ws, landscape=True, title_row=3)


def _info_sheet(ws, plan: Plan, unit: str, quarter: int, note: str | None) -> None:
    """`Thông tin`, what the reader needs (label, value to its right), hidden: it would print as a
    page of its own, and the clerk has nothing to write on it (the date and the signatures are on
    `Số liệu`). Hidden, not "very hidden": whoever wants to check it can show it."""
    rows = [("Mã đơn vị", unit), ("Tên đơn vị", plan.unit_by_code[unit].name), ("Năm", plan.year),
            ("Quý", quarter), ("Phiên bản mẫu", plan.plan.template_version)]
    if note:
        rows.append(("Ghi chú", note))
    for r, (label, value) in enumerate(rows, start=1):
        ws.cell(r, 1, label).font = _font(bold=True)
        ws.cell(r, 2, value).font = _font()
        ws.cell(r, 2).alignment = Alignment(horizontal="left")
        ws.row_dimensions[r].height = ROW_HEIGHT
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 60
    ws.protection.sheet = True
    ws.sheet_state = "hidden"
    _print(ws, landscape=False)


# Row heights: Excel and LibreOffice do not grow a row that openpyxl gives no height, and the default
# (15 pt) clips the stacked marks of Vietnamese capitals ("SỐ LIỆU QUÝ" read "SO LIỆU QUY").
TITLE_HEIGHT = 27
ROW_HEIGHT = 19
LINE_HEIGHT = 16.5
FONT = "Times New Roman"


def _font(bold: bool = False, italic: bool = False, size: float = 12, color: str | None = None) -> Font:
    return Font(name=FONT, size=size, bold=bold, italic=italic, color=color)


def _day(value: dt.date) -> str:
    return f"{value.day}/{value.month}/{value.year}"


def _fit(ws, row: int, widths, size: float = 12) -> None:
    """A row tall enough for its wrapped text (a rough count of characters per line)."""
    lines = 1
    for col, width in enumerate(widths, start=1):
        text = ws.cell(row, col).value
        if isinstance(text, str) and text:
            per_line = max(width * 1.1 * 12 / size - 1, 1)
            lines = max(lines, -(-len(text) // int(per_line)))
    ws.row_dimensions[row].height = max(ROW_HEIGHT, LINE_HEIGHT * lines * size / 12 + 3)


def _print(ws, landscape: bool, title_row: int | None = None) -> None:
    """A4, one page (fit to width and height), header row repeated, page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    # the footer lives between the page's edge + `footer` and the bottom margin: at openpyxl's 0.5 in
    # that is 0.1 in, and LibreOffice cut "Trang 2/2" in half
    ws.page_margins.header = ws.page_margins.footer = 0.25
    if title_row:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{FONT},Regular"


def _header(ws, row: int, titles: list[str]) -> None:
    ws.row_dimensions[row].height = 2 * LINE_HEIGHT + 3   # "Đơn vị tính" wraps on two lines
    for c, title in enumerate(titles, start=1):
        cell = ws.cell(row, c, title)
        cell.font, cell.fill, cell.border = _font(bold=True, color="FFFFFF"), HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _line(ws, row: int, text: str, widths, font: Font, center: bool = False) -> int:
    """One line of text across the table's width (merged, wrapped, tall enough); the next row."""
    cell = ws.cell(row, 1, text)
    cell.font = font
    cell.alignment = Alignment(horizontal="center" if center else "left", vertical="center", wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    _fit(ws, row, [sum(widths)], size=font.sz)
    if font.sz > 12:   # a title: the room its capitals' marks need
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height, TITLE_HEIGHT)
    return row + 1


def _boxed(ws, row: int, wrap: tuple[int, ...]) -> None:
    for c in range(1, 7):
        cell = ws.cell(row, c)
        cell.border, cell.font = BOX, _font()
        cell.alignment = Alignment(wrap_text=c in wrap, vertical="center")


def write_templates(plan: Plan, quarter: int, out_dir: Path, units: list[str] | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit in units or [u.code for u in plan.units]:
        path = out_dir / template_file_name(plan, unit, quarter)
        path.write_bytes(build_template(plan, unit, quarter))
        paths.append(path)
    return paths
