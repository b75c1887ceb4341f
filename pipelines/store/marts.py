"""Marts: the metric views a page reads, kept as tables and refreshed inside the write that changes them.

At national scale (12 000 units, 10 years) computing attainment from the ledger takes seconds per
query; reading it from a table takes milliseconds. Each mart is the copy of one view
(sql/views/NN_mart_*.sql says which), and the views above a mart read the mart, so the layers are:

    ledger → v_unit_period_value → mart_unit_period_value
           → v_scope_period_value → mart_scope_period_value
           → v_indicator_value → v_attainment → mart_attainment
    ledger → v_first_receipt → mart_first_receipt (when each unit's first file came: timeliness)

The plan-change marts (PLAN_LAYERS) follow the plans alone and are refilled at each plan install.
A load or a restore of one (unit, year) refreshes that unit's rows and those of the scopes above it
(district, province, 'ALL' …); installing a plan or rebuilding the schema refreshes a whole year.
Both run in the caller's transaction: a reader sees the old numbers or the new ones, never a mix.
`differences()` recomputes every layer from the one below and counts the rows that differ — the
`check` command's proof that no write forgot a refresh.
"""
from __future__ import annotations

from pipelines.store import engine

# (mart, the view it copies, the column that says which unit or scope a row is about)
LAYERS = (
    ("mart_first_receipt", "v_first_receipt", "unit"),
    ("mart_unit_period_value", "v_unit_period_value", "unit"),
    ("mart_scope_period_value", "v_scope_period_value", "scope"),
    ("mart_attainment", "v_attainment", "scope"),
)


def scopes_above(con, year: int, unit: str) -> list[str]:
    """The unit itself and every scope it counts in (its district, province … and 'ALL')."""
    rows = con.execute("SELECT ancestor FROM dim_scope_tree WHERE year = ? AND descendant = ?",
                       [year, unit]).fetchall()
    return sorted({unit, *(r[0] for r in rows)})


def refresh(con, year: int, unit: str | None = None) -> None:
    """Refill the marts for one year: every row (`unit` None) or the rows `unit` touches.
    Call inside the write's transaction, after the ledger changed."""
    engine.serialise(con, "marts", year)  # every unit counts in the town's total: one refresh at a time
    scopes = scopes_above(con, year, unit) if unit is not None else []
    for mart, view, column in LAYERS:
        if unit is None:
            con.execute(f"DELETE FROM {mart} WHERE year = ?", [year])
            con.execute(f"INSERT INTO {mart} SELECT * FROM {view} WHERE year = ?", [year])
            # PostgreSQL: the next layer reads this one, and planned without statistics of a year just
            # written (national: 2,6 M unit rows) a year's refill took 139 s instead of 76 s, and the
            # scope layer over 13 min with a larger work_mem
            engine.analyze(con, [mart])
            continue
        keys = [unit] if column == "unit" else scopes
        # a literal IN list (not a subquery) so the filter reaches the scans under the view
        marks = ", ".join("?" * len(keys))
        con.execute(f"DELETE FROM {mart} WHERE year = ? AND {column} IN ({marks})", [year, *keys])
        con.execute(f"INSERT INTO {mart} SELECT * FROM {view} WHERE year = ? AND {column} IN ({marks})",
                    [year, *keys])


def create_indexes(con) -> None:
    """PostgreSQL: each mart indexed by year and the unit or scope its rows are about. A page reads a
    few hundred rows of one year and place, and a load refreshes one unit's rows and its scopes'; with
    no index each of those read the whole mart (national, ten years: 0,3–2,8 s a page query, ~10 s a
    file). DuckDB needs none: it skips row groups by their min and max (an index there would be
    held in memory). Called when the derived part is created."""
    if engine.is_pg(con):
        for mart, _, column in LAYERS:
            con.execute(f"CREATE INDEX IF NOT EXISTS {mart}_year_{column} ON {mart} (year, {column})")


# (mart, the view it copies): what changed from one year's plan to the next; plans only.
PLAN_LAYERS = (
    ("mart_element_change", "v_element_change"),
    ("mart_indicator_change", "v_indicator_change"),
)


def refresh_plan_changes(con) -> None:
    """Refill the plan-change marts (every year: installing year Y's plan changes Y and Y + 1)."""
    for mart, view in PLAN_LAYERS:
        con.execute(f"DELETE FROM {mart}")
        con.execute(f"INSERT INTO {mart} SELECT * FROM {view}")


def refresh_all(con) -> None:
    """Every year that has a plan (after a schema rebuild, or a store written by other means)."""
    for (year,) in con.execute("SELECT year FROM plans ORDER BY year").fetchall():
        refresh(con, year)


def differences(con) -> dict[str, int]:
    """For each mart, how many rows differ from its view recomputed now (0 everywhere: in step).
    Layers are compared one at a time, each view reading the mart below it, so a stale layer is
    named where it went stale; and one year at a time (all ten years of a national store at once
    took 18 GB)."""
    out = {mart: 0 for mart, *_ in (*LAYERS, *PLAN_LAYERS)}
    years = [y for (y,) in con.execute(
        "SELECT DISTINCT year FROM (SELECT year FROM plans UNION ALL SELECT year FROM mart_unit_period_value) AS y "
        "ORDER BY year").fetchall()]
    for year in years:
        for mart, view, _ in LAYERS:
            out[mart] += _differing(con, f"(SELECT * FROM {mart} WHERE year = {int(year)})",
                                    f"(SELECT * FROM {view} WHERE year = {int(year)})")
    for mart, view in PLAN_LAYERS:
        out[mart] += _differing(con, mart, view)
    return out


def _differing(con, kept: str, computed: str) -> int:
    return con.execute(f"SELECT count(*) FROM ((SELECT * FROM {kept} AS k EXCEPT ALL SELECT * FROM {computed} AS c) "
                       f"UNION ALL (SELECT * FROM {computed} AS c EXCEPT ALL SELECT * FROM {kept} AS k)) AS d"
                       ).fetchone()[0]
