"""Security, end to end against the real server (`streamlit run dashboard/server.py`), in Chromium and
with scripted HTTP and websocket clients, as an attacker or a committee member would:

* lasting sign-in (issue 11 §1): sign in once, reload, a second tab and a shared link stay signed
  in; the cookie is HttpOnly and SameSite=Strict; signing out in one tab signs the other out at its
  next click; a copied cookie stops working after sign-out; the sign-in POST checks Origin and CSRF;
* issue 12: markdown from file names and cells is shown as text (upload preview, expander title,
  "two files for one quarter" warning, restore confirmation) and names are cleaned when stored;
  /media/ and /_stcore/upload_file/ need a live session (analyst for uploads) and a download is
  audited when the file is built; every failed sign-in answers the same, waits are per account and
  per address and the admin lifts them; /_stcore/metrics is closed; anonymous visitors get no page
  names.
Screenshots go to test-output/e2e/. What needs no browser (forged posts, metrics, anonymous and
cross-session websockets, uploads, backup links, Host, the sign-in flood, forwarded headers) is in
tests/e2e/test_security_http.py, which runs without Chromium; the HTTPS proxy in
tests/e2e/test_https_proxy_browser.py.
"""
from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pytest
from browser_kit import (  # noqa: F401
    ACCOUNTS,
    MARKS,
    PASSWORD,
    add_accounts,
    chromium,
    idle,
    no_errors,
    open_as,
    serve,
    settle,
    shot,
    sign_in,
    tab,
)
from server_kit import cookie, failure_text, form_post, request

from pipelines.accounts import users
from pipelines.store import Store, load
from pipelines.workbook.template import build_template

pytestmark = MARKS
YEAR = 2022
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SIGNED_OUT = "Bạn chưa đăng nhập hoặc phiên đăng nhập đã kết thúc"
SAME_FAILURE = "Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu"
HOSTILE = "![x](http://127.0.0.1:9/p.png) [Bấm vào đây](https:evil.example)"


def _values(plan, unit: str, **given) -> dict:
    values = {e: 0 for e in plan.unit_elements(unit)}
    values.update(given)
    return values


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("security") / "data"
    store = Store(data)
    plan = store.plan(YEAR)
    for tin in (8, 9):  # two versions of CA Q1: the older one can be restored
        book = build_template(plan, "CA", 1, values=_values(plan, "CA", TIN_MOI=10, TIN_PHAN_LOAI=10, TIN_DA_GQ=tin))
        assert load.ingest_bytes(store, book, f"BC_CA_Q1_{tin}.xlsx").status == "accepted"
    # A name stored before names were cleaned (older stores): the restore confirmation must still
    # show it as text.
    with store.transaction() as con:
        con.execute("UPDATE submission SET file_name = ? WHERE file_name = 'BC_CA_Q1_8.xlsx'", [HOSTILE + ".xlsx"])
    add_accounts(data)
    users.add_user(store, "muc_tieu", "viewer", PASSWORD)  # the account an outsider aims at
    return data


@pytest.fixture(scope="module")
def app_url(data_dir, tmp_path_factory):
    with serve(data_dir, tmp_path_factory.mktemp("security-log") / "streamlit.log") as url:
        yield url


def _choose(page, label: str, option) -> None:
    """Pick `option` in the selectbox labelled `label` (a click right after a viewport change or
    during a rerun may not open the list or may lose its option: try again)."""
    idle(page)
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label)
    wanted = page.get_by_role("option", name=option, exact=isinstance(option, str))
    for attempt in range(3):
        try:
            box.click()
            wanted.first.wait_for(timeout=5000)
            wanted.first.click(timeout=10000)
            break
        except Exception:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            idle(page)
    idle(page)


def _audit(data_dir: Path) -> list[tuple[str, str, str]]:
    df = Store(data_dir).query_df("SELECT actor, action, detail FROM audit_log ORDER BY id")
    return [(a, b, c or "") for a, b, c in df.itertuples(index=False, name=None)]


# -- issue 11 §1: lasting sign-in -------------------------------------------------------------------------
def test_sign_in_lasts_across_reload_tabs_and_shared_links_and_ends_everywhere(app_url, chromium, data_dir):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    first = context.new_page()
    first.set_default_timeout(60000)
    first.goto(f"{app_url}/chi-tieu?period=9M")            # a link from the office chat
    assert "/dang-nhap" in first.url                         # the server asks for the password …
    sign_in(first, "xem")
    settle(first, "Chỉ tiêu")             # … and opens the asked page and filters
    assert "/chi-tieu?" in first.url and "period=9M" in first.url
    shot(first, "phien-chi-tieu-sau-dang-nhap")

    cookie = next(c for c in context.cookies() if c["name"] == "ducpho138_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert len(cookie["value"]) >= 43                        # 256 bits, base64url
    assert "ducpho138_session" not in first.evaluate("document.cookie")
    assert cookie["value"] not in first.evaluate("document.cookie")

    first.reload()                                           # reloading keeps the sign-in
    settle(first, "Chỉ tiêu")
    second = context.new_page()                              # a second tab
    second.set_default_timeout(60000)
    second.goto(f"{app_url}/?period=9M")
    settle(second, "Tổng quan — 9 tháng năm 2022")
    shared = context.new_page()                              # the shared link again, in a new tab
    shared.set_default_timeout(60000)
    shared.goto(f"{app_url}/chi-tieu?period=9M")
    settle(shared, "Chỉ tiêu")
    assert "/dang-nhap" not in second.url + shared.url
    shared.close()

    # The cookie copied into another browser works while the session lives …
    thief = chromium.new_context()
    thief.add_cookies([{"name": "ducpho138_session", "value": cookie["value"], "url": app_url}])
    stolen = thief.new_page()
    stolen.set_default_timeout(60000)
    stolen.goto(f"{app_url}/du-lieu?period=Q1")
    settle(stolen, "Dữ liệu")

    # … sign out in the first tab: every session of the account ends
    first.get_by_role("button", name="Đăng xuất").click()
    first.get_by_text(SIGNED_OUT).wait_for(timeout=30000)
    shot(first, "phien-da-dang-xuat")
    # the second tab is signed out at its next action
    second.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Chỉ tiêu").click()
    second.get_by_text(SIGNED_OUT).wait_for(timeout=30000)
    assert second.locator('[data-testid="stMetric"]').count() == 0
    # the copied cookie no longer opens anything
    stolen.reload()
    assert "/dang-nhap" in stolen.url
    status, headers, _, _ = request(app_url, path="/du-lieu", headers={"Cookie": f"ducpho138_session={cookie['value']}"})
    assert status == 303 and headers["location"].startswith("/dang-nhap")
    # signing in again from the signed-out screen comes back to the same page
    second.get_by_role("link", name="Đăng nhập", exact=True).click()
    sign_in(second, "xem")
    settle(second, "Chỉ tiêu")
    thief.close()
    context.close()
    actions = [(a, b) for a, b, _ in _audit(data_dir)]
    assert ("xem", "sign_out") in actions and ("xem", "sessions_ended") in actions


# -- issue 12 item 5: no page names for anonymous clients, metrics closed -----------------------------------
def test_anonymous_browsers_get_no_page_names(app_url, chromium):
    # (metrics, the scripted websocket and forged posts: tests/e2e/test_security_http.py, no browser)
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(60000)
    frames: list[bytes] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
        payload if isinstance(payload, bytes) else payload.encode())))
    page.goto(f"{app_url}/chi-tieu?period=9M")
    page.get_by_label("Tên đăng nhập").wait_for(timeout=30000)
    page.wait_for_timeout(1500)
    everything = page.content().encode() + b"".join(frames)
    for name in ("quan-tri", "tai-len", "Quản trị", "Tải lên báo cáo", "du-lieu"):
        assert name.encode() not in everything, name
    context.close()


# -- issue 12 item 2 and 4: downloads and uploads need a live session ----------------------------------------
def test_media_and_uploads_need_a_live_session_and_downloads_are_audited_when_built(app_url, chromium, data_dir):
    # (an anonymous websocket uploading, an upload into another session, a backup link fetched by
    # another session: tests/e2e/test_security_http.py)
    context = chromium.new_context(accept_downloads=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60000)
    open_as(page, f"{app_url}/du-lieu?period=Q1&units=CA", "xem", "Dữ liệu")
    exports_before = [r for r in _audit(data_dir) if r[1] == "export"]
    with page.expect_download() as info:
        page.get_by_role("button", name="Tải CSV").click()
    download = info.value
    assert "/media/" in download.url
    exports = [r for r in _audit(data_dir) if r[1] == "export"]
    assert len(exports) == len(exports_before) + 1 and exports[-1][0] == "xem"
    assert exports[-1][2].startswith("so_lieu_2022_Q1.csv")
    media_path = urllib.parse.urlsplit(download.url).path
    token = next(c["value"] for c in context.cookies() if c["name"] == "ducpho138_session")

    status, _, _, _ = request(app_url, path=media_path)                     # the link alone: refused
    assert status == 403
    status, _, body, _ = request(app_url, path=media_path, headers={"Cookie": f"ducpho138_session={token}"})
    assert status == 200 and body.startswith("\ufeff".encode())               # the CSV (UTF-8 BOM)
    fetches = [r for r in _audit(data_dir) if r[1] == "download"]
    assert fetches[-1][0] == "xem" and fetches[-1][2].startswith("so_lieu_2022_Q1.csv")   # the fetch, audited
    # a viewer's session may not upload either
    status, _, _, _ = request(app_url, "PUT", "/_stcore/upload_file/abc/def", b"x",
                               {"Cookie": f"ducpho138_session={token}"})
    assert status == 403
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_text(SIGNED_OUT).wait_for(timeout=30000)
    status, _, _, _ = request(app_url, path=media_path, headers={"Cookie": f"ducpho138_session={token}"})
    assert status == 403                                                     # not after sign-out
    context.close()


# -- issue 12 item 1: markdown from outside is shown as text -------------------------------------------------
def test_markdown_in_file_names_and_cells_is_shown_as_text(app_url, tab, data_dir):
    store = Store(data_dir)
    plan = store.plan(YEAR)
    open_as(tab, f"{app_url}/tai-len?period=Q1&units=CA", "chuyen_vien", "Tải lên báo cáo")
    good = build_template(plan, "CA", 1, values=_values(plan, "CA", TIN_MOI=3, TIN_PHAN_LOAI=3, TIN_DA_GQ=3))
    good2 = build_template(plan, "CA", 1, values=_values(plan, "CA", TIN_MOI=4, TIN_PHAN_LOAI=4, TIN_DA_GQ=4))
    bad = build_template(plan, "BP_PQ", 1, values=_values(plan, "BP_PQ", TIN_MOI=HOSTILE))   # the text in a cell
    tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([
        {"name": f"{HOSTILE}.xlsx", "mimeType": XLSX, "buffer": good},
        {"name": f"{HOSTILE} 2.xlsx", "mimeType": XLSX, "buffer": good2},
        {"name": f"{HOSTILE} 3.xlsx", "mimeType": XLSX, "buffer": bad},
    ])
    try:
        tab.get_by_role("button", name="Xác nhận nạp 2 tệp hợp lệ").wait_for(timeout=60000)
    finally:
        shot(tab, "markdown-ten-tep")
    idle(tab)
    main = tab.locator('[data-testid="stMain"]')
    # no link and no image came out of the names or the cell …
    assert main.locator('a[href*="evil.example"]').count() == 0
    assert main.locator('img[src*="p.png"]').count() == 0
    # … the text is there as typed: the expander title, the "two files for one quarter" warning,
    # and the refused file's problem list quoting the cell
    text = main.inner_text().replace("\u2060", "")   # the invisible joiners that stop autolinks
    assert f"{HOSTILE}.xlsx — " in text                               # expander title
    assert "có 2 tệp trong lần tải này" in text and f"{HOSTILE} 2.xlsx" in text   # the warning
    problems = tab.locator('[data-testid="stExpander"]').filter(has_text="Bị từ chối")
    problems.get_by_text("Chi tiết ").first.wait_for(timeout=15000)
    assert HOSTILE in problems.inner_text().replace("\u2060", "")
    assert main.locator("a").count() == 0          # not even the bare http:// address became a link
    shot(tab, "markdown-ten-tep")
    tab.get_by_role("button", name="Xác nhận nạp 2 tệp hợp lệ").click()
    tab.get_by_text("Đã nạp xong:").wait_for(timeout=60000)
    stored = set(store.query_df("SELECT file_name FROM submission WHERE unit = 'CA'")["file_name"])
    assert stored >= {"p.png) Bấm vào đây (https evil.example).xlsx", "p.png) Bấm vào đây (https evil.example) 2.xlsx"}

    # the restore confirmation of the version stored under a hostile name (before names were cleaned)
    tab.get_by_role("tab", name="Phiên bản").click()
    tab.get_by_text("So sánh hai bản").wait_for(timeout=30000)
    older = int(store.query_df("SELECT id FROM submission WHERE file_name = ?", [HOSTILE + ".xlsx"])["id"][0])
    idle(tab)
    _choose(tab, "Bản cần khôi phục", re.compile(rf"^#{older} — "))
    tab.get_by_role("button", name=f"Khôi phục bản #{older}…").click()
    tab.get_by_role("button", name="Xác nhận khôi phục").wait_for(timeout=15000)
    idle(tab)
    warning = main.locator('[data-testid="stAlert"]').filter(has_text=f"Bản #{older}")
    assert f"{HOSTILE}.xlsx" in warning.inner_text().replace("\u2060", "")
    assert main.locator('a[href*="evil.example"]').count() == 0 and main.locator('img[src*="p.png"]').count() == 0
    no_errors(tab)
    shot(tab, "markdown-khoi-phuc")


# -- issue 12 item 3: who has an account, and locking them out ------------------------------------------------
def test_failures_answer_the_same_for_real_and_unknown_names_and_admin_lifts_waits(app_url, tab, data_dir):
    answers = {"muc_tieu": [], "khong_co_ai": []}
    for _ in range(6):          # 12 failures from this address: under its limit of 20
        for name in answers:
            status, _, body, cookies = form_post(app_url, name, "doan-mo-mat-khau")
            assert status == 401 and cookie(cookies, "ducpho138_session") is None
            answers[name].append(failure_text(body))
    assert answers["muc_tieu"] == answers["khong_co_ai"]                  # word for word, every time
    assert all(a.startswith(SAME_FAILURE) for a in answers["muc_tieu"])
    # the right password now waits too (30 s after the 5th failure), with the same answer
    status, _, body, _ = form_post(app_url, "muc_tieu", PASSWORD)
    assert status == 401 and failure_text(body) == answers["muc_tieu"][0]
    log = _audit(data_dir)
    assert not any("doan-mo" in a or "khong_co_ai" in a for a, _, _ in log)  # unknown names are not logged
    assert ("(tên không tồn tại)", "sign_in_failed") in [(a, b) for a, b, _ in log]

    # the admin sees both waits and lifts the account's: the member signs in at once
    open_as(tab, f"{app_url}/quan-tri", "quan_tri", "Quản trị")
    tab.get_by_text("Đăng nhập sai nhiều lần").wait_for(timeout=30000)
    idle(tab)
    waits = tab.locator('[data-testid="stDataFrame"]').filter(has_text="Số lần sai")
    shot(tab, "quan-tri-cho-dang-nhap")
    assert waits.count() == 1
    _choose(tab, "Tài khoản hoặc địa chỉ máy", re.compile(r"^muc_tieu"))
    tab.get_by_role("button", name="Gỡ").click()
    tab.get_by_text("Đã gỡ thời gian chờ của muc_tieu").wait_for(timeout=30000)
    status, _, _, cookies = form_post(app_url, "muc_tieu", PASSWORD)
    assert status == 303 and cookie(cookies, "ducpho138_session")
    assert ("quan_tri", "wait_lifted") in [(a, b) for a, b, _ in _audit(data_dir)]


def test_admin_sees_and_ends_sessions_and_filters_the_audit_log(app_url, tab, data_dir):
    status, _, _, cookies = form_post(app_url, "chuyen_vien", PASSWORD)
    victim = cookie(cookies, "ducpho138_session")
    assert status == 303 and victim
    open_as(tab, f"{app_url}/quan-tri", "quan_tri", "Quản trị")
    tab.get_by_text("Phiên đăng nhập", exact=True).wait_for(timeout=30000)
    idle(tab)
    # end every open session of chuyen_vien from the list, one by one
    store = Store(data_dir)
    for sid in store.query_df("SELECT id FROM app_session WHERE user_name = 'chuyen_vien'")["id"]:
        _choose(tab, "Phiên", re.compile(rf"^#{sid} — chuyen_vien"))
        tab.get_by_role("button", name="Kết thúc phiên").click()
        tab.get_by_text(f"Đã kết thúc phiên số {sid} của chuyen_vien").wait_for(timeout=30000)
        idle(tab)
    status, headers, _, _ = request(app_url, path="/chi-tieu", headers={"Cookie": f"ducpho138_session={victim}"})
    assert status == 303 and headers["location"].startswith("/dang-nhap")
    # the audit log: filter by who, then by what
    _choose(tab, "Người thực hiện", "(tên không tồn tại)")
    expected = len([a for a, _, _ in _audit(data_dir) if a == "(tên không tồn tại)"])
    assert expected >= 6
    tab.get_by_text(f"{expected} dòng khớp bộ lọc · trang 1/1").wait_for(timeout=30000)
    no_errors(tab)
    shot(tab, "quan-tri-phien")
