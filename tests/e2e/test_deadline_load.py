"""Deadline day (marker `load`): the real server, 20 viewers and two analysts at once, and a shell
`ingest` of a folder.

* 17 viewers are scripted clients (tests/e2e/server_kit.py): each signs in with the real sign-in form
  over HTTP from an address of its own, then reads every page a viewer has through Streamlit's
  websocket protocol, again and again with a pause between pages, until the writers are done;
* 3 viewers are real headless Chromium browsers doing the same through the sidebar;
* two analysts upload through the upload page in Chromium, one file per batch (the same unit and
  quarter as each other and as the shell, and different ones);
* the shell ingests a folder while all of that goes on.

Asserted: every page each viewer read finished without an exception element, an error alert, a
traceback or "page not found", and shows its Vietnamese heading; every analyst batch said it was
loaded; the shell exited 0; the final store equals loading the same files one by one in the order
they were committed (same ledger, ids without gaps, same current versions and values).
Store waits are read from data, not from the log's wording: the server and the shell run with
$DUCPHO138_STORE_WAITS (pipelines/waits.py), which writes each wait of 1 s or more with its figure.
Before the day the test provokes one — it holds the store while a client signs in, and the sign-in
is still unfinished when it lets go — and that wait must be in the file under the server's pid;
anything in the file that is not a wait fails the test. So a changed wait message fails here instead
of finding no wait. No duration is asserted (speed: `make bench`).
Printed and kept in benchmarks/results.json under "load": p50/p95/max per kind of client (a page for
a viewer, a file from choosing it to "Đã nạp xong" for an analyst), how many renders, the longest
store wait of the server and of the shell, the server's peak memory (VmHWM).
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest
from browser_kit import CHROMIUM, PASSWORD, ROOT, SHOTS, add_accounts
from server_kit import Session, cookie, failure_text, form_post, rss_mib, serve_process

from pipelines import waits as waits_module
from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

pytestmark = [pytest.mark.e2e, pytest.mark.load,
              pytest.mark.skipif(not CHROMIUM, reason="no system Chromium (shutil.which('chromium'))")]

SCRIPTED = int(os.environ.get("LOAD_SCRIPTED", "17"))   # viewers speaking the websocket protocol
BROWSERS = int(os.environ.get("LOAD_BROWSERS", "3"))    # viewers in Chromium
MIN_ROUNDS = 1        # every viewer reads every page at least this often …
MAX_ROUNDS = 12       # … and keeps reading while the writers work, at most this often
THINK = (1.0, 2.5)    # seconds a viewer spends on a page before the next (people read)
YEAR = 2022
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESULTS = ROOT / "benchmarks" / "results.json"
ANALYST_2 = "chuyen_vien_2"
SESSION = "ducpho138_session"
# every page a viewer has (dashboard/app.py PAGES), by address, and the start of its Vietnamese heading
PAGES = {"": "Tổng quan — ", "chi-tieu": f"Chỉ tiêu — năm {YEAR}", "don-vi": f"Đơn vị — năm {YEAR}",
         "tien-do": f"Tiến độ & hạn nộp — năm {YEAR}", "nhiem-vu": f"Nhiệm vụ — năm {YEAR}",
         "du-lieu": f"Dữ liệu — năm {YEAR}", "chat-luong": f"Chất lượng số liệu — năm {YEAR}"}


def _values(plan, unit: str, n: int) -> dict:
    return {e: n for e in plan.unit_elements(unit)}  # every count n: no rule is broken


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """Q1 of every unit loaded; Q2 files for the two analysts and the shell's folder."""
    root = tmp_path_factory.mktemp("load")
    base = root / "data"
    store = Store(base)
    plan = store.plan(YEAR)
    for u in plan.units:
        r = ingest_bytes(store, build_template(plan, u.code, 1, values=_values(plan, u.code, 1)), f"{u.code}_Q1.xlsx")
        assert r.status == "accepted", r.errors
    add_accounts(base)
    from pipelines.accounts import users
    users.add_user(store, ANALYST_2, "analyst", PASSWORD)
    units = [u.code for u in plan.units]
    files = {"a1": [("CA", 2), ("VKS", 2), ("TAND", 2)],            # CA Q2 by all three
             "a2": [("CA", 2), ("BP_PQ", 2), ("BP_SH", 2)],
             "shell": [("CA", 2)] + [(u, 2) for u in units if u.startswith(("P_", "X_"))]}
    made = {}
    for who, wanted in files.items():
        made[who] = []
        for unit, q in wanted:
            value = {"a1": 2, "a2": 3, "shell": 4}[who]
            made[who].append((f"{who}_{unit}_Q{q}.xlsx", build_template(plan, unit, q, values=_values(plan, unit, value))))
    inbox = root / "inbox"
    inbox.mkdir()
    for name, data in made["shell"]:
        (inbox / name).write_bytes(data)
    return base, inbox, made


# -- the store's waits, as data -----------------------------------------------------------------------------
def _wait_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _provoke_a_wait(url: str, base: Path, waits_path: Path, server_pid: int) -> float:
    """Hold the store from this process while a client signs in (the sign-in needs the store); let
    go only once the sign-in has been seen unfinished for a while. The server must have recorded
    that wait: otherwise the test could not see waits at all."""
    for _ in range(300):   # DuckDB: one process at a time, so the server will wait for this one
        try:
            con = duckdb.connect(str(Store(base).db_path))
            break
        except duckdb.IOException:   # the server has it for a moment
            time.sleep(0.1)
    outcome: dict = {}
    signing_in = threading.Thread(target=lambda: outcome.update(
        answer=form_post(url, "xem", PASSWORD, source="127.0.0.9")))
    try:
        signing_in.start()
        signing_in.join(timeout=4)
        still_waiting = signing_in.is_alive()
    finally:
        con.close()
    signing_in.join()
    status, _, body, _ = outcome["answer"]
    assert status == 303, (status, failure_text(body))
    assert still_waiting, "the sign-in finished while this process held the store: it did not need it"
    provoked = [r for r in _wait_records(waits_path) if r["event"] == "store_wait" and r["pid"] == server_pid]
    assert len(provoked) == 1, f"the provoked wait is not in {waits_path}: {_wait_records(waits_path)}"
    return provoked[0]["wait_s"]


# -- viewers -----------------------------------------------------------------------------------------------
def _problems(messages: list, page: str) -> list[str]:
    """What is wrong with one page as the server sent it (empty: rendered, heading shown). A page that
    failed shows an exception element; the store too busy is an error alert (app.py, StoreBusy)."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    found, headings = [], []
    for fm in messages:
        if fm.HasField("page_not_found"):
            found.append("page not found")
        if fm.HasField("delta") and fm.delta.HasField("new_element"):
            el = fm.delta.new_element
            kind = el.WhichOneof("type")
            if kind == "exception":
                found.append(f"exception {el.exception.type}: {el.exception.message[:200]}")
            elif kind == "alert" and el.alert.format == Alert.ERROR:
                found.append(f"error: {el.alert.body[:200]}")
            elif kind == "heading":
                headings.append(el.heading.body)
    finished = [fm.script_finished for fm in messages if fm.HasField("script_finished")]
    if not finished or finished[-1] != ForwardMsg.FINISHED_SUCCESSFULLY:
        found.append(f"run not finished ({finished})")
    if not any(h.startswith(PAGES[page]) for h in headings):
        found.append(f"heading {PAGES[page]!r} not among {headings[:3]}")
    return [f"/{page}: {p}" for p in found]


async def _scripted_viewer(n: int, url: str, times: list, errors: list, stop: asyncio.Event, delay: float,
                           sign_in_url: str | None = None) -> int:
    """A viewer without a browser: the sign-in form over HTTP (on `sign_in_url`, another replica, when
    given), then every page over the websocket of `url`."""
    await asyncio.sleep(delay)  # people arrive over a few seconds, not in the same millisecond
    source = f"127.0.0.{20 + n}"
    status, _, body, set_cookies = await asyncio.to_thread(form_post, sign_in_url or url, "xem", PASSWORD,
                                                           source=source)
    if status != 303:
        errors.append(f"scripted {n}: sign-in {status} {failure_text(body)}")
        return 0
    pace = random.Random(n)
    rounds = 0
    async with Session(url, {SESSION: cookie(set_cookies, SESSION)}) as s:
        while rounds < MIN_ROUNDS or (not stop.is_set() and rounds < MAX_ROUNDS):
            for page in PAGES:
                start = time.monotonic()
                got = await s.run(page, timeout=120)
                times.append(time.monotonic() - start)
                errors += [f"scripted {n} {p}" for p in _problems(got, page)]
                s.messages.clear()  # a day of pages: keep no more than one page's messages
                s.raw.clear()
                await asyncio.sleep(pace.uniform(*THINK))
            rounds += 1
    return rounds


async def _idle(page) -> None:
    await page.wait_for_timeout(150)
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
        " && document.querySelector('[data-testid=\"stMain\"] [data-testid=\"stHeading\"]')", timeout=120000)


async def _errors(page) -> list[str]:
    found = []
    if await page.locator('[data-testid="stException"]').count():
        found.append("exception")
    for alert in await page.locator('[data-testid="stAlertContentError"]').all_inner_texts():
        found.append(alert)
    body = await page.inner_text("body")
    if "Traceback" in body or "StoreBusy" in body:
        found.append("traceback")
    return found


async def _sign_in(page, url: str, name: str) -> None:
    await page.goto(url)
    await page.get_by_label("Tên đăng nhập").wait_for(timeout=120000)
    await page.get_by_label("Tên đăng nhập").fill(name)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=120000)
    await _idle(page)


async def _browser_viewer(n: int, browser, url: str, times: list, errors: list, stop: asyncio.Event,
                          delay: float) -> int:
    await asyncio.sleep(delay)
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = await context.new_page()
    page.set_default_timeout(120000)
    pace = random.Random(100 + n)
    rounds = 0
    try:
        await _sign_in(page, url, "xem")
        nav = page.locator('[data-testid="stSidebarNav"]')
        links = [text.strip().splitlines()[-1] for text in await nav.get_by_role("link").all_inner_texts()]
        if len(links) != len(PAGES):
            errors.append(f"browser {n}: menu {links}")
        while rounds < MIN_ROUNDS or (not stop.is_set() and rounds < MAX_ROUNDS):
            for i, (name, heading) in enumerate(zip(links, PAGES.values())):   # the menu is in PAGES' order
                start = time.monotonic()
                await nav.get_by_role("link").nth(i).click()
                try:   # the page asked for is drawn and its run is over (not the previous page, still shown)
                    await page.wait_for_function(
                        "h => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]') && [...document"
                        ".querySelectorAll('[data-testid=\"stMain\"] h2')].some(e => e.innerText.startsWith(h))",
                        arg=heading, timeout=120000)
                except Exception:
                    errors.append(f"browser {n} {name}: no heading {heading!r}")
                times.append(time.monotonic() - start)
                errors += [f"browser {n} {name}: {e}" for e in await _errors(page)]
                await page.wait_for_timeout(pace.uniform(*THINK) * 1000)
            rounds += 1
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"load-browser-{n}-failed.png"), full_page=True)
        raise
    finally:
        await context.close()
    return rounds


# -- analysts ----------------------------------------------------------------------------------------------
async def _analyst(browser, url: str, name: str, files: list[tuple[str, bytes]], times: list, errors: list) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = await context.new_page()
    page.set_default_timeout(120000)
    try:
        await _sign_in(page, url, name)
        await page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Tải lên báo cáo").click()
        await _idle(page)
        for fname, data in files:  # one file per batch: more confirmations in flight at once
            start = time.monotonic()
            await page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                [{"name": fname, "mimeType": XLSX, "buffer": data}])
            button = page.get_by_role("button", name=re.compile(r"Xác nhận nạp 1 tệp"))
            await button.wait_for(timeout=120000)
            await _idle(page)
            await button.click()
            await button.wait_for(state="detached", timeout=120000)  # the batch is done, a fresh uploader
            await page.get_by_text("Đã nạp xong:").wait_for(timeout=120000)
            await _idle(page)
            times.append(time.monotonic() - start)
            errors += [f"{name} {fname}: {e}" for e in await _errors(page)]
    except Exception:
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"load-{name}-failed.png"), full_page=True)
        raise
    finally:
        await context.close()


# -- the store before and after ----------------------------------------------------------------------------
def _state(store: Store) -> tuple:
    with store.connect() as con:
        ledger = con.execute("SELECT id, unit, year, quarter, sha256, is_current FROM submission ORDER BY id").fetchall()
        values = con.execute("SELECT unit, year, quarter, element, value FROM v_current_value ORDER BY ALL").fetchall()
    return ledger, values


def _reload(target: Path, base: Path, order: list[str], files: dict[str, bytes]) -> Store:
    """A store with the same Q1 as the base before the day, then the day's files loaded one by one."""
    store = Store(target)
    with Store(base).connect() as con:
        q1 = con.execute("SELECT file_name, raw_path FROM submission WHERE quarter = 1 ORDER BY id").fetchall()
    for name, raw in q1:
        assert ingest_bytes(store, (base / raw).read_bytes(), name).status == "accepted"
    for name in order:
        assert ingest_bytes(store, files[name], name).status == "accepted"
    return store


def _spread(times: list[float]) -> dict:
    return {"renders": len(times),
            "p50_s": round(statistics.median(times), 3) if times else None,
            "p95_s": round(statistics.quantiles(times, n=20, method="inclusive")[-1], 3) if len(times) > 1 else None,
            "max_s": round(max(times), 3) if times else None}


def _merge_results(key: str, value: dict) -> None:
    """Other benchmarks write other keys of the same file: read, set ours, write atomically."""
    RESULTS.parent.mkdir(exist_ok=True)
    try:
        data = json.loads(RESULTS.read_text())
    except (OSError, ValueError):
        data = {}
    data[key] = value
    tmp = RESULTS.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    os.replace(tmp, RESULTS)


def test_deadline_day(setup, tmp_path):
    from playwright.async_api import async_playwright
    base, inbox, made = setup
    waits_path = tmp_path / "store_waits.jsonl"
    env = {waits_module.STORE_WAITS_ENV: str(waits_path)}
    all_files = {name: data for files in made.values() for name, data in files}
    times: dict[str, list[float]] = {"scripted_viewer": [], "browser_viewer": [], "analyst": []}
    errors: list[str] = []
    with serve_process(base, tmp_path / "streamlit.log", env=env) as (url, server):
        provoked = _provoke_a_wait(url, base, waits_path, server.pid)
        before_day = len(_wait_records(waits_path))

        async def day() -> tuple[list[int], int]:
            stop = asyncio.Event()
            async with async_playwright() as p:
                browser = await p.chromium.launch(executable_path=CHROMIUM, args=[
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
                viewers = [asyncio.create_task(_scripted_viewer(i, url, times["scripted_viewer"], errors, stop, 0.5 * i))
                           for i in range(SCRIPTED)]
                viewers += [asyncio.create_task(_browser_viewer(i, browser, url, times["browser_viewer"], errors, stop,
                                                                1.0 + 2.0 * i)) for i in range(BROWSERS)]
                await asyncio.sleep(10)  # the viewers are signing in and reading when the writers start
                shell = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "pipelines", "ingest", str(inbox), "--data-dir", str(base),
                    "--received-at", "2022-06-14T09:00", cwd=ROOT, env={**os.environ, **env},
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                try:
                    await asyncio.gather(_analyst(browser, url, "chuyen_vien", made["a1"], times["analyst"], errors),
                                         _analyst(browser, url, ANALYST_2, made["a2"], times["analyst"], errors))
                    _, shell_err = await shell.communicate()
                finally:
                    stop.set()
                    rounds = await asyncio.gather(*viewers)
                    await browser.close()
                if shell.returncode:
                    errors.append(f"shell ingest exit {shell.returncode}: {shell_err.decode()[-500:]}")
                return rounds, shell.pid

        started = time.monotonic()
        rounds, shell_pid = asyncio.run(day())
        elapsed = time.monotonic() - started
        peak_rss = rss_mib(server.pid, "VmHWM")
    day_records = _wait_records(waits_path)[before_day:]
    not_waits = [r for r in day_records if r["event"] != "store_wait"]
    server_waits = [r["wait_s"] for r in day_records if r["event"] == "store_wait" and r["pid"] == server.pid]
    shell_waits = [r["wait_s"] for r in day_records if r["event"] == "store_wait" and r["pid"] == shell_pid]

    # the same files, one by one, in the order the concurrent run committed them
    concurrent = Store(base)
    ledger, values = _state(concurrent)
    names = dict(concurrent.query_df("SELECT id, file_name FROM submission").itertuples(index=False))
    order = [names[row[0]] for row in ledger if row[3] == 2]
    sequential = _reload(tmp_path / "sequential", base, order, all_files)

    figures = {
        "clients": {"scripted_viewers": SCRIPTED, "browser_viewers": BROWSERS, "analysts": 2,
                    "shell_files": len(made["shell"])},
        **{kind: _spread(t) for kind, t in times.items()},
        "renders": sum(len(t) for t in times.values()),
        "viewer_rounds": {"min": min(rounds), "max": max(rounds)},
        "store_waits_over_1s": {"server": len(server_waits), "shell": len(shell_waits)},
        "longest_store_wait_s": {"server": max(server_waits, default=0.0), "shell": max(shell_waits, default=0.0)},
        "provoked_wait_s": provoked,
        "server_peak_rss_mb": round(peak_rss, 1),
        "elapsed_s": round(elapsed, 1), "errors": len(errors),
    }
    print("deadline-day load:", json.dumps(figures, ensure_ascii=False))
    _merge_results("load", figures)

    assert errors == [], errors[:20]
    assert not_waits == [], "the store logged something pipelines/waits.py does not read as a wait"
    assert len(times["scripted_viewer"]) >= SCRIPTED * len(PAGES) * MIN_ROUNDS
    assert len(times["browser_viewer"]) >= BROWSERS * len(PAGES) * MIN_ROUNDS
    assert len(times["analyst"]) == len(made["a1"]) + len(made["a2"])
    assert [row[0] for row in ledger] == list(range(1, len(ledger) + 1)), "ids without gaps or repeats"
    assert sorted(order) == sorted(all_files), "every file of the day accepted once"
    assert _state(sequential) == (ledger, values)
