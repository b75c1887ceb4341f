"""End to end: `streamlit run` on a free port against a temp copy of the demo store, driven by the
system's headless Chromium through Playwright (never a downloaded browser). Signs in as a viewer,
visits every page, changes the period, downloads the CSV and checks it (and that the download is in
the audit log); saves a screenshot of each page under test-output/e2e/ (gitignored). The analyst's
upload / restore and the viewer's missing upload page: test_analyst_browser.py."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from browser_kit import (  # noqa: F401
    MARKS,
    add_accounts,
    chromium,
    no_errors,
    open_as,
    serve,
    settle,
    shot,
    tab,
)

from pipelines.outputs import metrics
from pipelines.store import Store

pytestmark = MARKS

PAGES = {"": "Tổng quan", "chi-tieu": "Chỉ tiêu", "don-vi": "Đơn vị", "tien-do": "Tiến độ & hạn nộp",
         "nhiem-vu": "Nhiệm vụ", "du-lieu": "Dữ liệu"}


@pytest.fixture(scope="module")
def e2e_data(demo_store_template, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("e2e") / "data"
    shutil.copytree(demo_store_template, target)
    add_accounts(target)
    return target


@pytest.fixture(scope="module")
def app_url(e2e_data, tmp_path_factory):
    with serve(e2e_data, tmp_path_factory.mktemp("e2e-log") / "streamlit.log") as url:
        yield url


_settle, _shot, _no_errors = settle, shot, no_errors


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page(app_url, tab, path):
    open_as(tab, f"{app_url}/{path}?period=9M", "xem", PAGES[path])
    _no_errors(tab)
    assert "DỮ LIỆU MẪU (DEMO)" in tab.inner_text("body")
    if path not in ("", "du-lieu"):
        tab.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=15000)
    _shot(tab, path or "tong-quan")


def test_unit_detail_tab(app_url, tab):
    open_as(tab, f"{app_url}/don-vi?period=9M&units=CA", "xem", "Đơn vị — năm 2022")
    tab.get_by_role("tab", name="Chi tiết một đơn vị").click()
    tab.get_by_text("Các bản báo cáo đã nạp của Công an thị xã").wait_for(timeout=15000)
    _no_errors(tab)
    _shot(tab, "don-vi-chi-tiet")


def test_change_period_updates_cards_and_url(app_url, tab, e2e_data):
    open_as(tab, f"{app_url}/?period=Y", "xem", "Tổng quan — năm 2022")
    tab.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Kỳ báo cáo").click()
    tab.get_by_role("option", name="6 tháng", exact=True).click()
    _settle(tab, "Tổng quan — 6 tháng năm 2022")
    row = metrics.attainment(Store(e2e_data), 2022, "H1").set_index("indicator").loc["KPI_GIAI_QUYET"]
    body = tab.inner_text("body")
    assert f"{row.numerator}/{row.denominator} · Mục tiêu >\u00a090\u00a0%" in body   # kept on one line
    assert "Cần giải quyết thêm 1 tin báo để đạt >\u00a090\u00a0%." in body
    assert "period=H1" in tab.url
    _no_errors(tab)
    _shot(tab, "tong-quan-6-thang")
    # the filter persists across pages (session and URL)
    tab.get_by_role("link", name="Chỉ tiêu").click()
    _settle(tab, "Chỉ tiêu — năm 2022")
    assert "period=H1" in tab.url


def test_download_csv_is_the_filtered_view(app_url, tab, e2e_data):
    open_as(tab, f"{app_url}/du-lieu?period=Q1&units=CA", "xem", "Dữ liệu — năm 2022")
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
    assert download.suggested_filename == "DEMO_so_lieu_2022_Q1.csv"  # the demo year is labelled in exports too
    # the click is in the audit log (who downloaded what)
    tab.wait_for_timeout(1500)
    log = Store(e2e_data).query_df("SELECT actor, action, detail FROM audit_log WHERE action = 'export'")
    assert ("xem", "DEMO_so_lieu_2022_Q1.csv") in {(a, d.split(" ")[0]) for a, d in zip(log["actor"], log["detail"])}
    _shot(tab, "du-lieu-loc")


def test_english_toggle(app_url, tab):
    open_as(tab, f"{app_url}/?period=9M", "xem", "Tổng quan — 9 tháng năm 2022")
    tab.locator("[data-testid=\"stSidebar\"]").get_by_text("English", exact=True).click()
    _settle(tab, "Overview — Nine months 2022")
    assert "lang=en" in tab.url
    _no_errors(tab)
    _shot(tab, "overview-en")


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_a_copied_address_opens_the_same_rows(app_url, chromium, e2e_data, width, height):
    """A member narrows Dữ liệu with the page's own switch, copies the address from the bar and sends
    it; a colleague's browser (another context: no shared session) opens the same rows."""
    def browser():
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(60000)
        return context, page

    mine, page = browser()
    open_as(page, f"{app_url}/du-lieu?period=Q3&units=CA", "xem", "Dữ liệu — năm 2022")
    page.get_by_text("Chỉ hiện ô đã báo cáo").click()
    page.wait_for_function("() => location.search.includes('reported=1')", timeout=60000)
    _settle(page, "Dữ liệu — năm 2022")
    # by hand: the police's Q3 report, only the cells it filled in (reported_only), as the store holds them
    expected = metrics.current_values(Store(e2e_data), 2022, 3, ["CA"], reported_only=True)
    caption = f"{len(expected)} dòng"
    page.get_by_text(caption, exact=True).wait_for(timeout=30000)
    address = page.url
    assert "reported=1" in address and "units=CA" in address and "period=Q3" in address
    mine.close()

    theirs, other = browser()
    open_as(other, address, "xem", "Dữ liệu — năm 2022")
    other.get_by_text(caption, exact=True).wait_for(timeout=30000)
    assert other.get_by_role("switch", name="Chỉ hiện ô đã báo cáo").is_checked()
    theirs.close()
