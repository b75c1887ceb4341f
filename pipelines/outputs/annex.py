"""The XLSX annex of the period's report: the same numbers as a workbook the province can sort and
sum. Sheets: "Tổng hợp" (the decree's title line "PHỤ LỤC … (Kèm theo Báo cáo số …/BC-BCĐ ngày …)",
the five rates with the figure that judges each — as the report prints it — target, verdict, judged
period, and a native Excel chart of each rate against its target), one sheet per section of the
plan's elements (totals by unit and for the town), "Hạn nộp" (timeliness), "Nhiệm vụ" (tasks).
Vietnamese headers tall enough for their wrapped text, number formats that print like the report
("95,2 %", "≥ 95 %"), one typeface (Times New Roman), frozen panes, A4 print set-up with the header
repeated, fit to width and page numbers in the footer."""
from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.chart.text import RichText
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.drawing.text import Font as DrawingFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pipelines.localtime import local_now
from pipelines.outputs import docform, fmt, metrics
from pipelines.outputs.export import print_setup
from pipelines.outputs.report import (
    ROMAN,
    PeriodData,
    judged_row,
    lead_names,
    own_text,
    period_data,
    period_phrase,
    rate_parts,
    task_status,
)
from pipelines.store import Store

FONT = "Times New Roman"                          # one typeface, as the report
HEAD_FILL = PatternFill("solid", fgColor="1F4E79")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE_ROWS = 3   # title lines; the header row is row 4
SUMMARY = "Tổng hợp"
TIMELINESS = "Hạn nộp"
TASKS = "Nhiệm vụ"
OWN_PERIOD = "Riêng kỳ báo cáo"
RATE_HEADERS = ["Chỉ tiêu", "Nội dung", "Tử số", "Mẫu số", "Tỷ lệ", "Mục tiêu", "Đánh giá", "Kỳ đánh giá",
                OWN_PERIOD, "Cần thêm"]
RATE_WIDTHS = [22, 44, 9, 9, 10, 11, 14, 26, 24, 9]
TARGET_COLOUR = "C00000"
LINE_PT = 15.0          # height of one line of 11-pt text in a row
CHARS_PER_WIDTH = 1.15  # characters of Times New Roman 11 pt per unit of column width


def font(**kw) -> Font:
    return Font(name=FONT, size=kw.pop("size", 11), **kw)


def _sheet_name(text: str, used: set[str]) -> str:
    name = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31].strip()
    base, n = name, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def lines_needed(text: object, width: float, bold: bool = False) -> int:
    """How many lines `text` wraps to in a column of `width` (a rough measure, on the safe side)."""
    if text is None:
        return 1
    per_line = max(width * CHARS_PER_WIDTH * (0.9 if bold else 1.0) - 1, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def fit_row(ws, row: int, widths: list[float], bold: bool = False) -> None:
    """A row tall enough for its longest wrapped cell (Excel and LibreOffice do not grow a row that
    has a set height, and openpyxl cannot leave it to them)."""
    n = max(lines_needed(ws.cell(row, i).value, w, bold) for i, w in enumerate(widths, start=1))
    ws.row_dimensions[row].height = LINE_PT * n + 4


def _titles(ws, lines: list[str], width: int) -> None:
    """The title lines above the header, centred across the table."""
    for i, text in enumerate(lines[:TITLE_ROWS], start=1):
        c = ws.cell(i, 1, text)
        c.font = font(bold=i == 1, italic=i == 3 and len(lines) == 3, size=13 if i == 1 else 12)
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=max(width, 1))
        ws.row_dimensions[i].height = 20


def _header(ws, row: int, headers: list[str], widths: list[float]) -> None:
    for i, h in enumerate(headers, start=1):
        c = ws.cell(row, i, h)
        c.font, c.fill, c.border = font(bold=True, color="FFFFFF"), HEAD_FILL, BOX
        c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    fit_row(ws, row, widths, bold=True)


def _setup(ws, header_row: int, widths: list[float], landscape: bool) -> None:
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    print_setup(ws, header_row, landscape)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.freeze_panes = ws.cell(header_row + 1, 2)


def _put(ws, row: int, values: list, formats: list[str | None], widths: list[float] | None = None) -> None:
    for i, (v, f) in enumerate(zip(values, formats), start=1):
        c = ws.cell(row, i, None if (v is None or (isinstance(v, float) and pd.isna(v))) else v)
        c.border, c.font = BOX, font()
        if f and isinstance(v, (int, float)):
            c.number_format = f
        c.alignment = Alignment(wrap_text=isinstance(v, str), vertical="top",
                                horizontal="right" if (f or v in ("x", "—")) else None)
    if widths:
        fit_row(ws, row, widths)


def _num(v):
    return None if v is None or pd.isna(v) else (int(v) if float(v).is_integer() else float(v))


def rate_format(row) -> str:
    """The number format that prints a rate as the report does: "95,2 %", "100 %" (the decimals
    `fmt.rate` shows, a space before %)."""
    shown = fmt.rate(row.numerator, row.denominator, row.target_op, row.target)
    decimals = len(shown.split(",")[1].split()[0]) if "," in shown else 0
    return "0" + ("." + "0" * decimals if decimals else "") + " %"


def target_format(op: str, target: float) -> str:
    """"> 90 %", "≥ 95 %", "100 %" — the sign is part of the number format, so the cell stays a
    number for the chart and prints as the report writes it."""
    text = fmt.target_text(op, target)
    sign = text.split(" ")[0] if not text[0].isdigit() else ""
    decimals = len(text.split(",")[1].split()[0]) if "," in text else 0
    return (f'"{sign} "' if sign else "") + "0" + ("." + "0" * decimals if decimals else "") + " %"


def title_lines(d: PeriodData, texts: dict, heading: str, number: str | None, day: dt.date) -> list[str]:
    """PHỤ LỤC, what it is, and "(Kèm theo Báo cáo số …/BC-BCĐ ngày … của …)" (Nghị định 30/2020)."""
    docs = d.plan.documents
    symbol = docs.report.symbol or "BC"
    num = f"{number}/{symbol}" if number else f"{docform.NBSP * 6}/{symbol}"
    issuer = f"{docs.issuing_body or d.plan.plan.committee} thị xã {d.plan.plan.place}".strip()
    return ["PHỤ LỤC", heading, f"(Kèm theo Báo cáo số {num} ngày {fmt.day(day)} của {issuer})"]


def summary_sheet(ws, d: PeriodData, texts: dict, number: str | None, day: dt.date) -> None:
    """The five rates, and a chart of each rate against its target. "Riêng kỳ báo cáo" (the period's
    own figures when a yearly target is judged on a longer period) only when some rate has them: a
    cumulative period judges every rate on itself, and an empty column reads as missing figures."""
    rows = []
    for r in d.attainment.itertuples():
        p = rate_parts(d, r, texts)
        j = judged_row(d, r)
        hidden = p["verdict"] == "x"
        has_value = j is not None and not hidden and j.status in ("met", "not_met")
        judged = period_phrase(d, r.judged_period, texts)
        if r.judged_on == "cumulative":
            judged = texts["report"]["tables"]["yearly"].format(judged_phrase=judged)
        own = own_text(d, p, texts) if p["separate"] else ""
        rows.append(([r.short_name, r.indicator_name,
                      "x" if hidden else (_num(j.numerator) if has_value else "—"),
                      "x" if hidden else (_num(j.denominator) if has_value else "—"),
                      "x" if hidden else (_num(j.value) if has_value else "—"), float(r.target), p["verdict"],
                      judged[:1].upper() + judged[1:], own[:1].upper() + own[1:],
                      None if hidden or pd.isna(r.needed) else int(r.needed)],
                     [None, None, "#,##0", "#,##0", rate_format(j) if has_value else None,
                      target_format(r.target_op, r.target), None, None, None, "#,##0"]))
    keep = [i for i, h in enumerate(RATE_HEADERS) if h != OWN_PERIOD or any(v[i] for v, _ in rows)]
    headers, widths = [RATE_HEADERS[i] for i in keep], [RATE_WIDTHS[i] for i in keep]
    _titles(ws, title_lines(d, texts, f"KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU {period_phrase(d, d.period, texts).upper()}",
                            number, day), len(headers))
    hr = TITLE_ROWS + 1
    _header(ws, hr, headers, widths)
    for n, (values, formats) in enumerate(rows, start=hr + 1):
        _put(ws, n, [values[i] for i in keep], [formats[i] for i in keep], widths)
    last = hr + len(rows)
    _setup(ws, hr, widths, landscape=True)
    if rows:
        _chart(ws, hr, last)


def _chart(ws, hr: int, last: int) -> None:
    """A clustered bar of each rate (category: the short Vietnamese name) with its target as a red
    marker (native Excel chart)."""
    bar = BarChart()
    bar.type = "col"
    bar.title = "Tỷ lệ đạt được so với mục tiêu"
    bar.y_axis.title = "Tỷ lệ"
    bar.y_axis.number_format = "0%"
    bar.y_axis.scaling.min = 0
    bar.y_axis.scaling.max = 1
    bar.y_axis.delete = bar.x_axis.delete = False   # openpyxl 3.1 hides both axes by default
    bar.add_data(Reference(ws, min_col=5, min_row=hr, max_row=last), titles_from_data=True)
    cats = Reference(ws, min_col=1, min_row=hr + 1, max_row=last)
    bar.set_categories(cats)
    bar.series[0].graphicalProperties = GraphicalProperties(solidFill="1F4E79")
    line = LineChart()
    line.add_data(Reference(ws, min_col=6, min_row=hr, max_row=last), titles_from_data=True)
    line.set_categories(cats)
    s = line.series[0]
    s.marker.symbol = "diamond"
    s.marker.size = 11
    s.marker.graphicalProperties = GraphicalProperties(solidFill=TARGET_COLOUR)
    s.marker.graphicalProperties.line.solidFill = TARGET_COLOUR
    s.graphicalProperties.line.noFill = True
    s.smooth = False
    for series in (*bar.series, *line.series):   # the names are text: a string reference, not numbers
        series.cat = AxDataSource(strRef=StrRef(f=series.cat.numRef.f))
    bar += line
    bar.legend.position = "b"
    for part in (bar, bar.x_axis, bar.y_axis, bar.legend):   # the sheet's typeface, 10 pt
        part.txPr = _chart_text(1000)
    for title, size in ((bar.title, 1300), (bar.y_axis.title, 1000)):
        for para in title.tx.rich.p:
            para.pPr = ParagraphProperties(defRPr=_props(size, bold=True))
            for run in para.r or []:
                run.rPr = _props(size, bold=True)
    bar.height, bar.width = 9, 22
    ws.add_chart(bar, f"A{last + 4}")


def _props(size: int, bold: bool = False) -> CharacterProperties:
    return CharacterProperties(latin=DrawingFont(typeface=FONT), cs=DrawingFont(typeface=FONT), sz=size, b=bold)


def _chart_text(size: int) -> RichText:
    """Chart text in Times New Roman (a chart does not follow the cells' font)."""
    props = _props(size)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def section_sheets(wb: Workbook, d: PeriodData, used: set[str], texts: dict) -> None:
    """One sheet per section of the plan's elements: units × elements, the town's total last."""
    vals = d.by_unit.set_index(["scope", "element"])["value"]
    for section, group in d.totals.groupby("section", sort=False):
        ws = wb.create_sheet(_sheet_name(section, used))
        codes = list(group["element"])
        headers = ["Đơn vị"] + [f"{r.name} ({r.unit_of_measure})" for r in group.itertuples()]
        widths = [34] + [16] * len(codes)
        _titles(ws, [f"{section} — {period_phrase(d, d.period, texts)}",
                     "Số liệu lũy kế của kỳ theo đơn vị; ô trống: đơn vị không báo cáo chỉ tiêu này"], len(headers))
        hr = TITLE_ROWS + 1
        _header(ws, hr, headers, widths)
        row = hr + 1
        for u in d.plan.units:
            cells = [vals.get((u.code, c)) for c in codes]
            if all(v is None or pd.isna(v) for v in cells) and not any(
                    c in d.plan.unit_elements(u.code) for c in codes):
                continue
            _put(ws, row, [u.name] + [_shown(d, c, u.code, v) for c, v in zip(codes, cells)],
                 [None] + ["#,##0"] * len(codes), widths)
            row += 1
        _put(ws, row, [d.plan.plan.scope_name] + [_shown(d, c, metrics.TOWN, vals.get((metrics.TOWN, c))) for c in codes],
             [None] + ["#,##0"] * len(codes), widths)
        for c in ws[row]:
            c.font = font(bold=True)
        _setup(ws, hr, widths, landscape=len(codes) > 4)


def _shown(d: PeriodData, element: str, scope: str, value):
    if d.pub is not None and d.pub.label(element, scope, d.period) is not None:
        return d.pub.label(element, scope, d.period)
    return _num(value)


def timeliness_sheet(ws, d: PeriodData, texts: dict) -> None:
    headers = ["TT", "Đơn vị", "Quý", "Hạn nộp", "Ngày nhận", "Tình trạng", "Số phiên bản"]
    widths = [6, 40, 7, 17, 17, 15, 11]
    _titles(ws, [f"TÌNH HÌNH NỘP BÁO CÁO — {period_phrase(d, d.period, texts).upper()}",
                 "Giờ Việt Nam (Asia/Ho_Chi_Minh)"], len(headers))
    hr = TITLE_ROWS + 1
    _header(ws, hr, headers, widths)
    for i, r in enumerate(d.compliance.itertuples(), start=1):
        n = hr + i
        deadline = r.deadline.replace(tzinfo=None) if r.deadline is not None else None
        received = r.received_at.replace(tzinfo=None) if r.received_at is not None and not pd.isna(r.received_at) else None
        _put(ws, n, [i, r.unit_name, ROMAN.get(r.quarter, r.quarter), deadline, received,
                     metrics.COMPLIANCE_NAMES[r.status], _num(r.versions)],
             ["0", None, None, None, None, None, "#,##0"], widths)
        for col in (4, 5):
            ws.cell(n, col).number_format = "dd/mm/yyyy hh:mm"
            ws.cell(n, col).alignment = Alignment(horizontal="right", vertical="top")
        ws.cell(n, 3).alignment = Alignment(horizontal="center", vertical="top")
    _setup(ws, hr, widths, landscape=False)


def tasks_sheet(ws, d: PeriodData, texts: dict) -> None:
    s = texts["report"]["sentences"]
    headers = ["TT", "Mục KH", "Nhiệm vụ", "Đơn vị chủ trì", "Tình trạng", "Số đơn vị liên quan", "Hoàn thành",
               "Đang triển khai", "Chưa triển khai", "Không áp dụng", "Chưa báo cáo"]
    widths = [5, 8, 40, 28, 22, 10, 10, 10, 10, 10, 10]
    _titles(ws, [f"TIẾN ĐỘ THỰC HIỆN NHIỆM VỤ — THEO BÁO CÁO QUÝ {ROMAN.get(d.last_quarter)} NĂM {d.year}"], len(headers))
    hr = TITLE_ROWS + 1
    _header(ws, hr, headers, widths)
    for i, r in enumerate(d.tasks.itertuples(), start=1):
        status, _ = task_status(r, s)
        _put(ws, hr + i, [i, r.section, r.task_name, lead_names(d, r.task), status, int(r.units_concerned), int(r.done),
                          int(r.in_progress), int(r.not_started), int(r.not_applicable), int(r.not_reported)],
             ["0", None, None, None, None] + ["#,##0"] * 6, widths)
    _setup(ws, hr, widths, landscape=True)


def build_annex(store: Store, year: int, period: str, as_of: dt.datetime | None = None, *,
                publication_copy: bool = False, number: str | None = None, day: dt.date | None = None,
                texts_path=None) -> bytes:
    """The XLSX bytes. `number` and `day`: the report's number and date, for the title line
    "(Kèm theo Báo cáo số …/BC-BCĐ ngày …)" (default: number left blank, today in the plan's zone)."""
    d = period_data(store, year, period, as_of, publication_copy)
    texts = docform.texts(texts_path)
    day = day or local_now(d.plan.tz).date()
    wb = Workbook()
    ws = wb.active
    ws.title = SUMMARY
    used = {SUMMARY, TIMELINESS, TASKS}
    summary_sheet(ws, d, texts, number, day)
    notes = ([texts["report"]["demo_note"]] if d.is_demo else []) + (
        [texts["report"]["publication_note"].format(threshold=d.plan.publication.threshold)] if d.pub else [])
    if notes:
        at = TITLE_ROWS + len(d.attainment) + 2
        ws.cell(at, 1, " ".join(notes)).font = font(bold=True, color="C00000")
    section_sheets(wb, d, used, texts)
    timeliness_sheet(wb.create_sheet(TIMELINESS), d, texts)
    tasks_sheet(wb.create_sheet(TASKS), d, texts)
    wb.properties.creator = wb.properties.lastModifiedBy = d.plan.documents.issuing_body or d.plan.plan.committee
    wb.properties.language = docform.LANGUAGE
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
