"""The sign-in form and its POST (Starlette routes, served through `st.App` in dashboard/server.py).

* `GET /dang-nhap` — a plain HTML page that names no page of the dashboard. It sets a CSRF cookie
  (random, HttpOnly, SameSite=Strict, for this path only) and carries the same value in the form;
  a stale session cookie is cleared.
* `POST /dang-nhap` — checks the Origin (or Referer) against the server's own, the CSRF value
  against its cookie, then the password (`users.authenticate`: one answer for every failure,
  waits per account and per client address, every attempt audited) with at most
  `users.HASH_SLOTS` hashes at once; on success starts a server-side session (`sessions.start`)
  and sets its cookie — HttpOnly, SameSite=Strict, `Secure` and named `__Host-…` over HTTPS — then
  sends the browser back to the page it asked for (a local path only).
"""
from __future__ import annotations

import asyncio
import hmac
import html
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard import i18n
from dashboard.web.config import (CSRF_COOKIE, MAX_FORM_BYTES, MAX_WAITING, SIGN_IN_PATH, clear_session_cookies,
                                  client_address, is_https, live_session, safe_next, session_token,
                                  set_session_cookie, store)
from pipelines.accounts import sessions, users

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
                        secure=is_https(request))
    return response


async def sign_in_page(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    token = session_token(request.cookies)
    if await live_session(token):
        return RedirectResponse(next_path, status_code=303)
    response = _form(request, next_path)
    clear_session_cookies(response, request)
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
            return PlainTextResponse(i18n.t("http_too_large"), status_code=413)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    next_path = safe_next(form.get("next"))
    client = client_address(request)
    csrf_ok = hmac.compare_digest(form.get("csrf", "").encode(), request.cookies.get(CSRF_COOKIE, "").encode()) \
        and bool(form.get("csrf"))
    if not _same_origin(request) or not csrf_ok:
        await run_in_threadpool(users.record_event, store(), i18n.t("audit_unknown_actor"), "sign_in_failed",
                                i18n.t("audit_csrf_refused", client=client))
        return _form(request, next_path, i18n.t("signin_form_expired", lang), status=403)
    name, password = form.get("name", "")[:64], form.get("password", "")
    if _hash_slots is None:
        _hash_slots = asyncio.Semaphore(users.HASH_SLOTS)
    if _waiting >= MAX_WAITING:
        return _form(request, next_path, i18n.t("signin_busy", lang), name=name, status=503)
    _waiting += 1
    try:
        async with _hash_slots:
            user = await run_in_threadpool(users.authenticate, store(), name, password, client)
    finally:
        _waiting -= 1
    if user is None:
        return _form(request, next_path, i18n.t("signin_failed", lang), name=name, status=401)
    token = await run_in_threadpool(sessions.start, store(), user.name, client)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH, httponly=True, samesite="strict", secure=is_https(request))
    return response



def routes() -> list[Route]:
    return [Route(SIGN_IN_PATH, sign_in_page, methods=["GET"]),
            Route(SIGN_IN_PATH, sign_in_post, methods=["POST"])]

