"""The guard (pure ASGI middleware, before Streamlit sees a request).

It refuses a request or websocket whose Host header is not this server's (`config.allowed_hosts`:
a forged Host with a matching Origin is DNS rebinding); serves `/media/…` (downloads) only to a
live session that made the file (media.py; backups to an admin only) and audits every fetch of a
download with who; refuses `/_stcore/upload_file/<session>/…` unless the cookie is a live analyst
or admin session *and* the one that websocket session was opened with; hides `/_stcore/metrics`
and the agent API; sends a page load without a live session to the sign-in form, with the address
it asked for in `next`. Websockets pass through once their Host is checked: the page script
(dashboard/state/auth.py) checks the same cookie in the store on every run, so signing out
anywhere signs out everywhere at the next click.
"""
from __future__ import annotations

from urllib.parse import quote

from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse

from starlette.concurrency import run_in_threadpool

from dashboard import i18n
from dashboard.web import media
from dashboard.web.config import (SIGN_IN_PATH, AuditGate, allowed_hosts, host_allowed, live_session, oidc_mode,
                                  safe_next, session_token, store)
from pipelines.accounts import sessions, users

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
        self.hosts = allowed_hosts()

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if not host_allowed(_header(scope, b"host"), self.hosts):
            if scope["type"] == "websocket":   # refused before the handshake: the client gets 403
                return await send({"type": "websocket.close", "code": 1008})
            return await PlainTextResponse(i18n.t("http_bad_host"), status_code=400)(scope, receive, send)
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path.rstrip("/") == "/_stcore/metrics" or path.startswith("/_stcore/agent"):
            return await PlainTextResponse(i18n.t("http_not_found"), status_code=404)(scope, receive, send)
        upload = path.startswith("/_stcore/upload_file/")
        if upload or path.startswith("/media/"):
            if oidc_mode():
                allowed = _oidc_signed_in(scope)
            elif upload:
                allowed = await _may_upload(scope, path)
            else:
                allowed = await _may_fetch(scope, path)
            if not allowed:
                return await PlainTextResponse(i18n.t("http_sign_in_needed"), status_code=403)(scope, receive, send)
        elif _is_page_load(scope) and not oidc_mode():
            if await live_session(session_token(_cookies(scope))) is None:
                asked = path + ("?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else "")
                target = f"{SIGN_IN_PATH}?next={quote(safe_next(asked), safe='')}"
                return await RedirectResponse(target, status_code=303)(scope, receive, send)
        return await self.app(scope, receive, send)


_anonymous_fetches = AuditGate()


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


async def _may_upload(scope, path: str) -> bool:
    """A live analyst or admin session, and the one the websocket session in the address belongs to."""
    token = session_token(_cookies(scope))
    found = await live_session(token)
    if found is None or not users.User(*found).can("analyst"):
        return False
    parts = path.split("/")          # ['', '_stcore', 'upload_file', session, file]
    return len(parts) > 3 and media.session_token_of(parts[3]) == token


async def _may_fetch(scope, path: str) -> bool:
    """A file made by this live session (a backup: by an admin session); every fetch of a download
    by someone signed in is audited, served or refused."""
    token = session_token(_cookies(scope))
    found = await live_session(token)
    if found is None:
        client = (scope.get("client") or ("",))[0]
        skipped = _anonymous_fetches.take(client)
        if skipped is not None:
            detail = i18n.t("audit_download_anonymous", path=path[:120], client=client) + (
                i18n.t("audit_left_out", n=skipped) if skipped else "")
            await run_in_threadpool(users.record_event, store(), i18n.t("audit_unknown_actor"), "download", detail)
        return False
    user = users.User(*found)
    entry = media.owned(media.file_id(path))
    name = entry.owners.get(sessions.token_hash(token)) if entry else None
    allowed = name is not None and (not media.admin_only(name) or user.can("admin"))
    if entry is None or entry.download:
        shown = name or (next(iter(entry.owners.values()), "") if entry else "") or "?"
        if allowed:
            detail = i18n.t("audit_download_detail", name=shown, path=path[:120])
        else:
            detail = i18n.t("audit_download_refused", name=shown, path=path[:120])
        await run_in_threadpool(users.record_event, store(), user.name, "download", detail)
    return allowed


def _oidc_signed_in(scope) -> bool:
    """With OpenID Connect: the request carries Streamlit's signed sign-in cookie (the role is
    checked by the page on every run; the upload and media endpoints need someone signed in)."""
    try:
        from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
        from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks
        return _get_signed_cookie_with_chunks(_cookies(scope), USER_COOKIE_NAME) is not None
    except Exception:
        return False
