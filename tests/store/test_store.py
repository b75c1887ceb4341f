"""The store's connection life: the shell and the dashboard work on one store at once."""
import subprocess
import sys

import pytest

from conftest import ROOT, store_options

from pipelines.store import Store, StoreBusy
from pipelines.workbook.template import build_template

HOLD = """
import sys, time
from pipelines.store import Store
with Store(sys.argv[1]).connect() as con:
    con.execute("SELECT count(*) FROM submission").fetchone()
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    # what the store holds as the holder lets go: nothing was written while it held the store
    print("released with", con.execute("SELECT count(*) FROM submission").fetchone()[0], "submissions", flush=True)
"""


@pytest.mark.duckdb_only  # DuckDB's file lock; PostgreSQL has no such lock (tests/store/test_pg_writers.py)
def test_ingest_from_the_shell_waits_for_a_process_holding_the_store(store, plan, tmp_path):
    f = tmp_path / "ca.xlsx"
    f.write_bytes(build_template(plan, "CA", 1, values={"TT_BUOI": 2}))
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store.data_dir), "2"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    done = subprocess.run([sys.executable, "-m", "pipelines", "ingest", str(f), *store_options(store)],
                          cwd=ROOT, capture_output=True, text=True)
    released = holder.stdout.readline().strip()
    holder.wait()
    assert done.returncode == 0, done.stderr
    assert "ĐÃ NHẬN" in done.stdout
    # In order, not by the clock: the ingest started while the store was held, wrote nothing until
    # the holder let go, then loaded the file (it waited instead of failing or writing beside it).
    assert released == "released with 0 submissions"
    assert Store(store.data_dir).query_df("SELECT count(*) AS n FROM submission")["n"][0] == 1


@pytest.mark.duckdb_only  # DuckDB's file lock; PostgreSQL has no such lock (tests/store/test_pg_writers.py)
def test_gives_up_with_a_clear_message_when_the_lock_is_never_released(store):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store.data_dir), "5"], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        impatient = Store(store.data_dir, lock_timeout=0.5)
        try:
            with impatient.connect():
                raise AssertionError("opened a locked store")
        except StoreBusy as exc:
            assert "đang bị một tiến trình khác giữ" in str(exc)
    finally:
        holder.kill()
        holder.wait()


def test_data_version_changes_on_every_write(store, plan):
    from pipelines.store.load import ingest_bytes
    before = store.data_version()
    data = build_template(plan, "CA", 1, values={"TT_BUOI": 2})  # built once: openpyxl stamps the time
    ingest_bytes(store, data, "a.xlsx")
    after = store.data_version()
    assert after != before
    ingest_bytes(store, data, "a.xlsx")  # the same bytes: a duplicate, no write
    assert store.data_version() == after


@pytest.mark.duckdb_only  # DuckDB's file lock; PostgreSQL has no such lock (tests/store/test_pg_writers.py)
def test_no_connection_stays_open_after_use(store):
    with store.connect():
        pass
    # another process can open the file right away
    done = subprocess.run([sys.executable, "-c", "import duckdb,sys; duckdb.connect(sys.argv[1]).close()",
                           str(store.db_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
