"""Chất lượng số liệu: which figures to doubt before they are reported upward. Everyone sees the
summary; analysts and admins see each finding and mark values "cần xác minh" (follow-up) or clear
the marks. The checks are pipelines.outputs.quality's (the same as `python -m pipelines quality`);
marking goes through quality.mark / quality.clear, which check the role in the store again."""
import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.parts import blocks
from dashboard.state import auth, data, filters
from pipelines.accounts import users
from pipelines.outputs import fmt, quality
from pipelines.outputs.export import TITLES

c = filters.require_year()
t, store, lang, period = filters.t, c.store, c.lang, c.period
qname = lambda q: i18n.quarter_name(q, lang)  # noqa: E731

blocks.page_title(t("quality_title", year=c.year))
st.caption(t("quality_intro"))
if not c.has_data:
    blocks.empty(t("no_data_year", year=c.year))

found = data.quality_findings(store, c.year)
in_period = found["quarter"].isna() | found["quarter"].isin(period.quarters)
if c.units:
    in_period &= found["unit"].isin(c.units)
found = found[in_period]
st.caption(t("scope", scope=c.period_label + " — " + (", ".join(c.unit_names[u] for u in c.units) if c.units
                                                      else t("units_all"))))

# -- summary (everyone) ----------------------------------------------------------------------------
st.subheader(t("quality_summary"), anchor=False)
counts = found["check"].value_counts()
checks = list(quality.CHECK_NAMES)
for start in range(0, len(checks), 4):
    cols = st.columns(4)
    for col, check in zip(cols, checks[start:start + 4]):
        with col, st.container(border=True, key=f"quality_{check}"):
            st.metric(quality.CHECK_NAMES[check], fmt.num(int(counts.get(check, 0))))

me = auth.user()
if me is None or not me.can("analyst"):
    st.caption(t("quality_viewer_note"))
    st.stop()

unit_names, element_names = c.unit_names, dict(zip(data.elements(store, c.year)["code"],
                                                    data.elements(store, c.year)["name"]))


def _frame(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        t("axis_unit"): [unit_names.get(u, u) for u in rows["unit"]],
        t("axis_quarter"): ["" if pd.isna(q) else qname(int(q)) for q in rows["quarter"]],
        t("elements"): ["" if pd.isna(e) else element_names.get(e, e) for e in rows["element"]],
        t("col_value_reported"): ["" if pd.isna(v) else fmt.num(v) for v in rows["value"]],
        t("col_check"): [quality.CHECK_NAMES[k] for k in rows["check"]],
        t("col_detail_q"): list(rows["detail"]),
        t("col_follow_up"): ["" if pd.isna(f) else f for f in rows["follow_up"]],
    })


def _section(title: str, checks: tuple[str, ...], key: str) -> None:
    """One kind of finding. Columns every row leaves blank are left out, and so is what every row
    says alike (the check, when it is the heading's; a detail, said once above the table); details
    that differ are shown in a table that wraps them. At 1366 px a grid cut each row's sentence off
    and the blank columns took its room."""
    st.subheader(title, anchor=False)
    rows = found[found["check"].isin(checks)]
    if rows.empty:
        blocks.empty(t("quality_none"))
        return
    frame = _frame(rows)
    frame = frame.loc[:, [col == t("axis_unit") or (frame[col] != "").any() for col in frame.columns]]
    if len(checks) == 1 or frame[t("col_check")].nunique() == 1:
        frame = frame.drop(columns=t("col_check"))
    detail = t("col_detail_q")
    if detail in frame.columns and len(frame) > 1:
        parts = frame[detail].str.partition(": ")  # head, ": ", the rest
        head, colon, rest = parts[0], parts[1], parts[2]
        if frame[detail].nunique() == 1:
            st.caption(blocks.md(frame[detail].iloc[0]))
            frame = frame.drop(columns=detail)
        elif (colon != "").all() and head.nunique() == 1:  # "Chưa đủ 8 quý …: <what differs>"
            st.caption(blocks.md(head.iloc[0] + ":"))
            frame[detail] = rest
        elif list(frame.columns) == [t("axis_unit"), detail] and frame[detail].nunique() < len(frame):
            # units saying the same thing (a first year: "Mới có 4 quý số liệu …" for 26 of 27): the
            # sentence once, with the units it is about
            frame = frame.groupby(detail, sort=False)[t("axis_unit")].agg(", ".join).reset_index()
    if detail in frame.columns:  # sentences: a table that wraps them, read whole
        blocks.wrapped_table(frame, key=key)
    else:
        blocks.table(frame, key=key, max_rows=15)


# -- completeness ----------------------------------------------------------------------------------
st.subheader(t("quality_completeness"), anchor=False)
comp = data.quality_completeness(store, c.year)
comp = comp[comp["quarter"].isin(period.quarters)]
if c.units:
    comp = comp[comp["unit"].isin(c.units)]


def _cell(r) -> str:
    if not r.reported:
        return "✖ " + i18n.compliance_name("missing", lang)
    text = f"{fmt.num(r.elements_with_value)}/{fmt.num(r.elements_expected)}"
    extra = []
    if r.elements_blank:
        extra.append(f"{fmt.num(r.elements_blank)} {t('col_blank').lower()}")
    if r.elements_missing:
        extra.append(f"{t('col_missing').lower()}: {', '.join(r.elements_missing)}")
    return ("✔ " if not extra else "! ") + text + (f" ({'; '.join(extra)})" if extra else "")


comp = comp.assign(cell=[_cell(r) for r in comp.itertuples()], q=[qname(q) for q in comp["quarter"]])
matrix = comp.pivot(index="unit", columns="q", values="cell")
matrix = matrix.reindex(index=[u for u in unit_names if u in matrix.index],
                        columns=[qname(q) for q in period.quarters])
matrix.index = [unit_names[u] for u in matrix.index]
matrix.index.name = t("axis_unit")
st.caption(t("col_with_value") + " / " + t("quality_elements_of_template"))
blocks.table(matrix.reset_index(), key="quality_completeness", max_rows=40)  # a town's units with no inner scroll
_section(t("quality_details_suffix", heading=t("quality_completeness")),
         ("not_reported", "missing_element", "blank"), "quality_completeness_rows")

# -- backlogs, outliers, history -------------------------------------------------------------------
_section(t("quality_backlog"), ("backlog_mismatch",), "quality_backlog")
_section(t("quality_outliers"), ("out_of_range", "outlier"), "quality_outliers")
st.caption(t("quality_method_note", z=fmt.num(quality.Z_THRESHOLD, 1), n=quality.MIN_HISTORY))
_section(t("quality_history"), ("short_history",), "quality_history")

# -- follow-up marks -------------------------------------------------------------------------------
st.subheader(t("quality_marks"), anchor=False)
flagged = found[found["element"].notna() & found["quarter"].notna() &
                found["check"].isin(["backlog_mismatch", "out_of_range", "outlier", "blank"]) &
                found["follow_up"].isna()]
with st.form("quality_mark_form", clear_on_submit=True, border=True):
    st.markdown(f"**{t('quality_mark_heading')}**")
    options = {f"{r.unit}|{int(r.quarter)}|{r.element}|{r.check}":
               f"{unit_names.get(r.unit, r.unit)} — {qname(int(r.quarter))} — {r.element}: "
               f"{'' if pd.isna(r.value) else fmt.num(r.value)} ({quality.CHECK_NAMES[r.check].lower()})"
               for r in flagged.itertuples()}
    pick = st.selectbox(t("quality_mark_pick"), list(options), format_func=options.get, key="quality_pick",
                        index=None, placeholder=t("quality_none") if not options else "")
    comment = st.text_area(t("quality_mark_comment"), key="quality_comment", max_chars=500)
    if st.form_submit_button(t("quality_mark_button"), icon=":material/flag:", disabled=not options):
        try:
            if not pick:
                raise quality.QualityError(t("quality_mark_pick") + "?")
            unit, quarter, element, check = pick.split("|")
            mark_id = quality.mark(store, me, c.year, int(quarter), unit, element, comment, check)
            data.clear()
            st.success(t("quality_marked", id=mark_id), icon=":material/flag:")
            st.rerun()
        except (quality.QualityError, users.PermissionDenied) as exc:
            st.error(blocks.md(exc), icon=":material/error:")

open_marks = data.quality_marks(store, c.year)
if c.units:
    open_marks = open_marks[open_marks["unit"].isin(c.units)]
if open_marks.empty:
    blocks.empty(t("quality_none"))
else:
    blocks.table(pd.DataFrame({
        "#": list(open_marks["id"]),
        t("axis_unit"): list(open_marks["unit_name"]),
        t("axis_quarter"): [qname(q) for q in open_marks["quarter"]],
        t("elements"): list(open_marks["element"]),
        TITLES["value"]: [fmt.num(v) for v in open_marks["value"]],
        t("col_comment"): list(open_marks["comment"]),
        t("col_by"): [f"{b} ({fmt.datetime(a)})" for b, a in zip(open_marks["marked_by"], open_marks["marked_at"])],
    }), key="quality_open_marks", max_rows=10)
    with st.form("quality_clear_form", clear_on_submit=True, border=True):
        labels = {int(r.id): f"#{r.id} {r.unit_name} — {qname(r.quarter)} — {r.element}: {r.comment}"
                  for r in open_marks.itertuples()}
        which = st.selectbox("#", list(labels), format_func=labels.get, key="quality_clear_pick")
        note = st.text_input(t("quality_clear_note"), key="quality_clear_text", max_chars=300)
        if st.form_submit_button(t("quality_clear_button"), icon=":material/task_alt:"):
            try:
                quality.clear(store, me, int(which), note)
                data.clear()
                st.success(t("quality_cleared", id=which))
                st.rerun()
            except (quality.QualityError, users.PermissionDenied) as exc:
                st.error(blocks.md(exc), icon=":material/error:")

done = data.quality_marks(store, c.year, states=("corrected", "cleared"))
if not done.empty:
    with st.expander(t("quality_marks_done") + f" ({len(done)})"):
        blocks.table(pd.DataFrame({
            "#": list(done["id"]),
            t("axis_unit"): list(done["unit_name"]),
            t("axis_quarter"): [qname(q) for q in done["quarter"]],
            t("elements"): list(done["element"]),
            t("col_comment"): list(done["comment"]),
            t("col_state"): [quality.MARK_STATUS_NAMES[s] + (f" — {b}: {n}" if isinstance(n, str) and n else
                                                            (f" — {b}" if isinstance(b, str) else ""))
                             for s, b, n in zip(done["status"], done["cleared_by"], done["clear_note"])],
        }), key="quality_done_marks", max_rows=10)
