"""What the HTTP side and the page runs share: where the store is, the session cookie's names, the
local-path check for `next=`, and the one question every request asks (is this session live?).

`SERVED` is True once dashboard/server.py has built the app with the project's routes and
middleware: the page then trusts only the session cookie. Without it (AppTest, a bare
`streamlit run dashboard/app.py`) the page falls back to a sign-in form that lives in the tab.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from pipelines.accounts import sessions
from pipelines.store import DEFAULT_DATA_DIR, Store

DATA_DIR_ENV = "DUCPHO138_DATA_DIR"
SIGN_IN_PATH = "/dang-nhap"
COOKIE = "ducpho138_session"
COOKIE_HTTPS = "__Host-ducpho138_session"    # a __Host- cookie: Secure, Path=/, no Domain
CSRF_COOKIE = "ducpho138_csrf"
MAX_FORM_BYTES = 8192
MAX_WAITING = 32          # sign-in POSTs queued for a hashing slot before the server says it is busy

SERVED = False


def data_dir_from_args(argv: list[str] | None = None) -> Path:
    """--data-dir after `--` on the streamlit command line, else $DUCPHO138_DATA_DIR, else data/."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data-dir")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return Path(args.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


@lru_cache(maxsize=1)
def store() -> Store:
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


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(COOKIE_HTTPS if is_https(request) else COOKIE, token, max_age=int(sessions.ABSOLUTE.total_seconds()),
                        path="/", httponly=True, samesite="strict", secure=is_https(request))


def clear_session_cookies(response: Response, request: Request) -> None:
    for name in (COOKIE, COOKIE_HTTPS):
        if name in request.cookies:
            response.delete_cookie(name, path="/", httponly=True, samesite="strict", secure=name == COOKIE_HTTPS)


async def live_session(token: str | None) -> tuple[str, str] | None:
    if not token:
        return None
    try:
        return await run_in_threadpool(sessions.check, store(), token)
    except Exception:  # a busy or broken store signs nobody in
        return None
