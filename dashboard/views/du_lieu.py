"""Dữ liệu: every current value, filtered by year, quarter, unit, kind of unit and element, with
downloads of exactly the filtered view (CSV UTF-8 with BOM, formula-safe; formatted XLSX)."""
import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import blocks
from dashboard.state import auth, data, filters
from pipelines.outputs import fmt, metrics
from pipelines.outputs.export import TITLES, to_csv_bytes, to_xlsx_bytes

COLUMNS = ["year", "quarter", "unit", "unit_name", "kind_name", "element", "element_name", "value", "unit_of_measure",
           "follow_up"]  # follow_up: the comment of an open "cần xác minh" mark (Chất lượng số liệu page)
SHOWN_ORDER = ["element_name", "value", "unit_name", "quarter", "unit_of_measure", "follow_up", "kind_name", "unit",
               "element", "year"]
SHOWN_ROWS = 20_000
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row

c = filters.require_year()
t, store, lang, period = filters.t, c.store, c.lang, c.period
qname = lambda q: i18n.quarter_name(q, lang)  # noqa: E731

blocks.page_title(t("data_title", year=c.year))
units_df = data.units(store, c.year)
elements_df = data.elements(store, c.year)
quarter_numbers = [int(q) for q in data.quarters(store, c.year)["quarter"]]
kinds = dict(zip(units_df["kind"], units_df["kind_name"]))
element_names = dict(zip(elements_df["code"], elements_df["name"]))

f1, f2, f3 = st.columns([2, 2, 3])
whole_year = set(period.quarters) == set(quarter_numbers)
# Every filter of this page is in the address too (filters.linked): a copied link opens the same rows.
filters.linked("data_quarters", "q", "ints", options=quarter_numbers,
               default=[] if whole_year else list(period.quarters), follows=True)
chosen_quarters = f1.multiselect(t("quarters"), quarter_numbers, format_func=qname, key="data_quarters",
                                 placeholder=t("all_quarters"))
filters.linked("data_kinds", "kinds", "codes", options=kinds, default=[])
filters.linked("data_elements", "elements", "codes", options=element_names, default=[])
filters.linked("data_only_reported", "reported", "flag", default=False)
chosen_kinds = f2.multiselect(t("kinds"), list(kinds), format_func=lambda k: kinds[k], placeholder=t("units_all"),
                              key="data_kinds")
chosen_elements = f3.multiselect(t("elements"), list(element_names),
                                 format_func=lambda e: f"{e} — {element_names[e]}", key="data_elements",
                                 placeholder=t("elements_all"))
only_reported = st.toggle(t("only_reported"), key="data_only_reported")
picked_units = st.session_state.get("f_units") or []   # units picked by name; else the place's units
st.caption(t("scope", scope=", ".join(c.unit_names[u] for u in picked_units) if picked_units
             else c.area_name or t("units_all")))

view_filters = dict(units=picked_units, elements=chosen_elements, kinds=chosen_kinds, quarters=chosen_quarters,
               reported_only=only_reported, within=c.area)
# A screenful of rows at most (a country holds 1,5 million values a year); the downloads hold them all.
values = data.current_values(store, c.year, **view_filters, limit=SHOWN_ROWS + 1)
truncated = len(values) > SHOWN_ROWS
total = data.current_value_count(store, c.year, **view_filters) if truncated else len(values)
view = values[COLUMNS].head(SHOWN_ROWS).reset_index(drop=True)


def every_row() -> pd.DataFrame:
    """The whole filtered table, for the downloads (built when a button is clicked)."""
    if not truncated:
        return view
    return metrics.current_values(store, c.year, **{k: v or None for k, v in view_filters.items()})[COLUMNS]


missing = c.missing_quarters(chosen_quarters or quarter_numbers)
if missing:
    blocks.empty(blocks.missing_quarters_message(missing))
st.caption(t("rows_shown", n=fmt.num(total)) if not truncated else
           t("rows_truncated", n=fmt.num(total), shown=fmt.num(SHOWN_ROWS)))
if view.empty:
    blocks.empty(t("data_empty"))
else:
    # a value marked "cần xác minh" carries the flag in its own cell too (the comment is further right)
    shown = view.assign(quarter=[qname(int(q)) for q in view["quarter"]],
                        value=[("⚑ " if isinstance(f, str) else "") + (fmt.num(v) if not pd.isna(v) else "")
                               for v, f in zip(view["value"], view["follow_up"])],
                        follow_up=["⚑ " + f if isinstance(f, str) else "" for f in view["follow_up"]])
    marked = int(view["follow_up"].notna().sum())
    if marked:
        st.caption(t("follow_up_waiting", n=fmt.num(marked)))
    # what was reported first, then who and when: on a phone (390 px) the figure is on the screen and
    # the codes scroll in from the right; the downloads keep COLUMNS' order
    st.dataframe(shown.rename(columns=TITLES), hide_index=True, key="data_table",
                 column_order=[TITLES[k] for k in SHOWN_ORDER],
                 column_config={TITLES["element_name"]: st.column_config.TextColumn(width="medium"),
                                TITLES["value"]: st.column_config.TextColumn(width="small", alignment="right")})

threshold = store.plan(c.year).publication.threshold
filters.linked("data_publication", "publication", "flag", default=False)
publication_copy = st.toggle(t("publication_copy", n=threshold), key="data_publication",
                             help=t("publication_help", n=threshold))


def download() -> pd.DataFrame:
    if publication_copy:  # the download hides small counts of people; the table above stays exact
        from pipelines.outputs.publication import publication, values_frame
        return values_frame(publication(store, c.year), every_row())
    return every_row()


stem = ("DEMO_" if c.is_demo else "") + f"so_lieu_{c.year}_" + (
    "-".join(f"Q{q}" for q in sorted(chosen_quarters)) if chosen_quarters else "ca_nam") + (
    "_CongBo" if publication_copy else "")
d1, d2, _ = st.columns([1, 1, 3])
# Files are built only when a button is clicked (deferred data), from exactly the rows shown above,
# and noted in the audit log as they are built (who downloaded what), not on the click.
csv_name, xlsx_name = f"{stem}.csv", f"{stem}.xlsx"
d1.download_button(t("download_csv"), auth.audited(store, t("audit_download_rows", name=csv_name, n=total),
                                                  lambda: to_csv_bytes(download().rename(columns=TITLES))),
                   file_name=csv_name, mime="text/csv", icon=":material/download:", key="dl_csv", disabled=view.empty)
d2.download_button(t("download_xlsx"), auth.audited(store, t("audit_download_rows", name=xlsx_name, n=total),
                                                   lambda: to_xlsx_bytes(download(), sheet=t("sheet_values"), rate_columns=set())),
                   file_name=xlsx_name, icon=":material/download:", key="dl_xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   disabled=view.empty or total > XLSX_MAX_ROWS, help=t("xlsx_too_many_rows") if total > XLSX_MAX_ROWS else None)
st.caption(t("download_note"))
