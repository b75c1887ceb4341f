"""The session's filters and language, kept in the session and the URL, and the page context built
from them (year, period, units or place, names). No SQL, no metric logic, no drawing.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from pipelines.store import Store

from dashboard import i18n
from dashboard.state import data
from dashboard.state import periods as P

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


def require_year() -> Context:
    """The context; when there is no plan at all, says so and stops the page."""
    c = ctx()
    if c.year is None:
        st.warning(t("no_plan"), icon=":material/warning:")
        st.stop()
    return c
