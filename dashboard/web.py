"""The HTTP side of the dashboard (Starlette, through `st.App` in dashboard/server.py).

* `GET /dang-nhap` — the sign-in form, a plain HTML page: it names no page of the dashboard. It
  sets a CSRF cookie (random, HttpOnly, SameSite=Strict, for this path only) and carries the same
  value in the form; a stale session cookie is cleared.
* `POST /dang-nhap` — checks the Origin (or Referer) against the server's own, the CSRF value
  against its cookie, then the password (`users.authenticate`: one answer for every failure,
  waits per account and per client address, every attempt audited) with at most
  `users.HASH_SLOTS` hashes at once; on success starts a server-side session (`sessions.start`)
  and sets its cookie — HttpOnly, SameSite=Strict, `Secure` and named `__Host-…` over HTTPS — then
  sends the browser back to the page it asked for (a local path only).
* `Guard` (middleware) — refuses `/media/…` (downloads) without a live session and
  `/_stcore/upload_file/…` without a live analyst or admin session; hides `/_stcore/metrics` and
  the agent API; sends a page load without a live session to the sign-in form, with the address it
  asked for in `next`.

The page script (dashboard/app.py, auth.gate) reads the same cookie through `st.context.cookies` and
checks it in the store on every run, so signing out anywhere signs out everywhere at the next click.
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import html
import os
import re
import secrets
import sys
from functools import lru_cache
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qs, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request, cookie_parser
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard import i18n
from pipelines.accounts import sessions, users
from pipelines.store import DEFAULT_DATA_DIR, Store

DATA_DIR_ENV = "DUCPHO138_DATA_DIR"
SIGN_IN_PATH = "/dang-nhap"
COOKIE = "ducpho138_session"
COOKIE_HTTPS = "__Host-ducpho138_session"    # a __Host- cookie: Secure, Path=/, no Domain
CSRF_COOKIE = "ducpho138_csrf"
MAX_FORM_BYTES = 8192
MAX_WAITING = 32          # sign-in POSTs queued for a hashing slot before the server says it is busy

# True once dashboard/server.py has built the app with these routes and this middleware: the page
# then trusts only the session cookie. Without it (AppTest, a bare `streamlit run dashboard/app.py`)
# the page falls back to a sign-in form that lives in the browser tab.
SERVED = False

_PASS_THROUGH = ("/_stcore/", "/static/", "/component/", "/app/static/", "/auth/", "/oauth2callback",
                 SIGN_IN_PATH)


def data_dir_from_args(argv: list[str] | None = None) -> Path:
    """--data-dir after `--` on the streamlit command line, else $DUCPHO138_DATA_DIR, else data/."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data-dir")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return Path(args.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


@lru_cache(maxsize=1)
def _store() -> Store:
    return Store(data_dir_from_args())


def session_token(cookies: Mapping[str, str]) -> str | None:
    """The session token among the request's cookies (the __Host- one first)."""
    return cookies.get(COOKIE_HTTPS) or cookies.get(COOKIE) or None


def oidc_mode() -> bool:
    """True when the secrets configure OpenID Connect: then st.login signs people in, not the form."""
    try:
        import streamlit as st
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:
        return False


def safe_next(value: str | None) -> str:
    """A local path to go back to after signing in; anything else (another site, a scheme, control
    characters, the sign-in form itself) becomes '/'."""
    value = (value or "").strip()
    if (not value.startswith("/") or value.startswith("//") or "\\" in value or len(value) > 2000
            or re.search(r"[\x00-\x1f\x7f]", value) or value.startswith(SIGN_IN_PATH)):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


def _set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE_HTTPS if _https(request) else COOKIE, token, max_age=int(sessions.ABSOLUTE.total_seconds()),
                        path="/", httponly=True, samesite="strict", secure=_https(request))


def _clear_session_cookies(response: Response, request: Request) -> None:
    for name in (COOKIE, COOKIE_HTTPS):
        if name in request.cookies:
            response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=name == COOKIE_HTTPS)


# -- the sign-in form --------------------------------------------------------------------------------
_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>{title}</title>
<style>
 body {{ font-family: "Source Sans Pro", system-ui, sans-serif; background: #F2F5F9; color: #1B1B1B; margin: 0; }}
 main {{ max-width: 26rem; margin: 8vh auto; background: #fff; padding: 2rem 2.2rem; border-radius: .6rem;
        box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
 h1 {{ font-size: 1.35rem; margin: 0 0 .2rem; }} .sub {{ color: #555; margin: 0 0 1.4rem; }}
 h2 {{ font-size: 1.1rem; margin: 0 0 1rem; }}
 label {{ display: block; font-size: .9rem; margin: .8rem 0 .3rem; }}
 input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: .55rem .6rem;
        font-size: 1rem; border: 1px solid #bbb; border-radius: .4rem; }}
 button {{ margin-top: 1.3rem; width: 100%; padding: .65rem; font-size: 1rem; color: #fff;
        background: #0072B2; border: 0; border-radius: .4rem; cursor: pointer; }}
 .error {{ background: #fdecea; color: #7a1c12; padding: .7rem .8rem; border-radius: .4rem; margin-bottom: .6rem; }}
 .help {{ color: #555; font-size: .85rem; margin-top: 1.2rem; }}
</style></head>
<body><main>
<h1>{title}</h1><p class="sub">{subtitle}</p>
<h2>{heading}</h2>
{message}
<form method="post" action="{action}" autocomplete="on">
 <input type="hidden" name="csrf" value="{csrf}">
 <input type="hidden" name="next" value="{next}">
 <label for="name">{name_label}</label>
 <input type="text" id="name" name="name" autocomplete="username" autocapitalize="none" required autofocus
        maxlength="64" value="{name}">
 <label for="password">{password_label}</label>
 <input type="password" id="password" name="password" autocomplete="current-password" required>
 <button type="submit">{button}</button>
</form>
<p class="help">{help}</p>
</main></body></html>
"""


def _form(request: Request, next_path: str, message: str = "", name: str = "", status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(32)
    e = html.escape
    lang = i18n.DEFAULT_LANG
    body = _PAGE.format(
        title=e(i18n.t("app_title", lang)), subtitle=e(i18n.t("app_subtitle", lang)),
        heading=e(i18n.t("signin_title", lang)),
        message=f'<div class="error" role="alert">{e(message)}</div>' if message else "",
        action=e(SIGN_IN_PATH), csrf=e(csrf), next=e(next_path), name=e(name),
        name_label=e(i18n.t("signin_name", lang)), password_label=e(i18n.t("signin_password", lang)),
        button=e(i18n.t("signin_button", lang)), help=e(i18n.t("signin_help_web", lang)))
    response = HTMLResponse(body, status_code=status, headers={
        "Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                   "frame-ancestors 'none'; base-uri 'none'"})
    response.set_cookie(CSRF_COOKIE, csrf, path=SIGN_IN_PATH, httponly=True, samesite="strict",
                        secure=_https(request))
    return response


async def _live(token: str | None) -> tuple[str, str] | None:
    if not token:
        return None
    try:
        return await run_in_threadpool(sessions.check, _store(), token)
    except Exception:  # a busy or broken store signs nobody in
        return None


async def sign_in_page(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    token = session_token(request.cookies)
    if await _live(token):
        return RedirectResponse(next_path, status_code=303)
    response = _form(request, next_path)
    _clear_session_cookies(response, request)
    return response


def _same_origin(request: Request) -> bool:
    """The POST comes from a page of this server: its Origin (or, without one, its Referer) has
    this request's scheme, host and port."""
    own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin.lower() == own


_hash_slots: asyncio.Semaphore | None = None
_waiting = 0


async def sign_in_post(request: Request) -> Response:
    global _hash_slots, _waiting
    lang = i18n.DEFAULT_LANG
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return PlainTextResponse("Yêu cầu quá lớn.", status_code=413)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    next_path = safe_next(form.get("next"))
    client = _client(request)
    csrf_ok = hmac.compare_digest(form.get("csrf", "").encode(), request.cookies.get(CSRF_COOKIE, "").encode()) \
        and bool(form.get("csrf"))
    if not _same_origin(request) or not csrf_ok:
        await run_in_threadpool(users.record_event, _store(), "(không rõ)", "sign_in_failed",
                                f"biểu mẫu đăng nhập bị từ chối: Origin hoặc mã CSRF không khớp (từ {client})")
        return _form(request, next_path, i18n.t("signin_form_expired", lang), status=403)
    name, password = form.get("name", "")[:64], form.get("password", "")
    if _hash_slots is None:
        _hash_slots = asyncio.Semaphore(users.HASH_SLOTS)
    if _waiting >= MAX_WAITING:
        return _form(request, next_path, i18n.t("signin_busy", lang), name=name, status=503)
    _waiting += 1
    try:
        async with _hash_slots:
            user = await run_in_threadpool(users.authenticate, _store(), name, password, client)
    finally:
        _waiting -= 1
    if user is None:
        return _form(request, next_path, i18n.t("signin_failed", lang), name=name, status=401)
    token = await run_in_threadpool(sessions.start, _store(), user.name, client)
    response = RedirectResponse(next_path, status_code=303)
    _set_session_cookie(response, request, token)
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH, httponly=True, samesite="strict", secure=_https(request))
    return response


def routes() -> list[Route]:
    return [Route(SIGN_IN_PATH, sign_in_page, methods=["GET"]),
            Route(SIGN_IN_PATH, sign_in_post, methods=["POST"])]


# -- the guard -----------------------------------------------------------------------------------------
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
            return await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
        upload = path.startswith("/_stcore/upload_file/")
        if upload or path.startswith("/media/"):
            if oidc_mode():
                allowed = _oidc_signed_in(scope)
            else:
                found = await _live(session_token(_cookies(scope)))
                allowed = found is not None and users.User(*found).can("analyst" if upload else "viewer")
            if not allowed:
                return await PlainTextResponse("Cần đăng nhập.", status_code=403)(scope, receive, send)
        elif _is_page_load(scope) and not oidc_mode():
            if await _live(session_token(_cookies(scope))) is None:
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
