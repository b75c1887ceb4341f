"""Chỉ tiêu: per rate, quarterly and cumulative values against the target, and each unit's share."""
import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import charts, blocks, yoy
from dashboard.state import data, filters
from dashboard.state import periods as P
from pipelines.outputs import fmt

c = filters.require_year()
t, store, lang, period = filters.t, c.store, c.lang, c.period

blocks.page_title(t("indicators_title", year=c.year))
st.caption(t("scope", scope=c.scope_name))
if not c.has_data:
    blocks.empty(t("no_data_year", year=c.year))

indicators = data.indicators(store, c.year)
elements_df = data.elements(store, c.year)
element_names = dict(zip(elements_df["code"], elements_df["name"]))
all_att = data.attainment(store, c.year, None, unit=c.single_unit or c.area)
quarter_numbers = sorted({q for p in c.periods if p.is_single_quarter for q in p.quarters})


def _series(rows: pd.DataFrame, period_for_quarter) -> pd.DataFrame:
    out = []
    for q in quarter_numbers:
        p = period_for_quarter(q)
        hit = rows[rows["period"] == p.code] if p else rows.iloc[0:0]
        if hit.empty:
            out.append({"quarter": q, "period_name": p.name if p else "", "numerator": None, "denominator": None,
                        "value": None, "status": "no_data"})
        else:
            r = hit.iloc[0]
            out.append({"quarter": q, "period_name": p.name, "numerator": r["numerator"],
                        "denominator": r["denominator"], "value": r["value"],
                        # the period's own verdict: a yearly target's quarter without data of its own
                        # is "Chưa có số liệu" there, whatever the cumulative rate says
                        "status": r["period_status"]})
    return pd.DataFrame(out)


def _status_cell(s: str, n, d, v) -> str:
    return f"{charts.STATUS_SYMBOLS[s]} {i18n.status_name(s, lang)}"


def year_over_year(ind) -> None:
    """This year beside the years before it that define the rate alike (up to five), the target as
    a line; says which earlier year is left out and why, and when a target changed."""
    st.markdown(f"##### {t('yoy_heading')}")
    history = data.indicator_years(store, c.year, ind.code, c.single_unit or c.area)
    years = sorted(int(y) for y in history["year"].unique())
    link = data.attainment_yoy(store, years[0], period.code, c.single_unit or c.area).set_index("indicator")
    first = link.loc[ind.code] if ind.code in link.index else None
    if first is not None and not pd.isna(first["previous_year"]) and not pd.isna(first["difference"]):
        st.caption(t("yoy_chain_break", year=int(first["previous_year"]), why=yoy.why(first, lang)))
    if len(years) < 2:
        blocks.empty(t("yoy_only_year"))
        return
    if not history["status"].isin(["met", "not_met"]).any():
        blocks.empty(t("no_rate_value", name=ind.short_name, detail=", ".join(map(str, years))))
        return
    modes = {"cumulative": t("yoy_axis_cumulative"), "quarterly": t("yoy_axis_quarterly")}
    filters.linked(f"yoy_mode_{ind.code}", f"yoy_{ind.code}", options=modes, default="cumulative")
    mode = st.segmented_control(t("yoy_heading"), list(modes), format_func=modes.get,
                                key=f"yoy_mode_{ind.code}", label_visibility="collapsed") or "cumulative"
    wanted = history["is_cumulative"] if mode == "cumulative" else history["is_single_quarter"]
    rows = history[wanted.astype(bool)].copy()
    rows["x"] = [i18n.period_name(n, lang) for n in rows["period_name"]]
    rows["order"] = rows["last_quarter"]
    # no point for a period from whose last quarter no report has arrived (in that year)
    reported = {y: {int(q) for q, n in data.quarters_reported(store, y)[["quarter", "units_reported"]]
                    .itertuples(index=False) if n} for y in years}
    gap = pd.Series([int(q) not in reported[int(y)] for y, q in zip(rows["year"], rows["last_quarter"])],
                    index=rows.index)
    rows.loc[gap, ["value", "numerator", "denominator"]] = None
    targets = {int(y): (op, float(tg)) for y, op, tg in
               rows[["year", "target_op", "target"]].drop_duplicates("year").itertuples(index=False)}
    title = t("yoy_chart_title", name=ind.short_name, mode=modes[mode].lower(), scope=c.scope_name)
    fig = charts.year_over_year(rows, targets, title, t("axis_quarter") if mode == "quarterly" else t("period"), lang)
    table = rows.pivot(index="x", columns="year", values="value").reindex(list(dict.fromkeys(rows.sort_values("order")["x"])))
    table = table.map(fmt.pct).reset_index().rename(columns={"x": t("period")})
    table.columns = [str(col) for col in table.columns]
    blocks.chart(fig, table, key=f"yoy_{ind.code}")
    st.caption(t("yoy_years_note", years=", ".join(map(str, years))))
    # each line is its year's units as they reported; the period shown, compared like with like
    now = data.attainment_yoy(store, c.year, period.code, c.single_unit or c.area).set_index("indicator")
    line = yoy.rate_line(now.loc[ind.code], c.year, lang) if ind.code in now.index else ""
    if line:
        st.caption(f":material/history: {c.period_name} — {line}")
    demo_years = [y for y in years if data.is_demo_year(store, y)]
    if demo_years:
        st.caption(t("yoy_demo_years", years=", ".join(map(str, demo_years))))
    older = [y for y in years if targets.get(y) != targets.get(c.year)]
    if older:
        text = "; ".join(t("yoy_target_changed", year=y, target=fmt.target_text(*targets[y])) for y in older)
        st.caption(f"{text[0].upper()}{text[1:]} — {c.year}: {fmt.target_text(*targets[c.year])}.")


changes = data.plan_changes(store, c.year)
if not changes.empty:
    with st.expander(t("yoy_differences", year=c.year, prev=c.year - 1) + f" ({len(changes)})",
                     icon=":material/compare_arrows:"):
        st.markdown("\n".join(f"- {line}" for line in yoy.plan_differences(changes, lang)))

# Tabs that track state: only the open tab is built (each holds two charts).
tabs = st.tabs(list(indicators["short_name"]), key="indicator_tab", on_change="rerun")
for tab, ind in zip(tabs, indicators.itertuples()):
    if tab.open is False:
        continue
    with tab:
        target = fmt.target_text(ind.op, ind.target)
        st.markdown(f"**{ind.name}** — {t('target', target=target)}")
        st.caption(t("rate_def", num=" + ".join(element_names.get(e, e) for e in ind.numerator),
                     den=" + ".join(element_names.get(e, e) for e in ind.denominator),
                     owner=c.unit_names.get(ind.owner, ind.owner)))
        rows = all_att[all_att["indicator"] == ind.code]
        quarterly = _series(rows, lambda q: P.single_quarter(c.periods, q))
        cumulative = _series(rows, lambda q: P.cumulative_to(c.periods, q))
        # no cumulative point "to the end of" a quarter from which no report has arrived at all
        gap = ~cumulative["quarter"].isin(c.quarters_with_data)
        cumulative.loc[gap, ["numerator", "denominator", "value"]] = None
        cumulative.loc[gap, "status"] = "no_data"
        has_value = quarterly["status"].isin(["met", "not_met"]).any() or cumulative["status"].isin(["met", "not_met"]).any()
        if not has_value:
            missing = c.missing_quarters(quarter_numbers)
            if not c.has_data:
                detail = t("no_data_year", year=c.year).rstrip(".")
            elif missing:
                detail = blocks.missing_quarters_message(missing).rstrip(".")
                if quarterly["status"].eq("no_cases").any():
                    detail = f"{i18n.status_name('no_cases', lang).lower()}; {detail[0].lower()}{detail[1:]}"
            else:
                detail = i18n.status_name("no_cases", lang).lower()
            blocks.empty(t("no_rate_value", name=ind.short_name, detail=detail))
        else:
            title = t("trend_title", name=ind.short_name, target=target, scope=c.scope_name, year=c.year)
            fig = charts.rate_trend(quarterly, cumulative, float(ind.target), ind.op, title, lang)
            table = pd.DataFrame({
                t("axis_quarter"): [i18n.quarter_name(q, lang) for q in quarterly["quarter"]],
                t("series_quarter"): [blocks.fraction(n, d) if s != "no_data" else "—"
                                      for n, d, s in zip(quarterly["numerator"], quarterly["denominator"], quarterly["status"])],
                t("axis_rate"): [fmt.rate(n, d, ind.op, ind.target)
                                  for n, d in zip(quarterly["numerator"], quarterly["denominator"])],
                t("status"): [_status_cell(s, n, d, v) for s, n, d, v in quarterly[["status", "numerator", "denominator", "value"]].itertuples(index=False)],
                t("period"): [i18n.period_name(n, lang) for n in cumulative["period_name"]],
                t("series_cumulative"): [blocks.fraction(n, d) if s != "no_data" else "—"
                                         for n, d, s in zip(cumulative["numerator"], cumulative["denominator"], cumulative["status"])],
                t("axis_rate") + " ": [fmt.rate(n, d, ind.op, ind.target)
                                        for n, d in zip(cumulative["numerator"], cumulative["denominator"])],
                t("status") + " ": [_status_cell(s, 0, 0, 0) for s in cumulative["status"]],
            })
            blocks.chart(fig, table, key=f"trend_{ind.code}")
            if ind.judged_on == "cumulative":
                st.caption(t("yearly_target_cumulative"))

        year_over_year(ind)

        # contributions of the units, for the chosen period
        if c.places:  # a country or a province: what each place one level down adds
            contrib = data.attainment(store, c.year, period.code, level=c.place_level, within=c.area)
            contrib = contrib[contrib["indicator"] == ind.code]
        else:
            contrib = data.contributions(store, c.year, period.code, ind.code)
            if c.units:
                contrib = contrib[contrib["unit"].isin(c.units)]
        contrib = contrib[(contrib["numerator"] > 0) | (contrib["denominator"] > 0)]
        if contrib.empty:
            blocks.empty(t("contrib_empty", name=ind.short_name, period=c.period_name))
            continue
        title = t("contrib_title", name=ind.short_name, label=c.period_label)
        fig = charts.contributions(contrib, title, lang, rows_are_places=bool(c.places))
        town = rows[rows["period"] == period.code]
        table = pd.DataFrame({
            (t("place_column") if c.places else t("axis_unit")): list(contrib["unit_name"]),
            t("numerator"): [fmt.num(v) for v in contrib["numerator"]],
            t("denominator"): [fmt.num(v) for v in contrib["denominator"]],
            t("axis_rate"): [fmt.rate(n, d, ind.op, ind.target) for n, d in zip(contrib["numerator"], contrib["denominator"])],
            t("status"): [_status_cell(s, 0, 0, 0) for s in contrib["status"]],
        })
        if not c.units and not town.empty:
            r = town.iloc[0]
            table.loc[len(table)] = [t("town_total_row", scope=c.scope_name), fmt.num(r["numerator"]), fmt.num(r["denominator"]),
                                     fmt.rate(r["numerator"], r["denominator"], r["target_op"], r["target"]), _status_cell(r["status"], 0, 0, 0)]
        blocks.chart(fig, table, key=f"contrib_{ind.code}",
                     phone_fig=charts.contributions(contrib, title, lang, rows_are_places=bool(c.places), compact=True))
