"""Tổng quan: are we meeting the plan's goals this period, who is late, what is coming due."""
import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import blocks, signature, yoy
from dashboard.state import auth, data, filters
from dashboard.state import periods as P
from pipelines.outputs import fmt, outlook
from pipelines.outputs.annex import build_annex
from pipelines.outputs.report import build_report, proposal_paragraphs, report_file_name

c = filters.require_year()
t, store, lang, period = filters.t, c.store, c.lang, c.period

blocks.page_title(t("overview_title", label=c.period_label))
st.caption(t("scope", scope=c.scope_name))
scope = c.single_unit or c.area  # the one unit, the picked area of the hierarchy, or (None) all
att = data.attainment(store, c.year, period.code, unit=scope)
# a rate applies when a unit in view is asked one of its denominator counts: the police's rates are
# not a commune's, whose "0/5 đạt (5 chưa có số liệu)" read as five rates failed or overdue
asked = att["indicator"].isin(data.indicators_asked(store, c.year, scope))
applies, not_applicable = att[asked], att[~asked]

# -- reporting counts of the period's last quarter (the verdict line and the reporting card) ---------
q = period.last_quarter
if st.session_state.get("f_units"):  # units picked by name: count those
    comp_q = data.compliance(store, c.year, within=c.area)
    comp_q = comp_q[(comp_q["quarter"] == q) & comp_q["unit"].isin(c.units)]
    counts, expected = comp_q["status"].value_counts(), len(comp_q)
else:  # the whole scope, counted in SQL (a country: 12 000 units)
    rollup = data.compliance_rollup(store, c.year, within=c.area)
    row = rollup[rollup["quarter"] == q]
    counts = row.iloc[0] if len(row) else pd.Series(dtype=int)
    expected = int(counts.get("units", 0))


# -- the verdict: one line per question a member asks, then the year-end outlook --------------------
def _tasks_behind() -> tuple[int, int] | None:
    """(tasks behind, tasks) in quarter q for the units in view: a task is behind when a unit concerned
    reports it "Chưa triển khai"; None when no unit has reported a task that quarter."""
    tu = data.task_units(store, c.year, quarter=q)
    if c.units:
        tu = tu[tu["unit"].isin(c.units)]
    if tu.empty or tu["status"].isna().all():
        return None
    behind = tu.loc[tu["status"] == "not_started", "task"].nunique()
    return int(behind), int(tu["task"].nunique())


def verdict() -> None:
    qs = i18n.quarter_in_sentence(q, lang)
    statuses = applies["status"].value_counts()
    met = int(statuses.get("met", 0))
    detail = [t("verdict_targets_detail", n=int(statuses[s]), status=i18n.status_name(s, lang).lower())
              for s in ("not_met", "no_cases", "no_data") if statuses.get(s, 0)]
    if len(not_applicable):
        detail.append(t("verdict_targets_detail", n=len(not_applicable),
                        status=i18n.status_name("not_applicable", lang).lower()))
    detail = ", ".join(detail)
    if applies.empty:
        lines = [t("verdict_targets_none_apply", scope=c.scope_name)]
    else:
        lines = [t("verdict_targets", met=met, total=len(applies)) + (f" ({detail})" if detail else "")]
    rep = t("verdict_reporting", n=int(counts.get("on_time", 0)), total=expected, quarter=qs)
    rest = ", ".join(t("verdict_targets_detail", n=int(counts.get(k, 0)), status=i18n.compliance_name(k, lang).lower())
                     for k in ("late", "missing", "pending") if int(counts.get(k, 0)))
    rep += f" ({rest})" if rest else ""
    lines.append(rep)
    tasks = _tasks_behind()
    if tasks is None:
        lines.append(t("verdict_tasks_no_data", quarter=qs))
    elif tasks[0]:
        lines.append(t("verdict_tasks", n=tasks[0], total=tasks[1], quarter=qs) + f" ({t('verdict_tasks_detail')})")
    else:
        lines.append(t("verdict_tasks_none", total=tasks[1], quarter=qs))
    ol = data.outlook(store, c.year, period.code, scope)
    with st.container(border=True, key="verdict"):
        st.markdown(fmt.keep_figures("  \n".join(lines)), help=t("verdict_targets_help"))
        if not ol.empty:
            first = ol.iloc[0]
            n_quarters = int(first["quarters_done"]) + int(first["quarters_left"])
            st.markdown(f"**{t('outlook_heading', year=c.year, done=int(first['quarters_done']), quarters=n_quarters)}**",
                        help=t("outlook_help"))
            st.markdown(fmt.keep_figures("  \n".join(_outlook_line(r) for _, r in ol.iterrows())))


def _outlook_line(r) -> str:
    op, target = r["target_op"], r["target"]
    kw = dict(n=fmt.num(int(r["numerator"])), d=fmt.num(int(r["denominator"])), more=fmt.num(int(r["more"])),
              e=fmt.num(int(r["expected_new"])), need=fmt.num(int(r["need"])), d_end=fmt.num(int(r["denominator_end"])),
              n_end=fmt.num(int(r["numerator_end"])), date=fmt.date(r["by"]),
              rate=fmt.rate(r["numerator"], r["denominator"], op, target),
              rate_end=fmt.rate(r["numerator_end"], r["denominator_end"], op, target),
              action=r["action"].format(n=fmt.num(int(r["more"]))))
    return t("outlook_line", name=r["short_name"], target=fmt.target_text(op, target),
             text=t(f"outlook.{r['verdict']}", **kw))


verdict()
if not c.has_data:
    blocks.empty(t("no_data_year", year=c.year))
elif c.missing_quarters(period.quarters):
    blocks.empty(blocks.missing_quarters_message(c.missing_quarters(period.quarters)))
if len(c.units) > 1 and not c.area:  # with an area picked, the cards are the area's
    st.caption(t("scope_multi_note"))

# -- rate cards ----------------------------------------------------------------------------------
prev_period = P.previous(c.periods, period)
prev = data.attainment(store, c.year, prev_period.code, unit=scope) if prev_period else None
cum_period = P.cumulative_to(c.periods, period.quarters[0]) if period.is_single_quarter else None
cum = data.attainment(store, c.year, cum_period.code, unit=scope) if cum_period else None
last_year = data.attainment_yoy(store, c.year, period.code, unit=scope).set_index("indicator")


def _row(df: pd.DataFrame | None, indicator: str):
    if df is None:
        return None
    hit = df[df["indicator"] == indicator]
    return None if hit.empty else hit.iloc[0]


def _has_value(r) -> bool:
    return r is not None and r["period_status"] in ("met", "not_met") and not pd.isna(r["value"])


def _needed(r) -> str | None:
    if r is None or r["status"] != "not_met" or pd.isna(r["needed"]):
        return None
    n = int(r["needed"])
    return t("needed", action=r["action"].format(n=fmt.num(n)), target=fmt.target_text(r["target_op"], r["target"]), n=n)


def _rate(r) -> str:
    return fmt.rate(r["numerator"], r["denominator"], r["target_op"], r["target"])


def rate_card(r) -> None:
    code = r["indicator"]
    with st.container(border=True, key=f"card_{code}"):
        value = _rate(r) if _has_value(r) else i18n.status_name(r["period_status"], lang)
        p = _row(prev, code)
        delta, note = None, None
        if prev_period is None:
            note = t("no_prev")
        elif _has_value(r) and _has_value(p):
            d = (float(r["value"]) - float(p["value"])) * 100
            d = d if round(d, 1) else 0.0
            delta = t("delta_signed", value=yoy.signed(d, 1), prev=i18n.period_name(prev_period.name, lang))
        elif p is not None:
            note = t("prev_no_value", prev=i18n.period_name(prev_period.name, lang),
                     status=_rate(p) if _has_value(p) else i18n.status_name(p["period_status"], lang))
        # the real minus sign "−" (as every change figure): Streamlit reads only "-" as a fall, so the
        # colour and the arrow are given, not guessed from the text
        flat, down = bool(delta) and delta[0] == "±", bool(delta) and delta[0] == "−"
        st.metric(r["short_name"], value, delta=delta, delta_color="gray" if flat else ("red" if down else "green"),
                  delta_arrow="off" if flat else ("down" if down else "up"), help=r["indicator_name"])
        # the fraction beside a rate only: with no case or no figure the value says so, and "0/0" or "—"
        # beside it read as a rate of nothing
        frac = blocks.fraction(r["numerator"], r["denominator"]) if _has_value(r) else ""
        judged = r
        cumulative_note = ""
        if r["judged_on"] == "cumulative" and cum is not None and cum_period.code != period.code:
            judged = _row(cum, code)
            where = i18n.period_name(cum_period.name, lang)
            if _has_value(judged):
                cumulative_note = t("judged_cumulative", period=where, num=fmt.num(judged["numerator"]),
                                    den=fmt.num(judged["denominator"]), value=_rate(judged))
            else:
                cumulative_note = t("judged_cumulative_no_rate", period=where,
                                    value=i18n.status_name(judged["period_status"], lang))
            if frac:
                frac = f"{t('quarter_rate', period=c.period_name)}: {frac}"
        # the target and the change each on one line: a narrow card broke "≥ / 95 %" and "−13,3 điểm / %"
        target = t("target", target=fmt.glue(fmt.target_text(r["target_op"], r["target"])))
        blocks.html(f"<div style='margin:-6px 0 6px 0'>{frac + ' · ' if frac else ''}{target}</div>"
                    f"{blocks.badge(judged['status'])}")
        if cumulative_note:
            st.caption(fmt.keep_figures(cumulative_note))
        need = _needed(judged)
        if need:
            st.markdown(f":material/flag: **{fmt.keep_figures(need)}**")
        if note:
            st.caption(fmt.keep_figures(note))
        line = yoy.rate_line(last_year.loc[code], c.year, lang) if code in last_year.index else ""
        if line:
            st.caption(f":material/history: {fmt.keep_figures(line)}")


st.subheader(t("rates_heading"), anchor=False)
if yoy.no_previous_year(last_year):
    st.caption(f":material/history: {t('yoy_no_plan', year=c.year - 1)}")
rows = [r for _, r in applies.iterrows()]
for start in range(0, len(rows), 3):
    cols = st.columns(3)
    for col, r in zip(cols, rows[start:start + 3]):
        with col:
            rate_card(r)
if len(not_applicable):
    st.caption(t("rates_not_applicable", scope=c.scope_name, names=", ".join(not_applicable["short_name"])))

if len(c.units) > 1:
    st.subheader(t("selected_units_rates", label=c.period_label), anchor=False)
    by_unit = data.attainment(store, c.year, period.code, by_unit=True)
    by_unit = by_unit[by_unit["unit"].isin(c.units) & (by_unit["status"] != "no_data")]
    if by_unit.empty:
        blocks.empty(t("heat_attainment_empty", year=c.year))
    else:
        st.dataframe(pd.DataFrame({
            t("axis_unit"): by_unit["unit_name"], t("choose_indicator"): by_unit["short_name"],
            t("numerator") + "/" + t("denominator"): [blocks.fraction(n, d) for n, d in zip(by_unit["numerator"], by_unit["denominator"])],
            t("axis_rate"): fmt.rates(by_unit),
            t("status"): [i18n.status_name(s, lang) for s in by_unit["status"]],
        }), hide_index=True)

# -- reporting and deadlines ---------------------------------------------------------------------
st.subheader(t("reporting_heading"), anchor=False)
left, right = st.columns(2)
with left, st.container(border=True, key="reporting"):
    st.markdown(f"#### {t('on_time_units', n=int(counts.get('on_time', 0)), total=expected, quarter=i18n.quarter_in_sentence(q, lang))}")
    st.progress(int(counts.get("on_time", 0)) / max(expected, 1))
    st.caption(t("reporting_detail", late=int(counts.get("late", 0)), missing=int(counts.get("missing", 0)),
                 pending=int(counts.get("pending", 0))))
quarters = data.quarters(store, c.year)
today = filters.today(store, c.year)
upcoming = quarters[quarters["due"] >= today]
with right, st.container(border=True, key="deadline"):
    if upcoming.empty:
        st.markdown(f"#### {t('no_next_deadline', year=c.year, date=fmt.date(quarters['due'].max()))}")
    else:
        nxt = upcoming.iloc[0]
        days = (nxt["due"] - today).days
        st.markdown(f"#### {t('next_deadline', quarter=i18n.quarter_in_sentence(nxt['quarter'], lang), date=fmt.date(nxt['due']))}")
        st.markdown(f"**{t('days_left', n=days) if days else t('due_today')}**")

# -- key activities ------------------------------------------------------------------------------
st.subheader(t("activities_heading", label=c.period_label), anchor=False)
totals = data.element_totals(store, c.year, period.code, scope=c.scope)
totals = totals.set_index("element")
totals_last_year = data.element_yoy(store, c.year, period.code, scope=c.scope, key_only=True).set_index("element")
tiles = list(totals.index[totals["is_key"].astype(bool)])  # the plan's key activities (key = true)
for start in range(0, len(tiles), 4):
    cols = st.columns(4)
    for col, e in zip(cols, tiles[start:start + 4]):
        r = totals.loc[e]
        with col, st.container(border=True, key=f"activity_{e}", height="stretch"):
            value = fmt.num(r["value"]) if not pd.isna(r["value"]) else "—"
            reported = t("units_reported_of", n=int(r["units_reported"])) if not pd.isna(r["units_reported"]) else \
                i18n.status_name("no_data", lang)
            blocks.html(f"<div style='font-size:0.9rem;min-height:2.6em'>{r['name']}</div>"
                    f"<div style='font-size:1.9rem;font-weight:600;line-height:1.2'>{value} "
                    f"<span style='font-size:1rem;font-weight:400'>{r['unit_of_measure']}</span></div>")
            st.caption(reported)
            line = yoy.count_line(totals_last_year.loc[e], c.year, lang)
            if line:
                st.caption(f":material/history: {fmt.keep_figures(line)}")

# -- the report to the province and its annex (every signed-in role) -------------------------------
st.subheader(t("report_heading", label=c.period_label), anchor=False)
with st.container(border=True, key="report_box"):
    st.caption(t("report_help"))
    plan = store.plan(c.year)
    threshold = plan.publication.threshold
    r1, r2, r3 = st.columns([1, 1, 2])
    number = r1.text_input(t("report_number"), key="report_number", max_chars=20).strip() or None
    # the date line of the report and the annex's title line: the day it will be signed
    signed_on = r2.date_input(t("document_date"), value=filters.today(store, c.year), key="report_date",
                              format="DD/MM/YYYY", help=t("document_date_help"))
    publication_copy = r3.toggle(t("publication_copy", n=threshold), key="report_publication",
                                 help=t("publication_help", n=threshold))
    sign_as, signer = signature.inputs(plan, plan.documents.report, "report", lang)
    proposals = proposal_paragraphs(st.text_area(t("report_proposals"), key="report_proposals", height=120,
                                                 max_chars=4000, placeholder=t("report_proposals_placeholder"),
                                                 help=t("report_proposals_help")))
    missing = [t(k) for k, blank in (("report_missing_signer", not signer.strip()),
                                     ("report_missing_proposals", not proposals)) if blank]
    if missing:
        st.caption(":material/edit_note: " + t("report_still_blank", what="; ".join(missing)))
    b1, b2, _ = st.columns([1, 1, 2])
    name = report_file_name(c.year, period.code, publication_copy=publication_copy)
    stem = ("DEMO_" if c.is_demo else "") + name.removesuffix(".docx")
    # Built when asked for, and noted in the audit log as it is built (auth.audited), not on the click.
    b1.download_button(
        t("download_report"), auth.audited(store, f"{stem}.docx", lambda: build_report(
            store, c.year, period.code, number=number, publication_copy=publication_copy, day=signed_on,
            sign_as=sign_as, signer=signer, proposals=proposals)),
        file_name=f"{stem}.docx", icon=":material/description:", key="dl_report",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    b2.download_button(
        t("download_annex"), auth.audited(store, f"{stem}.xlsx", lambda: build_annex(
            store, c.year, period.code, publication_copy=publication_copy, number=number, day=signed_on)),
        file_name=f"{stem}.xlsx", icon=":material/table:", key="dl_annex",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
