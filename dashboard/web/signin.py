"""The sign-in form and its POST (Starlette routes, served through `st.App` in dashboard/server.py).

* `GET /dang-nhap` — a plain HTML page that names no page of the dashboard. It sets a CSRF cookie
  (random, HttpOnly, SameSite=Strict, for this path only) and carries the same value in the form;
  a stale session cookie is cleared.
* `POST /dang-nhap` — checks the Origin (or Referer) against the server's own, the CSRF value
  against its cookie, then the password (`users.attempt`: one answer for every failure, waits per
  name from a client and per address, see pipelines/accounts/throttle.py) with at most
  `users.HASH_SLOTS` hashes at once; on success starts a server-side session (`sessions.start`)
  and sets its cookie — HttpOnly, SameSite=Strict, `Secure` and named `__Host-…` over HTTPS — and
  the device cookie that lets this browser through an outsider's waits, then sends the browser
  back to the page it asked for (a local path only).

Under a flood: a try that must wait is answered before it queues, with no hashing; each client
address (or known browser) has one post in progress at most; browsers with a genuine device
cookie queue ahead of anonymous posts; forged posts write one audit row a minute per address.
"""
from __future__ import annotations

import asyncio
import hmac
import html
import secrets
from collections import deque
from functools import partial
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard import i18n
from dashboard.web.config import (CSRF_COOKIE, MAX_FORM_BYTES, MAX_WAITING, MAX_WAITING_KNOWN, PER_CLIENT_AT_ONCE,
                                  PER_CLIENT_WAITING, SIGN_IN_PATH, AuditGate, clear_session_cookies, client_address,
                                  device_cookie, is_https, live_session, safe_next, session_token, set_device_cookie,
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


class _Slots:
    """`users.HASH_SLOTS` places to hash a password. Waiters from a browser that signed in before
    (a genuine device cookie) are let in first: a crowd of anonymous posts cannot keep a member out."""

    def __init__(self, n: int):
        self.free = n
        self.queues: dict[bool, deque] = {True: deque(), False: deque()}

    def waiting(self, known: bool) -> int:
        return len(self.queues[known])

    async def acquire(self, known: bool) -> None:
        if self.free > 0 and not self.queues[True] and not self.queues[False]:
            self.free -= 1
            return
        future = asyncio.get_running_loop().create_future()
        self.queues[known].append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()          # handed a place just as the client went away: pass it on
            else:
                self.queues[known].remove(future)
            raise

    def release(self) -> None:
        for known in (True, False):
            queue = self.queues[known]
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)
                    return
        self.free += 1


_slots: _Slots | None = None


class _ClientGate:
    """The sign-in posts of one client address (or one known browser): a few checked at once, a
    bounded line behind them. An office signs in together from one address (its NAT or proxy):
    its members wait their turn for a moment instead of being told the server is busy, while
    whatever one address sends holds at most `at_once` checks and `at_once + waiting` places."""

    def __init__(self, at_once: int, waiting: int):
        self.turns = asyncio.Semaphore(at_once)
        self.limit = at_once + waiting
        self.holders = 0                  # posts checked now or waiting their turn


_gates: dict[str, _ClientGate] = {}
_forged = AuditGate()


async def sign_in_post(request: Request) -> Response:
    global _slots
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
        skipped = _forged.take(client)
        if skipped is not None:
            detail = i18n.t("audit_csrf_refused", client=client) + (
                i18n.t("audit_left_out", n=skipped) if skipped else "")
            await run_in_threadpool(users.record_event, store(), i18n.t("audit_unknown_actor"), "sign_in_failed", detail)
        return _form(request, next_path, i18n.t("signin_form_expired", lang), status=403)
    name, password = form.get("name", "")[:64], form.get("password", "")
    device = device_cookie(request.cookies)
    if _slots is None:
        _slots = _Slots(users.HASH_SLOTS)
    # Posts are lined up per client address (or per known browser, one at a time): the work an
    # address can cause is a couple of checks at once, and a flood from one address never holds
    # more than a couple of hashing places. Only a genuine device cookie counts apart (checked
    # without the store): made-up ones would otherwise buy a place each.
    known = await run_in_threadpool(users.known_device, store(), name, device) if device else False
    who = f"device:{device}" if known else f"address:{client}"
    gate = _gates.get(who) or _gates.setdefault(
        who, _ClientGate(1, 0) if known else _ClientGate(PER_CLIENT_AT_ONCE, PER_CLIENT_WAITING))
    if gate.holders >= gate.limit:
        return _form(request, next_path, i18n.t("signin_busy", lang), name=name, status=429)
    gate.holders += 1
    try:
        async with gate.turns:
            result = await _check(name, password, client, device)
    finally:
        gate.holders -= 1
        if not gate.holders:
            _gates.pop(who, None)
    if result is None:
        return _form(request, next_path, i18n.t("signin_busy", lang), name=name, status=503)
    if result.user is None:
        return _form(request, next_path, i18n.t("signin_failed", lang), name=name, status=401)
    token = await run_in_threadpool(sessions.start, store(), result.user.name, client)
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, token)
    if result.device:
        set_device_cookie(response, request, result.device)
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH, httponly=True, samesite="strict", secure=is_https(request))
    return response


async def _check(name: str, password: str, client: str, device: str | None):
    """The password check in a hashing slot (known browsers first); None when the line for a slot
    is full (the server is busy)."""
    until, known = await run_in_threadpool(users.precheck, store(), name, client, device)
    if until is not None:   # a wait in force: answered at once, no hashing, no queue place
        result = await run_in_threadpool(partial(users.attempt, store(), name, password, client, device=device))
    else:
        if _slots.waiting(known) >= (MAX_WAITING_KNOWN if known else MAX_WAITING):
            return None
        await _slots.acquire(known)
        try:
            result = await run_in_threadpool(partial(users.attempt, store(), name, password, client, device=device))
        finally:
            _slots.release()
    return result


def routes() -> list[Route]:
    return [Route(SIGN_IN_PATH, sign_in_page, methods=["GET"]),
            Route(SIGN_IN_PATH, sign_in_post, methods=["POST"])]

