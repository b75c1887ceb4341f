"""The store's waits as data (pipelines/waits.py): a real wait for another process's lock is written
with its figures; a message the module does not know is written as "other", never dropped — the
deadline-day test relies on both (a changed wait message must fail it, not let it find no wait).
Seen failing: with `as_data` taking any record whose *formatted* text holds "store_wait" as a wait
(instead of the template's prefix and a number as first argument), the wait message without its
figure below was lost (its conversion failed inside the handler) instead of being written as other."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap

import pytest

from pipelines import waits
from pipelines.store import Store


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    path = tmp_path / "waits.jsonl"
    monkeypatch.setenv(waits.STORE_WAITS_ENV, str(path))
    logger = logging.getLogger(waits.STORE_LOGGER)
    before = list(logger.handlers)
    assert waits.install_from_env() == str(path)
    assert waits.install_from_env() == str(path)  # a second call adds nothing
    try:
        yield path
    finally:
        for handler in logger.handlers[len(before):]:
            logger.removeHandler(handler)


def _lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_wait_for_another_process_is_written_with_its_figures(recorded, tmp_path):
    store = Store(tmp_path / "data")
    with store.connect():
        pass
    # another process holds the store until it has told us so, then a little longer than the logging
    # threshold (what is asserted is that the wait is recorded, not how long it took)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time, duckdb
        con = duckdb.connect({str(store.db_path)!r})
        print("held", flush=True)
        time.sleep(2.5)
        con.close()
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with store.connect() as con:
            con.execute("SELECT 1")
    finally:
        holder.wait(timeout=60)
    got = _lines(recorded)
    assert [r["event"] for r in got] == ["store_wait"], got
    assert got[0]["wait_s"] >= 1.0 and got[0]["store"] == str(store.db_path)
    assert got[0]["logger"] == "pipelines.store" and got[0]["level"] == "WARNING"


def test_a_message_it_does_not_know_is_written_as_other(recorded):
    log = logging.getLogger("pipelines.store")
    log.warning("waited %.2f s for %s", 2.5, "kho")           # a reworded wait: not a store_wait
    log.warning("store_wait for %s", "kho")                    # its figure gone
    log.warning("store_wait %.2f s for %s (pid %d)", 1.5, "kho", 7)
    got = _lines(recorded)
    assert [r["event"] for r in got] == ["other", "other", "store_wait"]
    assert got[0]["message"] == "waited 2.50 s for kho"
    assert got[2]["wait_s"] == 1.5
