"""The dashboard's query layer: the pipelines' metric functions, cached per data version.

Every result is cached with `st.cache_data` under (data dir, `store.data_version()`, function,
arguments). The version changes after every committed write from any process (CLI ingest, upload,
restore), so a new load shows on the next rerun without a restart, and old entries simply age out.

Connections: DuckDB lets one process hold the file at a time and the command line must be able to
ingest while the dashboard is open, so nothing here keeps a connection longer than one cache miss:
each miss opens a connection, runs its queries and closes it (a miss inside another shares the
outer one). A page is not one unit of work: it used to keep the connection of its first miss until
it was drawn, and with 20 viewers drawing after each new file, one page or another always held the
store — the shell's `ingest` waited up to 31 s for its turn and gave up (tests/e2e/test_deadline_load.py).
Opening costs ~40 ms when no other page of the server has the store open, ~1 ms when one has.
A rerun served wholly from the cache opens none.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from pipelines.accounts import users
from pipelines.localtime import from_utc_naive
from pipelines.outputs import metrics, outlook, quality
from pipelines.store import Store, load


def _is_demo_year(store: Store, year: int) -> bool:
    return store.is_demo_year(year)


def _versions(store: Store, year: int, unit: str | None = None) -> pd.DataFrame:
    return load.list_versions(store, unit, year)


def _account_count(store: Store) -> int:
    return len(users.list_users(store))


_FUNCS = {
    "years": metrics.years,
    "periods": metrics.periods,
    "quarters": metrics.quarters,
    "units": metrics.units,
    "elements": metrics.elements,
    "indicators": metrics.indicators,
    "events": metrics.events,
    "attainment": metrics.attainment,
    "indicators_asked": metrics.indicators_asked,
    "contributions": metrics.contributions,
    "element_totals": metrics.element_totals,
    "compliance": metrics.compliance,
    "compliance_rollup": metrics.compliance_rollup,
    "current_values": metrics.current_values,
    "current_value_count": metrics.current_value_count,
    "task_progress": metrics.task_progress,
    "task_units": metrics.task_units,
    "stored_warnings": metrics.stored_warnings,
    "submission_count": metrics.submission_count,
    "quarters_reported": metrics.quarters_reported,
    "attainment_yoy": metrics.attainment_yoy,
    "element_yoy": metrics.element_yoy,
    "indicator_years": metrics.indicator_years,
    "plan_changes": metrics.plan_changes,
    "outlook": outlook.outlook,
    "quality_findings": quality.findings,
    "quality_completeness": quality.completeness,
    "quality_backlogs": quality.backlog_checks,
    "quality_outliers": quality.outlier_checks,
    "quality_marks": quality.marks,
    "is_demo_year": _is_demo_year,
    "versions": _versions,
    "diff_versions": load.diff_versions,
    "account": users.get_user,
    "account_count": _account_count,
}


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(spec: str, version: str, name: str, args: tuple, kwargs: tuple) -> Any:
    return _FUNCS[name](Store.from_spec(spec), *args, **dict(kwargs))


def _call(store: Store, name: str, *args, **kwargs) -> Any:
    return _cached(store.spec, store.data_version(), name, args, tuple(sorted(kwargs.items())))


def clear() -> None:
    _cached.clear()
    _hierarchy.clear()


@dataclass(frozen=True)
class Hierarchy:
    """The plan's places, indexed once per data version (a country has 12 000 units: rebuilding these
    dicts from the scopes frame on every rerun cost ~0,3 s). Shared between sessions: read only."""
    names: dict[str, str]
    levels: dict[str, str]                 # code → level ('all', 'country', …, 'unit')
    level_names: dict[str, str]
    parents: dict[str, str | None]
    ancestors: dict[str, frozenset[str]]   # code → every scope above it
    areas: tuple[str, ...]                 # the places between 'ALL' and the units, in plan order
    area_levels: tuple[str, ...]           # their levels, top-down
    units_under: dict[str, frozenset[str]]  # area → its units
    all_units: frozenset[str] = frozenset()

    def places_below(self, parent: str) -> list[str]:
        """The areas one level below `parent` when they can stand for its units: all of one level
        and together holding every unit under `parent` (a unit attached to the province itself
        would belong to no row). A lone such area is skipped ('ALL' → the country → its provinces).
        Empty when the rows must be the units themselves."""
        while True:
            below = [a for a in self.areas if self.parents[a] == parent]
            units = self.units_under.get(parent) if parent in self.units_under else self.all_units
            covered = frozenset().union(*(self.units_under[a] for a in below)) if below else frozenset()
            if not below or covered != units or len({self.levels[a] for a in below}) != 1:
                return []
            if len(below) == 1:
                parent = below[0]
                continue
            return below

    def place_of(self, units, places: list[str]) -> list[str | None]:
        """For each unit, the one of `places` it is under (None: under none of them)."""
        chosen = set(places)
        return [next(iter(self.ancestors.get(u, frozenset()) & chosen), None) for u in units]


@st.cache_resource(show_spinner=False, max_entries=8)
def _hierarchy(spec: str, version: str, year: int) -> Hierarchy:
    scopes = metrics.scopes(Store.from_spec(spec), year)
    codes, levels = list(scopes["code"]), list(scopes["level"])
    ancestors = {c: frozenset(a) for c, a in zip(codes, scopes["ancestors"])}
    areas = tuple(c for c, lv in zip(codes, levels) if lv not in ("all", "unit"))
    under: dict[str, set[str]] = {a: set() for a in areas}
    for c, lv in zip(codes, levels):
        if lv == "unit":
            for a in ancestors[c]:
                if a in under:
                    under[a].add(c)
    area_rows = scopes[scopes["code"].isin(areas)].sort_values("depth")
    return Hierarchy(names=dict(zip(codes, scopes["name"])), levels=dict(zip(codes, levels)),
                     level_names=dict(zip(scopes["level"], scopes["level_name"])),
                     parents=dict(zip(codes, scopes["parent"])), ancestors=ancestors, areas=areas,
                     area_levels=tuple(dict.fromkeys(area_rows["level"])),
                     units_under={a: frozenset(u) for a, u in under.items()},
                     all_units=frozenset(c for c, lv in zip(codes, levels) if lv == "unit"))


def hierarchy(store: Store, year: int) -> Hierarchy:
    return _hierarchy(store.spec, store.data_version(), year)


# -- the functions pages use -----------------------------------------------------------------------
def years(store: Store) -> list[int]:
    return _call(store, "years")


def periods(store: Store, year: int) -> pd.DataFrame:
    df = _call(store, "periods", year)
    df["quarters"] = [[int(q) for q in qs] for qs in df["quarters"]]
    return df


def _dates(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """DATE columns as datetime.date objects (DuckDB hands them over as timestamps)."""
    for col in columns:
        df[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df[col]]
    return df


def quarters(store: Store, year: int) -> pd.DataFrame:
    return _dates(_call(store, "quarters", year), ["data_from", "data_to", "due"])


def units(store: Store, year: int) -> pd.DataFrame:
    return _call(store, "units", year)


def elements(store: Store, year: int) -> pd.DataFrame:
    return _call(store, "elements", year)


def indicators(store: Store, year: int) -> pd.DataFrame:
    return _call(store, "indicators", year)


def events(store: Store, year: int) -> pd.DataFrame:
    return _dates(_call(store, "events", year), ["start_on", "end_on"])


def attainment(store: Store, year: int, period: str | None = None, unit: str | None = None,
               by_unit: bool = False, level: str | None = None, within: str | None = None) -> pd.DataFrame:
    return _call(store, "attainment", year, period, unit=unit, by_unit=by_unit, level=level, within=within)


def indicators_asked(store: Store, year: int, scope: str | None = None) -> list[str]:
    return _call(store, "indicators_asked", year, scope or metrics.TOWN)


def contributions(store: Store, year: int, period: str, indicator: str) -> pd.DataFrame:
    return _call(store, "contributions", year, period, indicator)


def element_totals(store: Store, year: int, period: str, scope: str = metrics.TOWN) -> pd.DataFrame:
    return _call(store, "element_totals", year, period, scope=scope)


def _now_to_the_minute() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)


def compliance(store: Store, year: int, as_of: dt.datetime | None = None, within: str | None = None
               ) -> pd.DataFrame:
    """Timeliness of each unit (under `within`), judged at `as_of` (default: now, to the minute, so
    the cache stays useful)."""
    return _call(store, "compliance", year, as_of or _now_to_the_minute(), within=within)


def compliance_rollup(store: Store, year: int, as_of: dt.datetime | None = None, level: str | None = None,
                      within: str | None = None) -> pd.DataFrame:
    """Timeliness counted per place of `level` under `within` (or for `within` itself)."""
    return _call(store, "compliance_rollup", year, as_of or _now_to_the_minute(), level=level, within=within)


def _value_filters(units, elements, kinds, quarters) -> dict:
    return dict(units=tuple(units or ()) or None, elements=tuple(elements or ()) or None,
                kinds=tuple(kinds or ()) or None, quarters=tuple(quarters or ()) or None)


def current_values(store: Store, year: int, units: list[str] | None = None, elements: list[str] | None = None,
                   kinds: list[str] | None = None, quarters: list[int] | None = None, reported_only: bool = False,
                   limit: int | None = None, within: str | None = None) -> pd.DataFrame:
    return _call(store, "current_values", year, None, reported_only=reported_only, limit=limit, within=within,
                 **_value_filters(units, elements, kinds, quarters))


def current_value_count(store: Store, year: int, units: list[str] | None = None, elements: list[str] | None = None,
                        kinds: list[str] | None = None, quarters: list[int] | None = None,
                        reported_only: bool = False, within: str | None = None) -> int:
    return _call(store, "current_value_count", year, reported_only=reported_only, within=within,
                 **_value_filters(units, elements, kinds, quarters))


def task_progress(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    return _call(store, "task_progress", year, quarter)


def task_units(store: Store, year: int, quarter: int | None = None, task: str | None = None,
               unit: str | None = None) -> pd.DataFrame:
    return _call(store, "task_units", year, quarter, task=task, unit=unit)


def stored_warnings(store: Store, submission_id: int) -> pd.DataFrame:
    return _call(store, "stored_warnings", int(submission_id))


def submission_count(store: Store, year: int | None = None) -> int:
    return _call(store, "submission_count", year)


def quarters_reported(store: Store, year: int) -> pd.DataFrame:
    return _call(store, "quarters_reported", year)


def is_demo_year(store: Store, year: int) -> bool:
    return _call(store, "is_demo_year", year)


def versions(store: Store, year: int, unit: str | None = None) -> pd.DataFrame:
    """Submissions (all versions) with received/loaded times in the plan's time zone."""
    df = _call(store, "versions", year, unit)
    plan = store.plan(year)
    tz = plan.tz if plan else dt.timezone.utc
    for col in ("received_at", "loaded_at"):
        df[col] = [None if pd.isna(v) else from_utc_naive(v, tz) for v in df[col]]
    return df


def diff_versions(store: Store, a: int, b: int) -> pd.DataFrame:
    """Values that differ between submissions a and b (element, value_a, value_b)."""
    return _call(store, "diff_versions", int(a), int(b))


def account(store: Store, name: str) -> users.User | None:
    """The account as stored now (name, role), or None; re-read after every write."""
    return _call(store, "account", name)


def account_count(store: Store) -> int:
    return _call(store, "account_count")


# -- year over year and data quality ---------------------------------------------------------------
def attainment_yoy(store: Store, year: int, period: str, unit: str | None = None) -> pd.DataFrame:
    return _call(store, "attainment_yoy", year, period, unit)


def element_yoy(store: Store, year: int, period: str, scope: str = metrics.TOWN, key_only: bool = False
                ) -> pd.DataFrame:
    return _call(store, "element_yoy", year, period, scope, key_only=key_only)


def indicator_years(store: Store, year: int, indicator: str, unit: str | None = None) -> pd.DataFrame:
    return _call(store, "indicator_years", year, indicator, unit)


def plan_changes(store: Store, year: int) -> pd.DataFrame:
    return _call(store, "plan_changes", year)


def outlook(store: Store, year: int, period: str, scope: str | None = None) -> pd.DataFrame:
    """The year-end outlook of each yearly target (pipelines/outputs/outlook.py)."""
    return _call(store, "outlook", year, period, scope)


def quality_findings(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    return _call(store, "quality_findings", year, quarter)


def quality_completeness(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    return _call(store, "quality_completeness", year, quarter)


def quality_backlogs(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    return _call(store, "quality_backlogs", year, quarter)


def quality_outliers(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    return _call(store, "quality_outliers", year, quarter)


def quality_marks(store: Store, year: int | None = None, quarter: int | None = None,
                  states: tuple[str, ...] = ("open",)) -> pd.DataFrame:
    """Follow-up marks with times in the plan's time zone."""
    df = _call(store, "quality_marks", year, quarter, tuple(states))
    plan = store.plan(year) if year else None
    for col in ("marked_at", "cleared_at"):
        df[col] = [None if pd.isna(v) else from_utc_naive(v.to_pydatetime(), plan.tz if plan else dt.timezone.utc)
                   for v in df[col]]
    return df
