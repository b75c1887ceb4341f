"""The XLSX annex of the period's report: the same numbers as a workbook the province can sort and
sum. Sheets: "Tổng hợp" (the five rates: numerator, denominator, %, target, verdict, judged period,
with a native Excel chart of each rate against its target), one sheet per section of the plan's
elements (totals by unit and for the town), "Hạn nộp" (timeliness), "Nhiệm vụ" (tasks). Vietnamese
headers, number formats, frozen panes, A4 print setup with titles repeated and fit to width."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pipelines.outputs import docform, fmt, metrics
from pipelines.outputs.report import ROMAN, PeriodData, period_data, period_phrase, rate_parts
from pipelines.store import Store

HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
HEAD_FONT = Font(bold=True, color="FFFFFF")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_ROWS = 3   # title, subtitle, blank; the header row is row 4
SUMMARY = "Tổng hợp"
RATE_HEADERS = ["Mã", "Chỉ tiêu", "Tử số", "Mẫu số", "Tỷ lệ", "Mục tiêu", "Đánh giá", "Kỳ đánh giá",
                "Tỷ lệ của kỳ", "Cần thêm"]


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31].strip()
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def _titles(ws, title: str, subtitle: str, width: int) -> None:
    ws.cell(1, 1, title).font = Font(bold=True, size=13)
    ws.cell(2, 1, subtitle).font = Font(italic=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 1))


def _header(ws, row: int, headers: list[str]) -> None:
    for i, h in enumerate(headers, start=1):
        c = ws.cell(row, i, h)
        c.font, c.fill, c.border = HEAD_FONT, HEAD_FILL, BOX
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    ws.row_dimensions[row].height = 45


def _print_setup(ws, header_row: int, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.freeze_panes = ws.cell(header_row + 1, 2)


def _widths(ws, widths: list[float]) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def _put(ws, row: int, values: list, formats: list[str | None]) -> None:
    for i, (v, f) in enumerate(zip(values, formats), start=1):
        c = ws.cell(row, i, None if (v is None or (isinstance(v, float) and pd.isna(v))) else v)
        c.border = BOX
        if f and isinstance(v, (int, float)):
            c.number_format = f
        if isinstance(v, str):
            c.alignment = Alignment(wrap_text=True, vertical="top")


def _num(v):
    return None if v is None or pd.isna(v) else (int(v) if float(v).is_integer() else float(v))


def summary_sheet(ws, d: PeriodData, texts: dict) -> None:
    """The five rates, and a chart of each rate against its target."""
    _titles(ws, f"Kết quả thực hiện các chỉ tiêu — {period_phrase(d, d.period, texts)}",
            f"{d.plan.plan.committee} thị xã {d.plan.plan.place}", len(RATE_HEADERS))
    hr = TITLE_ROWS + 1
    _header(ws, hr, RATE_HEADERS)
    for n, r in enumerate(d.attainment.itertuples(), start=hr + 1):
        p = rate_parts(d, r)
        hidden = p["verdict"] == "x"
        judged = period_phrase(d, r.judged_period, texts) + (
            texts["report"]["tables"]["yearly_suffix"] if r.judged_on == "cumulative" else "")
        own = metrics.STATUS_NAMES[r.period_status] if r.period_status != r.status else ""
        _put(ws, n, [r.indicator, r.indicator_name,
                     "x" if hidden else (None if r.status == "no_data" else _num(r.numerator)),
                     "x" if hidden else (None if r.status == "no_data" else _num(r.denominator)),
                     "x" if hidden else _num(r.value), float(r.target), p["verdict"], judged, own,
                     None if hidden or pd.isna(r.needed) else int(r.needed)],
             [None, None, "#,##0", "#,##0",
              "0." + "0" * fmt.rate_digits(r.numerator, r.denominator, r.target_op, r.target) + "%",
              "0%", None, None, None, "#,##0"])
        ws.row_dimensions[n].height = 32  # the long names wrap on two lines
    last = hr + len(d.attainment)
    _widths(ws, [16, 48, 9, 9, 9, 9, 16, 28, 14, 9])
    _print_setup(ws, hr, landscape=True)
    if len(d.attainment):
        _chart(ws, hr, last)


def _chart(ws, hr: int, last: int) -> None:
    """A clustered bar of each rate with its target as a line of markers (native Excel chart)."""
    bar = BarChart()
    bar.type = "col"
    bar.title = "Tỷ lệ đạt được so với mục tiêu"
    bar.y_axis.title = "Tỷ lệ"
    bar.y_axis.number_format = "0%"
    bar.y_axis.scaling.min = 0
    bar.y_axis.scaling.max = 1
    bar.add_data(Reference(ws, min_col=5, min_row=hr, max_row=last), titles_from_data=True)
    cats = Reference(ws, min_col=1, min_row=hr + 1, max_row=last)
    bar.set_categories(cats)
    line = LineChart()
    line.add_data(Reference(ws, min_col=6, min_row=hr, max_row=last), titles_from_data=True)
    line.set_categories(cats)
    s = line.series[0]
    s.marker.symbol = "dash"
    s.marker.size = 14
    s.graphicalProperties.line.noFill = True
    bar += line
    bar.height, bar.width = 8, 18
    ws.add_chart(bar, f"A{last + 3}")


def section_sheets(wb: Workbook, d: PeriodData, used: set[str]) -> None:
    """One sheet per section of the plan's elements: units × elements, the town's total last."""
    units = [u for u in d.plan.units]
    vals = d.by_unit.set_index(["scope", "element"])["value"]
    for section, group in d.totals.groupby("section", sort=False):
        ws = wb.create_sheet(_sheet_name(section, used))
        codes = list(group["element"])
        headers = ["Đơn vị"] + [f"{r.name} ({r.unit_of_measure})" for r in group.itertuples()]
        _titles(ws, f"{section} — {d.period_name} năm {d.year}", "Số liệu lũy kế của kỳ theo đơn vị; "
                "ô trống: đơn vị không báo cáo chỉ tiêu này", len(headers))
        hr = TITLE_ROWS + 1
        _header(ws, hr, headers)
        row = hr + 1
        for u in units:
            cells = [vals.get((u.code, c)) for c in codes]
            if all(v is None or pd.isna(v) for v in cells) and not any(
                    c in d.plan.unit_elements(u.code) for c in codes):
                continue
            _put(ws, row, [u.name] + [_shown(d, c, u.code, v) for c, v in zip(codes, cells)],
                 [None] + ["#,##0"] * len(codes))
            row += 1
        _put(ws, row, [d.plan.plan.scope_name] + [_shown(d, c, metrics.TOWN, vals.get((metrics.TOWN, c))) for c in codes],
             [None] + ["#,##0"] * len(codes))
        for c in ws[row]:
            c.font = Font(bold=True)
        _widths(ws, [34] + [16] * len(codes))
        _print_setup(ws, hr, landscape=len(codes) > 4)


def _shown(d: PeriodData, element: str, scope: str, value):
    if d.pub is not None and d.pub.label(element, scope, d.period) is not None:
        return d.pub.label(element, scope, d.period)
    return _num(value)


def timeliness_sheet(ws, d: PeriodData) -> None:
    headers = ["Mã đơn vị", "Đơn vị", "Quý", "Hạn nộp", "Ngày nhận", "Tình trạng", "Số phiên bản"]
    _titles(ws, f"Tình hình gửi báo cáo — {d.period_name} năm {d.year}", "Giờ Việt Nam (Asia/Ho_Chi_Minh)",
            len(headers))
    hr = TITLE_ROWS + 1
    _header(ws, hr, headers)
    for n, r in enumerate(d.compliance.itertuples(), start=hr + 1):
        deadline = r.deadline.replace(tzinfo=None) if r.deadline is not None else None
        received = r.received_at.replace(tzinfo=None) if r.received_at is not None else None
        _put(ws, n, [r.unit, r.unit_name, ROMAN.get(r.quarter, r.quarter), deadline, received,
                     metrics.COMPLIANCE_NAMES[r.status], _num(r.versions)],
             [None, None, None, None, None, None, "#,##0"])
        ws.cell(n, 4).number_format = ws.cell(n, 5).number_format = "dd/mm/yyyy hh:mm"
    _widths(ws, [18, 38, 6, 17, 17, 14, 10])
    _print_setup(ws, hr, landscape=False)


def tasks_sheet(ws, d: PeriodData) -> None:
    headers = ["Mã", "Mục KH", "Nhiệm vụ", "Chủ trì", "Số đơn vị liên quan", "Hoàn thành", "Đang triển khai",
               "Chưa triển khai", "Không áp dụng", "Chưa báo cáo"]
    _titles(ws, f"Tiến độ thực hiện nhiệm vụ — theo báo cáo quý {ROMAN.get(d.last_quarter)} năm {d.year}", "",
            len(headers))
    hr = TITLE_ROWS + 1
    _header(ws, hr, headers)
    for n, r in enumerate(d.tasks.itertuples(), start=hr + 1):
        lead = r.lead if isinstance(r.lead, str) else ", ".join(r.lead)
        _put(ws, n, [r.task, r.section, r.task_name, lead, int(r.units_concerned), int(r.done), int(r.in_progress),
                     int(r.not_started), int(r.not_applicable), int(r.not_reported)],
             [None] * 4 + ["#,##0"] * 6)
    _widths(ws, [7, 9, 50, 16, 11, 11, 11, 11, 11, 11])
    _print_setup(ws, hr, landscape=True)


def build_annex(store: Store, year: int, period: str, as_of: dt.datetime | None = None, *,
                publication_copy: bool = False, texts_path=None) -> bytes:
    d = period_data(store, year, period, as_of, publication_copy)
    texts = docform.texts(texts_path)
    wb = Workbook()
    ws = wb.active
    ws.title = SUMMARY
    used = {SUMMARY, "Hạn nộp", "Nhiệm vụ"}
    summary_sheet(ws, d, texts)
    notes = ([texts["report"]["demo_note"]] if d.is_demo else []) + (
        [texts["report"]["publication_note"].format(threshold=d.plan.publication.threshold)] if d.pub else [])
    if notes:
        ws.cell(3, 1, " ".join(notes)).font = Font(bold=True, color="C00000")
    section_sheets(wb, d, used)
    timeliness_sheet(wb.create_sheet("Hạn nộp"), d)
    tasks_sheet(wb.create_sheet("Nhiệm vụ"), d)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
