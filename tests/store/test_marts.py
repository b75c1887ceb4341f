"""The marts (store/marts.py): tables the pages read instead of recomputing views, refreshed inside
every write. Whatever the sequence of loads, corrections, restores, demo removals, plan changes and
schema rebuilds, a mart must hold exactly what its view computes from the ledger — else the
committee sees a number the ledger no longer supports. `check` must say so when it does not.

Numbers by hand (KPI_GIAI_QUYET = TIN_DA_GQ ÷ (TIN_TON + TIN_MOI), target > 90 %), quarter 1:
CA 9 of 2 + 8 = 10 (90 %: not met, 1 needed); BP_SH 5 of 0 + 5. The town: 14 / 15 = 93.3 % met.
CA corrected to 10 of 10: the town 15 / 15. CA's first version restored: 14 / 15 again.
"""
import pandas as pd
import pytest
from conftest import ROOT, book, report, store_options

from pipelines.cli import main
from pipelines.demo import load_demo, remove_demo
from pipelines.outputs import metrics
from pipelines.store import database, Store, marts
from pipelines.store.load import ingest_bytes, restore

KPI = "KPI_GIAI_QUYET"


def load(store, unit, resolved, backlog, new, note=""):
    values = {"TIN_TON": backlog, "TIN_MOI": new, "TIN_PHAN_LOAI": new, "TIN_DA_GQ": resolved}
    sheets = report(unit, 2022, 1, values=values)
    result = ingest_bytes(store, book(sheets), f"BC_{unit}_{note or 'v1'}.xlsx")
    assert result.status == "accepted", result.errors
    return result.submission_id


def kpi(store, scope="ALL", period="Q1"):
    row = metrics.attainment(store, 2022, period, unit=scope).set_index("indicator").loc[KPI]
    def number(x):
        return None if pd.isna(x) else int(x)
    return number(row.numerator), number(row.denominator), row.status, number(row.needed)


def in_step(store):
    with store.connect() as con:
        return marts.differences(con)


ZERO = {mart: 0 for mart, *_ in (*marts.LAYERS, *marts.PLAN_LAYERS)}


def test_every_write_keeps_the_marts_equal_to_the_views(store):
    first = load(store, "CA", resolved=9, backlog=2, new=8)
    assert kpi(store, "CA") == (9, 10, "not_met", 1)
    load(store, "BP_SH", resolved=5, backlog=0, new=5)
    assert kpi(store) == (14, 15, "met", None)
    assert in_step(store) == ZERO

    load(store, "CA", resolved=10, backlog=2, new=8, note="v2")  # a correction replaces CA's values
    assert kpi(store) == (15, 15, "met", None)
    assert kpi(store, "CA") == (10, 10, "met", None)
    assert in_step(store) == ZERO

    restore(store, first)
    assert kpi(store) == (14, 15, "met", None)
    assert kpi(store, "CA") == (9, 10, "not_met", 1)
    assert in_step(store) == ZERO
    # the cumulative periods moved with the quarter: 6 months hold only Q1's reports
    assert kpi(store, "ALL", "H1") == (14, 15, "met", None)


def test_a_rejected_file_leaves_the_marts_as_they_were(store):
    load(store, "CA", resolved=9, backlog=2, new=8)
    with store.connect() as con:
        before = con.execute("SELECT * FROM mart_attainment ORDER BY year, scope, period, indicator").fetchall()
    bad = report("CA", 2022, 1, values={"TIN_TON": 2, "TIN_MOI": "nhiều", "TIN_DA_GQ": 10})
    assert ingest_bytes(store, book(bad), "BC_CA_bad.xlsx").status == "rejected"
    with store.connect() as con:
        assert con.execute("SELECT * FROM mart_attainment ORDER BY year, scope, period, indicator").fetchall() == before


def test_demo_load_and_removal(tmp_path):
    store = Store(tmp_path / "data")
    load_demo(store, 2022)
    assert in_step(store) == ZERO
    with store.connect() as con:  # every scope × period × indicator of the plan has its row
        expected = con.execute("""SELECT (SELECT count(*) FROM dim_scope WHERE year = 2022)
                                         * (SELECT count(*) FROM dim_period WHERE year = 2022)
                                         * (SELECT count(*) FROM dim_indicator WHERE year = 2022)""").fetchone()[0]
        assert con.execute("SELECT count(*) FROM mart_attainment WHERE year = 2022").fetchone()[0] == expected
    remove_demo(store, 2022)
    assert in_step(store) == ZERO
    assert kpi(store) == (None, None, "no_data", None)


def test_a_plan_change_rejudges_the_marts(store, tmp_path):
    load(store, "CA", resolved=9, backlog=2, new=8)
    assert kpi(store, "CA")[2] == "not_met"
    text = (ROOT / "data" / "plans" / "duc_pho_2022.toml").read_text(encoding="utf-8")
    old = 'op = ">"\ntarget = 0.90\nowner = "CA"'
    path = tmp_path / "duc_pho_2022.toml"
    path.write_text(text.replace(old, 'op = ">="\ntarget = 0.90\nowner = "CA"', 1), encoding="utf-8")
    assert main(["init", *store_options(store), "--plan", str(path), "--replace"]) == 0
    assert kpi(store, "CA") == (9, 10, "met", None)  # 90 % is ">= 90 %"
    assert in_step(store) == ZERO
    with store.connect() as con:  # 2023 compared with the new 2022 plan: KPI_GIAI_QUYET's target changed
        assert con.execute("SELECT target_changed, previous_op FROM mart_indicator_change "
                           "WHERE year = 2023 AND indicator = ?", [KPI]).fetchone() == (True, ">=")


def test_a_schema_rebuild_refills_the_marts(store):
    load(store, "CA", resolved=9, backlog=2, new=8)
    with store.connect() as con:
        for mart, *_ in (*marts.LAYERS, *marts.PLAN_LAYERS):
            con.execute(f"DELETE FROM {mart}")
        con.execute("UPDATE meta SET value = 'older code' WHERE key = 'schema'")
    database._SCHEMA_READY.discard(store.key)  # as a new process would (PostgreSQL checks once per process)
    assert in_step(store) == ZERO  # opening the store rebuilt the derived part, marts included
    assert kpi(store, "CA") == (9, 10, "not_met", 1)


def test_check_reports_a_mart_out_of_step(store, capsys):
    load(store, "CA", resolved=9, backlog=2, new=8)
    assert main(["check", *store_options(store)]) == 0
    with store.connect() as con:  # a write that forgot the refresh: the ledger says 10 resolved
        sid = con.execute("SELECT id FROM submission WHERE is_current").fetchone()[0]
        con.execute("UPDATE submission_value SET value = 10 WHERE submission_id = ? AND element = 'TIN_DA_GQ'",
                    [sid])
        diff = marts.differences(con)
    assert diff["mart_unit_period_value"] > 0  # named at the layer that went stale
    capsys.readouterr()
    assert main(["check", *store_options(store)]) == 1
    out = capsys.readouterr()
    assert "mart_unit_period_value" in out.out + out.err


@pytest.mark.parametrize("scope", ["ALL", "CA"])
def test_views_and_marts_agree_on_every_period(store, scope):
    """The window in v_attainment (the cumulative verdict) against the marts, period by period."""
    load(store, "CA", resolved=9, backlog=2, new=8)
    with store.connect() as con:
        live = con.execute("SELECT * FROM v_attainment WHERE year = 2022 AND scope = ? ORDER BY year, period, indicator",
                           [scope]).fetchall()
        kept = con.execute("SELECT * FROM mart_attainment WHERE year = 2022 AND scope = ? ORDER BY year, period, indicator",
                           [scope]).fetchall()
    assert live == kept and len(live) == 7 * 5  # Q1..Q4, H1, 9M, Y × the five rates
