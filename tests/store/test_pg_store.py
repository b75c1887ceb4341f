"""The store on PostgreSQL where it differs from the embedded file: a town's store moved up, backups
restored across engines, and writers side by side (a private cluster: tests/pg_cluster.py).

Figures by hand, from the demo year and from the plan (spec/plan-2022.md): the demo year has 106
submissions (the command line says so when it loads it), 105 of them current — one unit sends Q2 twice.
"""
from __future__ import annotations

import threading

import pytest
from conftest import new_pg_store, run_cli, store_options

from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.store.move import MoveError, copy_store, same_answers
from pipelines.workbook.template import build_template

pytestmark = pytest.mark.postgres


def _count(store: Store, sql: str):
    with store.connect() as con:
        return con.execute(sql).fetchone()[0]


def test_move_store_copies_everything_and_both_answer_the_same(demo_store_template, request, tmp_path, capsys):
    """`move-store` from a town's DuckDB store into an empty database: every row and raw file, then
    both checked and compared."""
    import shutil
    town = tmp_path / "town"
    shutil.copytree(demo_store_template, town)
    target = new_pg_store(request, tmp_path / "pg")
    code, out, err = run_cli(capsys, "move-store", "--data-dir", town, "--to", target.key,
                             "--to-raw-dir", target.raw_dir)
    assert code == 0, err
    assert "Hai kho trả lời như nhau" in out
    assert _count(target, "SELECT count(*) FROM submission") == 106
    assert _count(target, "SELECT count(*) FROM submission WHERE is_current") == 105
    assert len([p for p in target.raw_dir.rglob("*") if p.is_file()]) == 106
    assert same_answers(Store(town), target) == []
    # the ids go on after the highest copied, so the next load does not collide
    plan = target.plan(2022)
    assert target.is_demo_year(2022)  # the demo flag came along: real files stay refused in that year
    r = ingest_bytes(target, build_template(plan, "CA", 4, values={"TT_BUOI": 1}), "ca.xlsx", is_demo=True)
    assert r.status == "accepted" and r.submission_id == 107


def test_move_store_refuses_a_target_that_holds_data(demo_store_template, request, tmp_path):
    import shutil
    town = tmp_path / "town"
    shutil.copytree(demo_store_template, town)
    target = new_pg_store(request, tmp_path / "pg")
    copy_store(Store(town), target)
    with pytest.raises(MoveError, match="không trống"):
        copy_store(Store(town), target)
    assert _count(target, "SELECT count(*) FROM submission") == 106  # the first copy untouched


def test_backup_of_a_postgresql_store_restores_onto_either_engine(demo_pg_template, request, tmp_path, capsys):
    """One archive format for both engines (README, *Past one machine*): a PostgreSQL store's backup
    restores into a DuckDB data dir and into an empty PostgreSQL database, each answering as the
    original."""
    name, raw = demo_pg_template
    province = new_pg_store(request, tmp_path / "pg", template=name, raw_from=raw)
    archive = tmp_path / "sao_luu.tar.gz"
    code, out, err = run_cli(capsys, "backup", *store_options(province), "-o", archive)
    assert code == 0, err
    assert "106 bản báo cáo, 106 tệp gốc" in out
    # onto an embedded store (a town restores a province's archive) …
    code, out, err = run_cli(capsys, "restore-backup", archive, "--data-dir", tmp_path / "town")
    assert code == 0, err
    assert same_answers(province, Store(tmp_path / "town")) == []
    # … and onto an empty PostgreSQL database
    again = new_pg_store(request, tmp_path / "pg2")
    code, out, err = run_cli(capsys, "restore-backup", archive, *store_options(again))
    assert code == 0, err
    assert same_answers(province, again) == []


def test_four_writers_at_once_each_file_whole_and_one_current_per_report(request, tmp_path):
    """Four threads load 27 units' Q1 and Q2 at once, two of them the same reports (CA, VKS) with
    different values: every file is accepted or a duplicate, none half-stored, exactly one current
    version per unit and quarter, and the marts equal the views (engine.serialise: one writer per
    unit and quarter, one refresh of a year's marts at a time)."""
    store = new_pg_store(request, tmp_path)
    plan = store.plan(2022)
    units = [u.code for u in plan.units]
    jobs = [[], [], [], []]
    for i, u in enumerate(units):
        for q in (1, 2):
            jobs[i % 4].append((u, q, 1))
    jobs[0] += [("CA", 1, 2), ("VKS", 2, 2)]
    jobs[1] += [("CA", 1, 3), ("VKS", 2, 3)]
    errors: list[BaseException] = []

    def work(items):
        try:
            for u, q, n in items:
                values = {e: n for e in plan.unit_elements(u)}
                r = ingest_bytes(store, build_template(plan, u, q, values=values), f"{u}_{q}_{n}.xlsx")
                assert r.status == "accepted", r.errors
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert _count(store, "SELECT count(*) FROM submission") == 27 * 2 + 4
    assert _count(store, "SELECT count(*) FROM (SELECT unit, year, quarter FROM submission GROUP BY unit, year, "
                         "quarter HAVING count(*) FILTER (WHERE is_current) <> 1) AS bad") == 0
    assert _count(store, "SELECT count(DISTINCT (unit, quarter)) FROM submission WHERE is_current") == 54
    from pipelines.store import marts
    with store.connect() as con:
        assert set(marts.differences(con).values()) == {0}
