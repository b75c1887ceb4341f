"""Nhiệm vụ: per task of the plan, how many of the units concerned report it done / in progress /
not started, quarter by quarter, with drill-down to the units."""
import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import charts, blocks
from dashboard.state import data, filters
from pipelines.outputs import fmt

c = filters.require_year()
t, store, lang, period = filters.t, c.store, c.lang, c.period
qname = lambda q: i18n.quarter_name(q, lang)  # noqa: E731

blocks.page_title(t("tasks_title", year=c.year))
quarter_numbers = [int(q) for q in data.quarters(store, c.year)["quarter"]]
filters.linked("task_quarter", "quarter", "int", options=quarter_numbers, default=period.last_quarter, follows=True)
quarter = st.segmented_control(t("choose_quarter"), quarter_numbers, format_func=qname, required=True,
                               key="task_quarter")
quarter = quarter or period.last_quarter
progress = data.task_progress(store, c.year)
every_unit = dict(zip(data.units(store, c.year)["code"], data.units(store, c.year)["name"]))


def lead_names(lead: str) -> str:
    """The plan names a task's lead units by code ("CA, BP_PQ") or in words ("Tất cả đơn vị")."""
    return ", ".join(every_unit.get(part.strip(), part.strip()) for part in str(lead).split(","))



counts = progress[progress["quarter"] == quarter]
status_cols = charts.TASK_ORDER

if not c.has_data:
    blocks.empty(t("no_data_year", year=c.year))
elif quarter not in c.quarters_with_data:
    blocks.empty(t("tasks_empty", quarter=i18n.quarter_in_sentence(quarter, lang)))
else:
    # the whole name of each task, on two lines where it is long (a cut name can read as another task)
    frame = counts.assign(label=[charts.wrap(f"{k} — {n}", 44) for k, n in zip(counts["task"], counts["task_name"])])
    chart_title = t("tasks_chart_title", n=len(frame), quarter=qname(quarter), year=c.year)
    fig = charts.task_progress(frame, chart_title, lang)
    phone_fig = charts.task_progress_compact(
        counts.assign(label=[f"{k} — {n}" for k, n in zip(counts["task"], counts["task_name"])]), chart_title, lang)
    table = pd.DataFrame({
        t("task"): list(counts["task_name"]),
        t("col_plan_section"): counts["section"],
        t("col_lead"): [lead_names(x) for x in counts["lead"]],
        t("units_concerned"): counts["units_concerned"],
        **{i18n.task_status_name(s, lang): counts[s] for s in status_cols},
    })
    blocks.chart(fig, table, key="task_progress", phone_fig=phone_fig)

# -- all quarters at a glance: done / concerned ----------------------------------------------------
st.subheader(t("tasks_done_by_quarter"), anchor=False)
wide = progress.assign(cell=[f"{d}/{n}" if q in c.quarters_with_data else "—"
                             for d, n, q in zip(progress["done"], progress["units_concerned"], progress["quarter"])],
                       q=[qname(q) for q in progress["quarter"]])
order = list(dict.fromkeys(progress["task"]))
names = progress.drop_duplicates("task").set_index("task")
pivot = wide.pivot(index="task", columns="q", values="cell").reindex(index=order, columns=[qname(q) for q in quarter_numbers])
pivot.insert(0, t("col_lead"), [lead_names(names.loc[k, "lead"]) for k in pivot.index])
pivot.insert(0, t("task"), [names.loc[k, "task_name"] for k in pivot.index])
blocks.wrapped_table(pivot, key="task_quarters")  # task names and lead units read whole at 1366 px

# -- drill-down to units -------------------------------------------------------------------------
st.subheader(t("task_drill"), anchor=False)
filters.linked("task_drill", "task", options=order, default=order[0] if order else None)
task = st.selectbox(t("choose_task"), order, format_func=lambda k: names.loc[k, "task_name"],
                    key="task_drill")
st.caption(t("task_lead", lead=lead_names(names.loc[task, "lead"])))
tu = data.task_units(store, c.year, task=task)
if c.units:
    tu = tu[tu["unit"].isin(c.units)]
if tu.empty:
    blocks.empty(t("data_empty"))
elif c.places:  # a country or a province: units reporting the task done, per place one level down
    st.caption(t("places_hint"))
    tu = tu.assign(place=data.hierarchy(store, c.year).place_of(tu["unit"], c.places), done=tu["status"].eq("done"))
    per = tu.dropna(subset=["place"]).groupby(["place", "quarter"], sort=False).agg(
        done=("done", "sum"), concerned=("done", "size")).reset_index()
    per = per.assign(cell=[f"{fmt.num(int(d))}/{fmt.num(int(n))}" if q in c.quarters_with_data else "—"
                           for d, n, q in zip(per["done"], per["concerned"], per["quarter"])],
                     q=[qname(q) for q in per["quarter"]])
    pivot = per.pivot(index="place", columns="q", values="cell").reindex(
        index=[p for p in c.places if p in set(per["place"])], columns=[qname(q) for q in quarter_numbers])
    pivot.insert(0, t("place_column"), [c.place_names[p] for p in pivot.index])
    st.caption(t("tasks_done_of_concerned"))
    blocks.table(pivot, key="task_units")
else:
    tu = tu.assign(q=[qname(q) for q in tu["quarter"]],
                   s=[(f"{i18n.task_status_name(s, lang)}" + (f" — {n}" if isinstance(n, str) and n else ""))
                      if isinstance(s, str) else (i18n.task_status_name("not_reported", lang)
                                                  if q in c.quarters_with_data else "—")
                      for s, n, q in zip(tu["status"], tu["note"], tu["quarter"])])
    unit_order = list(dict.fromkeys(tu["unit"]))
    roles = tu.drop_duplicates("unit").set_index("unit")
    pivot = tu.pivot(index="unit", columns="q", values="s").reindex(index=unit_order,
                                                                    columns=[qname(q) for q in quarter_numbers])
    pivot.insert(0, t("role"), [i18n.role_name(roles.loc[u, "role"], lang) for u in pivot.index])
    pivot.insert(0, t("axis_unit"), [roles.loc[u, "unit_name"] for u in pivot.index])
    blocks.wrapped_table(pivot, key="task_units")  # a unit's note on its task, read whole
