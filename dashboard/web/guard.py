"""The guard (pure ASGI middleware, before Streamlit sees a request).

It refuses `/media/…` (downloads) without a live session and `/_stcore/upload_file/…` without a
live analyst or admin session; hides `/_stcore/metrics` and the agent API; sends a page load
without a live session to the sign-in form, with the address it asked for in `next`. Websockets
pass through: the page script (dashboard/state/auth.py) checks the same cookie in the store on
every run, so signing out anywhere signs out everywhere at the next click.
"""
from __future__ import annotations

from urllib.parse import quote

from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse

from dashboard import i18n
from dashboard.web.config import SIGN_IN_PATH, live_session, oidc_mode, safe_next, session_token
from pipelines.accounts import users

_PASS_THROUGH = ("/_stcore/", "/static/", "/component/", "/app/static/", "/auth/", "/oauth2callback",
                 SIGN_IN_PATH)


def _cookies(scope) -> dict[str, str]:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}


def _is_page_load(scope) -> bool:
    path = scope["path"]
    if scope.get("method") not in ("GET", "HEAD") or path.startswith(_PASS_THROUGH):
        return False
    last = path.rsplit("/", 1)[-1]
    return "." not in last   # /, /chi-tieu … (index.html); files (favicon.png, manifest.json) pass


class Guard:
    """Pure ASGI middleware (websockets pass through: the page checks the cookie on every run)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path.rstrip("/") == "/_stcore/metrics" or path.startswith("/_stcore/agent"):
            return await PlainTextResponse(i18n.t("http_not_found"), status_code=404)(scope, receive, send)
        upload = path.startswith("/_stcore/upload_file/")
        if upload or path.startswith("/media/"):
            if oidc_mode():
                allowed = _oidc_signed_in(scope)
            else:
                found = await live_session(session_token(_cookies(scope)))
                allowed = found is not None and users.User(*found).can("analyst" if upload else "viewer")
            if not allowed:
                return await PlainTextResponse(i18n.t("http_sign_in_needed"), status_code=403)(scope, receive, send)
        elif _is_page_load(scope) and not oidc_mode():
            if await live_session(session_token(_cookies(scope))) is None:
                asked = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
                target = f"{SIGN_IN_PATH}?next={quote(safe_next(asked), safe='')}"
                return await RedirectResponse(target, status_code=303)(scope, receive, send)
        return await self.app(scope, receive, send)


def _oidc_signed_in(scope) -> bool:
    """With OpenID Connect: the request carries Streamlit's signed sign-in cookie (the role is
    checked by the page on every run; the upload and media endpoints need someone signed in)."""
    try:
        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
        from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks
        return _get_signed_cookie_with_chunks(_cookies(scope), USER_COOKIE_NAME) is not None
    except Exception:
        return False
