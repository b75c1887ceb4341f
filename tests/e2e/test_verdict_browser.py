"""In Chromium, at 1366×768 (a laptop) and 390×844 (a phone): Tổng quan opens with the verdict line
(targets met, units on time, tasks behind) and the year-end outlook, whole on the first screen
(no scrolling); the store is the hand-made 9 months of tests/dashboard/test_overview_verdict.py.
Screenshots of the first screen go to test-output/e2e/verdict_<width>.png."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from browser_kit import MARKS, SHOTS, add_accounts, chromium, open_as, serve  # noqa: F401

from pipelines.store import Store
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template

pytestmark = MARKS

TIN = ("TIN_TON", "TIN_MOI", "TIN_PHAN_LOAI", "TIN_DA_GQ")
REPORTS = {  # (unit, quarter): counts, as tests/dashboard/test_overview_verdict.py
    ("VKS", 1): {"VKS_TON": 2, "VKS_MOI": 4, "VKS_TRUY_TO": 5},
    ("VKS", 2): {"VKS_TON": 1, "VKS_MOI": 5, "VKS_TRUY_TO": 5},
    ("VKS", 3): {"VKS_TON": 1, "VKS_MOI": 3, "VKS_TRUY_TO": 3},
    ("TAND", 1): {"TA_TON": 0, "TA_MOI": 5, "TA_XET_XU": 4},
    ("TAND", 2): {"TA_TON": 1, "TA_MOI": 5, "TA_XET_XU": 6},
    ("TAND", 3): {"TA_TON": 0, "TA_MOI": 5, "TA_XET_XU": 4},
    ("CA", 3): {**dict(zip(TIN, (0, 4, 4, 3))), "AN_KHOI_TO": 0, "AN_KHAM_PHA": 0},
}
TASKS = {("VKS", 3): {"T3B": "Chưa triển khai"}, ("TAND", 3): {"T3B": "Hoàn thành"},
         ("CA", 3): {"T1A": "Hoàn thành", "T1B": "Chưa triển khai", "T3A": "Đang triển khai"}}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    data = tmp_path_factory.mktemp("verdict-e2e") / "data"
    store = Store(data)
    for (unit, q), values in REPORTS.items():
        received = dt.datetime(2022, 9, 20, 9) if unit == "CA" else dt.datetime(2022, 3 * q, 10, 9)
        r = ingest_bytes(store, build_template(store.plan(2022), unit, q, values=values, tasks=TASKS.get((unit, q))),
                         f"{unit}_2022_Q{q}.xlsx", received)
        assert r.status == "accepted", [e.message for e in r.errors]
    add_accounts(data)
    with serve(data, tmp_path_factory.mktemp("verdict-log") / "streamlit.log") as url:
        yield url


SIZES = [(1366, 768, False), (390, 844, True)]


def _screen(chromium, width, height, mobile):
    context = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile,
                                   device_scale_factor=1, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60000)
    return context, page


def _whole_on_first_screen(page, box, width, height) -> None:
    assert page.evaluate("() => window.scrollY") == 0
    b = box.bounding_box()
    # from its top to its bottom inside the viewport, and no wider
    assert b["y"] >= 0 and b["y"] + b["height"] <= height, (b, height)
    assert b["x"] >= 0 and b["x"] + b["width"] <= width, (b, width)


@pytest.mark.parametrize("width,height,mobile", SIZES)
def test_the_verdict_and_the_outlook_are_on_the_first_screen(app_url, chromium, width, height, mobile):
    context, page = _screen(chromium, width, height, mobile)
    try:
        open_as(page, f"{app_url}/?year=2022&period=Q3", "xem", "Tổng quan — Quý III năm 2022")
        box = page.locator(".st-key-verdict")
        box.wait_for(timeout=30000)
        text = box.inner_text()
        # the hand-worked lines of test_overview_verdict.py, as the member reads them
        assert "2/5 chỉ tiêu đạt" in text and "2/27 đơn vị báo cáo đúng hạn" in text and "2/18 nhiệm vụ chậm" in text
        assert "Dự báo cuối năm 2022 (3/4 quý đã qua)" in text
        assert "có nguy cơ không đạt — cần truy tố thêm 5 vụ án trước 15/12/2022" in text
        assert "đúng hướng — cần xét xử thêm 4 vụ án trước 15/12/2022" in text
        _whole_on_first_screen(page, box, width, height)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"verdict_{width}.png"))
    finally:
        context.close()


@pytest.fixture(scope="module")
def demo_url(demo_store_template, tmp_path_factory):
    """The demo year as a first start shows it: the demo banner above the page."""
    import shutil
    data = tmp_path_factory.mktemp("verdict-demo") / "data"
    shutil.copytree(demo_store_template, data)
    add_accounts(data)
    with serve(data, tmp_path_factory.mktemp("verdict-demo-log") / "streamlit.log") as url:
        yield url


@pytest.mark.parametrize("width,height,mobile", SIZES)
def test_under_the_demo_banner_too(demo_url, chromium, width, height, mobile):
    context, page = _screen(chromium, width, height, mobile)
    try:
        open_as(page, f"{demo_url}/?year=2022&period=Q3", "xem", "Tổng quan — Quý III năm 2022")
        assert "DỮ LIỆU MẪU (DEMO)" in page.inner_text("body")
        box = page.locator(".st-key-verdict")
        box.wait_for(timeout=30000)
        text = box.inner_text()
        assert "chỉ tiêu đạt" in text and "đơn vị báo cáo đúng hạn" in text and "Dự báo cuối năm 2022" in text
        assert "Giải quyết, truy tố" in text and "Giải quyết, xét xử" in text
        _whole_on_first_screen(page, box, width, height)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"verdict_demo_{width}.png"))
    finally:
        context.close()
