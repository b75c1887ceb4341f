"""Đơn vị: unit × quarter heatmaps (reporting, attainment) and one unit's numbers, tasks, submissions."""
import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import charts, blocks
from dashboard.state import data, filters
from pipelines.outputs import fmt

c = filters.require_year()
t, store, lang, period = filters.t, c.store, c.lang, c.period
qname = lambda q: i18n.quarter_name(q, lang)  # noqa: E731

blocks.page_title(t("units_title", year=c.year))
if not c.has_data:
    blocks.empty(t("no_data_year", year=c.year))
units_df = data.units(store, c.year)
shown_units = [u for u in units_df["code"] if not c.units or u in c.units]
quarter_numbers = sorted(int(q) for q in data.quarters(store, c.year)["quarter"])

tab_all, tab_one = st.tabs([t("tab_heatmaps"), t("tab_unit")], key="units_tab", on_change="rerun")
cols = [qname(q) for q in quarter_numbers]


def all_units() -> None:
    by_place = bool(c.places)  # a country or a province: one row per place one level down
    if by_place:
        st.caption(t("places_hint"))
        blocks.places_compliance_block(data.compliance_rollup(store, c.year, level=c.place_level, within=c.area),
                                   c.places, c.place_names, quarter_numbers,
                                   t("places_compliance_title", n=len(c.places), date=fmt.date(filters.today(store, c.year)),
                                     year=c.year), key="heat_compliance")
        by_row = data.attainment(store, c.year, None, level=c.place_level, within=c.area)
        rows_shown, title = c.places, t("places_attainment_title", year=c.year)
    else:
        # -- reporting status ------------------------------------------------------------------------
        blocks.compliance_block(data.compliance(store, c.year, within=c.area), shown_units, c.unit_names,
                            quarter_numbers, t("heat_compliance_title", n=len(shown_units), year=c.year),
                            key="heat_compliance")
        by_row = data.attainment(store, c.year, None, by_unit=True, within=c.area)
        rows_shown, title = shown_units, t("heat_attainment_title", year=c.year)
    # -- attainment ----------------------------------------------------------------------------------
    single = {p.code: p.quarters[0] for p in c.periods if p.is_single_quarter}
    by_row = by_row[by_row["period"].isin(single) & by_row["unit"].isin(rows_shown)]
    active = by_row["status"].ne("no_data").groupby([by_row["unit"], by_row["indicator"]]).transform("any")
    by_row = by_row[active]
    if by_row.empty:
        blocks.empty(t("heat_attainment_empty", year=c.year))
    else:
        by_row = by_row.assign(row=by_row["unit_name"] + " — " + by_row["short_name"],
                               col=[qname(single[p]) for p in by_row["period"]])
        cells = pd.DataFrame({
            "row": by_row["row"], "col": by_row["col"], "status": by_row["status"],
            "text": [f"{charts.STATUS_SYMBOLS[s]} {int(n)}/{int(d)}" if s in ("met", "not_met") else charts.STATUS_SYMBOLS[s]
                     for s, n, d in zip(by_row["status"], by_row["numerator"].fillna(0), by_row["denominator"].fillna(0))],
            "hover": [f"{i18n.status_name(s, lang)} — {blocks.fraction(n, d)} ({r})"
                      for s, n, d, r in zip(by_row["status"], by_row["numerator"], by_row["denominator"],
                                            fmt.rates(by_row))],
        })
        rows = list(dict.fromkeys(by_row["row"]))
        names = {s: i18n.status_name(s, lang) for s in charts.STATUS_COLOURS}
        fig = charts.status_heatmap(cells, rows, cols, charts.STATUS_COLOURS, names, title, t("axis_quarter"), "")
        # on a phone: the short unit name over the indicator's name, on two or three lines
        labels = dict(zip(by_row["row"], [f"{charts.short_unit_name(u)}<br>{charts.two_lines(i)}"
                                          for u, i in zip(by_row["unit_name"], by_row["short_name"])]))
        phone_fig = charts.status_heatmap(cells, rows, cols, charts.STATUS_COLOURS, names, title, t("axis_quarter"),
                                          "", row_labels=[labels[r] for r in rows], compact=True)
        table = by_row.assign(cell=[f"{i18n.status_name(s, lang)} ({blocks.fraction(n, d)})" if s != "no_data"
                                    else i18n.status_name(s, lang)
                                    for s, n, d in zip(by_row["status"], by_row["numerator"], by_row["denominator"])])
        table = table.pivot(index="row", columns="col", values="cell").reindex(index=rows, columns=cols)
        axis = t("place_column") if by_place else t("axis_unit")
        blocks.chart(fig, table.reset_index().rename(columns={"row": axis}), key="heat_attainment",
                     phone_fig=phone_fig)


def one_unit() -> None:
    options = shown_units or list(units_df["code"])
    filters.linked("unit_detail", "unit", options=options, default=options[0] if options else None)
    unit = st.selectbox(t("choose_unit"), options, format_func=lambda u: c.unit_names.get(u, u), key="unit_detail")
    name = c.unit_names.get(unit, unit)
    kind = units_df.set_index("code").loc[unit, "kind_name"]
    st.caption(f"{t('kind')}: {kind} · {unit}")

    # numbers: each quarter and the chosen period
    st.subheader(t("unit_numbers", unit=name, year=c.year), anchor=False)
    values = data.current_values(store, c.year, units=[unit])
    if values.empty:
        blocks.empty(t("unit_no_submissions", unit=name, year=c.year))
    else:
        missing = [q for q in quarter_numbers if q not in set(values["quarter"])]
        if missing:
            blocks.empty(blocks.missing_quarters_message(missing))
        wide = values.assign(q=[qname(q) for q in values["quarter"]],
                             v=[fmt.num(v) if not pd.isna(v) else "—" for v in values["value"]])
        order = list(dict.fromkeys(values["element_name"]))
        wide = wide.pivot(index="element_name", columns="q", values="v").reindex(
            index=order, columns=[qname(q) for q in quarter_numbers if q in set(values["quarter"])])
        totals = data.element_totals(store, c.year, period.code, scope=unit).set_index("name")
        # the period's own figure, by the plan's rules: not headed "Σ", a backlog is not a sum of quarters
        wide[c.period_name] = [fmt.num(totals.loc[e, "value"]) if e in totals.index and not pd.isna(totals.loc[e, "value"])
                               else "—" for e in wide.index]
        wide.index.name = t("elements")
        blocks.table(wide.reset_index(), key="unit_values", max_rows=40,
                     column_config={col: st.column_config.TextColumn(alignment="right") for col in wide.columns})
        st.caption(t("unit_period_column", period=c.period_name))

    # rates
    st.subheader(t("unit_rates", unit=name), anchor=False)
    ua = data.attainment(store, c.year, None, unit=unit)
    ua = ua[ua["status"] != "no_data"]
    if ua.empty:
        st.caption(t("unit_rates_none", unit=name))
    else:
        names = {p.code: i18n.period_name(p.name, lang) for p in c.periods}
        ua = ua.assign(cell=[f"{charts.STATUS_SYMBOLS[s]} {blocks.fraction(n, d)}" + (f" = {r}" if not pd.isna(v) else "")
                             for s, n, d, v, r in zip(ua["status"], ua["numerator"], ua["denominator"], ua["value"],
                                                      fmt.rates(ua))],
                       p=[names[p] for p in ua["period"]])
        order = [names[p.code] for p in sorted(c.periods, key=lambda p: (len(p.quarters) > 1, p.quarters))]
        pivot = ua.pivot(index="short_name", columns="p", values="cell")
        pivot = pivot.reindex(index=list(dict.fromkeys(ua["short_name"])),
                              columns=[o for o in order if o in pivot.columns])
        pivot.index.name = t("choose_indicator")
        st.dataframe(pivot.reset_index(), hide_index=True, key="unit_rates")
        st.caption(" · ".join(f"{charts.STATUS_SYMBOLS[s]} {i18n.status_name(s, lang)}" for s in charts.STATUS_SYMBOLS))

    # tasks
    st.subheader(t("unit_tasks", unit=name), anchor=False)
    tu = data.task_units(store, c.year, unit=unit)
    if tu.empty:
        st.caption("—")
    else:
        tu = tu.assign(q=[qname(q) for q in tu["quarter"]],
                       s=[i18n.task_status_name(s if isinstance(s, str) else "not_reported", lang) for s in tu["status"]])
        order = list(dict.fromkeys(tu["task"]))
        pivot = tu.pivot(index="task", columns="q", values="s").reindex(index=order, columns=[qname(q) for q in quarter_numbers])
        info = tu.drop_duplicates("task").set_index("task")
        pivot.insert(0, t("role"), [i18n.role_name(info.loc[k, "role"], lang) for k in pivot.index])
        pivot.insert(0, t("task"), [f"{k} — {info.loc[k, 'task_name']}" for k in pivot.index])
        blocks.table(pivot, key="unit_tasks")

    # submissions and versions
    st.subheader(t("unit_submissions", unit=name), anchor=False)
    subs = data.versions(store, c.year, unit)
    if subs.empty:
        blocks.empty(t("unit_no_submissions", unit=name, year=c.year))
    else:
        st.dataframe(pd.DataFrame({
            "#": subs["id"], t("axis_quarter"): [qname(q) for q in subs["quarter"]],
            t("received"): [fmt.datetime(v) for v in subs["received_at"]],
            t("col_loaded_at"): [fmt.datetime(v) for v in subs["loaded_at"]],
            t("col_loaded_by"): subs["loaded_by"],
            t("current_mark"): ["✔" if v else "" for v in subs["is_current"]],
            t("col_warnings"): subs["warnings"],
            t("col_file"): subs["file_name"],
        }), hide_index=True, key="unit_subs")
        for r in subs[subs["warnings"] > 0].itertuples():
            with st.expander(t("unit_warnings", id=r.id, quarter=qname(r.quarter))):
                w = data.stored_warnings(store, r.id)
                st.dataframe(w, hide_index=True)


# Tabs that track state: only the open tab is built.
if tab_all.open is not False:
    with tab_all:
        all_units()
if tab_one.open is not False:
    with tab_one:
        one_unit()
