"""Blank (or pre-filled) report workbooks for one unit and quarter.

Pre-filled: unit, year, quarter; one row per element and task that unit reports; a dropdown of the
plan's task statuses; code columns locked (sheet protection without a password: it prevents slips,
not people). What `read.py` reads back from a filled template equals what was written.
"""
from __future__ import annotations

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
WHITE_BOLD = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
TASK_ROLE_NAMES = {"lead": "Chủ trì", "participant": "Phối hợp"}


def template_file_name(plan: Plan, unit: str, quarter: int) -> str:
    return f"BC_{unit}_{plan.year}_Q{quarter}.xlsx"


def build_template(plan: Plan, unit: str, quarter: int, values: dict[str, int | str | None] | None = None,
                   tasks: dict[str, str] | None = None, note: str | None = None) -> bytes:
    """The workbook as bytes. `values`/`tasks` pre-fill answers (tests, demo): task values are
    status names as users pick them."""
    u = plan.unit_by_code[unit]
    q = plan.quarter_by_number[quarter]
    values, tasks = values or {}, tasks or {}
    wb = Workbook()

    guide = wb.active
    guide.title = "Hướng dẫn"
    lines = [
        f"MẪU BÁO CÁO KẾT QUẢ THỰC HIỆN {plan.plan.name.upper()}",
        "",
        f"Đơn vị: {u.name} — Quý {quarter}/{plan.year} (số liệu từ {q.data_from:%d/%m/%Y} đến {q.data_to:%d/%m/%Y}).",
        f"Hạn gửi: trước hết ngày {q.due:%d/%m/%Y}, gửi {plan.plan.issuer}"
        + (f" qua {plan.plan.collector}." if plan.plan.collector else "."),
        "",
        "1. Trang “Thông tin”: kiểm tra mã đơn vị, năm, quý; ghi ngày lập và người lập.",
        "2. Trang “Số liệu”: ghi số của riêng quý này (không cộng dồn) vào cột “Số liệu” (ô màu vàng).",
        "   Ghi số nguyên không âm, ví dụ 12 hoặc 1.234. Để trống hoặc ghi “-” nếu không báo cáo; ghi 0 nếu không phát sinh.",
        "3. Trang “Nhiệm vụ”: chọn tình trạng từng nhiệm vụ trong danh sách; ghi kết quả nổi bật nếu có.",
        "4. Không sửa cột mã (đã khóa). Có thể thêm dòng tiêu đề, đổi thứ tự cột, lưu dạng .xlsx, .xls hoặc .ods.",
        "5. Bảo mật: tuyệt đối không ghi thông tin cá nhân của nạn nhân (tên, ngày sinh, nơi ở, giấy tờ tùy thân);",
        "   hệ thống chỉ nhận số liệu tổng hợp và sẽ từ chối tệp có thông tin cá nhân.",
    ]
    for i, line in enumerate(lines, start=1):
        guide.cell(i, 1, line).font = Font(bold=(i == 1))
    guide.column_dimensions["A"].width = 120

    info = wb.create_sheet(INFO_SHEET)
    info["A1"] = "BÁO CÁO KẾT QUẢ THỰC HIỆN CÔNG TÁC PHÒNG, CHỐNG MUA BÁN NGƯỜI"
    info["A1"].font = Font(bold=True, size=13)
    rows = [("Mã đơn vị", unit), ("Tên đơn vị", u.name), ("Năm", plan.year), ("Quý", quarter),
            ("Kỳ số liệu", f"{q.data_from:%d/%m/%Y} – {q.data_to:%d/%m/%Y}"), ("Hạn gửi", f"{q.due:%d/%m/%Y}"),
            ("Ngày lập", None), ("Người lập", None), ("Phiên bản mẫu", plan.plan.template_version)]
    if note:
        rows.append(("Ghi chú", note))
    for r, (label, value) in enumerate(rows, start=3):
        info.cell(r, 1, label).font = Font(bold=True)
        cell = info.cell(r, 2, value)
        if label in ("Ngày lập", "Người lập"):
            cell.fill, cell.protection = INPUT_FILL, UNLOCKED
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 60
    info.protection.sheet = True

    data = wb.create_sheet(DATA_SHEET)
    data["A1"] = f"SỐ LIỆU QUÝ {quarter}/{plan.year} — {u.name.upper()}"
    data["A1"].font = Font(bold=True, size=13)
    headers = ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số liệu", "Ghi chú"]
    _header(data, 3, headers)
    r, section, n = 4, None, 0
    for code in plan.unit_elements(unit):
        e = plan.element_by_code[code]
        if e.section != section:
            section = e.section
            data.cell(r, 1, section).font = Font(bold=True)
            for c in range(1, 7):
                data.cell(r, c).fill = SECTION_FILL
            r += 1
        n += 1
        data.cell(r, 1, n)
        data.cell(r, 2, code)
        data.cell(r, 3, e.name).alignment = Alignment(wrap_text=True)
        data.cell(r, 4, e.unit_of_measure)
        value = data.cell(r, 5, values.get(code))
        value.fill, value.protection, value.number_format = INPUT_FILL, UNLOCKED, "#,##0"
        data.cell(r, 6).protection = UNLOCKED
        for c in range(1, 7):
            data.cell(r, c).border = BOX
        r += 1
    data.cell(r + 1, 5, "NGƯỜI LẬP BIỂU").font = Font(bold=True)
    data.cell(r + 2, 5, "(Ký, ghi rõ họ tên)").font = Font(italic=True)
    for col, width in zip("ABCDEF", (6, 16, 70, 12, 12, 30)):
        data.column_dimensions[col].width = width
    data.freeze_panes = "A4"
    data.protection.sheet = True

    sheet = wb.create_sheet(TASK_SHEET)
    sheet["A1"] = f"TÌNH TRẠNG THỰC HIỆN NHIỆM VỤ QUÝ {quarter}/{plan.year}"
    sheet["A1"].font = Font(bold=True, size=13)
    _header(sheet, 3, ["STT", "Mã nhiệm vụ", "Nội dung", "Vai trò", "Tình trạng", "Kết quả"])
    names = [s.name for s in plan.task_statuses]
    dv = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="Tình trạng không hợp lệ",
                        error="Chọn một tình trạng trong danh sách.")
    sheet.add_data_validation(dv)
    for i, (task, role) in enumerate(plan.unit_tasks(unit), start=1):
        row = 3 + i
        sheet.cell(row, 1, i)
        sheet.cell(row, 2, task.code)
        sheet.cell(row, 3, f"{task.name} (mục {task.section})").alignment = Alignment(wrap_text=True)
        sheet.cell(row, 4, TASK_ROLE_NAMES[role])
        status = sheet.cell(row, 5, tasks.get(task.code))
        status.fill, status.protection = INPUT_FILL, UNLOCKED
        dv.add(status)
        sheet.cell(row, 6).protection = UNLOCKED
        for c in range(1, 7):
            sheet.cell(row, c).border = BOX
    for col, width in zip("ABCDEF", (6, 14, 70, 12, 18, 40)):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A4"
    sheet.protection.sheet = True

    wb.active = 1  # open on `Thông tin`
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(ws, row: int, titles: list[str]) -> None:
    for c, title in enumerate(titles, start=1):
        cell = ws.cell(row, c, title)
        cell.font, cell.fill, cell.border = WHITE_BOLD, HEADER_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def write_templates(plan: Plan, quarter: int, out_dir: Path, units: list[str] | None = None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for unit in units or [u.code for u in plan.units]:
        path = out_dir / template_file_name(plan, unit, quarter)
        path.write_bytes(build_template(plan, unit, quarter))
        paths.append(path)
    return paths
