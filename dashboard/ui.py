"""Shared UI of the pages: the session's filters and language (kept in the session and the URL), the
page context, status badges, "chart + its table" blocks and empty states. No SQL, no metric logic.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pipelines.outputs import fmt
from pipelines.store import Store

from . import charts, data, i18n
from . import periods as P

CTX_KEY = "_dashboard_ctx"
READY_KEY = "_filters_from_url_done"


@dataclass
class Context:
    store: Store
    lang: str = i18n.DEFAULT_LANG
    years: list[int] = field(default_factory=list)
    year: int | None = None
    periods: list[P.Period] = field(default_factory=list)
    period: P.Period | None = None
    units: list[str] = field(default_factory=list)      # selected unit codes (or the area's); empty = all units
    area: str | None = None                             # the place of the hierarchy picked (district, province …)
    area_name: str = ""
    unit_names: dict[str, str] = field(default_factory=dict)
    # When the scope holds areas (a country, a province) and no unit is picked, matrices show one row
    # per place one level down instead of one per unit (12 000 rows would say nothing and take minutes).
    places: list[str] = field(default_factory=list)
    place_level: str | None = None
    place_names: dict[str, str] = field(default_factory=dict)
    is_demo: bool = False
    quarters_with_data: set[int] = field(default_factory=set)
    sb: object = None

    @property
    def has_data(self) -> bool:
        return bool(self.quarters_with_data)

    @property
    def period_name(self) -> str:
        return i18n.period_name(self.period.name, self.lang) if self.period else ""

    @property
    def period_label(self) -> str:
        if not self.period:
            return ""
        whole = len(self.period.quarters) == max(len(p.quarters) for p in self.periods)
        return i18n.period_label(self.period.name, self.year, whole, self.lang)

    @property
    def single_unit(self) -> str | None:
        return self.units[0] if len(self.units) == 1 else None

    @property
    def scope(self) -> str:
        """'ALL' (the whole town), the picked area of the hierarchy, or the one unit selected."""
        return self.single_unit or self.area or "ALL"

    @property
    def scope_name(self) -> str:
        if self.single_unit:
            return self.unit_names.get(self.single_unit, "")
        if self.area:
            return self.area_name
        plan = self.store.plan(self.year) if self.year else None
        return plan.plan.scope_name if plan else ""  # the whole area, as the plan file names it

    def missing_quarters(self, quarters) -> list[int]:
        return [q for q in quarters if q not in self.quarters_with_data]


def ctx() -> Context:
    return st.session_state[CTX_KEY]


def lang() -> str:
    c = st.session_state.get(CTX_KEY)
    return c.lang if c else st.session_state.get("f_lang") or i18n.DEFAULT_LANG


def t(key: str, **kw) -> str:
    return i18n.t(key, lang(), **kw)


def today(store: Store, year: int | None) -> dt.date:
    plan = store.plan(year) if year else None
    tz = plan.tz if plan else dt.timezone.utc
    return dt.datetime.now(tz).date()


# -- filters (sidebar + URL) ---------------------------------------------------------------------
def _url_first(qp: dict, key: str) -> str | None:
    v = qp.get(key)
    if isinstance(v, list):
        v = v[-1] if v else None
    return v or None


def sidebar_filters(store: Store) -> Context:
    """Year, period, units and language: widgets in the sidebar, persisted in the session (widget
    keys) and mirrored in the URL query string (?year=2022&period=9M&units=CA,VKS&lang=en), so a
    link opens the same view. The URL is read once, when the session starts."""
    ss = st.session_state
    first = READY_KEY not in ss
    qp = st.query_params.to_dict() if first else {}
    if first:
        ss["f_lang"] = _url_first(qp, "lang") if _url_first(qp, "lang") in i18n.LANGS else i18n.DEFAULT_LANG
    if ss.get("f_lang") not in i18n.LANGS:
        ss["f_lang"] = i18n.DEFAULT_LANG
    lang_now = ss["f_lang"]
    c = Context(store=store, lang=lang_now)
    st.session_state[CTX_KEY] = c

    sb = c.sb = st.sidebar
    sb.markdown(f"**{i18n.t('app_title', lang_now)}**  \n{i18n.t('app_subtitle', lang_now)}")
    c.years = data.years(store)
    if c.years:
        if first:
            url_year = _url_first(qp, "year")
            ss["f_year"] = int(url_year) if url_year and url_year.isdigit() and int(url_year) in c.years else None
        if ss.get("f_year") not in c.years:
            with_data = [y for y in c.years if data.submission_count(store, y)]
            ss["f_year"] = (with_data or c.years)[-1]
        c.year = sb.selectbox(i18n.t("year", lang_now), c.years, key="f_year")
        c.periods = P.ordered(P.from_frame(data.periods(store, c.year)))
        reported = data.quarters_reported(store, c.year)
        c.quarters_with_data = {int(q) for q, n in zip(reported["quarter"], reported["units_reported"]) if n}
        codes = [p.code for p in c.periods]
        if first and _url_first(qp, "period") in codes:
            ss["f_period"] = _url_first(qp, "period")
        if ss.get("f_period") not in codes:
            ss["f_period"] = P.default_code(c.periods, c.quarters_with_data)
        if ss.get("_lang_shown") not in (None, lang_now):
            ss["f_period"] = ss["f_period"]  # re-send: the picker shows the translated label at once
        ss["_lang_shown"] = lang_now
        names = {p.code: p.name for p in c.periods}
        code = sb.selectbox(i18n.t("period", lang_now), codes, key="f_period",
                            format_func=lambda k: i18n.period_name(names.get(k, k), lang_now))
        c.period = P.by_code(c.periods, code)
        units_df = data.units(store, c.year)
        c.unit_names = dict(zip(units_df["code"], units_df["name"]))
        area_units = _hierarchy_filters(store, c, qp if first else {}, lang_now)
        if area_units is not None:
            c.unit_names = {u: n for u, n in c.unit_names.items() if u in area_units}
        if first and _url_first(qp, "units"):
            ss["f_units"] = [u for u in _url_first(qp, "units").split(",") if u in c.unit_names]
        ss["f_units"] = [u for u in ss.get("f_units", []) if u in c.unit_names]
        c.units = sb.multiselect(i18n.t("units_filter", lang_now), list(c.unit_names), key="f_units",
                                 format_func=lambda k: c.unit_names.get(k, k),
                                 placeholder=i18n.t("units_all", lang_now))
        if c.units:
            c.places, c.place_level, c.place_names = [], None, {}   # the units picked are the rows
        if not c.units and c.area:
            c.units = [u for u in c.unit_names]   # the pages' unit lists follow the picked area
        c.is_demo = data.is_demo_year(store, c.year)
    sb.segmented_control(i18n.t("language", lang_now), list(i18n.LANGS), key="f_lang", required=True,
                         format_func=lambda k: i18n.LANGS[k])
    sb.caption(i18n.t("share_hint", lang_now))
    ss[READY_KEY] = True
    _write_url(c)
    return c


def _hierarchy_filters(store: Store, c: Context, qp: dict, lang_now: str) -> set[str] | None:
    """Level and place pickers, shown when the plan has a hierarchy (areas above the units): a
    province's committee picks its province, then drills down to a district. Returns the units
    under the picked place, or None for every unit."""
    ss = st.session_state
    h = data.hierarchy(store, c.year)
    if not h.areas:
        return None
    levels = list(h.area_levels)
    if qp.get("scope") and _url_first(qp, "scope") in h.names:
        ss["f_scope"] = _url_first(qp, "scope")
        ss["f_level"] = h.levels.get(ss["f_scope"]) if h.levels.get(ss["f_scope"]) in levels else levels[0]
    if ss.get("f_level") not in levels:
        ss["f_level"] = levels[0]
    level = c.sb.selectbox(i18n.t("level", lang_now), levels, key="f_level", format_func=lambda k: h.level_names[k])
    previous = ss.get("f_scope") or "ALL"
    at_level = [code for code in h.areas if h.levels[code] == level]
    inside = [code for code in at_level if previous in h.ancestors[code]]   # drill down from the place picked
    options = ["ALL"] + (inside or at_level)
    if previous not in options:
        above = [code for code in options if code in h.ancestors.get(previous, frozenset())]
        ss["f_scope"] = above[0] if above else "ALL"
    picked = c.sb.selectbox(i18n.t("place", lang_now), options, key="f_scope",
                            format_func=lambda k: h.names.get(k, k) if k != "ALL" else i18n.t("units_all", lang_now))
    # When the scope holds areas, matrices show one row per place one level down (see Context.places).
    c.places = h.places_below(picked)
    c.place_names = {p: h.names[p] for p in c.places}
    c.place_level = h.levels[c.places[0]] if c.places else None
    if picked == "ALL":
        return None
    c.area, c.area_name = picked, h.names[picked]
    return set(h.units_under[picked])


def _write_url(c: Context) -> None:
    want: dict[str, str] = {}
    if c.year is not None:
        want["year"] = str(c.year)
    if c.period is not None:
        want["period"] = c.period.code
    if c.area:
        want["scope"] = c.area
    if c.units and st.session_state.get("f_units"):
        want["units"] = ",".join(st.session_state["f_units"])
    if c.lang != i18n.DEFAULT_LANG:
        want["lang"] = c.lang
    have = {k: (v[-1] if isinstance(v, list) else v) for k, v in st.query_params.to_dict().items()}
    if have != want:
        st.query_params.from_dict(want)


# -- building blocks -----------------------------------------------------------------------------
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


def chart(fig: go.Figure, table: pd.DataFrame, key: str) -> None:
    """A chart and, under it, the table of its numbers. The title is drawn as text above the chart,
    not inside it: Plotly titles do not wrap, and on a phone a long one would be cut off."""
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else ""
    if title:
        st.markdown(f"<div class='chart-title'>{title.replace('<br>', ' ')}</div>", unsafe_allow_html=True)
        top = fig.layout.margin.t if fig.layout.margin and fig.layout.margin.t is not None else 60
        fig = go.Figure(fig).update_layout(title_text="", margin_t=max(40, top - 40))
    st.plotly_chart(fig, key=key, config={"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]})
    with st.expander(t("table_view"), icon=":material/table:"):
        st.dataframe(table, hide_index=True, key=f"{key}_table")


def fraction(num, den) -> str:
    if pd.isna(den):
        return "—"
    return f"{fmt.num(num if not pd.isna(num) else 0)}/{fmt.num(den)}"


def page_title(text: str) -> None:
    st.header(text, anchor=False)


def require_year() -> Context:
    """The context; when there is no plan at all, says so and stops the page."""
    c = ctx()
    if c.year is None:
        st.warning(t("no_plan"), icon=":material/warning:")
        st.stop()
    return c


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
    fig = charts.status_heatmap(cells, rows, cols, charts.COMPLIANCE_COLOURS,
                                {s: i18n.compliance_name(s, lg) for s in charts.COMPLIANCE_COLOURS},
                                title, t("axis_quarter"), "")
    table = comp.assign(cell=[i18n.compliance_name(s, lg) + (f" ({fmt.datetime(r)})" if r else "")
                              for s, r in zip(comp["status"], received)],
                        q=[qname(q) for q in comp["quarter"]])
    table = table.pivot(index="unit_name", columns="q", values="cell").reindex(index=rows, columns=cols)
    table.index.name = t("axis_unit")
    chart(fig, table.reset_index(), key=key)


def table(df: pd.DataFrame, key: str, max_rows: int = 30, **kwargs) -> None:
    """A dataframe tall enough to show its rows without inner scrolling (up to max_rows)."""
    rows = min(len(df), max_rows)
    st.dataframe(df, hide_index=True, key=key, height=38 + 35 * max(rows, 1), **kwargs)


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
    fig = charts.status_heatmap(cells, rows, cols, charts.COMPLIANCE_COLOURS,
                                {s: i18n.compliance_name(s, lg) for s in charts.COMPLIANCE_COLOURS},
                                title, t("axis_quarter"), "")
    table = cells.assign(cell=counts).pivot(index="row", columns="col", values="cell").reindex(index=rows, columns=cols)
    table.index.name = t("place_column")
    chart(fig, table.reset_index(), key=key)
