"""Blank (or pre-filled) report workbooks for one unit and quarter.

Pre-filled: unit, year, quarter; one row per element and task that unit reports; a dropdown of the
plan's task statuses; code columns locked (sheet protection without a password: it prevents slips,
not people). What `read.py` reads back from a filled template equals what was written.
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
    status names as users pick them."""
    u = plan.unit_by_code[unit]
    q = plan.quarter_by_number[quarter]
    values, tasks = values or {}, tasks or {}
    due = due or q.due
    roman = ROMAN.get(quarter, str(quarter))
    wb = Workbook()

    guide = wb.active
    guide.title = "Hướng dẫn"
    lines = [
        f"MẪU BÁO CÁO KẾT QUẢ THỰC HIỆN {plan.plan.name.upper()}",
        "",
        f"Đơn vị: {u.name} — quý {roman} năm {plan.year} (số liệu từ ngày {_day(q.data_from)} đến ngày {_day(q.data_to)}).",
        f"Hạn nộp: chậm nhất hết ngày {_day(due)}" + (" (hạn mới theo công văn đôn đốc)" if due != q.due else "")
        + f", gửi {plan.plan.issuer}" + (f" qua {plan.plan.collector}." if plan.plan.collector else "."),
        "",
        "1. Trang “Thông tin”: kiểm tra mã đơn vị, năm, quý; ghi ngày lập và người lập.",
        "2. Trang “Số liệu”: ghi số của riêng quý này (không cộng dồn) vào cột “Số liệu” (ô màu vàng). "
        "Ghi số nguyên không âm, ví dụ 12 hoặc 1.234. Để trống hoặc ghi “-” nếu không báo cáo; ghi 0 nếu không phát sinh.",
        "3. Trang “Nhiệm vụ”: chọn tình trạng từng nhiệm vụ trong danh sách; ghi kết quả nổi bật nếu có.",
        "4. Không sửa cột mã (đã khóa). Có thể thêm dòng tiêu đề, đổi thứ tự cột, lưu dạng .xlsx, .xls hoặc .ods.",
        "5. Bảo mật: tuyệt đối không ghi thông tin cá nhân của nạn nhân (tên, ngày sinh, nơi ở, giấy tờ tùy thân); "
        "hệ thống chỉ nhận số liệu tổng hợp và sẽ từ chối tệp có thông tin cá nhân.",
    ]
    guide.column_dimensions["A"].width = GUIDE_WIDTH
    for i, line in enumerate(lines, start=1):
        cell = guide.cell(i, 1, line)
        cell.font = _font(bold=(i == 1), size=13 if i == 1 else 12)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        _fit(guide, i, [GUIDE_WIDTH], size=13 if i == 1 else 12)
    _print(guide, landscape=False)

    info = wb.create_sheet(INFO_SHEET)
    info["A1"] = "BÁO CÁO KẾT QUẢ THỰC HIỆN CÔNG TÁC PHÒNG, CHỐNG MUA BÁN NGƯỜI"
    info["A1"].font = _font(bold=True, size=13)
    info.merge_cells("A1:B1")
    info.row_dimensions[1].height = TITLE_HEIGHT
    rows = [("Mã đơn vị", unit), ("Tên đơn vị", u.name), ("Năm", plan.year), ("Quý", quarter),
            ("Kỳ số liệu", f"{_day(q.data_from)} – {_day(q.data_to)}"), ("Hạn nộp", _day(due)),
            ("Ngày lập", None), ("Người lập", None), ("Phiên bản mẫu", plan.plan.template_version)]
    if note:
        rows.append(("Ghi chú", note))
    for r, (label, value) in enumerate(rows, start=3):
        info.cell(r, 1, label).font = _font(bold=True)
        cell = info.cell(r, 2, value)
        cell.font = _font()
        cell.alignment = Alignment(horizontal="left", wrap_text=True)
        if label in ("Ngày lập", "Người lập"):
            cell.fill, cell.protection = INPUT_FILL, UNLOCKED
        info.row_dimensions[r].height = ROW_HEIGHT
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 60
    info.protection.sheet = True
    _print(info, landscape=False)

    data = wb.create_sheet(DATA_SHEET)
    data["A1"] = f"SỐ LIỆU QUÝ {roman}/{plan.year} — {u.name.upper()}"
    data["A1"].font = _font(bold=True, size=13)
    data.merge_cells("A1:F1")
    data.row_dimensions[1].height = TITLE_HEIGHT
    headers = ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số liệu", "Ghi chú"]
    widths = (6, 16, 56, 11, 10, 20)
    _header(data, 3, headers)
    r, section, n = 4, None, 0
    for code in plan.unit_elements(unit):
        e = plan.element_by_code[code]
        if e.section != section:
            section = e.section
            data.cell(r, 1, section).font = _font(bold=True)
            for c in range(1, 7):
                data.cell(r, c).fill = SECTION_FILL
            data.merge_cells(start_row=r, start_column=1, end_row=r, end_column=6)  # a label that never overlaps
            data.row_dimensions[r].height = ROW_HEIGHT
            r += 1
        n += 1
        data.cell(r, 1, n)
        data.cell(r, 2, code)
        data.cell(r, 3, e.name).alignment = Alignment(wrap_text=True, vertical="top")
        data.cell(r, 4, e.unit_of_measure).alignment = Alignment(wrap_text=True, vertical="top")
        value = data.cell(r, 5, values.get(code))
        value.fill, value.protection, value.number_format = INPUT_FILL, UNLOCKED, "#,##0"
        data.cell(r, 6).protection = UNLOCKED
        for c in range(1, 7):
            data.cell(r, c).border = BOX
            data.cell(r, c).font = _font()
            data.cell(r, c).alignment = Alignment(wrap_text=c in (3, 4), vertical="center")
        _fit(data, r, widths)
        r += 1
    data.cell(r + 1, 5, "NGƯỜI LẬP BIỂU").font = _font(bold=True)
    data.cell(r + 2, 5, "(Ký, ghi rõ họ tên)").font = _font(italic=True)
    for col, width in zip("ABCDEF", widths):
        data.column_dimensions[col].width = width
    data.freeze_panes = "A4"
    data.protection.sheet = True
    _print(data, landscape=False, title_row=3, pages_high=2)

    sheet = wb.create_sheet(TASK_SHEET)
    sheet["A1"] = f"TÌNH TRẠNG THỰC HIỆN NHIỆM VỤ QUÝ {roman}/{plan.year}"
    sheet["A1"].font = _font(bold=True, size=13)
    sheet.merge_cells("A1:F1")
    sheet.row_dimensions[1].height = TITLE_HEIGHT
    _header(sheet, 3, ["STT", "Mã nhiệm vụ", "Nội dung", "Vai trò", "Tình trạng", "Kết quả"])
    task_widths = (6, 13, 56, 11, 18, 34)
    names = [s.name for s in plan.task_statuses]
    dv = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Tình trạng không hợp lệ",
                        error="Chọn một tình trạng trong danh sách.")
    sheet.add_data_validation(dv)
    for i, (task, role) in enumerate(plan.unit_tasks(unit), start=1):
        row = 3 + i
        sheet.cell(row, 1, i)
        sheet.cell(row, 2, task.code)
        sheet.cell(row, 3, f"{task.name} (mục {task.section})").alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row, 4, TASK_ROLE_NAMES[role])
        status = sheet.cell(row, 5, tasks.get(task.code))
        status.fill, status.protection = INPUT_FILL, UNLOCKED
        dv.add(status)
        sheet.cell(row, 6).protection = UNLOCKED
        for c in range(1, 7):
            sheet.cell(row, c).border = BOX
            sheet.cell(row, c).font = _font()
            sheet.cell(row, c).alignment = Alignment(wrap_text=c in (3, 6), vertical="center")
        _fit(sheet, row, task_widths)
    for col, width in zip("ABCDEF", task_widths):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A4"
    sheet.protection.sheet = True
    _print(sheet, landscape=True, title_row=3, pages_high=1)

    wb.active = 1  # open on `Thông tin`
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# Row heights: Excel and LibreOffice do not grow a row that openpyxl gives no height, and the default
# (15 pt) clips the stacked marks of Vietnamese capitals ("SỐ LIỆU QUÝ" read "SO LIỆU QUY").
TITLE_HEIGHT = 27
ROW_HEIGHT = 19
LINE_HEIGHT = 16.5
GUIDE_WIDTH = 68   # fits a portrait A4 page at 12 pt without scaling
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


def _print(ws, landscape: bool, title_row: int | None = None, pages_high: int = 1) -> None:
    """A4, one page wide (`pages_high` pages at most), header row repeated, page numbers."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = pages_high
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if title_row:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.oddFooter.center.text = "Trang &P/&N"


def _header(ws, row: int, titles: list[str]) -> None:
    ws.row_dimensions[row].height = 2 * LINE_HEIGHT + 3   # "Đơn vị tính" wraps on two lines
    for c, title in enumerate(titles, start=1):
        cell = ws.cell(row, c, title)
        cell.font, cell.fill, cell.border = _font(bold=True, color="FFFFFF"), HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_templates(plan: Plan, quarter: int, out_dir: Path, units: list[str] | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit in units or [u.code for u in plan.units]:
        path = out_dir / template_file_name(plan, unit, quarter)
        path.write_bytes(build_template(plan, unit, quarter))
        paths.append(path)
    return paths
