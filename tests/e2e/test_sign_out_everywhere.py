"""Signing out ends EVERY session of the account (README "Accounts and sign-in"), through the real
served branch: `streamlit run dashboard/server.py` (config.SERVED), two browsers that each signed in
with the form — two cookies, two sessions in the store — and a third browser of another account.

The older tests could not see the difference: the dashboard's AppTest sign-out runs with SERVED
false (the branch that ends sessions never runs), test_sessions calls `sessions.end_all` directly,
and the security browser test copies ONE cookie into every tab, so ending only that session looked
the same as ending all of them.

How this was seen to fail: with `sessions.end_all(store, signed_in.name, …)` in
dashboard/state/auth.py:sign_out replaced by `sessions.end(store, _token())` (only this browser's
session), the store still held the second browser's session and its reload opened the page.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import MARKS, add_accounts, chromium, serve, sign_in  # noqa: F401

from pipelines.accounts import sessions
from pipelines.store import Store

pytestmark = MARKS
SIGNED_OUT = "Bạn chưa đăng nhập hoặc phiên đăng nhập đã kết thúc"
COOKIE = "ducpho138_session"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("signout") / "data"
    Store(data)
    add_accounts(data)
    with serve(data, data.parent / "streamlit.log") as url:
        yield url, data


def _browser(chromium, url: str, name: str):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60000)
    page.goto(url)
    assert "/dang-nhap" in page.url
    sign_in(page, name)
    page.get_by_role("button", name="Đăng xuất").wait_for()
    token = next(c["value"] for c in context.cookies() if c["name"] == COOKIE)
    return context, page, token


def _live(data: Path) -> dict[str, int]:
    df = sessions.list_live(Store(data))
    return df.groupby("user_name").size().to_dict()


def test_signing_out_in_one_browser_ends_the_accounts_other_browsers(served, chromium):  # noqa: F811
    url, data = served
    ctx_a, page_a, token_a = _browser(chromium, url, "xem")
    ctx_b, page_b, token_b = _browser(chromium, url, "xem")
    ctx_c, page_c, token_c = _browser(chromium, url, "chuyen_vien")
    try:
        assert len({token_a, token_b, token_c}) == 3            # three browsers, three sessions
        assert _live(data) == {"xem": 2, "chuyen_vien": 1}
        store = Store(data)
        assert sessions.check(store, token_b) == ("xem", "viewer")

        page_a.get_by_role("button", name="Đăng xuất").click()
        page_a.get_by_text(SIGNED_OUT).wait_for()

        # Both of the account's sessions ended in the store; the other account's is untouched.
        assert _live(data) == {"chuyen_vien": 1}
        assert sessions.check(store, token_a) is None and sessions.check(store, token_b) is None
        assert sessions.check(store, token_c) == ("chuyen_vien", "analyst")
        # The second browser, which never clicked anything, is sent to the sign-in form on its next load.
        page_b.reload()
        assert "/dang-nhap" in page_b.url
        page_c.reload()
        page_c.get_by_role("button", name="Đăng xuất").wait_for()
        assert "/dang-nhap" not in page_c.url
        audit = store.query_df("SELECT actor, action FROM audit_log WHERE action = 'sign_out'")
        assert list(audit["actor"]) == ["xem"]
    finally:
        for ctx in (ctx_a, ctx_b, ctx_c):
            ctx.close()
