"""Thin query functions over the SQL views, returning DataFrames for the CLI, exports and dashboard.

No metric is computed here: the views (sql/views/*.sql) hold the logic; these functions choose
rows, add the plan's names and convert UTC timestamps to the plan's time zone.
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
        """SELECT i.code, i.name, i.short_name, i.op, CAST(i.target AS DOUBLE) AS target, i.owner, i.judged_on,
                  i.action, i.sort,
                  list(t.element ORDER BY t.element) FILTER (WHERE t.role = 'numerator') AS numerator,
                  list(t.element ORDER BY t.element) FILTER (WHERE t.role = 'denominator') AS denominator
           FROM dim_indicator i JOIN dim_indicator_term t ON t.year = i.year AND t.indicator = i.code
           WHERE i.year = ? GROUP BY ALL ORDER BY i.sort""", [year])


def events(store: Store, year: int) -> pd.DataFrame:
    return store.query_df("SELECT code, name, start_on, end_on, task FROM dim_event WHERE year = ? ORDER BY start_on",
                          [year])


def attainment(store: Store, year: int, period: str | None = None, unit: str | None = None,
               by_unit: bool = False) -> pd.DataFrame:
    """Indicator rows: indicator, unit ('ALL' = whole town), year, period, numerator, denominator,
    value, target_op, target, status, needed (+ names)."""
    where, params = ["a.year = ?"], [year]
    if period:
        where.append("a.period = ?")
        params.append(period)
    if by_unit:
        where.append("a.scope <> 'ALL'")
    else:
        where.append("a.scope = ?")
        params.append(unit or TOWN)
    return store.query_df(
        f"""SELECT a.indicator, a.scope AS unit, a.year, a.period, a.numerator, a.denominator, a.value,
                   a.target_op, a.target, a.status, a.needed, a.period_status, a.judged_period,
                   i.name AS indicator_name, i.short_name,
                   i.judged_on, i.action, coalesce(u.name, ?) AS unit_name
            FROM v_attainment a
            JOIN dim_indicator i ON i.year = a.year AND i.code = a.indicator
            JOIN dim_period p ON p.year = a.year AND p.code = a.period
            LEFT JOIN dim_unit u ON u.year = a.year AND u.code = a.scope
            WHERE {' AND '.join(where)}
            ORDER BY p.sort, coalesce(u.sort, -1), i.sort""", [store.plan(year).plan.scope_name, *params])


def contributions(store: Store, year: int, period: str, indicator: str) -> pd.DataFrame:
    """Each unit's numerator and denominator of one indicator (units with anything reported)."""
    return store.query_df(
        """SELECT a.scope AS unit, u.name AS unit_name, a.numerator, a.denominator, a.value, a.status
           FROM v_attainment a JOIN dim_unit u ON u.year = a.year AND u.code = a.scope
           WHERE a.year = ? AND a.period = ? AND a.indicator = ? AND a.status <> 'no_data'
           ORDER BY u.sort""", [year, period, indicator])


def element_totals(store: Store, year: int, period: str, scope: str = TOWN) -> pd.DataFrame:
    """Each element's value over a period for the town (or one unit), with names."""
    return store.query_df(
        """SELECT e.code AS element, e.name, e.section, e.unit_of_measure, e.is_key, v.value, v.units_reported
           FROM dim_element e
           LEFT JOIN v_scope_period_value v
             ON v.year = e.year AND v.element = e.code AND v.period = ? AND v.scope = ?
           WHERE e.year = ? ORDER BY e.sort""", [period, scope, year])


def compliance(store: Store, year: int, as_of: dt.datetime | None = None) -> pd.DataFrame:
    """Timeliness per unit and quarter, judged at `as_of` (aware, or naive = the plan's local time;
    default now).
    deadline and received_at are returned aware, in the plan's time zone."""
    plan = store.plan(year)
    if plan is None:
        return pd.DataFrame(columns=["unit", "unit_name", "year", "quarter", "deadline", "received_at", "status",
                                     "versions"])
    as_of_utc = to_utc_naive(as_of, plan.tz) if as_of else utcnow()
    df = store.query_df(
        """SELECT c.unit, u.name AS unit_name, u.kind, c.year, c.quarter, c.due, c.received_at, c.status, c.versions
           FROM compliance_at(CAST(? AS TIMESTAMP)) c JOIN dim_unit u ON u.year = c.year AND u.code = c.unit
           WHERE c.year = ? ORDER BY c.quarter, c.unit_sort""", [as_of_utc, year])
    deadlines = {q: plan.deadline_local(q) for q in plan.quarter_by_number}
    df["deadline"] = df["quarter"].map(deadlines).astype(object)
    df["received_at"] = [None if pd.isna(t) else from_utc_naive(t, plan.tz) for t in df["received_at"]]
    return df[["unit", "unit_name", "kind", "year", "quarter", "deadline", "received_at", "status", "versions"]]


def current_values(store: Store, year: int, quarter: int | None = None, units: list[str] | None = None,
                   elements: list[str] | None = None, kinds: list[str] | None = None) -> pd.DataFrame:
    """Every current value: unit, year, quarter, element, value (NULL = not reported), with names."""
    where, params = ["cv.year = ?"], [year]
    if quarter:
        where.append("cv.quarter = ?")
        params.append(quarter)
    for col, vals in (("cv.unit", units), ("cv.element", elements), ("u.kind", kinds)):
        if vals:
            where.append(f"{col} IN ({', '.join('?' for _ in vals)})")
            params += list(vals)
    return store.query_df(
        f"""SELECT cv.unit, u.name AS unit_name, u.kind_name, cv.year, cv.quarter, cv.element,
                   e.name AS element_name, e.unit_of_measure, cv.value, cv.submission_id
            FROM v_current_value cv
            JOIN dim_unit u ON u.year = cv.year AND u.code = cv.unit
            JOIN dim_element e ON e.year = cv.year AND e.code = cv.element
            WHERE {' AND '.join(where)}
            ORDER BY cv.quarter, u.sort, e.sort""", params)


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
               unit: str | None = None) -> pd.DataFrame:
    where, params = ["s.year = ?"], [year]
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
        f"""SELECT v.scope, coalesce(u.name, 'Toàn thị xã') AS unit_name, v.period, v.element, v.value
            FROM v_scope_period_value v
            JOIN dim_element e ON e.year = v.year AND e.code = v.element
            LEFT JOIN dim_unit u ON u.year = v.year AND u.code = v.scope
            WHERE {' AND '.join(where)}
            ORDER BY v.period, coalesce(u.sort, 1e9), e.sort""", params)
