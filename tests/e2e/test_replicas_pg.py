"""Two dashboard replicas on one PostgreSQL store (README "Past one machine"; issue 21), marker `load`.

One fresh database on the session's private cluster (tests/pg_cluster.py), Q1 of every unit loaded,
the e2e accounts; two `streamlit run dashboard/server.py` processes on two ports (no load balancer: a
client picks its replica, as `hash $remote_addr` would, and some are sent to the other one on purpose).
Replica A takes the store on its command line (`-- --store URL --raw-dir DIR`), replica B from the
environment only, as the README's systemd unit starts it (DUCPHO138_STORE, DUCPHO138_RAW_DIR and the
unit's proxy lines: B answers a request with the README's site name as Host, as nginx sends it).

* Sessions are carried: signed in over HTTP on replica A, the cookie opens a page on replica B (the
  guard lets the page load through, the page run says who is signed in); the admin's list of sessions
  (the Quản trị page, `users.list_sessions_as`) on either replica shows sessions made on both; signing
  out on B ends the session on A at its next interaction.
* A load through A shows on B at B's next interaction: an analyst uploads a report in Chromium on A;
  a viewer on B, whose Dữ liệu page had no row of it, has all of its values on the next run — asserted
  on the rows the server sent, not on time.
* Load: 20 viewer sessions, 10 per replica — 18 scripted clients (tests/e2e/server_kit.py; every
  other one signed in through the *other* replica than the one it reads from) and 2 Chromium browsers
  — read every page again and again while four writers work at once: two analysts uploading through
  the upload page in Chromium, one on each replica, and two shell `python -m pipelines ingest --store …
  --raw-dir … FOLDER` of different folders. The writers overlap on purpose: CA Q2 is sent by both
  analysts and the first shell, VKS Q2 by an analyst and the second shell (different values: the
  per-report advisory lock decides the order), and one file is in both folders (byte for byte: one
  load accepts it, the other finds it a duplicate).

Asserted after the day: no page of any viewer showed an exception, an error alert or a traceback, and
every page had its heading (so every session, wherever it signed in, stayed signed in); no traceback in
either server's log; both shells exited 0 with every file accepted except the one expected duplicate;
every file of the day is in the ledger exactly once; no half-stored submission (each has every value
its unit reports, its raw file with the same SHA-256, marts equal to the views); the admin's session
list shows every viewer's address; and the final store equals loading the same files one by one into a
DuckDB store, in the order the ledger says they were committed (same set of (unit, quarter, sha256),
same current version of every report, same current values).
No duration is asserted. Printed and kept in benchmarks/results.json under "replicas_pg": p50/p95/max of
page renders per replica, of analysts' files, counts, peak memory of each replica.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from pathlib import Path

import pytest
from browser_kit import ACCOUNTS, CHROMIUM, PASSWORD, ROOT
from conftest import new_pg_store
from server_kit import Session, cookie, failure_text, form_post, request, rss_mib, serve_process, strings
from test_deadline_load import (MIN_ROUNDS, PAGES, YEAR, _analyst, _browser_viewer,
                                _merge_results, _problems, _scripted_viewer, _spread)

from pipelines.accounts import users
from pipelines.store import Store, marts
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

pytestmark = [pytest.mark.e2e, pytest.mark.load, pytest.mark.postgres,
              pytest.mark.skipif(not CHROMIUM, reason="no system Chromium (shutil.which('chromium'))")]

SCRIPTED = 18         # viewers speaking the websocket protocol, 9 per replica
BROWSERS = 2          # viewers in Chromium, 1 per replica
SESSION = "ducpho138_session"
ANALYST_2 = "chuyen_vien_2"
SIGNED_OUT = "Bạn chưa đăng nhập hoặc phiên đăng nhập đã kết thúc"
CLIENT_COLUMN = "Địa chỉ máy"     # the admin's session list: the address a session signed in from
README_SITE = "bcd138.example.vn"  # the README's nginx server_name, passed to the replicas as Host
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def _values(plan, unit: str, n: int) -> dict:
    return {e: n for e in plan.unit_elements(unit)}  # every count n: no rule is broken


@pytest.fixture(scope="module")
def pg(request, tmp_path_factory):
    """A fresh PostgreSQL store with Q1 of every unit and the accounts; `made` {sha256: (name, bytes)}
    keeps every file ever loaded into it, for the one-by-one replay on DuckDB."""
    import hashlib
    root = tmp_path_factory.mktemp("replicas")
    store = new_pg_store(request, root)
    plan = store.plan(YEAR)
    made: dict[str, tuple[str, bytes]] = {}
    for u in plan.units:
        data = build_template(plan, u.code, 1, values=_values(plan, u.code, 1))
        r = ingest_bytes(store, data, f"{u.code}_Q1.xlsx")
        assert r.status == "accepted", r.errors
        made[hashlib.sha256(data).hexdigest()] = (f"{u.code}_Q1.xlsx", data)
    for name, role in {**ACCOUNTS, ANALYST_2: "analyst"}.items():
        users.add_user(store, name, role, PASSWORD)
    return store, plan, root, made


@pytest.fixture(scope="module")
def replicas(pg):
    """Two servers on two ports: A told the store after `--`, B by the environment (the systemd unit's
    way). Each names itself to PostgreSQL (PGAPPNAME), so its connections can be counted."""
    from pipelines.store.engine import RAW_DIR_ENV, STORE_ENV
    store, _, root, _ = pg
    args = ("--store", store.key, "--raw-dir", str(store.raw_dir))
    by_env = {STORE_ENV: store.key, RAW_DIR_ENV: str(store.raw_dir), "PGAPPNAME": "replica-B",
              "DUCPHO138_TRUSTED_PROXIES": "127.0.0.1", "DUCPHO138_ALLOWED_HOSTS": README_SITE}  # the unit's lines
    with serve_process(None, root / "replica-a.log", *args, env={"PGAPPNAME": "replica-A"}) as (a, proc_a), \
            serve_process(None, root / "replica-b.log", env=by_env) as (b, proc_b):
        yield {"A": a, "B": b}, {"A": proc_a, "B": proc_b}, {"A": root / "replica-a.log", "B": root / "replica-b.log"}


# -- what a replica sent ---------------------------------------------------------------------------------
def _page_load(url: str, token: str | None) -> tuple[int, str]:
    """A browser's page load (GET /): (status, Location). The guard sends one without a live session
    to the sign-in form (303); with one, Streamlit's page (200)."""
    headers = {"Cookie": f"{SESSION}={token}"} if token else {}
    status, head, _, _ = request(url, path="/", headers=headers)
    return status, head.get("location", "")


def _texts(messages: list) -> list[str]:
    return [s for fm in messages if fm.HasField("delta") for s in strings(fm.delta)]


def _tables(messages: list) -> list[list[dict]]:
    """Every st.dataframe a run sent, as rows (the Arrow data the browser would draw)."""
    import pyarrow as pa
    out = []
    for fm in messages:
        if fm.HasField("delta") and fm.delta.HasField("new_element") and fm.delta.new_element.HasField("dataframe"):
            out.append(pa.ipc.open_stream(fm.delta.new_element.dataframe.arrow_data.data).read_all().to_pylist())
    return out


def _session_clients(messages: list) -> set[str]:
    """The addresses in the Quản trị page's list of sessions."""
    return {row[CLIENT_COLUMN] for table in _tables(messages) for row in table if CLIENT_COLUMN in row}


def _rows_of(messages: list, unit: str, quarter_name: str) -> dict[str, str]:
    """Dữ liệu page: {element: value shown} of one unit and quarter."""
    return {row["Mã chỉ tiêu"]: row["Số liệu"] for table in _tables(messages) for row in table
            if row.get("Mã đơn vị") == unit and row.get("Quý") == quarter_name}


def _sign_in(url: str, name: str, source: str) -> str:
    status, _, body, set_cookies = form_post(url, name, PASSWORD, source=source)
    assert status == 303, (status, failure_text(body))
    return cookie(set_cookies, SESSION)


def _log_problems(paths: dict[str, Path]) -> list[str]:
    return [f"replica {k}: {line.strip()[:200]}" for k, p in paths.items()
            for line in p.read_text(errors="replace").splitlines()
            if "Traceback" in line or "PoolTimeout" in line or "deadlock" in line.lower()]


# -- sessions across replicas ---------------------------------------------------------------------------
def test_a_session_started_on_one_replica_is_valid_on_the_other(pg, replicas):
    urls, _, logs = replicas
    a, b = urls["A"], urls["B"]
    viewer = _sign_in(a, "xem", "127.0.0.5")      # a session made by replica A …
    admin = _sign_in(b, "quan_tri", "127.0.0.6")  # … and one made by replica B

    assert _page_load(b, None)[0] == 303 and "/dang-nhap" in _page_load(b, None)[1]  # B guards its pages
    assert _page_load(b, viewer) == (200, "")     # A's session opens B's page
    assert _page_load(a, admin) == (200, "")      # and B's opens A's
    # B as the README's unit starts it answers what nginx sends (Host: the site's name)
    proxied = {"Host": README_SITE, "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert request(b, path="/dang-nhap", headers=proxied)[0] == 200

    async def flow() -> None:
        async with Session(b, {SESSION: viewer}) as on_b, Session(a, {SESSION: viewer}) as on_a, \
                Session(a, {SESSION: admin}) as admin_on_a, Session(b, {SESSION: admin}) as admin_on_b:
            for s, where in ((on_b, "B"), (on_a, "A")):
                got = await s.run("", timeout=120)
                assert _problems(got, "") == [], where
                assert "Đã đăng nhập: **xem** · Người xem" in _texts(got), where
            # admins see every replica's sessions, whichever replica they are on
            for s, where in ((admin_on_a, "A"), (admin_on_b, "B")):
                got = await s.run("quan-tri", timeout=120)
                assert not [p for p in _problems(got, "") if "heading" not in p], where
                assert {"127.0.0.5", "127.0.0.6"} <= _session_clients(got), where
            # signing out on B ends the session on A at A's next interaction
            await on_b.click("Đăng xuất")
            got = await on_a.run("", timeout=120)
            assert SIGNED_OUT in _texts(got)
            assert "Đã đăng nhập: **xem** · Người xem" not in _texts(got)
            got = await admin_on_a.run("quan-tri", timeout=120)
            clients = _session_clients(got)
            assert "127.0.0.6" in clients and "127.0.0.5" not in clients

    asyncio.run(flow())
    assert _page_load(a, viewer)[0] == 303         # a fresh page load on A: the sign-in form
    store = pg[0]
    live = users.list_sessions_as(store, users.get_user(store, "quan_tri"))
    assert set(live["client"]) == {"127.0.0.6"}
    assert _log_problems(logs) == []


# -- a load through one replica, seen on the other --------------------------------------------------------
def test_a_load_through_one_replica_shows_on_the_other(pg, replicas):
    """The analyst uploads in Chromium on A; the viewer's Dữ liệu page on B (a link with the half year,
    so Q2 is in view) has no LDTBXH Q2 row before and every value of it on its next run."""
    import hashlib

    from playwright.async_api import async_playwright
    store, plan, _, made = pg
    urls, _, logs = replicas
    unit, n = "LDTBXH", 7
    name = f"{unit}_Q2.xlsx"
    data = build_template(plan, unit, 2, values=_values(plan, unit, n))
    made[hashlib.sha256(data).hexdigest()] = (name, data)
    viewer = _sign_in(urls["B"], "xem", "127.0.0.7")
    errors: list[str] = []

    async def flow() -> tuple[dict, dict]:
        async with Session(urls["B"], {SESSION: viewer}) as on_b:
            before = await on_b.run("du-lieu", query="period=H1", timeout=120)
            errors.extend(_problems(before, "du-lieu"))
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
                try:
                    await _analyst(browser, urls["A"], "chuyen_vien", [(name, data)], [], errors)
                finally:
                    await browser.close()
            after = await on_b.run("du-lieu", query="period=H1", timeout=120)
            errors.extend(_problems(after, "du-lieu"))
            return _rows_of(before, unit, "Quý II"), _rows_of(after, unit, "Quý II")

    before, after = asyncio.run(flow())
    assert errors == []
    assert before == {}
    assert after == {e: str(n) for e in plan.unit_elements(unit)}
    assert _log_problems(logs) == []


# -- load: 20 viewers over two replicas, four writers ---------------------------------------------------------
class _Connections(threading.Thread):
    """Counts each replica's connections to the database twice a second (pg_stat_activity, by the
    PGAPPNAME each server was started with): the most open and the most busy at once (not idle: a
    statement running or a transaction open). A replica's open connections at its pool's size mean
    that page runs may have waited for one."""

    def __init__(self, dsn: str):
        super().__init__(daemon=True)
        self.dsn, self.done = dsn, threading.Event()
        self.peak: dict[str, dict[str, int]] = {}

    def run(self) -> None:
        import psycopg
        with psycopg.connect(self.dsn, autocommit=True, application_name="probe") as con:
            while not self.done.wait(0.5):
                for app, opened, busy in con.execute(
                        "SELECT application_name, count(*), count(*) FILTER (WHERE state <> 'idle') "
                        "FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'replica-%' GROUP BY 1"):
                    seen = self.peak.setdefault(app.removeprefix("replica-"), {"open": 0, "busy": 0})
                    seen["open"], seen["busy"] = max(seen["open"], opened), max(seen["busy"], busy)


def _day_files(plan, root: Path) -> tuple[dict[str, list[tuple[str, bytes]]], dict[str, Path], str]:
    """The four writers' files; the shells' two folders; the name of the file in both folders."""
    units = [u.code for u in plan.units]

    def make(who: str, value: int, wanted: list[str]) -> list[tuple[str, bytes]]:
        return [(f"{who}_{u}_Q2.xlsx", build_template(plan, u, 2, values=_values(plan, u, value))) for u in wanted]
    files = {"a1": make("a1", 2, ["CA", "VKS", "TAND"]),
             "a2": make("a2", 3, ["CA", "BP_PQ", "BP_SH"]),
             "shell1": make("s1", 4, ["CA"] + [u for u in units if u.startswith("P_")]),
             "shell2": make("s2", 5, ["VKS"] + [u for u in units if u.startswith("X_")])}
    both = ("TP_Q2.xlsx", build_template(plan, "TP", 2, values=_values(plan, "TP", 6)))  # the same bytes twice
    files["shell1"].append(both)
    files["shell2"].append(both)
    folders = {}
    for shell in ("shell1", "shell2"):
        folders[shell] = root / f"inbox-{shell}"
        folders[shell].mkdir()
        for name, data in files[shell]:
            (folders[shell] / name).write_bytes(data)
    return files, folders, both[0]


def _ledger(store: Store) -> list[tuple]:
    with store.connect() as con:
        return con.execute("SELECT id, unit, quarter, sha256, is_current FROM submission ORDER BY id").fetchall()


def _current_values(store: Store) -> dict:
    with store.connect() as con:
        rows = con.execute("SELECT unit, year, quarter, element, value FROM v_current_value").fetchall()
    return {(u, y, q, e): v for u, y, q, e, v in rows}


def _half_stored(store: Store, plan) -> list[str]:
    """Submissions without every value their unit reports, or without their raw file as loaded."""
    import hashlib
    with store.connect() as con:
        rows = con.execute("SELECT s.id, s.unit, s.sha256, s.raw_path, (SELECT count(*) FROM submission_value v "
                           "WHERE v.submission_id = s.id) FROM submission s ORDER BY s.id").fetchall()
        differences = marts.differences(con)
    out = [f"#{sid} {unit}: {n} values, the unit reports {len(plan.unit_elements(unit))}"
           for sid, unit, _, _, n in rows if n != len(plan.unit_elements(unit))]
    for sid, unit, sha, raw, _ in rows:
        path = store.raw_path(raw)
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            out.append(f"#{sid} {unit}: raw file {raw} missing or changed")
    out += [f"marts differ from the views: {k} {v}" for k, v in differences.items() if v]
    return out


def test_twenty_viewers_on_two_replicas_and_four_writers_at_once(pg, replicas, tmp_path):
    import hashlib

    from playwright.async_api import async_playwright
    store, plan, root, made = pg
    urls, procs, logs = replicas
    files, folders, in_both = _day_files(plan, tmp_path)
    for who in files:
        for name, data in files[who]:
            made[hashlib.sha256(data).hexdigest()] = (name, data)
    ledger_before = {row[3] for row in _ledger(store)}
    times: dict[str, list[float]] = {"A": [], "B": [], "analyst": []}
    errors: list[str] = []
    reads = ["A", "B"]

    async def day():
        stop = asyncio.Event()
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            # viewer n reads on replica n % 2 and signed in on replica n // 2 % 2: half of them elsewhere
            viewers = [asyncio.create_task(_scripted_viewer(
                n, urls[reads[n % 2]], times[reads[n % 2]], errors, stop, 0.5 * n, sign_in_url=urls[reads[n // 2 % 2]]))
                for n in range(SCRIPTED)]
            viewers += [asyncio.create_task(_browser_viewer(
                i, browser, urls[reads[i % 2]], times[reads[i % 2]], errors, stop, 1.0 + 2.0 * i))
                for i in range(BROWSERS)]
            await asyncio.sleep(10)  # the viewers are signing in and reading when the writers start
            shells = [await asyncio.create_subprocess_exec(
                sys.executable, "-m", "pipelines", "ingest", "--store", store.key, "--raw-dir", str(store.raw_dir),
                "--received-at", "2022-06-14T09:00", "--json", str(folders[shell]), cwd=ROOT, env=dict(os.environ),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE) for shell in ("shell1", "shell2")]
            try:
                await asyncio.gather(
                    _analyst(browser, urls["A"], "chuyen_vien", files["a1"], times["analyst"], errors),
                    _analyst(browser, urls["B"], ANALYST_2, files["a2"], times["analyst"], errors))
                outputs = [await shell.communicate() for shell in shells]
            finally:
                stop.set()
                rounds = await asyncio.gather(*viewers)
                await browser.close()
        results = {}
        for shell, proc, (out, err) in zip(("shell1", "shell2"), shells, outputs):
            if proc.returncode:
                errors.append(f"{shell} exit {proc.returncode}: {err.decode()[-500:]}")
            results[shell] = {r["file"]: r["status"] for r in json.loads(out or b"[]")}
        return rounds, results

    connections = _Connections(store.key)
    connections.start()
    started = time.monotonic()
    try:
        rounds, shell_results = asyncio.run(day())
    finally:
        connections.done.set()
        connections.join()
    elapsed = time.monotonic() - started
    peak = {k: round(rss_mib(p.pid, "VmHWM"), 1) for k, p in procs.items()}
    problems_in_logs = _log_problems(logs)
    live_clients = set(users.list_sessions_as(store, users.get_user(store, "quan_tri"))["client"])

    figures = {
        "clients": {"replicas": 2, "scripted_viewers": SCRIPTED, "browser_viewers": BROWSERS,
                    "viewers_per_replica": {"A": SCRIPTED // 2 + BROWSERS // 2, "B": SCRIPTED // 2 + BROWSERS // 2},
                    "analysts_browser": 2, "shells": 2,
                    "shell_files": {k: len(files[k]) for k in ("shell1", "shell2")}},
        "page_renders": {"A": _spread(times["A"]), "B": _spread(times["B"])},
        "analyst_file": _spread(times["analyst"]),
        "viewer_rounds": {"min": min(rounds), "max": max(rounds)},
        "replica_peak_rss_mb": peak,
        "pg_pool_max": int(os.environ.get("DUCPHO138_PG_POOL", "8")),
        "pg_connections_peak": connections.peak,
        "elapsed_s": round(elapsed, 1), "errors": len(errors),
    }
    print("replicas on PostgreSQL:", json.dumps(figures, ensure_ascii=False))
    _merge_results("replicas_pg", figures)

    assert errors == [], errors[:20]
    assert problems_in_logs == [], problems_in_logs[:20]
    for replica in ("A", "B"):
        assert len(times[replica]) >= (SCRIPTED // 2 + BROWSERS // 2) * len(PAGES) * MIN_ROUNDS
    assert len(times["analyst"]) == len(files["a1"]) + len(files["a2"])
    # every shell file accepted, but the one in both folders: accepted by one shell, a duplicate for the other
    for shell in ("shell1", "shell2"):
        assert set(shell_results[shell]) == {name for name, _ in files[shell]}, shell
        assert {s for f, s in shell_results[shell].items() if f != in_both} == {"accepted"}, shell_results[shell]
    assert sorted(shell_results[s][in_both] for s in ("shell1", "shell2")) == ["accepted", "duplicate"]
    # every file of the day in the ledger once, nothing else new, nothing half-stored
    ledger = _ledger(store)
    day = {hashlib.sha256(data).hexdigest() for who in files for _, data in files[who]}
    new = [row[3] for row in ledger if row[3] not in ledger_before]
    assert sorted(new) == sorted(day)
    assert _half_stored(store, plan) == []
    assert {f"127.0.0.{20 + n}" for n in range(SCRIPTED)} <= live_clients  # the admin sees both replicas' sessions

    # the same files one by one into DuckDB, in the ledger's order (what decides the current version)
    sequential = Store(tmp_path / "sequential")
    for _, _, _, sha, _ in ledger:
        name, data = made[sha]
        assert ingest_bytes(sequential, data, name).status == "accepted"
    assert {(u, q, sha, cur) for _, u, q, sha, cur in _ledger(sequential)} == \
        {(u, q, sha, cur) for _, u, q, sha, cur in ledger}
    assert _current_values(sequential) == _current_values(store)
