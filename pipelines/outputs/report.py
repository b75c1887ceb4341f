"""The period's report of the town's Steering Committee 138 to the province (plan §III.2: Quý I,
6 tháng, 9 tháng, năm), as a Word document in the form of Nghị định 30/2020/NĐ-CP (Phụ lục I),
ready to sign: heading block, number, BÁO CÁO and subject, Kính gửi, sections I–V with the
period's numbers in sentences, the five rates and their verdicts (a yearly target says which
period judges it), Nơi nhận and the signature block. Its XLSX annex is pipelines/outputs/annex.py.

Numbers come only from the metrics functions (the SQL views); the heading block, recipients and
signers from the plan file ([documents]); the sentences from data/templates/van_ban.toml.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH

from pipelines.localtime import local_now
from pipelines.outputs import docform, fmt, metrics
from pipelines.outputs.publication import Publication, publication
from pipelines.plan import Plan
from pipelines.store import Store
from pipelines.text import one_line

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass
class PeriodData:
    """Everything a report or annex of one period says, from the metrics functions."""
    plan: Plan
    year: int
    period: str
    period_name: str
    quarters: list[int]
    attainment: pd.DataFrame        # town rows of the period
    judged: pd.DataFrame            # town rows of the periods that judge yearly targets, by indicator
    totals: pd.DataFrame            # town element totals of the period
    by_unit: pd.DataFrame           # scope_values of the period (units and town)
    compliance: pd.DataFrame        # the period's quarters
    tasks: pd.DataFrame             # task progress at the period's last quarter
    is_demo: bool
    pub: Publication | None         # a publication copy hides small counts

    @property
    def last_quarter(self) -> int:
        return self.quarters[-1]


def period_data(store: Store, year: int, period: str, as_of: dt.datetime | None = None,
                publication_copy: bool = False) -> PeriodData:
    plan = store.plan(year)
    periods = metrics.periods(store, year).set_index("code")
    quarters = [int(q) for q in periods.loc[period, "quarters"]]
    att = metrics.attainment(store, year, period)
    judged_codes = sorted(set(att["judged_period"]) - {period})
    judged = pd.concat([metrics.attainment(store, year, p) for p in judged_codes]) if judged_codes else att.iloc[0:0]
    comp = metrics.compliance(store, year, as_of)
    return PeriodData(
        plan=plan, year=year, period=period, period_name=str(periods.loc[period, "name"]), quarters=quarters,
        attainment=att, judged=judged, totals=metrics.element_totals(store, year, period),
        by_unit=metrics.scope_values(store, year, period), compliance=comp[comp["quarter"].isin(quarters)],
        tasks=metrics.task_progress(store, year, quarters[-1]), is_demo=store.is_demo_year(year),
        pub=publication(store, year) if publication_copy else None)


# -- the numbers as words ---------------------------------------------------------------------------
def count_text(d: PeriodData, element: str, value, scope: str = metrics.TOWN, missing: str = "") -> str:
    """A count for a sentence or table: 1.234, "≤10" / "x" in a publication copy, or `missing`."""
    if d.pub is not None:
        label = d.pub.label(element, scope, d.period)
        if label is not None:
            return label
    return missing if pd.isna(value) else fmt.num(value)


def judged_row(d: PeriodData, r):
    """The attainment row that carries `r`'s verdict: `r` itself, or for a yearly target in a shorter
    report (Q2 judged on H1) the cumulative period's row (None when the store has none)."""
    if r.judged_period == d.period:
        return r
    j = d.judged[(d.judged["indicator"] == r.indicator) & (d.judged["period"] == r.judged_period)]
    return next(j.itertuples(), None)


def _figure(d: PeriodData, row) -> tuple[str, str]:
    """(numerator/denominator, rate) of a row as printed; "—" for both when there is no figure
    (no data, or no case arose: never "0/0" or "(/)")."""
    if row is None:
        return "—", "—"
    if d.pub is not None and d.pub.rate_hidden(row.indicator, row.unit, row.period):
        return "x", "x"
    if row.status in ("no_data", "no_cases") or pd.isna(row.denominator) or int(row.denominator) <= 0:
        return "—", "—"
    return (f"{fmt.num(row.numerator)}/{fmt.num(row.denominator)}",
            fmt.glue(fmt.rate(row.numerator, row.denominator, row.target_op, row.target)))


def rate_parts(d: PeriodData, r, texts: dict | None = None) -> dict[str, str]:
    """What the rates table and sentences show of one indicator: the figure that judges it (for a
    yearly target in a quarter report, the cumulative one), its target and verdict, and the
    report period's own figure when that is another one."""
    j = judged_row(d, r)
    hidden = d.pub is not None and (d.pub.rate_hidden(r.indicator, r.unit, r.period)
                                    or (j is not None and d.pub.rate_hidden(j.indicator, j.unit, j.period)))
    fraction, value = _figure(d, j)
    own_fraction, own_value = _figure(d, r)
    return {
        "name": r.indicator_name, "short_name": r.short_name,
        "fraction": "x" if hidden else fraction, "value": "x" if hidden else value,
        "own_fraction": own_fraction, "own_value": own_value,
        "own_status": metrics.STATUS_NAMES[r.period_status],
        "target": fmt.glue(fmt.target_text(r.target_op, r.target)),
        "verdict": "x" if hidden else metrics.STATUS_NAMES[r.status],
        "separate": r.judged_period != d.period,
    }


def period_phrase(d: PeriodData, period: str, texts: dict) -> str:
    phrases = texts["report"]["period_phrase"]
    default = f"{d.period_name.lower()} năm {{year}}" if period == d.period else f"{period} năm {{year}}"
    return phrases.get(period, default).format(year=d.year)


def own_text(d: PeriodData, p: dict, texts: dict) -> str:
    """"riêng quý II năm 2022: 1/2 (50 %)" — the report period's own figure of a yearly target."""
    s = texts["report"]["sentences"]
    phrase = period_phrase(d, d.period, texts)
    if p["own_fraction"] == "x":      # a publication copy hides it: said, not "x (x)"
        return s["own_none"].format(period_phrase=phrase, status=s["not_published"])
    if p["own_fraction"] == "—":
        return s["own_none"].format(period_phrase=phrase, status=p["own_status"].lower())
    return s["own"].format(period_phrase=phrase, fraction=p["own_fraction"], value=p["own_value"])


def rate_sentence(d: PeriodData, r, texts: dict) -> str:
    s = texts["report"]["sentences"]
    p = rate_parts(d, r, texts)
    hidden = p["verdict"] == "x"
    needed = ""
    if not hidden and r.status == "not_met" and not pd.isna(r.needed):
        n = int(r.needed)
        needed = s["needed"].format(n=fmt.num(n), action=r.action.format(n=fmt.num(n)))
    yearly = s["yearly"].format(judged_phrase=period_phrase(d, r.judged_period, texts)) \
        if r.judged_on == "cumulative" else ""
    own = "; " + own_text(d, p, texts) if p["separate"] else ""
    if hidden:
        template = s["rate_hidden"]
    elif p["fraction"] == "—":
        template = s["rate_no_value"]
    else:
        template = s["rate"]
    return template.format(**p, verdict_lower=p["verdict"].lower(), yearly=yearly, needed=needed, own=own)


def values(d: PeriodData, texts: dict, report_number: str | None = None) -> dict[str, str]:
    """The placeholders of the text file for this period."""
    plan, s = d.plan, texts["report"]["sentences"]
    v: dict[str, str] = {}
    for r in d.totals.itertuples():
        v[r.element] = count_text(d, r.element, r.value, missing=s["not_reported"])
    q = plan.quarter_by_number
    name = plan.plan.name
    v |= {
        "year": str(d.year), "period_phrase": period_phrase(d, d.period, texts),
        "data_from": fmt.day(q[d.quarters[0]].data_from), "data_to": fmt.day(q[d.last_quarter].data_to),
        "plan_name": name, "plan_name_lower": name[:1].lower() + name[1:], "committee": plan.plan.committee,
        "place": plan.plan.place, "province": plan.plan.province,
        "recipient_short": plan.documents.report.recipient or plan.plan.committee,
        "placeholder_proposals": texts["report"]["placeholder_proposals"],
        "threshold": str(plan.publication.threshold),
    }
    # counts an edited text file may still name (the shipped one says them through @timeliness and
    # @tasks_summary, which put zeros in words)
    counts = d.compliance["status"].value_counts()
    concerned = d.tasks[d.tasks["units_concerned"] > 0]
    v |= {"units_total": fmt.num(len(d.compliance)), "units_on_time": fmt.num(int(counts.get("on_time", 0))),
          "units_late": fmt.num(int(counts.get("late", 0))), "units_missing": fmt.num(int(counts.get("missing", 0))),
          "tasks_total": fmt.num(len(concerned)),
          "tasks_done": fmt.num(int((concerned["done"] == concerned["units_concerned"]).sum()))}
    return v


def fill(template: str, v: dict[str, str]) -> str:
    """{NAME} placeholders filled; an unknown one is left as it is (visible to the writer)."""
    return re.sub(r"\{([A-Za-z0-9_]+)\}", lambda m: v.get(m.group(1), m.group(0)), template)


def _list(items: list[str]) -> str:
    return "; ".join(items)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def clauses(d: PeriodData, group: dict, v: dict[str, str], texts: dict) -> str:
    """A sentence of counts as a clerk writes it (a @clauses: block of the text file): each count in
    its clause; a zero in the clause's own words ("không khởi tố vụ án nào") or left out when the
    clause has none; counts no unit reported named at the end ("Chưa có số liệu về …"), never
    dropped into the middle of a sentence. An item whose text starts with "+" or "," continues the
    one before it (joined by a space or directly)."""
    s = texts["report"]["sentences"]
    totals = d.totals.set_index("element")
    parts: list[str] = []
    missing: list[str] = []
    for element, text, zero in group["items"]:
        if element not in totals.index:
            continue
        row = totals.loc[element]
        shown = count_text(d, element, row["value"])
        if shown == "":
            missing.append(_lower_first(str(row["name"])))
            continue
        phrase = zero if shown == "0" else text.replace("{n}", shown).replace("{unit}", str(row["unit_of_measure"]))
        if not phrase:
            continue
        attach = phrase[:1] in "+,"
        if attach and parts:
            parts[-1] += (" " + phrase[1:].lstrip()) if phrase[0] == "+" else phrase
        else:
            parts.append(phrase.lstrip("+, "))
    lead = fill(group.get("lead", ""), v)
    if parts:
        body = group.get("sep", "; ").join(parts)
    elif missing and len(missing) == sum(e in totals.index for e, _, _ in group["items"]):
        body = s["clauses_no_data"]  # no unit reported any of them: nothing is known, not "không phát sinh"
    else:
        body = group.get("none", s["clauses_none"])
    sentence = f"{lead} {body}".strip() if lead else _capital(body)
    sentence = fill(sentence, v).rstrip(".") + "."
    if missing:
        sentence += " " + s["clauses_missing"].format(list=", ".join(missing))
    return sentence


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def lead_names(d: PeriodData, task: str) -> str:
    """The unit(s) that lead a task, by name ("Các đơn vị" when every unit leads), from the plan."""
    t = d.plan.task_by_code.get(task)
    if t is None or t.lead == "all":
        return "Các đơn vị"
    return ", ".join(d.plan.unit_by_code[c].name if c in d.plan.unit_by_code else c for c in t.lead)


def task_status(r, s: dict) -> tuple[str, str]:
    """(status, note) of a task across the units concerned, as the tasks table shows them."""
    concerned = int(r.units_concerned)
    done, started, waiting = int(r.done), int(r.in_progress), int(r.not_started)
    missing, na = int(r.not_reported), int(r.not_applicable)
    if concerned == 0:
        return s["task_none_concerned"], ""
    if done == concerned:
        status = s["task_done"]
    elif done + started == 0:
        status = s["task_not_started"] if waiting else s["task_not_reported"]
    else:
        status = s["task_in_progress"].format(done=fmt.num(done), concerned=fmt.num(concerned))
    notes = [s[key].format(n=fmt.num(n)) for key, n in (("task_note_not_started", waiting),
                                                         ("task_note_not_reported", missing),
                                                         ("task_note_not_applicable", na)) if n]
    return status, "; ".join(notes)


def task_rows(d: PeriodData, texts: dict) -> list[list[str]]:
    s = texts["report"]["sentences"]
    rows = []
    for i, r in enumerate(d.tasks.itertuples(), start=1):
        status, note = task_status(r, s)
        rows.append([str(i), r.task_name, lead_names(d, r.task), status, note])
    return rows


def timeliness(d: PeriodData, texts: dict) -> str:
    s = texts["report"]["sentences"]
    counts = d.compliance["status"].value_counts()
    total = len(d.compliance)
    if total and int(counts.get("on_time", 0)) == total:
        return s["timeliness_all"].format(total=fmt.num(total))
    parts = [s[f"timeliness_{k}"].format(n=fmt.num(int(counts.get(k, 0))))
             for k in ("on_time", "late", "missing", "pending") if int(counts.get(k, 0))]
    return s["timeliness"].format(total=fmt.num(total), list=", ".join(parts))


def late_items(d: PeriodData, s: dict) -> list[str]:
    """Each unit late or missing in the period once, in the plan's order, with its quarters grouped by
    status in the order they came: "Thị đoàn Thanh niên (quý I, III: trễ hạn; quý IV: chưa nộp)" —
    not the unit named again for each quarter."""
    behind = d.compliance[d.compliance["status"].isin(["late", "missing"])]
    order = {u.code: i for i, u in enumerate(d.plan.units)}
    out = []
    for unit in sorted(set(behind["unit"]), key=lambda code: (order.get(code, len(order)), code)):
        rows = behind[behind["unit"] == unit].sort_values("quarter")
        if "late_detail" not in s:  # a text file edited before the grouping: an item per quarter, as it says
            out += [fill(s["late_item"], {"unit_name": r.unit_name, "quarter": ROMAN.get(r.quarter, str(r.quarter)),
                                          "status": metrics.COMPLIANCE_NAMES[r.status].lower()})
                    for r in rows.itertuples()]
            continue
        by_status = rows.groupby("status", sort=False)["quarter"].apply(list)  # first quarter's status first
        detail = "; ".join(fill(s["late_detail"], {"quarters": ", ".join(ROMAN.get(q, str(q)) for q in quarters),
                                                   "status": metrics.COMPLIANCE_NAMES[status].lower()})
                           for status, quarters in by_status.items())
        out.append(fill(s["late_item"], {"unit_name": rows["unit_name"].iloc[0], "detail": detail}))
    return out


def blocks(d: PeriodData, texts: dict) -> dict[str, list[str] | str]:
    """The generated paragraphs (@name in the text file): sentences for the evaluation sections."""
    s, plan = texts["report"]["sentences"], d.plan
    rates = [rate_sentence(d, r, texts) for r in d.attainment.itertuples()]
    met, unmet = [], []
    for r in d.attainment.itertuples():
        p = rate_parts(d, r, texts)     # the judged figure decides the list and is the one named
        if p["verdict"] == "x":
            continue
        judged = "" if r.judged_period == d.period else \
            s["unmet_judged"].format(judged_phrase=period_phrase(d, r.judged_period, texts))
        if r.status == "met":
            met.append(s["met_item"].format(short_name=r.short_name, value=p["value"], judged=judged))
        elif r.status == "not_met":
            n = None if pd.isna(r.needed) else int(r.needed)
            needed = s["unmet_needed"].format(n=fmt.num(n), action=r.action.format(n=fmt.num(n))) if n else ""
            unmet.append(s["unmet_item"].format(short_name=r.short_name, value=p["value"], target=p["target"],
                                                judged=judged, needed=needed))
    late = late_items(d, s)
    concerned = d.tasks[d.tasks["units_concerned"] > 0]
    done = concerned[concerned["done"] == concerned["units_concerned"]]
    lag = d.tasks[(d.tasks["not_started"] > 0) | (d.tasks["not_reported"] > 0)]
    total, n_done = len(concerned), len(done)
    if n_done == 0:
        summary = s["tasks_done_none"].format(total=fmt.num(total))
    elif n_done == total:
        summary = s["tasks_done_all"].format(total=fmt.num(total))
    else:
        summary = s["tasks_done"].format(done=fmt.num(n_done), total=fmt.num(total))
    open_n = total - n_done
    later = [q for q in plan.quarters if q.quarter > d.last_quarter]
    if later:
        nxt = later[0]
        nxt_period = next((p for p in plan.periods if p.quarters == list(range(1, nxt.quarter + 1))), None)
        next_line = s["next_deadline"].format(
            next_period=period_phrase(d, nxt_period.code, texts) if nxt_period
            else s["next_period_quarter"].format(quarter=ROMAN.get(nxt.quarter, nxt.quarter), year=d.year),
            send_to=plan.documents.send_to or plan.plan.collector, due=fmt.day(nxt.due))
    else:
        next_line = s["next_deadline_last"].format(year=d.year, next_year=d.year + 1)
    return {
        "rates": rates,
        # the reporting record is said once, in II.1 (@timeliness): under "Ưu điểm" it read "26 lượt chưa nộp"
        "met": [s["met"].format(list=_list(met)) if met else s["met_none"]],
        "unmet": [s["unmet"].format(list=_list(unmet)) if unmet else s["unmet_none"]],
        "late_units": [s["late"].format(list=_list(late)) if late else s["late_none"]],
        "tasks_summary": [summary],
        "timeliness": [timeliness(d, texts)],
        "tasks_behind": [s["tasks_behind"].format(n=fmt.num(len(lag)), quarter=ROMAN.get(d.last_quarter, d.last_quarter))
                         if len(lag) else s["tasks_behind_none"]],
        "next_deadline": [next_line],
        "open_tasks": [s["open_tasks"].format(n=fmt.num(open_n)) if open_n else s["open_tasks_none"]],
    }


def rate_rows(d: PeriodData, texts: dict) -> list[list[str]]:
    """Chỉ tiêu | Kết quả | Tỷ lệ | Mục tiêu | Đánh giá | Kỳ đánh giá: the figure that carries the
    verdict; a yearly target's own figure of a shorter report period is named in the last column."""
    t = texts["report"]["tables"]
    rows = []
    for r in d.attainment.itertuples():
        p = rate_parts(d, r, texts)
        judged = period_phrase(d, r.judged_period, texts)
        if r.judged_on == "cumulative":
            judged = t["yearly"].format(judged_phrase=judged)
        if p["separate"]:
            judged += "; " + own_text(d, p, texts)
        rows.append([r.short_name, p["fraction"], p["value"], p["target"], p["verdict"], _capital(judged)])
    return rows


def activity_rows(d: PeriodData, texts: dict) -> list[list[str]]:
    missing = texts["report"]["tables"]["no_data"]
    return [[r.name, r.unit_of_measure, count_text(d, r.element, r.value, missing=missing)]
            for r in d.totals[d.totals["is_key"]].itertuples()]


# -- the document -----------------------------------------------------------------------------------
def build_report(store: Store, year: int, period: str, as_of: dt.datetime | None = None, *,
                 number: str | None = None, publication_copy: bool = False, day: dt.date | None = None,
                 texts_path=None, sign_as: list[str] | None = None, signer: str | None = None,
                 proposals: list[str] | None = None) -> bytes:
    """The DOCX bytes. `day`: the date written under the motto (default today in the plan's zone).
    `sign_as`, `signer`: who signs (default: the plan's [documents.report]). `proposals`: the
    paragraphs of section V (see `proposal_paragraphs`); none: a bracketed line asks for them."""
    d = period_data(store, year, period, as_of, publication_copy)
    texts = docform.texts(texts_path)
    plan, docs = d.plan, d.plan.documents
    t = texts["report"]
    v = values(d, texts)
    gen = {**blocks(d, texts), "proposals": proposals or [t["placeholder_proposals"]]}
    day = day or local_now(plan.tz).date()
    doc = docform.new_document()
    subject = fill(t["subject"], v)
    docform.properties(doc, author=docs.issuing_body or plan.plan.committee, title=f"Báo cáo {subject[:1].lower()}{subject[1:]}")
    docform.heading_block(
        doc, parent_body=docs.parent_body or plan.plan.issuer, issuing_body=docs.issuing_body or plan.plan.committee,
        number=docform.number_line(docs.report.symbol or "BC", number),
        place_date=docform.vn_date(plan.plan.place or plan.plan.province, day))
    docform.title(doc, "Báo cáo", subject)
    docform.to_whom(doc, [docs.report.recipient or plan.plan.committee])
    if d.is_demo:
        docform.para(doc, t["demo_note"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    if d.pub is not None:
        docform.para(doc, fill(t["publication_note"], v), italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    tables = t["tables"]
    for block in t["body"]:
        docform.heading(doc, fill(block["heading"], v))
        for text in block.get("paragraphs", []):
            if text == "{placeholder_proposals}":  # a text file edited before section V was typed in
                text = "@proposals"
            if text == "@rates_table":
                docform.data_table(doc, tables["rates"], rate_rows(d, texts), [3.9, 1.9, 1.9, 2.0, 2.2, 4.6],
                                   right={1, 2, 3})
            elif text == "@activities_table":
                docform.data_table(doc, tables["activities"], activity_rows(d, texts), [10.5, 3.0, 3.0],
                                   right={2})
            elif text == "@tasks_table":
                docform.data_table(doc, tables["tasks"], task_rows(d, texts), [1.2, 5.4, 3.6, 3.1, 3.2],
                                   right={0})
            elif text.startswith("@clauses:"):
                docform.body(doc, clauses(d, t["clauses"][text.split(":", 1)[1]], v, texts))
            elif text.startswith("@"):
                for line in gen.get(text[1:], [text]):
                    docform.body(doc, f"- {line}" if text == "@rates" else line)
            else:
                docform.body(doc, fill(text, v))
    docform.body(doc, fill(t["closing"], v))
    sign_as, signer = docform.signature(docs.report, plan.plan.committee, sign_as, signer)
    docform.closing_block(doc, copies=docs.report.copies, archive=docs.report.archive, sign_as=sign_as,
                          signer=signer)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def proposal_paragraphs(text: str | None) -> list[str]:
    """Section V as the standing body writes it (a text box, a file): a paragraph per non-blank line,
    NFC, control characters and runs of spaces as one space."""
    return [line for line in map(one_line, (text or "").splitlines()) if line]


def report_file_name(year: int, period: str, suffix: str = ".docx", publication_copy: bool = False) -> str:
    return f"BaoCao_PCMBN_{year}_{period}{'_CongBo' if publication_copy else ''}{suffix}"
