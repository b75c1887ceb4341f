"""End to end on a two-year store (2022 and 2023, each from its own plan file, hand-made reports):
the rate cards and activity tiles show the same period of 2022, the Chỉ tiêu page draws one line per
year with each year's target, a count whose meaning changed is not compared; the data-quality page
lets an analyst mark a value "cần xác minh", which then shows on the Dữ liệu page. Each page is
also opened on a 390 px phone screen: the page comes first (sidebar collapsed), cards one per row,
nothing wider than the screen. Screenshots (1440 and 390 px) go to test-output/e2e/."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from browser_kit import MARKS, PASSWORD, SHOTS, add_accounts, chromium, idle, open_as, serve, settle, tab  # noqa: F401

from pipelines.outputs import quality
from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

pytestmark = MARKS

REPORTS = {  # (unit, year, quarter): counts
    ("CA", 2022, 1): {"TIN_TON": 0, "TIN_MOI": 10, "TIN_PHAN_LOAI": 10, "TIN_DA_GQ": 9, "TT_BUOI": 4, "TT_LUOT": 200,
                      "KT_CO_SO": 20},
    ("CA", 2022, 2): {"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 5, "TT_BUOI": 5, "TT_LUOT": 210,
                      "KT_CO_SO": 18},
    ("CA", 2023, 1): {"TIN_TON": 0, "TIN_MOI": 9, "TIN_PHAN_LOAI": 9, "TIN_DA_GQ": 9, "TT_BUOI": 7, "TT_LUOT": 150,
                      "KT_CO_SO": 25},
    ("CA", 2023, 2): {"TIN_TON": 3, "TIN_MOI": 5, "TIN_PHAN_LOAI": 5, "TIN_DA_GQ": 4, "TT_BUOI": 6, "TT_LUOT": 160,
                      "KT_CO_SO": 22},
}


@pytest.fixture(scope="module")
def two_year_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("yoy") / "data"
    store = Store(data)
    for (unit, year, quarter), values in REPORTS.items():
        r = ingest_bytes(store, build_template(store.plan(year), unit, quarter, values=values),
                         f"{unit}_{year}_Q{quarter}.xlsx", dt.datetime(year, 3 * quarter, 10, 9))
        assert r.status == "accepted", [e.message for e in r.errors]
    add_accounts(data)
    return data


@pytest.fixture(scope="module")
def app_url(two_year_data, tmp_path_factory):
    with serve(two_year_data, tmp_path_factory.mktemp("yoy-log") / "streamlit.log") as url:
        yield url


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                   device_scale_factor=1, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60000)
    yield page
    context.close()


def shot(page, name: str, width: int) -> None:
    """A full-page screenshot at `width` px."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : 900 }")
    page.set_viewport_size({"width": width, "height": min(max(int(height), 844), 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"{name}_{width}.png"), full_page=True)
    page.set_viewport_size({"width": width, "height": 1000 if width > 500 else 844})


def no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]


def sidebar_collapsed(page) -> bool:
    page.wait_for_timeout(600)  # the sidebar slides in or out
    return page.evaluate("""() => { const s = document.querySelector('[data-testid="stSidebar"]');
        if (!s) return true; const r = s.getBoundingClientRect();
        return s.getAttribute('data-collapsed') === 'true' || r.right <= 1 }""")


# figures kept on one line (no-break spaces, fmt.keep_figures): "> 90 %" never split on a narrow card
CARD = "Cùng kỳ 2022: 90\u00a0% (9/10) · +10,0\u00a0điểm\u00a0% · mục tiêu 2022: >\u00a090\u00a0%"


def test_cards_and_tiles_show_the_same_period_last_year(app_url, tab):
    open_as(tab, f"{app_url}/?year=2023&period=Q1", "xem", "Tổng quan — Quý I năm 2023")
    body = tab.inner_text("body")
    # resolved tip-offs: 9/9 = 100 % in Q1 2023 against 9/10 = 90 % in Q1 2022 → +10 points
    assert CARD in body
    assert "Cùng kỳ 2022: 20 · +5 (+25,0\u00a0%)" in body        # inspections 20 → 25: base ≥ 10, a percentage
    assert "Cùng kỳ 2022: 4 · +3" in body and "Cùng kỳ 2022: 4 · +3 (" not in body  # sessions 4 → 7: base < 10
    assert "Không so sánh với 2022: đơn vị tính đổi từ “lượt người” sang “người”" in body
    assert tab.locator('[data-testid="stException"]').count() == 0
    shot(tab, "yoy-tong-quan", 1440)


def test_indicator_page_draws_a_line_per_year_with_each_target(app_url, tab):
    open_as(tab, f"{app_url}/chi-tieu?year=2023&period=H1", "xem", "Chỉ tiêu — năm 2023")
    tab.get_by_role("tab", name="Giải quyết tin báo").click()
    idle(tab)
    tab.get_by_text("So sánh các năm").first.wait_for(timeout=30000)
    chart = tab.locator('[data-testid="stPlotlyChart"]').nth(1)
    chart.wait_for(timeout=30000)
    legend = chart.locator(".legendtext").all_text_contents()
    assert legend[:2] == ["2023", "2022"] and any("> 90 %" in x for x in legend) and any("> 92 %" in x for x in legend)
    body = tab.inner_text("body")
    assert "Mục tiêu 2022: > 90 % — 2023: > 92 %." in body
    assert "So sánh 2022, 2023: các năm định nghĩa tỷ lệ giống nhau." in body
    # the 2023 line's points are labelled: Q1 9/9 = 100 %; H1 (9 + 4) / (backlog at the start 0 + 9 + 5
    # + 3): Q1 carries 0 + 9 - 9 = 0 on, Q2 starts with 3, and those 3 also had to be resolved in H1
    # (issue 8: a backlog beyond what the quarter before carried counts) = 13/17 = 76,5 %
    texts = [x.strip() for x in chart.locator(".textpoint").all_text_contents()]
    assert "100 %" in texts and "76,5 %" in texts
    shot(tab, "yoy-chi-tieu", 1440)


def test_on_a_phone_the_page_comes_first(app_url, phone):
    open_as(phone, f"{app_url}/?year=2023&period=Q1", "xem", "Tổng quan — Quý I năm 2023")
    assert sidebar_collapsed(phone)
    assert CARD in phone.inner_text("body")
    cards = [phone.locator(f".st-key-card_{code}").bounding_box() for code in ("KPI_TIEP_NHAN", "KPI_GIAI_QUYET")]
    assert abs(cards[0]["x"] - cards[1]["x"]) < 2 and cards[1]["y"] > cards[0]["y"] + cards[0]["height"] - 2
    assert cards[0]["width"] > 300  # one card per row, the screen's width
    no_sideways_scroll(phone)
    shot(phone, "yoy-tong-quan", 390)
    # the filters are one tap away
    phone.locator('[data-testid="stExpandSidebarButton"], [data-testid="stSidebarCollapsedControl"] button').first.click()
    phone.get_by_text("Kỳ báo cáo").first.wait_for(timeout=15000)
    assert not sidebar_collapsed(phone)


def test_indicator_page_on_a_phone(app_url, phone):
    open_as(phone, f"{app_url}/chi-tieu?year=2023&period=H1", "xem", "Chỉ tiêu — năm 2023")
    assert sidebar_collapsed(phone)
    phone.get_by_role("tab", name="Giải quyết tin báo").click()
    idle(phone)
    phone.get_by_text("So sánh các năm").first.wait_for(timeout=30000)
    for box in [c.bounding_box() for c in phone.locator('[data-testid="stPlotlyChart"]').all()]:
        assert box["x"] >= 0 and box["x"] + box["width"] <= 391
    no_sideways_scroll(phone)
    shot(phone, "yoy-chi-tieu", 390)


def test_analyst_marks_a_value_to_verify_and_it_shows_on_the_data_page(app_url, tab, two_year_data):
    open_as(tab, f"{app_url}/chat-luong?year=2023&period=H1", "chuyen_vien", "Chất lượng số liệu — năm 2023")
    # CA's Q2 2023 backlog says 3; Q1 closed with 0 + 9 − 9 = 0 (the tables are drawn on a canvas:
    # their text is checked in tests/outputs/test_quality.py; here the summary and the picker)
    card = tab.locator(".st-key-quality_backlog_mismatch")
    assert "Số tồn không khớp quý trước" in card.inner_text() and "1" in card.inner_text()
    form = tab.locator('[data-testid="stForm"]').first
    form.locator('[data-testid="stSelectbox"]').click()
    tab.keyboard.type("TIN_TON")
    tab.get_by_role("option", name="Công an thị xã — Quý II — TIN_TON: 3 (số tồn không khớp quý trước)").click()
    form.get_by_label("Nhận xét (điều cần xác minh với đơn vị)").fill("Hỏi lại Công an: tồn đầu quý II là 3 hay 0?")
    form.get_by_role("button", name="Đánh dấu cần xác minh").click()
    idle(tab)
    tab.get_by_text("Ghi chú khi bỏ dấu").wait_for(timeout=30000)   # the form to clear the open mark
    marks = quality.marks(Store(two_year_data), 2023)
    assert marks[["unit", "quarter", "element", "value", "comment", "marked_by"]].values.tolist() == [
        ["CA", 2, "TIN_TON", 3, "Hỏi lại Công an: tồn đầu quý II là 3 hay 0?", "chuyen_vien"]]
    log = Store(two_year_data).query_df("SELECT actor, action FROM audit_log WHERE action = 'follow_up_mark'")
    assert list(log["actor"]) == ["chuyen_vien"]
    shot(tab, "chat-luong", 1440)
    tab.get_by_role("link", name="Dữ liệu", exact=True).click()
    settle(tab, "Dữ liệu — năm 2023")
    assert "⚑ 1 số liệu đang chờ xác minh" in tab.inner_text("body")


def test_quality_page_on_a_phone(app_url, phone):
    open_as(phone, f"{app_url}/chat-luong?year=2023&period=H1", "chuyen_vien", "Chất lượng số liệu — năm 2023")
    assert sidebar_collapsed(phone)
    no_sideways_scroll(phone)
    shot(phone, "chat-luong", 390)
