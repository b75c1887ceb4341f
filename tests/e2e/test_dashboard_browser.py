"""End to end: `streamlit run` on a free port against a temp copy of the demo store, driven by the
system's headless Chromium through Playwright (never a downloaded browser). Visits every page,
changes the period, downloads the CSV and checks it; saves a screenshot of each page under
test-output/e2e/ (gitignored)."""
from __future__ import annotations

import csv
import io
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines import metrics
from pipelines.store import Store

CHROMIUM = shutil.which("chromium") or (Path("/usr/bin/chromium").is_file() and "/usr/bin/chromium") or None
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM, reason="no system Chromium (shutil.which('chromium'))")]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "e2e"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = {"": "Tổng quan", "chi-tieu": "Chỉ tiêu", "don-vi": "Đơn vị", "tien-do": "Tiến độ & hạn nộp",
         "nhiem-vu": "Nhiệm vụ", "du-lieu": "Dữ liệu"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def e2e_data(demo_store_template, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("e2e") / "data"
    shutil.copytree(demo_store_template, target)
    return target


@pytest.fixture(scope="module")
def app_url(e2e_data, tmp_path_factory):
    port = _free_port()
    log = (tmp_path_factory.mktemp("e2e-log") / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--", "--data-dir", str(e2e_data)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start; see {log.name}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def _settle(page, heading: str) -> None:
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30000)
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')",
                           timeout=30000)
    page.wait_for_timeout(800)


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : 1000 }")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height), 1000), 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def _no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[role="dialog"]').count() == 0, page.locator('[role="dialog"]').all_inner_texts()
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error" not in body


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page(app_url, tab, path):
    tab.goto(f"{app_url}/{path}?period=9M")
    _settle(tab, PAGES[path])
    _no_errors(tab)
    assert "DỮ LIỆU MẪU (DEMO)" in tab.inner_text("body")
    if path not in ("", "du-lieu"):
        tab.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=15000)
    _shot(tab, path or "tong-quan")


def test_unit_detail_tab(app_url, tab):
    tab.goto(f"{app_url}/don-vi?period=9M&units=CA")
    _settle(tab, "Đơn vị — năm 2022")
    tab.get_by_role("tab", name="Chi tiết một đơn vị").click()
    tab.get_by_text("Các bản báo cáo đã nạp của Công an thị xã").wait_for(timeout=15000)
    _no_errors(tab)
    _shot(tab, "don-vi-chi-tiet")


def test_change_period_updates_cards_and_url(app_url, tab, e2e_data):
    tab.goto(f"{app_url}/?period=Y")
    _settle(tab, "Tổng quan — năm 2022")
    tab.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Kỳ báo cáo").click()
    tab.get_by_role("option", name="6 tháng", exact=True).click()
    _settle(tab, "Tổng quan — 6 tháng năm 2022")
    row = metrics.attainment(Store(e2e_data), 2022, "H1").set_index("indicator").loc["KPI_GIAI_QUYET"]
    body = tab.inner_text("body")
    assert f"{row.numerator}/{row.denominator} · Mục tiêu > 90 %" in body
    assert "Cần giải quyết thêm 1 tin báo để đạt > 90 %." in body
    assert "period=H1" in tab.url
    _no_errors(tab)
    _shot(tab, "tong-quan-6-thang")
    # the filter persists across pages (session and URL)
    tab.get_by_role("link", name="Chỉ tiêu").click()
    _settle(tab, "Chỉ tiêu — năm 2022")
    assert "period=H1" in tab.url


def test_download_csv_is_the_filtered_view(app_url, tab, e2e_data):
    tab.goto(f"{app_url}/du-lieu?period=Q1&units=CA")
    _settle(tab, "Dữ liệu — năm 2022")
    with tab.expect_download() as info:
        tab.get_by_role("button", name="Tải CSV").click()
    download = info.value
    raw = Path(download.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Năm", "Quý", "Mã đơn vị", "Đơn vị"]
    expected = metrics.current_values(Store(e2e_data), 2022, 1, ["CA"])
    assert len(rows) - 1 == len(expected)
    assert {r[2] for r in rows[1:]} == {"CA"} and {r[1] for r in rows[1:]} == {"1"}
    assert download.suggested_filename == "so_lieu_2022_Q1.csv"
    _shot(tab, "du-lieu-loc")


def test_english_toggle(app_url, tab):
    tab.goto(f"{app_url}/?period=9M")
    _settle(tab, "Tổng quan — 9 tháng năm 2022")
    tab.locator("[data-testid=\"stSidebar\"]").get_by_text("English", exact=True).click()
    _settle(tab, "Overview — Nine months 2022")
    assert "lang=en" in tab.url
    _no_errors(tab)
    _shot(tab, "overview-en")
