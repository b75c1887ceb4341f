"""The quarterly report for the province (Ban Chỉ đạo 138 tỉnh), as a Word document the standing body
can restyle and sign: rates against targets, reporting timeliness, activity totals and task progress
for one year and report period. Built only from the metrics functions (the SQL views)."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from pipelines.outputs import fmt, metrics
from pipelines.store import Store


def build_report(store: Store, year: int, period: str, as_of: dt.datetime | None = None) -> bytes:
    plan = store.plan(year)
    periods = metrics.periods(store, year).set_index("code")
    quarters = [int(q) for q in periods.loc[period, "quarters"]]
    period_name = periods.loc[period, "name"]
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(13)

    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    head.add_run(f"{plan.plan.issuer.upper()}\n{plan.plan.committee.upper()}").bold = True
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(f"BÁO CÁO\nKết quả thực hiện {plan.plan.name[0].lower() + plan.plan.name[1:]}\n"
                  f"({period_name} năm {year})").bold = True
    if store.is_demo_year(year):
        warn = doc.add_paragraph()
        warn.add_run("DỮ LIỆU MẪU (DEMO) — không phải số liệu thật, không dùng để báo cáo.").bold = True

    doc.add_heading("1. Kết quả thực hiện các chỉ tiêu", level=2)
    att = metrics.attainment(store, year, period)
    _table(doc, ["Chỉ tiêu", "Kết quả", "Tỷ lệ", "Mục tiêu", "Đánh giá"], [
        [r.indicator_name, f"{fmt.num(r.numerator)}/{fmt.num(r.denominator)}" if r.status != "no_data" else "—",
         fmt.pct(r.value), fmt.target(r.target_op, r.target), metrics.STATUS_NAMES[r.status]
         + ("" if pd.isna(r.needed) else f" (cần thêm {int(r.needed)})")]
        for r in att.itertuples()])

    doc.add_heading("2. Tình hình gửi báo cáo của các đơn vị", level=2)
    comp = metrics.compliance(store, year, as_of)
    comp = comp[comp["quarter"].isin(quarters)]
    for q in quarters:
        part = comp[comp["quarter"] == q]
        counts = part["status"].value_counts()
        line = ", ".join(f"{metrics.COMPLIANCE_NAMES[s]}: {int(counts.get(s, 0))}" for s in metrics.COMPLIANCE_NAMES)
        doc.add_paragraph(f"Quý {q} (hạn {fmt.date(plan.quarter_by_number[q].due)}): {line}.")
        behind = part[part["status"].isin(["late", "missing"])]
        if not behind.empty:
            doc.add_paragraph("Đơn vị trễ hạn hoặc chưa nộp: " + "; ".join(
                f"{r.unit_name} ({metrics.COMPLIANCE_NAMES[r.status].lower()})" for r in behind.itertuples()) + ".")

    doc.add_heading("3. Kết quả các hoạt động", level=2)
    totals = metrics.element_totals(store, year, period)
    _table(doc, ["Nội dung", "Đơn vị tính", "Số lượng"], [
        [r.name, r.unit_of_measure, "Chưa có số liệu" if pd.isna(r.value) else fmt.num(r.value)]
        for r in totals[totals["is_key"]].itertuples()])

    doc.add_heading("4. Tiến độ thực hiện nhiệm vụ", level=2)
    tasks = metrics.task_progress(store, year, quarters[-1])
    _table(doc, ["Nhiệm vụ", "Chủ trì", "Hoàn thành", "Đang triển khai", "Chưa triển khai", "Chưa báo cáo"], [
        [f"{r.task} — {r.task_name}", r.lead, f"{r.done}/{r.units_concerned}", str(r.in_progress),
         str(r.not_started), str(r.not_reported)] for r in tasks.itertuples()])
    doc.add_paragraph(f"(Tình trạng theo báo cáo quý {quarters[-1]}.)")

    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.add_run(f"\n{plan.plan.place or plan.plan.province}, ngày {dt.date.today():%d/%m/%Y}\n"
                 f"TM. {plan.plan.committee.upper()}\n(Ký, ghi rõ họ tên)")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = "" if text is None else str(text)


def report_file_name(year: int, period: str) -> str:
    return f"BaoCao_PCMBN_{year}_{period}.docx"
