"""Reminder letters (công văn đôn đốc) to the units whose report for a quarter is late or missing,
in the same decree form as the province report: addressed to the unit, naming the quarter, the
deadline, what is missing, where to send it and the unit's template (written beside the letter).
One DOCX per unit, `DonDoc_<UNIT>_<year>_Q<q>.docx`, and one summary list (XLSX). A unit that
reported on time, or whose deadline is still ahead, gets none."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines.localtime import aware, local_now
from pipelines.outputs import docform, fmt, metrics
from pipelines.outputs.export import to_xlsx_bytes
from pipelines.outputs.report import ROMAN, fill
from pipelines.store import Store
from pipelines.workbook.template import build_template, template_file_name

CHASED = ("missing", "late")
REPLY_DAYS = 5  # "chậm nhất ngày …": working time the letter gives a missing unit


def letter_file_name(unit: str, year: int, quarter: int) -> str:
    return f"DonDoc_{unit}_{year}_Q{quarter}.docx"


def summary_file_name(year: int, quarter: int) -> str:
    return f"DanhSach_DonDoc_{year}_Q{quarter}.xlsx"


def chased_units(store: Store, year: int, quarter: int, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """The units late or missing for the quarter at `as_of` (compliance rows)."""
    comp = metrics.compliance(store, year, as_of)
    return comp[(comp["quarter"] == quarter) & comp["status"].isin(CHASED)].reset_index(drop=True)


def build_letter(store: Store, year: int, quarter: int, row, as_of_local: dt.datetime, *,
                 number: str | None = None, texts_path=None) -> bytes:
    plan = store.plan(year)
    docs, texts = plan.documents, docform.texts(texts_path)["reminder"]
    q = plan.quarter_by_number[quarter]
    v = {
        "year": str(year), "quarter_roman": ROMAN.get(quarter, str(quarter)), "plan_name": plan.plan.name,
        "issuer": plan.plan.issuer, "committee": plan.plan.committee, "send_to": docs.send_to or plan.plan.collector,
        "address": f" ({docs.send_address})" if docs.send_address else "",
        "unit_name": row.unit_name, "due": fmt.date(q.due), "data_from": fmt.date(q.data_from),
        "data_to": fmt.date(q.data_to), "as_of": fmt.date(as_of_local),
        "received_at": fmt.datetime(row.received_at), "template": template_file_name(plan, row.unit, quarter),
        "reply_by": fmt.date(as_of_local.date() + dt.timedelta(days=REPLY_DAYS)),
    }
    doc = docform.new_document()
    docform.heading_block(
        doc, parent_body=docs.parent_body or plan.plan.issuer, issuing_body=docs.issuing_body or plan.plan.committee,
        number=docform.number_line(docs.reminder.symbol or "BCĐ", number),
        place_date=docform.vn_date(plan.plan.place or plan.plan.province, as_of_local.date()),
        subject_line=fill(texts["subject"], v))
    docform.to_whom(doc, [row.unit_name])
    if store.is_demo_year(year):
        docform.para(doc, docform.texts(texts_path)["report"]["demo_note"], bold=True)
    docform.body(doc, fill(texts["opening"], v))
    docform.body(doc, fill(texts[row.status], v))
    docform.body(doc, fill(texts["request_missing" if row.status == "missing" else "request_late"], v))
    docform.body(doc, fill(texts["closing"], v))
    sign = docs.reminder
    docform.closing_block(doc, copies=sign.copies, archive=sign.archive,
                          sign_as=sign.sign_as or [f"TM. {plan.plan.committee}"], signer=sign.signer)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass
class Reminders:
    files: dict[str, bytes] = field(default_factory=dict)   # file name → bytes (letters, templates, list)
    rows: list[dict] = field(default_factory=list)           # one per chased unit
    summary_name: str = ""


def build_reminders(store: Store, year: int, quarter: int, as_of: dt.datetime | None = None, *,
                    number: str | None = None) -> Reminders:
    plan = store.plan(year)
    as_of_local = aware(as_of, plan.tz).astimezone(plan.tz) if as_of else local_now(plan.tz)
    chased = chased_units(store, year, quarter, as_of_local)
    out = Reminders(summary_name=summary_file_name(year, quarter))
    for r in chased.itertuples():
        name = letter_file_name(r.unit, year, quarter)
        out.files[name] = build_letter(store, year, quarter, r, as_of_local, number=number)
        template = template_file_name(plan, r.unit, quarter)
        if r.status == "missing":
            out.files[template] = build_template(plan, r.unit, quarter)
        out.rows.append({"unit": r.unit, "unit_name": r.unit_name, "quarter": quarter, "deadline": r.deadline,
                         "received_at": r.received_at, "status": r.status,
                         "status_name": metrics.COMPLIANCE_NAMES[r.status], "letter": name,
                         "template": template if r.status == "missing" else ""})
    titles = {"status_name": "Tình trạng", "letter": "Công văn", "template": "Mẫu báo cáo gửi kèm"}
    table = pd.DataFrame(out.rows, columns=["unit", "unit_name", "quarter", "deadline", "received_at", "status_name",
                                            "letter", "template"])
    out.files[out.summary_name] = to_xlsx_bytes(table, sheet=f"Đôn đốc Q{quarter}", titles=titles,
                                                rate_columns=set())
    return out


@dataclass
class Written:
    letters: list[Path]
    rows: list[dict]
    summary: Path


def write_reminders(store: Store, year: int, quarter: int, out_dir: Path, as_of: dt.datetime | None = None,
                    number: str | None = None) -> Written:
    r = build_reminders(store, year, quarter, as_of, number=number)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in r.files.items():
        (out_dir / name).write_bytes(data)
    return Written([out_dir / row["letter"] for row in r.rows], r.rows, out_dir / r.summary_name)


def reminders_zip(store: Store, year: int, quarter: int, as_of: dt.datetime | None = None) -> bytes:
    """Every letter, attached template and the list in one zip (the dashboard's download)."""
    r = build_reminders(store, year, quarter, as_of)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in r.files.items():
            z.writestr(name, data)
    return buf.getvalue()
