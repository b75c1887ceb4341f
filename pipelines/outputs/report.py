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


def rate_parts(d: PeriodData, r) -> dict[str, str]:
    """Numerator, denominator, value, target and verdict of one attainment row, as shown."""
    hidden = d.pub is not None and d.pub.rate_hidden(r.indicator, r.unit, r.period)
    no_data = r.status == "no_data"
    return {
        "name": r.indicator_name, "short_name": r.short_name,
        "numerator": "x" if hidden else ("—" if no_data else fmt.num(r.numerator)),
        "denominator": "x" if hidden else ("—" if no_data else fmt.num(r.denominator)),
        "value": "x" if hidden else fmt.rate(r.numerator, r.denominator, r.target_op, r.target),
        "target": fmt.target(r.target_op, r.target),
        "verdict": "x" if hidden else metrics.STATUS_NAMES[r.status],
    }


def judged_note(d: PeriodData, r, texts: dict) -> str:
    """For a yearly target: which cumulative period judges it (and its numbers when that is not
    the report's own period)."""
    if r.judged_on != "cumulative":
        return ""
    phrase = period_phrase(d, r.judged_period, texts)
    s = texts["report"]["sentences"]
    if r.judged_period == d.period:
        return s["judged_same"].format(judged_phrase=phrase)
    j = d.judged[(d.judged["indicator"] == r.indicator) & (d.judged["period"] == r.judged_period)].iloc[0]
    return s["judged_yearly"].format(judged_phrase=phrase, judged_numerator=fmt.num(j.numerator),
                                     judged_denominator=fmt.num(j.denominator))


def period_phrase(d: PeriodData, period: str, texts: dict) -> str:
    phrases = texts["report"]["period_phrase"]
    default = f"{d.period_name.lower()} năm {{year}}" if period == d.period else f"{period} năm {{year}}"
    return phrases.get(period, default).format(year=d.year)


def rate_sentence(d: PeriodData, r, texts: dict) -> str:
    s = texts["report"]["sentences"]
    parts = rate_parts(d, r)
    hidden = parts["verdict"] == "x"
    needed = ""
    if not hidden and r.status == "not_met" and not pd.isna(r.needed):
        n = int(r.needed)
        needed = s["needed"].format(n=fmt.num(n), action=r.action.format(n=fmt.num(n)))
    template = s["rate"] if (r.status in ("met", "not_met") and not pd.isna(r.value) and not hidden) \
        else s["rate_no_value"]
    return template.format(**parts, judged=judged_note(d, r, texts), needed=needed)


def values(d: PeriodData, texts: dict, report_number: str | None = None) -> dict[str, str]:
    """The placeholders of the text file for this period."""
    plan, s = d.plan, texts["report"]["sentences"]
    v: dict[str, str] = {}
    for r in d.totals.itertuples():
        v[r.element] = count_text(d, r.element, r.value, missing=s["not_reported"])
    q = plan.quarter_by_number
    counts = d.compliance["status"].value_counts()
    done = d.tasks[(d.tasks["units_concerned"] > 0) & (d.tasks["done"] == d.tasks["units_concerned"])]
    name = plan.plan.name
    v |= {
        "year": str(d.year), "period_phrase": period_phrase(d, d.period, texts),
        "data_from": fmt.date(q[d.quarters[0]].data_from), "data_to": fmt.date(q[d.last_quarter].data_to),
        "plan_name": name, "plan_name_lower": name[:1].lower() + name[1:], "committee": plan.plan.committee,
        "place": plan.plan.place, "province": plan.plan.province,
        "recipient_short": plan.documents.report.recipient or plan.plan.committee,
        "units_total": fmt.num(len(d.compliance)),
        "units_on_time": fmt.num(int(counts.get("on_time", 0))), "units_late": fmt.num(int(counts.get("late", 0))),
        "units_missing": fmt.num(int(counts.get("missing", 0))),
        "tasks_total": fmt.num(len(d.tasks)), "tasks_done": fmt.num(len(done)),
        "placeholder_proposals": texts["report"]["placeholder_proposals"],
        "threshold": str(plan.publication.threshold),
    }
    return v


def fill(template: str, v: dict[str, str]) -> str:
    """{NAME} placeholders filled; an unknown one is left as it is (visible to the writer)."""
    return re.sub(r"\{([A-Za-z0-9_]+)\}", lambda m: v.get(m.group(1), m.group(0)), template)


def _list(items: list[str]) -> str:
    return "; ".join(items)


def blocks(d: PeriodData, texts: dict) -> dict[str, list[str] | str]:
    """The generated paragraphs (@name in the text file): sentences for the evaluation sections."""
    s, plan = texts["report"]["sentences"], d.plan
    rates = [rate_sentence(d, r, texts) for r in d.attainment.itertuples()]
    hidden = {r.indicator for r in d.attainment.itertuples() if d.pub is not None
              and d.pub.rate_hidden(r.indicator, r.unit, r.period)}
    met = [s["met_item"].format(short_name=r.short_name, value=fmt.rate(r.numerator, r.denominator, r.target_op, r.target)) for r in d.attainment.itertuples()
           if r.status == "met" and r.indicator not in hidden]
    unmet = []
    for r in d.attainment.itertuples():
        if r.status == "not_met" and r.indicator not in hidden:
            n = None if pd.isna(r.needed) else int(r.needed)
            judged = "" if r.judged_period == d.period else \
                s["unmet_judged"].format(judged_phrase=period_phrase(d, r.judged_period, texts))
            needed = s["unmet_needed"].format(n=fmt.num(n), action=r.action.format(n=fmt.num(n))) if n else ""
            unmet.append(s["unmet_item"].format(short_name=r.short_name,
                                                value=fmt.rate(r.numerator, r.denominator, r.target_op, r.target),
                                                target=fmt.target(r.target_op, r.target), judged=judged, needed=needed))
    v = values(d, texts)
    behind = d.compliance[d.compliance["status"].isin(["late", "missing"])]
    late = [s["late_item"].format(unit_name=r.unit_name, quarter=ROMAN.get(r.quarter, r.quarter),
                                  status=metrics.COMPLIANCE_NAMES[r.status].lower()) for r in behind.itertuples()]
    lag = d.tasks[(d.tasks["not_started"] > 0) | (d.tasks["not_reported"] > 0)]
    lag_list = [s["task_behind_item"].format(task=r.task, task_name=r.task_name, not_started=fmt.num(r.not_started),
                                             not_reported=fmt.num(r.not_reported)) for r in lag.itertuples()]
    open_tasks = d.tasks[d.tasks["done"] < d.tasks["units_concerned"]]
    open_list = [s["open_task_item"].format(task=r.task, task_name=r.task_name, done=fmt.num(r.done),
                                            concerned=fmt.num(r.units_concerned)) for r in open_tasks.itertuples()]
    later = [q for q in plan.quarters if q.quarter > d.last_quarter]
    if later:
        nxt = later[0]
        nxt_period = next((p for p in plan.periods if p.quarters == list(range(1, nxt.quarter + 1))), None)
        next_line = s["next_deadline"].format(
            next_period=period_phrase(d, nxt_period.code, texts) if nxt_period
            else s["next_period_quarter"].format(quarter=ROMAN.get(nxt.quarter, nxt.quarter), year=d.year),
            send_to=plan.documents.send_to or plan.plan.collector, due=fmt.date(nxt.due))
    else:
        next_line = s["next_deadline_last"].format(year=d.year, next_year=d.year + 1)
    return {
        "rates": rates,
        "met": [s["met"].format(list=_list(met)) if met else s["met_none"], fill(s["on_time"], v)],
        "unmet": [s["unmet"].format(list=_list(unmet)) if unmet else s["unmet_none"]],
        "late_units": [s["late"].format(list=_list(late)) if late else s["late_none"]],
        "tasks_behind": [s["tasks_behind"].format(quarter=ROMAN.get(d.last_quarter, d.last_quarter),
                                                  list=_list(lag_list)) if lag_list else s["tasks_behind_none"]],
        "next_deadline": [next_line],
        "open_tasks": [s["open_tasks"].format(list=_list(open_list)) if open_list else s["open_tasks_none"]],
    }


def rate_rows(d: PeriodData, texts: dict) -> list[list[str]]:
    rows = []
    for r in d.attainment.itertuples():
        p = rate_parts(d, r)
        judged = period_phrase(d, r.judged_period, texts) if r.judged_on == "cumulative" else \
            period_phrase(d, d.period, texts)
        rows.append([r.short_name, f"{p['numerator']}/{p['denominator']}", p["value"], p["target"], p["verdict"],
                     judged + (texts["report"]["tables"]["yearly_suffix"] if r.judged_on == "cumulative" else "")])
    return rows


def activity_rows(d: PeriodData, texts: dict) -> list[list[str]]:
    missing = texts["report"]["tables"]["no_data"]
    return [[r.name, r.unit_of_measure, count_text(d, r.element, r.value, missing=missing)]
            for r in d.totals[d.totals["is_key"]].itertuples()]


# -- the document -----------------------------------------------------------------------------------
def build_report(store: Store, year: int, period: str, as_of: dt.datetime | None = None, *,
                 number: str | None = None, publication_copy: bool = False, day: dt.date | None = None,
                 texts_path=None) -> bytes:
    """The DOCX bytes. `day`: the date written under the motto (default today in the plan's zone)."""
    d = period_data(store, year, period, as_of, publication_copy)
    texts = docform.texts(texts_path)
    plan, docs = d.plan, d.plan.documents
    t = texts["report"]
    v = values(d, texts)
    gen = blocks(d, texts)
    day = day or local_now(plan.tz).date()
    doc = docform.new_document()
    docform.heading_block(
        doc, parent_body=docs.parent_body or plan.plan.issuer, issuing_body=docs.issuing_body or plan.plan.committee,
        number=docform.number_line(docs.report.symbol or "BC", number),
        place_date=docform.vn_date(plan.plan.place or plan.plan.province, day))
    docform.title(doc, "Báo cáo", fill(t["subject"], v))
    docform.to_whom(doc, [docs.report.recipient or plan.plan.committee])
    if d.is_demo:
        docform.para(doc, t["demo_note"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    if d.pub is not None:
        docform.para(doc, fill(t["publication_note"], v), italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    for block in t["body"]:
        docform.heading(doc, fill(block["heading"], v))
        for text in block.get("paragraphs", []):
            if text == "@rates_table":
                docform.data_table(doc, t["tables"]["rates"], rate_rows(d, texts), [4.2, 2.0, 1.9, 2.0, 2.6, 3.8],
                                   right={1, 2, 3})
            elif text == "@activities_table":
                docform.data_table(doc, t["tables"]["activities"], activity_rows(d, texts), [10.5, 3.0, 3.0],
                                   right={2})
            elif text.startswith("@"):
                for line in gen.get(text[1:], [text]):
                    docform.body(doc, f"- {line}" if text == "@rates" else line)
            else:
                docform.body(doc, fill(text, v))
    docform.body(doc, fill(t["closing"], v))
    docform.closing_block(doc, copies=docs.report.copies, archive=docs.report.archive,
                          sign_as=docs.report.sign_as or [f"TM. {plan.plan.committee}"], signer=docs.report.signer)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def report_file_name(year: int, period: str, suffix: str = ".docx", publication_copy: bool = False) -> str:
    return f"BaoCao_PCMBN_{year}_{period}{'_CongBo' if publication_copy else ''}{suffix}"
