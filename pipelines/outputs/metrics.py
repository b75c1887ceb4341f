"""Thin query functions over the SQL views, returning DataFrames for the CLI, exports and dashboard.

No metric is computed here: the views (sql/views/*.sql) hold the logic; these functions choose
rows, add the plan's names and convert UTC timestamps to the plan's time zone. Values and
attainment are read from the marts (tables the views fill at load time, store/marts.py), so a
query costs the same for a town and for the whole country.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from pipelines.localtime import from_utc_naive, to_utc_naive, utcnow
from pipelines.store import Store

TOWN = "ALL"
STATUS_NAMES = {"met": "Đạt", "not_met": "Chưa đạt", "no_cases": "Không phát sinh", "no_data": "Chưa có số liệu"}
COMPLIANCE_NAMES = {"on_time": "Đúng hạn", "late": "Trễ hạn", "missing": "Chưa nộp", "pending": "Chưa đến hạn"}


def years(store: Store) -> list[int]:
    with store.connect() as con:
        return [r[0] for r in con.execute("SELECT year FROM plans ORDER BY year").fetchall()]


def periods(store: Store, year: int) -> pd.DataFrame:
    """The plan's report periods with their quarters and kind (see store/sql/views/00_v_period.sql)."""
    return store.query_df(
        """SELECT period AS code, name, quarters, is_single_quarter, is_cumulative, cumulative_period
           FROM v_period WHERE year = ? ORDER BY sort""", [year])


def quarters(store: Store, year: int) -> pd.DataFrame:
    return store.query_df("SELECT quarter, data_from, data_to, due, due_end_utc FROM dim_quarter "
                          "WHERE year = ? ORDER BY quarter", [year])


def units(store: Store, year: int) -> pd.DataFrame:
    return store.query_df("SELECT code, name, kind, kind_name, parent, sort FROM dim_unit WHERE year = ? ORDER BY sort",
                          [year])


def elements(store: Store, year: int) -> pd.DataFrame:
    return store.query_df("SELECT code, section, name, unit_of_measure, over_time, is_key, sort FROM dim_element "
                          "WHERE year = ? ORDER BY sort", [year])


def indicators(store: Store, year: int) -> pd.DataFrame:
    return store.query_df(
        """SELECT i.code, i.name, i.short_name, i.op, CAST(i.target AS DOUBLE PRECISION) AS target, i.owner,
                  i.judged_on, i.action, i.sort,
                  array_agg(t.element ORDER BY t.element) FILTER (WHERE t.role = 'numerator') AS numerator,
                  array_agg(t.element ORDER BY t.element) FILTER (WHERE t.role = 'denominator') AS denominator
           FROM dim_indicator i JOIN dim_indicator_term t ON t.year = i.year AND t.indicator = i.code
           WHERE i.year = ?
           GROUP BY i.code, i.name, i.short_name, i.op, i.target, i.owner, i.judged_on, i.action, i.sort
           ORDER BY i.sort""", [year])


def events(store: Store, year: int) -> pd.DataFrame:
    return store.query_df("SELECT code, name, start_on, end_on, task FROM dim_event WHERE year = ? ORDER BY start_on",
                          [year])


def _under(column: str, year: int, within: str | None, level: str | None = None, units_only: bool = False
           ) -> tuple[str, list]:
    """SQL condition: `column` is a place under scope `within` (default 'ALL') in `year`, at `level`
    or a unit. The year is a parameter, not `t.year = <the outer row's year>`: an uncorrelated
    subquery is planned as a filter on the places first (2–3× faster at national scale)."""
    cond = ["t.year = ?", "t.ancestor = ?"]
    params: list = [year, within or TOWN]
    if level:
        cond.append("t.level = ?")
        params.append(level)
    if units_only:
        cond.append("t.is_unit")
    return f"{column} IN (SELECT t.descendant FROM dim_scope_tree t WHERE {' AND '.join(cond)})", params


def attainment(store: Store, year: int, period: str | None = None, unit: str | None = None,
               by_unit: bool = False, level: str | None = None, within: str | None = None) -> pd.DataFrame:
    """Indicator rows: indicator, unit (the scope: 'ALL' = whole town, an area or a unit), year, period,
    numerator, denominator, value, target_op, target, status, needed (+ names).
    One scope (`unit`, default 'ALL'); or every unit (`by_unit`) or every place of a `level` of the
    hierarchy (`level`), under the scope `within` (default 'ALL')."""
    where, params = ["a.year = ?"], [year]
    if period:
        where.append("a.period = ?")
        params.append(period)
    if by_unit or level:
        cond, more = _under("a.scope", year, within, level, units_only=by_unit and not level)
        where.append(cond)
        params += more
    else:
        where.append("a.scope = ?")
        params.append(unit or within or TOWN)
    return store.query_df(
        f"""SELECT a.indicator, a.scope AS unit, a.year, a.period, a.numerator, a.denominator, a.value,
                   a.target_op, a.target, a.status, a.needed, a.period_status, a.judged_period,
                   i.name AS indicator_name, i.short_name,
                   i.judged_on, i.action,
                   CASE WHEN a.scope = 'ALL' THEN ? ELSE sc.name END AS unit_name, sc.level
            FROM mart_attainment a
            JOIN dim_indicator i ON i.year = a.year AND i.code = a.indicator
            JOIN dim_period p ON p.year = a.year AND p.code = a.period
            JOIN dim_scope sc ON sc.year = a.year AND sc.code = a.scope
            WHERE {' AND '.join(where)}
            ORDER BY p.sort, sc.sort, i.sort""", [store.plan(year).plan.scope_name, *params])


# The rule, written once: a unit is asked a rate when its template holds one of the rate's denominator
# elements (year, unit, indicator).
ASKED_RATES = """SELECT DISTINCT ue.year, ue.unit, t.indicator
    FROM dim_indicator_term AS t JOIN dim_unit_element AS ue ON ue.year = t.year AND ue.element = t.element
    WHERE t.role = 'denominator'"""


def indicators_asked(store: Store, year: int, scope: str = TOWN) -> list[str]:
    """The rates that apply to a scope: those with a denominator element that some unit under the scope
    is asked to report (its template). A commune asked no case counts has no rate to meet: "không áp
    dụng", not "chưa có số liệu" (a unit that has not reported yet)."""
    return list(store.query_df(
        f"""SELECT DISTINCT a.indicator
            FROM ({ASKED_RATES}) AS a
            JOIN dim_scope_tree AS st ON st.year = a.year AND st.descendant = a.unit
            WHERE a.year = ? AND st.ancestor = ?
            ORDER BY a.indicator""", [year, scope or TOWN])["indicator"])


def contributions(store: Store, year: int, period: str, indicator: str) -> pd.DataFrame:
    """Each unit's numerator and denominator of one indicator (units with anything reported)."""
    return store.query_df(
        """SELECT a.scope AS unit, u.name AS unit_name, a.numerator, a.denominator, a.value, a.status
           FROM mart_attainment a JOIN dim_unit u ON u.year = a.year AND u.code = a.scope
           WHERE a.year = ? AND a.period = ? AND a.indicator = ? AND a.status <> 'no_data'
           ORDER BY u.sort""", [year, period, indicator])


def element_totals(store: Store, year: int, period: str, scope: str = TOWN) -> pd.DataFrame:
    """Each element's value over a period for the town (or one unit), with names."""
    return store.query_df(
        """SELECT e.code AS element, e.name, e.section, e.unit_of_measure, e.is_key, v.value, v.units_reported
           FROM dim_element e
           LEFT JOIN mart_scope_period_value v
             ON v.year = e.year AND v.element = e.code AND v.period = ? AND v.scope = ?
           WHERE e.year = ? ORDER BY e.sort""", [period, scope, year])


def compliance(store: Store, year: int, as_of: dt.datetime | None = None, within: str | None = None
               ) -> pd.DataFrame:
    """Timeliness per unit and quarter, judged at `as_of` (aware, or naive = the plan's local time;
    default now).
    deadline and received_at are returned aware, in the plan's time zone. `within`: only the units
    under that scope (an area or a unit)."""
    plan = store.plan(year)
    if plan is None:
        return pd.DataFrame(columns=["unit", "unit_name", "year", "quarter", "deadline", "received_at", "status",
                                     "versions"])
    as_of_utc = to_utc_naive(as_of, plan.tz) if as_of else utcnow()
    cond, params = _under("c.unit", year, within) if within else ("TRUE", [])
    df = store.query_df(
        f"""SELECT c.unit, u.name AS unit_name, u.kind, c.year, c.quarter, c.due, c.received_at, c.status, c.versions
            FROM compliance_at(CAST(? AS TIMESTAMP)) c JOIN dim_unit u ON u.year = c.year AND u.code = c.unit
            WHERE c.year = ? AND {cond} ORDER BY c.quarter, c.unit_sort""", [as_of_utc, year, *params])
    deadlines = {q: plan.deadline_local(q) for q in plan.quarter_by_number}
    df["deadline"] = df["quarter"].map(deadlines).astype(object)
    df["received_at"] = [None if pd.isna(t) else from_utc_naive(t, plan.tz) for t in df["received_at"]]
    return df[["unit", "unit_name", "kind", "year", "quarter", "deadline", "received_at", "status", "versions"]]


def compliance_rollup(store: Store, year: int, as_of: dt.datetime | None = None, level: str | None = None,
                      within: str | None = None) -> pd.DataFrame:
    """Timeliness per scope and quarter: units expected, on_time, late, missing, pending and
    on_time_rate = on_time ÷ units. One scope (`within`, default 'ALL'), or every place of `level`
    under it."""
    plan = store.plan(year)
    as_of_utc = to_utc_naive(as_of, plan.tz) if as_of else utcnow()
    if level:
        # the places asked for named in a list: a list reaches the roll-up's join and only their units
        # are judged (a subquery is applied after every scope of the year was counted, 10× slower on
        # PostgreSQL at national scale)
        places = [p for p, in store.query_rows(
            "SELECT descendant FROM dim_scope_tree WHERE year = ? AND ancestor = ? AND level = ?",
            [year, within or TOWN, level])]
    else:
        places = [within or TOWN]
    if not places:
        places = [None]  # no place of that level: no row (scope IN (NULL) matches nothing)
    cond, params = f"r.scope IN ({', '.join('?' * len(places))})", places
    return store.query_df(
        f"""SELECT r.scope, sc.name AS scope_name, sc.level, r.year, r.quarter, r.units, r.on_time, r.late,
                   r.missing, r.pending, CAST(r.on_time AS DOUBLE PRECISION) / r.units AS on_time_rate
            FROM compliance_rollup_at(CAST(? AS TIMESTAMP)) r
            JOIN dim_scope sc ON sc.year = r.year AND sc.code = r.scope
            WHERE r.year = ? AND {cond} ORDER BY r.quarter, sc.sort""", [as_of_utc, year, *params])


def level_values(store: Store, year: int, level: str | None = None, within: str | None = None,
                 quarter: int | None = None, element: str | None = None) -> pd.DataFrame:
    """Element totals per scope and quarter (units' values added up: sum, `first` per unit), for
    one scope (`within`, default 'ALL') or every place of `level` under it."""
    if level:
        cond, params = _under("v.scope", year, within, level)
    else:
        cond, params = "v.scope = ?", [within or TOWN]
    for col, val in (("p.first_quarter", quarter), ("v.element", element)):
        if val:
            cond += f" AND {col} = ?"
            params.append(val)
    return store.query_df(
        f"""SELECT v.scope, sc.name AS scope_name, sc.level, v.year, p.first_quarter AS quarter, v.element,
                   v.value, v.units_reported
            FROM mart_scope_period_value v
            JOIN v_period p ON p.year = v.year AND p.period = v.period AND p.is_single_quarter
            JOIN dim_scope sc ON sc.year = v.year AND sc.code = v.scope
            JOIN dim_element e ON e.year = v.year AND e.code = v.element
            WHERE v.year = ? AND {cond} ORDER BY p.first_quarter, sc.sort, e.sort""", [year, *params])


def scopes(store: Store, year: int) -> pd.DataFrame:
    """The hierarchy: every scope ('ALL', areas, units) with level, depth, parent and the list of its
    ancestors (nearest first is not guaranteed; use depth)."""
    return store.query_df(
        """SELECT s.code, s.name, s.level, s.level_name, s.depth, s.parent, s.sort,
                  coalesce(array_agg(t.ancestor) FILTER (WHERE t.ancestor <> s.code), CAST(ARRAY[] AS VARCHAR[]))
                      AS ancestors
           FROM dim_scope s LEFT JOIN dim_scope_tree t ON t.year = s.year AND t.descendant = s.code
           WHERE s.year = ?
           GROUP BY s.code, s.name, s.level, s.level_name, s.depth, s.parent, s.sort
           ORDER BY s.sort""", [year])


def levels(store: Store, year: int) -> pd.DataFrame:
    """The levels of the hierarchy that have places, top-down ('all' first, 'unit' last)."""
    return store.query_df("SELECT level AS code, min(level_name) AS name, min(depth) AS depth FROM dim_scope "
                          "WHERE year = ? GROUP BY level ORDER BY depth", [year])


def _current_value_filter(year: int, quarter: int | None, units, elements, kinds, within: str | None,
                          quarters, reported_only: bool) -> tuple[str, list]:
    where, params = ["cv.year = ?"], [year]
    if within:
        cond, more = _under("cv.unit", year, within)
        where.append(cond)
        params += more
    if quarter:
        where.append("cv.quarter = ?")
        params.append(quarter)
    for col, vals in (("cv.unit", units), ("cv.element", elements), ("u.kind", kinds), ("cv.quarter", quarters)):
        if vals:
            where.append(f"{col} IN ({', '.join('?' for _ in vals)})")
            params += list(vals)
    if reported_only:
        where.append("cv.value IS NOT NULL")
    return " AND ".join(where), params


def current_values(store: Store, year: int, quarter: int | None = None, units: list[str] | None = None,
                   elements: list[str] | None = None, kinds: list[str] | None = None,
                   within: str | None = None, quarters: list[int] | None = None, reported_only: bool = False,
                   limit: int | None = None) -> pd.DataFrame:
    """Every current value: unit, year, quarter, element, value (NULL = not reported), with names,
    and follow_up: the comments of open "cần xác minh" marks on that value (None when none).
    A value stays even when the plan in force no longer lists its unit or element (a replaced plan
    never makes stored data vanish from exports): the code stands in for the missing name.
    `within`: only the units under that scope; `quarters`, `reported_only` (a number, not blank);
    `limit`: the first rows only, in the table's order (a page at national scale shows a screenful)."""
    where, params = _current_value_filter(year, quarter, units, elements, kinds, within, quarters, reported_only)
    # Rows are picked and ordered on codes and sort keys first, names joined to the picked rows after:
    # sorting 1,5 million rows with their names took twice the time and 2,5× the memory.
    return store.query_df(
        f"""WITH picked AS (
                SELECT cv.year, cv.quarter, cv.unit, cv.element, cv.value, cv.submission_id,
                       u.sort AS unit_sort, e.sort AS element_sort
                FROM v_current_value cv
                LEFT JOIN dim_unit u ON u.year = cv.year AND u.code = cv.unit
                LEFT JOIN dim_element e ON e.year = cv.year AND e.code = cv.element
                WHERE {where}
                ORDER BY cv.quarter, u.sort NULLS LAST, cv.unit, e.sort NULLS LAST, cv.element
                {"LIMIT " + str(int(limit)) if limit else ""}
            )
            SELECT p.unit, coalesce(u.name, p.unit) AS unit_name, u.kind_name, p.year, p.quarter, p.element,
                   coalesce(e.name, p.element) AS element_name, e.unit_of_measure, p.value, p.submission_id,
                   fu.follow_up
            FROM picked p
            LEFT JOIN dim_unit u ON u.year = p.year AND u.code = p.unit
            LEFT JOIN dim_element e ON e.year = p.year AND e.code = p.element
            LEFT JOIN (SELECT year, quarter, unit, element, string_agg(comment, '; ' ORDER BY id) AS follow_up
                       FROM v_follow_up WHERE status = 'open' GROUP BY year, quarter, unit, element) fu
              ON fu.year = p.year AND fu.quarter = p.quarter AND fu.unit = p.unit AND fu.element = p.element
            ORDER BY p.quarter, p.unit_sort NULLS LAST, p.unit, p.element_sort NULLS LAST, p.element""", params)


def current_value_count(store: Store, year: int, units: list[str] | None = None, elements: list[str] | None = None,
                        kinds: list[str] | None = None, within: str | None = None, quarters: list[int] | None = None,
                        reported_only: bool = False) -> int:
    """How many rows `current_values` gives for the same filters."""
    where, params = _current_value_filter(year, None, units, elements, kinds, within, quarters, reported_only)
    with store.connect() as con:
        return con.execute(f"""SELECT count(*) FROM v_current_value cv
                               LEFT JOIN dim_unit u ON u.year = cv.year AND u.code = cv.unit
                               WHERE {where}""", params).fetchone()[0]


def task_progress(store: Store, year: int, quarter: int | None = None) -> pd.DataFrame:
    where, params = ["p.year = ?"], [year]
    if quarter:
        where.append("p.quarter = ?")
        params.append(quarter)
    return store.query_df(
        f"""SELECT p.task, t.name AS task_name, t.section, t.lead, p.quarter, p.units_concerned, p.done,
                   p.in_progress, p.not_started, p.not_applicable, p.not_reported
            FROM v_task_progress p JOIN dim_task t ON t.year = p.year AND t.code = p.task
            WHERE {' AND '.join(where)} ORDER BY p.quarter, t.sort""", params)


def task_units(store: Store, year: int, quarter: int | None = None, task: str | None = None,
               unit: str | None = None, within: str | None = None) -> pd.DataFrame:
    where, params = ["s.year = ?"], [year]
    if within:
        cond, more = _under("s.unit", year, within)
        where.append(cond)
        params += more
    for col, val in (("s.quarter", quarter), ("s.task", task), ("s.unit", unit)):
        if val:
            where.append(f"{col} = ?")
            params.append(val)
    return store.query_df(
        f"""SELECT s.task, t.name AS task_name, s.quarter, s.unit, u.name AS unit_name, s.role, s.status,
                   st.name AS status_name, s.note
            FROM v_task_unit_status s
            JOIN dim_task t ON t.year = s.year AND t.code = s.task
            JOIN dim_unit u ON u.year = s.year AND u.code = s.unit
            LEFT JOIN dim_task_status st ON st.year = s.year AND st.code = s.status
            WHERE {' AND '.join(where)} ORDER BY s.quarter, t.sort, u.sort""", params)


def stored_warnings(store: Store, submission_id: int) -> pd.DataFrame:
    return store.query_df('SELECT "where", code, message, value FROM submission_warning '
                          "WHERE submission_id = ? ORDER BY seq", [submission_id])


# -- dashboard queries ---------------------------------------------------------------------------
def submission_count(store: Store, year: int | None = None) -> int:
    """How many submissions (all versions) the store holds, for one year or overall."""
    sql, params = "SELECT count(*) FROM submission", []
    if year is not None:
        sql += " WHERE year = ?"
        params.append(year)
    with store.connect() as con:
        return int(con.execute(sql, params).fetchone()[0])


def quarters_reported(store: Store, year: int) -> pd.DataFrame:
    """Per quarter of the plan: how many units have a current (accepted) submission."""
    return store.query_df(
        """SELECT q.quarter, count(s.id) AS units_reported,
                  (SELECT count(*) FROM dim_unit u WHERE u.year = q.year) AS units_total
           FROM dim_quarter q
           LEFT JOIN submission s ON s.year = q.year AND s.quarter = q.quarter AND s.is_current
           WHERE q.year = ? GROUP BY q.year, q.quarter ORDER BY q.quarter""", [year])


def scope_values(store: Store, year: int, period: str | None = None,
                 elements: list[str] | None = None) -> pd.DataFrame:
    """Every element's value per scope (each unit, and 'ALL' for the town) and period, with names:
    scope, unit_name, period, element, value (NULL = not reported by that unit)."""
    where, params = ["v.year = ?"], [year]
    if period:
        where.append("v.period = ?")
        params.append(period)
    if elements:
        where.append(f"v.element IN ({', '.join('?' for _ in elements)})")
        params += list(elements)
    return store.query_df(
        f"""SELECT v.scope, CASE WHEN v.scope = 'ALL' THEN ? ELSE sc.name END AS unit_name, v.period, v.element,
                   v.value
            FROM mart_scope_period_value v
            JOIN dim_element e ON e.year = v.year AND e.code = v.element
            JOIN dim_scope sc ON sc.year = v.year AND sc.code = v.scope
            LEFT JOIN dim_unit u ON u.year = v.year AND u.code = v.scope
            WHERE {' AND '.join(where)}
            ORDER BY v.period, coalesce(u.sort, 1e9), e.sort""", [store.plan(year).plan.scope_name, *params])


# -- year over year ------------------------------------------------------------------------------
# Two years are compared only where a figure means the same thing in both plans: the views
# v_element_change / v_indicator_change (sql/views/13_v_plan_change.sql) say what differs.
MIN_BASE_FOR_PERCENT = 10  # a percentage change on a base under 10 cases says more about chance than work
MAX_YEARS_COMPARED = 5


def count_change(value, previous) -> tuple[int | None, float | None]:
    """(absolute change, relative change or None): the relative change only on a base of at least
    MIN_BASE_FOR_PERCENT; (None, None) when either count is missing."""
    if value is None or previous is None or pd.isna(value) or pd.isna(previous):
        return None, None
    change = int(value) - int(previous)
    return change, (change / int(previous) if int(previous) >= MIN_BASE_FOR_PERCENT else None)


def attainment_yoy(store: Store, year: int, period: str, unit: str | None = None) -> pd.DataFrame:
    """Each indicator of `period` beside the same period of the previous year: indicator, value,
    status, previous_year (None: no plan that year), difference (None when comparable, else why not),
    target_changed, previous_op, previous_target, previous_numerator/denominator/value/status; like
    with like: units_total / units_now / units_previous / units_compared, same_units, the compared
    units' numerator_compared / denominator_compared / previous_numerator_compared /
    previous_denominator_compared, is_demo / previous_is_demo; and change_pp (percentage points) on
    the compared units, when the rate means the same in both years and some unit has both."""
    # the previous year's rows are picked in a CTE: a join condition alone does not reach the mart's
    # scan, and the whole mart (every year and place) would be hashed — 200 MB at national scale
    df = store.query_df(
        """WITH p AS (SELECT * FROM mart_attainment WHERE year = ? - 1 AND period = ? AND scope = ?)
           SELECT a.indicator, a.numerator, a.denominator, a.value, a.status, a.target_op, a.target,
                  ch.previous_year,
                  CASE WHEN ch.previous_year IS NOT NULL AND ch.difference IS NULL
                            AND pp.quarters IS DISTINCT FROM cp.quarters THEN 'period' ELSE ch.difference END
                      AS difference,
                  coalesce(ch.target_changed, FALSE) AS target_changed, ch.previous_op, ch.previous_target,
                  p.numerator AS previous_numerator, p.denominator AS previous_denominator,
                  p.value AS previous_value, p.status AS previous_status
           FROM mart_attainment a
           JOIN v_period cp ON cp.year = a.year AND cp.period = a.period
           LEFT JOIN mart_indicator_change ch ON ch.year = a.year AND ch.indicator = a.indicator
           LEFT JOIN v_period pp ON pp.year = a.year - 1 AND pp.period = a.period
           LEFT JOIN p
             ON p.year = a.year - 1 AND p.indicator = a.indicator AND p.period = a.period AND p.scope = a.scope
            AND ch.difference IS NULL AND pp.quarters = cp.quarters
           WHERE a.year = ? AND a.period = ? AND a.scope = ?
           ORDER BY a.sort""", [year, period, unit or TOWN, year, period, unit or TOWN])
    if store.plan(year - 1) is not None:  # nothing to compare in a first year: no need to count units
        df = df.merge(_indicator_coverage(store, year, period, unit or TOWN), on="indicator", how="left")
    else:
        df = df.assign(units_total=0, units_now=0, units_previous=0, units_compared=0, numerator_compared=None,
                       denominator_compared=None, previous_numerator_compared=None,
                       previous_denominator_compared=None)
    _coverage_flags(store, year, df)

    def pp(n, d, pn, pd_, ok):
        if not ok or pd.isna(d) or pd.isna(pd_) or int(d) <= 0 or int(pd_) <= 0:
            return None
        return (int(n) / int(d) - int(pn) / int(pd_)) * 100
    ok = df["difference"].isna() & (df["units_compared"] > 0)
    df["change_pp"] = [pp(*a) for a in zip(df["numerator_compared"], df["denominator_compared"],
                                           df["previous_numerator_compared"], df["previous_denominator_compared"], ok)]
    return df


def element_yoy(store: Store, year: int, period: str, scope: str = TOWN, key_only: bool = False) -> pd.DataFrame:
    """Each element's value over `period` beside the same period of the previous year: element,
    value, units_reported, previous_year, difference (None when comparable; 'units_differ' matters
    only for the town total), previous_unit_of_measure, previous_value, change, change_pct
    (None on a base under MIN_BASE_FOR_PERCENT), both on the units with the whole period in both
    years (units_compared, value_compared, previous_value_compared; see _coverage_sql).
    `key_only`: the plan's key activities only (the overview's tiles)."""
    df = store.query_df(  # both years' rows picked first (see attainment_yoy)
        """WITH cur AS (SELECT * FROM mart_scope_period_value WHERE year = ? AND period = ? AND scope = ?),
                prev AS (SELECT * FROM mart_scope_period_value WHERE year = ? - 1 AND period = ? AND scope = ?)
           SELECT e.code AS element, e.unit_of_measure, cur.value, cur.units_reported, ch.previous_year,
                  CASE WHEN ch.difference = 'units_differ' AND ? <> 'ALL' THEN NULL
                       WHEN ch.previous_year IS NOT NULL AND ch.difference IS NULL
                            AND pp.quarters IS DISTINCT FROM cp.quarters THEN 'period'
                       ELSE ch.difference END AS difference,
                  ch.previous_unit_of_measure, prev.value AS previous_value,
                  prev.units_reported AS previous_units_reported
           FROM dim_element e
           LEFT JOIN v_period cp ON cp.year = e.year AND cp.period = ?
           LEFT JOIN v_period pp ON pp.year = e.year - 1 AND pp.period = ?
           LEFT JOIN cur ON cur.year = e.year AND cur.element = e.code
           LEFT JOIN mart_element_change ch ON ch.year = e.year AND ch.element = e.code
           LEFT JOIN prev ON prev.year = e.year - 1 AND prev.element = e.code
            AND pp.quarters = cp.quarters
            AND (ch.difference IS NULL OR (ch.difference = 'units_differ' AND ? <> 'ALL'))
           WHERE e.year = ? AND (e.is_key OR NOT ?) ORDER BY e.sort""",
        [year, period, scope, year, period, scope, scope, period, period, scope, year, key_only])
    if store.plan(year - 1) is not None:
        df = df.merge(_element_coverage(store, year, period, scope, key_only), on="element", how="left")
    else:
        df = df.assign(units_total=0, units_now=0, units_previous=0, units_compared=0, value_compared=None,
                       previous_value_compared=None)
    _coverage_flags(store, year, df)
    ok = df["difference"].isna() & (df["units_compared"] > 0)
    changes = [count_change(v, p) if k else (None, None)
               for v, p, k in zip(df["value_compared"], df["previous_value_compared"], ok)]
    df["change"] = [c for c, _ in changes]
    df["change_pct"] = [r for _, r in changes]
    return df


# Like with like: two years are compared on the units that reported a figure in both, each of them for
# every quarter of the period (a unit with one quarter of four this year is not set against its whole
# last year). units_total: the units under the scope asked to report it (for a rate: any of its
# denominator's elements); units_now / units_previous: those with a value in each year (any quarter);
# units_compared: those with a complete value in both; *_compared: the sums over these.
def _coverage_sql(key: str, pairs: str, asked: str) -> str:
    """Per `key` (element or indicator): units_total / units_now / units_previous / units_compared and
    the sums over the compared units, from `pairs` (year, unit, key, num, den, complete: one row per
    unit with a value that year; elements carry their value as num) and `asked` (unit, key: the units
    asked to report it). One pass over the unit values: each unit's two years side by side."""
    return f"""
    per_unit AS (
        SELECT unit, {key},
               max(num) FILTER (WHERE year = ?) AS num_now, max(den) FILTER (WHERE year = ?) AS den_now,
               max(num) FILTER (WHERE year = ?) AS num_prev, max(den) FILTER (WHERE year = ?) AS den_prev,
               coalesce(bool_or(complete) FILTER (WHERE year = ?), FALSE)
                   AND coalesce(bool_or(complete) FILTER (WHERE year = ?), FALSE) AS in_both
        FROM ({pairs}) AS pairs
        GROUP BY unit, {key}
    ),
    everyone AS (  -- the units asked to report it, and any other unit that did
        SELECT coalesce(p.unit, a.unit) AS unit, coalesce(p.{key}, a.{key}) AS {key}, p.num_now, p.den_now,
               p.num_prev, p.den_prev, coalesce(p.in_both, FALSE) AS in_both
        FROM per_unit AS p
        FULL OUTER JOIN ({asked}) AS a ON a.unit = p.unit AND a.{key} = p.{key}
    )
    SELECT {key}, count(*) AS units_total, count(den_now) AS units_now, count(den_prev) AS units_previous,
           count(*) FILTER (WHERE in_both) AS units_compared,
           sum(num_now) FILTER (WHERE in_both) AS num_now_compared,
           sum(den_now) FILTER (WHERE in_both) AS den_now_compared,
           sum(num_prev) FILTER (WHERE in_both) AS num_prev_compared,
           sum(den_prev) FILTER (WHERE in_both) AS den_prev_compared
    FROM everyone
    GROUP BY {key}"""


def _unit_values_sql(element_filter: str) -> str:
    """The units' values over `period` in both years (the units under the scope, reported values
    only), with `complete`: reported for every quarter of the period."""
    return f"""
    n_q AS (SELECT year, count(*) AS n FROM dim_period_quarter WHERE year IN (?, ?) AND period = ? GROUP BY year),
    units_in AS (SELECT descendant AS unit FROM dim_scope_tree WHERE year = ? AND ancestor = ? AND is_unit),
    uv AS (
        SELECT v.year, v.unit, v.element, v.value, v.quarters_reported = n_q.n AS complete
        FROM mart_unit_period_value AS v
        JOIN n_q ON n_q.year = v.year
        JOIN units_in AS u ON u.unit = v.unit
        WHERE v.year IN (?, ?) AND v.period = ? AND v.value IS NOT NULL AND {element_filter}
    )"""


def _year_params(year: int) -> list:
    return [year, year, year - 1, year - 1, year, year - 1]  # num/den now, num/den previous, both


def _element_coverage(store: Store, year: int, period: str, scope: str, key_only: bool = False) -> pd.DataFrame:
    keys = "v.element IN (SELECT code FROM dim_element WHERE year = ? AND (is_key OR NOT ?))"
    df = store.query_df(
        f"""WITH {_unit_values_sql(keys)},
            {_coverage_sql("element",
                           "SELECT year, unit, element, value AS num, value AS den, complete FROM uv",
                           "SELECT unit, element FROM dim_unit_element WHERE year = ? "
                           "AND unit IN (SELECT unit FROM units_in)")}""",
        [year, year - 1, period, year, scope, year, year - 1, period, year, key_only, *_year_params(year), year])
    return df.rename(columns={"num_now_compared": "value_compared", "num_prev_compared": "previous_value_compared"}
                     ).drop(columns=["den_now_compared", "den_prev_compared"])


def _indicator_coverage(store: Store, year: int, period: str, scope: str) -> pd.DataFrame:
    # a unit has the rate in a year when it reported a numerator and a denominator term
    pairs = """SELECT uv.year, uv.unit, t.indicator,
                      sum(uv.value) FILTER (WHERE t.role = 'numerator') AS num,
                      sum(uv.value) FILTER (WHERE t.role = 'denominator') AS den,
                      bool_and(uv.complete) AS complete
               FROM uv JOIN dim_indicator_term AS t ON t.year = ? AND t.element = uv.element
               GROUP BY uv.year, uv.unit, t.indicator
               HAVING count(*) FILTER (WHERE t.role = 'numerator') > 0
                  AND count(*) FILTER (WHERE t.role = 'denominator') > 0"""
    asked = f"""SELECT a.unit, a.indicator FROM ({ASKED_RATES}) AS a
                WHERE a.year = ? AND a.unit IN (SELECT unit FROM units_in)"""
    df = store.query_df(
        f"""WITH {_unit_values_sql("v.element IN (SELECT element FROM dim_indicator_term WHERE year = ?)")},
            {_coverage_sql("indicator", pairs, asked)}""",
        [year, year - 1, period, year, scope, year, year - 1, period, year, *_year_params(year), year, year])
    return df.rename(columns={"num_now_compared": "numerator_compared", "den_now_compared": "denominator_compared",
                              "num_prev_compared": "previous_numerator_compared",
                              "den_prev_compared": "previous_denominator_compared"})


def _coverage_flags(store: Store, year: int, df: pd.DataFrame) -> None:
    """same_units: the compared units are every unit with a value in either year (the totals are
    then compared as they are); is_demo / previous_is_demo: the years' demo flags."""
    for col in ("units_total", "units_now", "units_previous", "units_compared"):
        df[col] = df[col].fillna(0).astype(int)
    df["same_units"] = (df["units_compared"] > 0) & (df["units_compared"] == df["units_now"]) & \
        (df["units_compared"] == df["units_previous"])
    df["is_demo"] = store.is_demo_year(year)
    df["previous_is_demo"] = store.is_demo_year(year - 1)


def indicator_years(store: Store, year: int, indicator: str, unit: str | None = None,
                    max_years: int = MAX_YEARS_COMPARED) -> pd.DataFrame:
    """The indicator over every period of `year` and of the years before it (up to `max_years` in
    all) back to the first year whose definition differs: year, period, period_name, quarters,
    last_quarter, is_single_quarter, is_cumulative, numerator, denominator, value, status,
    target_op, target. Targets may differ between these years (each row has its year's)."""
    chain = store.query_df(
        "SELECT year, difference FROM mart_indicator_change WHERE indicator = ? AND year <= ? ORDER BY year DESC",
        [indicator, year])
    years = [year]
    for y, diff in zip(chain["year"], chain["difference"]):
        if int(y) != years[-1] or not pd.isna(diff) or len(years) >= max_years:
            break
        years.append(int(y) - 1)
    marks = ", ".join("?" for _ in years)
    return store.query_df(
        f"""SELECT a.year, a.period, vp.name AS period_name, vp.quarters, vp.last_quarter, vp.is_single_quarter,
                   vp.is_cumulative, a.numerator, a.denominator, a.value, a.status, a.target_op, a.target
            FROM mart_attainment a JOIN v_period vp ON vp.year = a.year AND vp.period = a.period
            WHERE a.indicator = ? AND a.scope = ? AND a.year IN ({marks})
            ORDER BY a.year, vp.sort""", [indicator, unit or TOWN, *years])


def plan_changes(store: Store, year: int) -> pd.DataFrame:
    """What differs between `year`'s plan and the previous year's, for the pages to say: kind
    ('element' | 'indicator'), code, name, difference (see v_element_change / v_indicator_change, or
    'target' for a changed target alone), previous and current (unit of measure, or target)."""
    return store.query_df(
        """SELECT 'element' AS kind, c.element AS code, e.name, c.difference, c.previous_year,
                  c.previous_unit_of_measure AS previous, c.unit_of_measure AS current, NULL AS previous_op,
                  NULL AS op, e.sort
           FROM mart_element_change c JOIN dim_element e ON e.year = c.year AND e.code = c.element
           WHERE c.year = ? AND c.difference IS NOT NULL
           UNION ALL
           SELECT 'indicator', c.indicator, i.short_name, coalesce(c.difference, 'target'), c.previous_year,
                  CAST(c.previous_target AS VARCHAR), CAST(CAST(i.target AS DOUBLE PRECISION) AS VARCHAR), c.previous_op,
                  i.op, 1000 + i.sort
           FROM mart_indicator_change c JOIN dim_indicator i ON i.year = c.year AND i.code = c.indicator
           WHERE c.year = ? AND (c.difference IS NOT NULL OR c.target_changed)
           ORDER BY sort""", [year, year])
