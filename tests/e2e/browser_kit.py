"""Shared parts of the browser tests: one `streamlit run` per module on a free port, the system's
headless Chromium (never a downloaded browser), signing in, settling, screenshots."""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from server_kit import serve_process

from pipelines.accounts import users
from pipelines.store import Store

CHROMIUM = shutil.which("chromium") or (Path("/usr/bin/chromium").is_file() and "/usr/bin/chromium") or None
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "e2e"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "mat-khau-e2e-138"
ACCOUNTS = {"xem": "viewer", "chuyen_vien": "analyst", "quan_tri": "admin"}
MARKS = [pytest.mark.e2e, pytest.mark.skipif(not CHROMIUM, reason="no system Chromium (shutil.which('chromium'))")]


def add_accounts(data_dir: Path) -> None:
    store = Store(data_dir)
    for name, role in ACCOUNTS.items():
        if users.get_user(store, name) is None:
            users.add_user(store, name, role, PASSWORD)


@contextlib.contextmanager
def serve(data_dir: Path, log_path: Path) -> Iterator[str]:
    """`streamlit run dashboard/server.py` on a free port against data_dir; yields its URL."""
    with serve_process(data_dir, log_path) as (url, _process):
        yield url


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
    page.set_default_timeout(60000)  # CI runs the whole suite on 2 cores: give slow reruns room
    yield page
    context.close()


def idle(page) -> None:
    """Wait for the page's script run to end. Streamlit marks its root with the run's state; its
    running icon shows only after a delay, so watching the icon alone passed while a slow run (a
    busy machine) was still drawing the page, and a test read half a page."""
    page.wait_for_timeout(300)
    # (a page of the server's own, the sign-in form, has no Streamlit root: nothing runs there)
    page.wait_for_function("() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
                           " return !app || app.getAttribute('data-test-script-state') === 'notRunning'"
                           " && !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]') }",
                           timeout=60000)
    page.wait_for_timeout(500)


def settle(page, heading: str) -> None:
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30000)
    idle(page)
    page.wait_for_timeout(300)


def sign_in(page, name: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form (the server's /dang-nhap page a signed-out visitor is sent to) and
    submit it; the server answers with the page asked for, or the form again with a message."""
    page.get_by_label("Tên đăng nhập").wait_for(timeout=30000)
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(password)
    with page.expect_navigation(timeout=60000):
        page.get_by_role("button", name="Đăng nhập").click()
    idle(page)


def open_as(page, url: str, name: str, heading: str) -> None:
    """Open `url`; when the browser has no live session it is sent to the sign-in form: sign in as
    `name` (the server then opens `url`). Wait for the page."""
    page.goto(url)
    if "/dang-nhap" in page.url:
        sign_in(page, name)
    settle(page, heading)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : 1000 }")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height), 1000), 12000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[role="dialog"]').count() == 0, page.locator('[role="dialog"]').all_inner_texts()
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error" not in body
