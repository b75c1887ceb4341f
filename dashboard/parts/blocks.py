"""Building blocks the pages draw with: status badges, "chart + its table" blocks, reporting
matrices, tables sized to their rows, empty states, and markdown-safe text from outside.
"""
from __future__ import annotations

import re
import unicodedata

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import i18n
from dashboard.parts import charts
from dashboard.state.filters import lang, t
from pipelines.outputs import fmt


def badge(status: str, kind: str = "rate") -> str:
    """An inline HTML badge: colour + symbol + words (readable without colour)."""
    lg = lang()
    if kind == "compliance":
        colour, symbol, name = charts.COMPLIANCE_COLOURS[status], charts.COMPLIANCE_SYMBOLS[status], \
            i18n.compliance_name(status, lg)
    else:
        colour, symbol, name = charts.STATUS_COLOURS[status], charts.STATUS_SYMBOLS[status], i18n.status_name(status, lg)
    return (f'<span style="background:{colour};color:{charts.text_colour(colour)};padding:2px 10px;'
            f'border-radius:12px;font-weight:600;white-space:nowrap;border:1px solid #777">{symbol} {name}</span>')


_MD_SYNTAX = re.compile(r"([\\`*_{}\[\]()#|<>~$:&^@])")  # enough: no link, image, HTML, directive, maths
# Streamlit's markdown also turns bare addresses in the text into links (GFM autolinks: "http://…",
# "www.…", "a@b.c"), after escapes are resolved: an invisible word joiner breaks each pattern.
_AUTOLINK = re.compile(r"(?i)(://|\bwww\.|@)")
_JOINER = "\u2060"


def md(text: object) -> str:
    """Text that came from outside (a file name, a cell, a typed name) made safe for any place where
    Streamlit reads markdown (labels, expander titles, alerts, st.table cells, spinners): every
    markdown and HTML character is backslash-escaped, so it shows as typed and never becomes a
    link, an image, HTML or a directive; control characters become spaces."""
    s = "" if text is None else str(text)
    s = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in s)
    s = _AUTOLINK.sub(lambda m: m[0][0] + _JOINER + m[0][1:] if m[0] != "@" else _JOINER + "@", s)
    return _MD_SYNTAX.sub(r"\\\1", s)


def html(text: str) -> None:
    st.markdown(text, unsafe_allow_html=True)


def empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def missing_quarters_message(quarters: list[int]) -> str:
    names = ", ".join(i18n.quarter_in_sentence(q, lang())
                      for q in quarters)
    return t("no_data_quarters", quarters=names)


def _untitled(fig: go.Figure) -> go.Figure:
    top = fig.layout.margin.t if fig.layout.margin and fig.layout.margin.t is not None else 60
    return go.Figure(fig).update_layout(title_text="", margin_t=max(40, top - 40))


PLOT_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


def chart(fig: go.Figure, table: pd.DataFrame, key: str, phone_fig: go.Figure | None = None) -> None:
    """A chart and, under it, the table of its numbers. The title is drawn as text above the chart,
    not inside it: Plotly titles do not wrap, and on a phone a long one would be cut off.
    `phone_fig`: the same numbers drawn for a screen ≤ 640 px (charts.*compact*). Both are sent;
    the browser shows one by the screen's width (parts/phone.py: .st-key-wide_* / .st-key-narrow_*),
    since the server does not know the width: a phone never gets the desktop figure squeezed."""
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else ""
    if title:
        st.markdown(f"<div class='chart-title'>{title.replace('<br>', ' ')}</div>", unsafe_allow_html=True)
        fig = _untitled(fig)
    if phone_fig is None:
        st.plotly_chart(fig, key=key, config=PLOT_CONFIG)
    else:
        with st.container(key=f"twins_{key}"):
            with st.container(key=f"wide_{key}"):
                st.plotly_chart(fig, key=key, config=PLOT_CONFIG)
            with st.container(key=f"narrow_{key}"):
                st.plotly_chart(_untitled(phone_fig), key=f"{key}_phone", config=PLOT_CONFIG)
    with st.expander(t("table_view"), icon=":material/table:"):
        st.dataframe(table, hide_index=True, key=f"{key}_table")


def fraction(num, den) -> str:
    if pd.isna(den):
        return "—"
    return f"{fmt.num(num if not pd.isna(num) else 0)}/{fmt.num(den)}"


def page_title(text: str) -> None:
    st.header(text, anchor=False)


def _reporting_figures(cells: pd.DataFrame, rows: list[str], cols: list[str], title: str, lg: str):
    """A reporting matrix for the desktop and its phone twin (short row names, compact)."""
    names = {s: i18n.compliance_name(s, lg) for s in charts.COMPLIANCE_COLOURS}
    fig = charts.status_heatmap(cells, rows, cols, charts.COMPLIANCE_COLOURS, names, title, t("axis_quarter"), "")
    phone_fig = charts.status_heatmap(cells, rows, cols, charts.COMPLIANCE_COLOURS, names, title, t("axis_quarter"),
                                      "", row_labels=charts.short_names(rows), compact=True)
    return fig, phone_fig


def compliance_block(comp: pd.DataFrame, unit_codes: list[str], unit_names: dict[str, str],
                     quarter_numbers: list[int], title: str, key: str) -> None:
    """The unit × quarter reporting matrix (status colour + symbol + received date) and its table."""
    lg = lang()
    qname = lambda q: i18n.quarter_name(q, lg)  # noqa: E731
    comp = comp[comp["unit"].isin(unit_codes)]
    received = [None if r is None or pd.isna(r) else r for r in comp["received_at"]]
    cells = pd.DataFrame({
        "row": comp["unit_name"], "col": [qname(q) for q in comp["quarter"]], "status": comp["status"],
        "text": [f"{charts.COMPLIANCE_SYMBOLS[s]} {fmt.date(r)[:5] if r else ''}".strip()
                 for s, r in zip(comp["status"], received)],
        "hover": [f"{i18n.compliance_name(s, lg)} — {t('received')}: {fmt.datetime(r) or '—'}; "
                  f"{t('deadline')}: {fmt.date(d)}" for s, r, d in zip(comp["status"], received, comp["deadline"])],
    })
    rows = [unit_names[u] for u in unit_codes]
    cols = [qname(q) for q in quarter_numbers]
    fig, phone_fig = _reporting_figures(cells, rows, cols, title, lg)
    table = comp.assign(cell=[i18n.compliance_name(s, lg) + (f" ({fmt.datetime(r)})" if r else "")
                              for s, r in zip(comp["status"], received)],
                        q=[qname(q) for q in comp["quarter"]])
    table = table.pivot(index="unit_name", columns="q", values="cell").reindex(index=rows, columns=cols)
    table.index.name = t("axis_unit")
    chart(fig, table.reset_index(), key=key, phone_fig=phone_fig)


def table(df: pd.DataFrame, key: str, max_rows: int = 30, **kwargs) -> None:
    """A dataframe tall enough to show its rows without inner scrolling (up to max_rows)."""
    rows = min(len(df), max_rows)
    st.dataframe(df, hide_index=True, key=key, height=38 + 35 * max(rows, 1), **kwargs)


WRAPPED_ROWS_MAX = 60  # a static table draws every row: past this, a grid that scrolls


def wrapped_table(df: pd.DataFrame, key: str) -> None:
    """A static table that wraps long text instead of cutting it off (st.dataframe's grid shows one
    line a cell): for sentences and long names. Its cells are read as markdown, so each is escaped.
    A province's or the country's hundreds of rows go in the scrolling grid instead (`key`)."""
    if len(df) > WRAPPED_ROWS_MAX:
        table(df, key=key, max_rows=15)
    else:
        st.table(df.map(md), hide_index=True, border="horizontal")


def places_compliance_block(rollup: pd.DataFrame, places: list[str], place_names: dict[str, str],
                            quarter_numbers: list[int], title: str, key: str) -> None:
    """The place × quarter reporting matrix: a cell takes the most pressing status among the place's
    units (missing, then late, then not yet due) and says how many of them were on time."""
    lg = lang()
    qname = lambda q: i18n.quarter_name(q, lg)  # noqa: E731
    rollup = rollup[rollup["scope"].isin(places)]
    status = ["missing" if m else "late" if lt else "pending" if p else "on_time"
              for m, lt, p in zip(rollup["missing"], rollup["late"], rollup["pending"])]
    counts = [t("places_compliance_counts", on_time=fmt.num(o), late=fmt.num(lt), missing=fmt.num(m),
                pending=fmt.num(p), units=fmt.num(n))
              for o, lt, m, p, n in zip(rollup["on_time"], rollup["late"], rollup["missing"], rollup["pending"],
                                        rollup["units"])]
    cells = pd.DataFrame({
        "row": [place_names[s] for s in rollup["scope"]], "col": [qname(q) for q in rollup["quarter"]],
        "status": status,
        "text": [f"{charts.COMPLIANCE_SYMBOLS[s]} {fmt.num(o)}/{fmt.num(n)}"
                 for s, o, n in zip(status, rollup["on_time"], rollup["units"])],
        "hover": counts,
    })
    rows = [place_names[p] for p in places]
    cols = [qname(q) for q in quarter_numbers]
    fig, phone_fig = _reporting_figures(cells, rows, cols, title, lg)
    table = cells.assign(cell=counts).pivot(index="row", columns="col", values="cell").reindex(index=rows, columns=cols)
    table.index.name = t("place_column")
    chart(fig, table.reset_index(), key=key, phone_fig=phone_fig)
