"""Tiến độ & hạn nộp: the year's timeline (data periods, deadlines, 30/7, the campaign, today) and
the compliance matrix with received dates."""
import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import blocks, charts, signature
from dashboard.state import auth, data, filters
from pipelines.outputs import fmt, reminders

c = filters.require_year()
t, store, lang = filters.t, c.store, c.lang
qname = lambda q: i18n.quarter_name(q, lang)  # noqa: E731

blocks.page_title(t("deadlines_title", year=c.year))
quarters = data.quarters(store, c.year)
events = data.events(store, c.year)
today = filters.today(store, c.year)

# -- timeline ------------------------------------------------------------------------------------
fig = charts.timeline(quarters, events, today, t("timeline_title", year=c.year), lang)
milestones = [{t("milestone"): t("timeline_data_period", quarter=qname(q.quarter)), t("from"): fmt.date(q.data_from),
               t("to"): fmt.date(q.data_to)} for q in quarters.itertuples()]
milestones += [{t("milestone"): t("timeline_deadline", quarter=qname(q.quarter)), t("from"): fmt.date(q.due),
                t("to"): fmt.date(q.due)} for q in quarters.itertuples()]
milestones += [{t("milestone"): e.name, t("from"): fmt.date(e.start_on), t("to"): fmt.date(e.end_on)}
               for e in events.itertuples()]
blocks.chart(fig, pd.DataFrame(milestones), key="timeline",
             phone_fig=charts.timeline_compact(quarters, events, today, t("timeline_title", year=c.year), lang))
first, last = quarters["data_from"].min(), quarters["due"].max()
if not first <= today <= last:
    st.caption(t("today_outside", date=fmt.date(today), year=c.year))

# -- compliance matrix ---------------------------------------------------------------------------
plan = store.plan(c.year)
filters.linked("as_of", "as_of", "date", default=today)
as_of_day = st.date_input(t("as_of"), format="DD/MM/YYYY", key="as_of")
as_of = None if as_of_day == today else dt.datetime.combine(as_of_day, dt.time(23, 59, 59), tzinfo=plan.tz)
quarter_numbers = [int(q) for q in quarters["quarter"]]
if not c.has_data:
    blocks.empty(t("no_data_year", year=c.year))
if c.places:  # a country or a province: one row per place one level down, counted in SQL
    st.caption(t("places_hint"))
    rollup = data.compliance_rollup(store, c.year, as_of, level=c.place_level, within=c.area)
    blocks.places_compliance_block(rollup, c.places, c.place_names, quarter_numbers,
                               t("places_compliance_title", n=len(c.places), date=fmt.date(as_of_day), year=c.year),
                               key="compliance")
    summary = rollup[rollup["scope"].isin(c.places)].groupby("quarter")[list(charts.COMPLIANCE_COLOURS)].sum()
else:
    comp = data.compliance(store, c.year, as_of, within=c.area)
    shown = [u for u in c.unit_names if not c.units or u in c.units]
    blocks.compliance_block(comp, shown, c.unit_names, quarter_numbers,
                        t("compliance_title", date=fmt.date(as_of_day), year=c.year), key="compliance")
    sub = comp[comp["unit"].isin(shown)]
    summary = sub.groupby(["quarter", "status"]).size().unstack(fill_value=0)

st.subheader(t("compliance_summary"), anchor=False)
summary = summary.reindex(columns=list(charts.COMPLIANCE_COLOURS), fill_value=0)
table = pd.DataFrame({
    t("axis_quarter"): [qname(q) for q in summary.index],
    t("deadline"): [fmt.date(d) for d in quarters.set_index("quarter").loc[summary.index, "due"]],
    **{f"{charts.COMPLIANCE_SYMBOLS[s]} {i18n.compliance_name(s, lang)}": summary[s].astype(int).tolist()
       for s in summary.columns},
})
st.dataframe(table, hide_index=True, key="compliance_summary")

# -- reminder letters to the units late or missing (one công văn đôn đốc each, zipped) ----------------
st.subheader(t("reminders_heading"), anchor=False)
with st.container(border=True, key="reminders_box"):
    due_quarters = [q for q in quarter_numbers if plan.quarter_by_number[q].due <= as_of_day] or quarter_numbers[:1]
    q1, q2, _ = st.columns([1, 1, 2])
    rq = q1.selectbox(t("reminders_quarter"), quarter_numbers, index=quarter_numbers.index(due_quarters[-1]),
                      format_func=qname, key="reminders_quarter")
    signed_on = q2.date_input(t("document_date"), value=today, key="reminders_date", format="DD/MM/YYYY",
                              help=t("document_date_help"))
    sign_as, signer = signature.inputs(plan, plan.documents.reminder, "reminders", lang)
    # the letters go to every unit of the plan late or missing that quarter: counted for the whole plan
    whole = data.compliance_rollup(store, c.year, as_of)
    chased = int(whole.loc[whole["quarter"] == rq, list(reminders.CHASED)].to_numpy().sum())
    when = dict(quarter=i18n.quarter_in_sentence(rq, lang), date=fmt.date(as_of_day))
    st.caption(t("reminders_count", n=chased, **when) if chased else t("reminders_none", **when))
    zname = ("DEMO_" if c.is_demo else "") + f"DonDoc_{c.year}_Q{rq}.zip"
    letters = lambda: reminders.reminders_zip(store, c.year, rq, as_of, day=signed_on,  # noqa: E731
                                              sign_as=sign_as, signer=signer)
    st.download_button(t("download_reminders", n=chased), auth.audited(store, zname, letters),
                       file_name=zname, mime="application/zip", icon=":material/mail:", key="dl_reminders",
                       disabled=not chased)  # noted in the audit log when built (auth.audited)
