"""Reminder letters to the units whose report for a quarter is late or missing, in the same decree
form as the province report (Nghị định 30/2020/NĐ-CP), addressed to the body the plan names for the
unit ("UBND xã Phổ Châu"):

* a unit that has not sent its report gets a *công văn đôn đốc*: the quarter, the deadline passed,
  a new deadline in words and numbers, where to send it, and its blank template attached ("theo mẫu
  gửi kèm"; the template's instructions give the same new deadline);
* a unit that sent it late gets a *công văn nhắc nhở, chấn chỉnh*: when it arrived, the deadline it
  missed and the next one; nothing attached.

One DOCX per unit, `DonDoc_<UNIT>_<year>_Q<q>.docx`, and one list (`DanhSach_DonDoc_…xlsx`, titled,
A4 landscape on one page). A unit that reported on time, or whose deadline is still ahead, gets none.
"""
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
from pipelines.plan import Plan
from pipelines.store import Store
from pipelines.workbook.template import build_template, template_file_name

CHASED = ("missing", "late")
REPLY_DAYS = 5  # the new deadline a missing unit is given: five days after the letter, on a working day


def letter_file_name(unit: str, year: int, quarter: int) -> str:
    return f"DonDoc_{unit}_{year}_Q{quarter}.docx"


def summary_file_name(year: int, quarter: int) -> str:
    return f"DanhSach_DonDoc_{year}_Q{quarter}.xlsx"


def chased_units(store: Store, year: int, quarter: int, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """The units late or missing for the quarter at `as_of` (compliance rows)."""
    comp = metrics.compliance(store, year, as_of)
    return comp[(comp["quarter"] == quarter) & comp["status"].isin(CHASED)].reset_index(drop=True)


def new_deadline(day: dt.date) -> dt.date:
    """REPLY_DAYS after the letter's date, moved off a weekend to the Monday after."""
    due = day + dt.timedelta(days=REPLY_DAYS)
    return due + dt.timedelta(days=(7 - due.weekday()) % 7 if due.weekday() >= 5 else 0)


def addressee(plan: Plan, unit: str) -> str:
    u = plan.unit_by_code[unit]
    return u.addressee or u.name


def missing_contact(plan: Plan) -> list[str]:
    """The standing body's contact fields the plan leaves blank (letters name them)."""
    docs = plan.documents
    return [name for name, value in (("send_address", docs.send_address), ("send_phone", docs.send_phone),
                                     ("send_email", docs.send_email)) if not value.strip()]


def _contact(plan: Plan, texts: dict) -> str:
    docs = plan.documents
    parts = [(texts["contact"], "address", docs.send_address), (texts["phone"], "phone", docs.send_phone),
             (texts["email"], "email", docs.send_email)]
    return "".join(t.format(**{k: v}) for t, k, v in parts if v.strip())


def build_letter(store: Store, year: int, quarter: int, row, as_of_local: dt.datetime, *,
                 number: str | None = None, day: dt.date | None = None, texts_path=None,
                 sign_as: list[str] | None = None, signer: str | None = None) -> bytes:
    """One letter. `sign_as`, `signer`: who signs (default: the plan's [documents.reminder])."""
    plan = store.plan(year)
    docs, all_texts = plan.documents, docform.texts(texts_path)
    texts = all_texts["reminder"]
    kind = texts[row.status]
    q = plan.quarter_by_number[quarter]
    day = day or local_now(plan.tz).date()
    due = new_deadline(day)
    nxt = plan.quarter_by_number.get(quarter + 1)
    received = row.received_at.astimezone(plan.tz) if row.received_at is not None and not pd.isna(row.received_at) \
        else None
    v = {
        "year": str(year), "quarter_roman": ROMAN.get(quarter, str(quarter)), "plan_name": plan.plan.name,
        "issuer": plan.plan.issuer, "committee": plan.plan.committee, "send_to": docs.send_to or plan.plan.collector,
        "contact": _contact(plan, texts), "addressee": addressee(plan, row.unit), "unit_name": row.unit_name,
        "due": fmt.day(q.due), "data_from": fmt.day(q.data_from), "data_to": fmt.day(q.data_to),
        "as_of": fmt.day(as_of_local), "received_at": fmt.time_of_day(received) if received else "",
        "new_due": fmt.day(due), "new_due_words": fmt.day_in_words(due),
    }
    v["next_due"] = fill(kind["next_due"], v | {
        "next_quarter_roman": ROMAN[nxt.quarter], "next_due": fmt.day(nxt.due),
        "next_due_words": fmt.day_in_words(nxt.due)}) if nxt and "next_due" in kind else ""
    doc = docform.new_document()
    subject = fill(kind["subject"], v)
    docform.properties(doc, author=docs.issuing_body or plan.plan.committee, title=subject.removeprefix("V/v "))
    docform.heading_block(
        doc, parent_body=docs.parent_body or plan.plan.issuer, issuing_body=docs.issuing_body or plan.plan.committee,
        number=docform.number_line(docs.reminder.symbol or "BCĐ", number),
        place_date=docform.vn_date(plan.plan.place or plan.plan.province, day), subject_line=subject)
    docform.to_whom(doc, [v["addressee"]])
    if store.is_demo_year(year):
        docform.para(doc, all_texts["report"]["demo_note"], bold=True)
    docform.body(doc, fill(texts["opening"], v))
    docform.body(doc, fill(kind["situation"], v))
    docform.body(doc, fill(kind["request"], v))
    docform.body(doc, fill(texts["closing"], v))
    sign_as, signer = docform.signature(docs.reminder, plan.plan.committee, sign_as, signer)
    docform.closing_block(doc, copies=docs.reminder.copies, archive=docs.reminder.archive, sign_as=sign_as,
                          signer=signer)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass
class Reminders:
    files: dict[str, bytes] = field(default_factory=dict)   # file name → bytes (letters, templates, list)
    rows: list[dict] = field(default_factory=list)           # one per chased unit
    summary_name: str = ""
    warnings: list[str] = field(default_factory=list)        # what the letters lack (plan fields left blank)


LIST_TITLES = {"number": "TT", "unit_name": "Đơn vị", "quarter_roman": "Quý", "due": "Hạn nộp",
               "received_at": "Ngày nhận", "status_name": "Tình trạng", "kind": "Công văn",
               "new_due": "Hạn nộp mới", "letter": "Tệp công văn", "template": "Mẫu báo cáo gửi kèm"}


def build_reminders(store: Store, year: int, quarter: int, as_of: dt.datetime | None = None, *,
                    number: str | None = None, day: dt.date | None = None, sign_as: list[str] | None = None,
                    signer: str | None = None) -> Reminders:
    """`day`: the date of the letters (default today in the plan's zone); the new deadline of a
    missing unit counts from it. `sign_as`, `signer`: who signs them (default: the plan's)."""
    plan = store.plan(year)
    texts = docform.texts()["reminder"]
    as_of_local = aware(as_of, plan.tz).astimezone(plan.tz) if as_of else local_now(plan.tz)
    day = day or local_now(plan.tz).date()
    chased = chased_units(store, year, quarter, as_of_local)
    out = Reminders(summary_name=summary_file_name(year, quarter))
    blank = missing_contact(plan)
    if blank and len(chased):
        out.warnings.append("Kế hoạch chưa ghi " + ", ".join(f"[documents] {b}" for b in blank)
                            + ": công văn không có địa chỉ, điện thoại, thư điện tử liên hệ của nơi nhận báo cáo.")
    for i, r in enumerate(chased.itertuples(), start=1):
        name = letter_file_name(r.unit, year, quarter)
        out.files[name] = build_letter(store, year, quarter, r, as_of_local, number=number, day=day,
                                       sign_as=sign_as, signer=signer)
        template = template_file_name(plan, r.unit, quarter)
        due = new_deadline(day) if r.status == "missing" else None
        if r.status == "missing":
            out.files[template] = build_template(plan, r.unit, quarter, due=due)
        received = r.received_at.astimezone(plan.tz).replace(tzinfo=None) \
            if r.received_at is not None and not pd.isna(r.received_at) else None
        out.rows.append({"unit": r.unit, "unit_name": r.unit_name, "quarter": quarter, "deadline": r.deadline,
                         "received_at": r.received_at, "status": r.status,
                         "status_name": metrics.COMPLIANCE_NAMES[r.status], "letter": name,
                         "template": template if r.status == "missing" else "", "kind": texts[r.status]["kind"],
                         "new_due": due, "number": i, "quarter_roman": ROMAN.get(quarter, str(quarter)),
                         "due": plan.quarter_by_number[quarter].due, "received_local": received})
    table = pd.DataFrame([{**row, "received_at": row["received_local"]} for row in out.rows],
                         columns=["number", "unit_name", "quarter_roman", "due", "received_at", "status_name", "kind",
                                  "new_due", "letter", "template"])
    title = (f"DANH SÁCH ĐƠN VỊ ĐƯỢC ĐÔN ĐỐC, NHẮC NHỞ VIỆC NỘP BÁO CÁO QUÝ {ROMAN.get(quarter, quarter)} "
             f"NĂM {year} (tính đến {fmt.time_of_day(as_of_local)})")
    out.files[out.summary_name] = to_xlsx_bytes(table, sheet=f"Đôn đốc quý {ROMAN.get(quarter, quarter)}",
                                                titles=LIST_TITLES, title=title, one_page=True)
    return out


@dataclass
class Written:
    letters: list[Path]
    rows: list[dict]
    summary: Path
    warnings: list[str] = field(default_factory=list)


def write_reminders(store: Store, year: int, quarter: int, out_dir: Path, as_of: dt.datetime | None = None,
                    number: str | None = None, day: dt.date | None = None, sign_as: list[str] | None = None,
                    signer: str | None = None) -> Written:
    r = build_reminders(store, year, quarter, as_of, number=number, day=day, sign_as=sign_as, signer=signer)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in r.files.items():
        (out_dir / name).write_bytes(data)
    return Written([out_dir / row["letter"] for row in r.rows], r.rows, out_dir / r.summary_name, r.warnings)


def reminders_zip(store: Store, year: int, quarter: int, as_of: dt.datetime | None = None,
                  day: dt.date | None = None, sign_as: list[str] | None = None, signer: str | None = None) -> bytes:
    """Every letter, attached template and the list in one zip (the dashboard's download)."""
    r = build_reminders(store, year, quarter, as_of, day=day, sign_as=sign_as, signer=signer)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in r.files.items():
            z.writestr(name, data)
    return buf.getvalue()
