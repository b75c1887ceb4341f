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
import time
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
DEVICE_COOKIE = "ducpho138_device"           # proof that this browser signed in before (throttle.device_token)
DEVICE_COOKIE_HTTPS = "__Host-ducpho138_device"
DEVICE_DAYS = 180
MAX_FORM_BYTES = 8192
# Sign-in POSTs queued for a hashing slot before the server says it is busy. Each client address
# holds at most one place (signin.py), so this many addresses can wait at once; browsers that signed
# in before (a device cookie) queue apart, ahead of them.
MAX_WAITING = 64
MAX_WAITING_KNOWN = 16
PER_CLIENT_AT_ONCE = 2    # sign-in checks at once from one client address (an office behind one NAT)
PER_CLIENT_WAITING = 32   # and its posts waiting their turn; more are told to come back (429)
TRUSTED_PROXIES_ENV = "DUCPHO138_TRUSTED_PROXIES"
ALLOWED_HOSTS_ENV = "DUCPHO138_ALLOWED_HOSTS"

SERVED = False


def data_dir_from_args(argv: list[str] | None = None) -> Path:
    """--data-dir after `--` on the streamlit command line, else $DUCPHO138_DATA_DIR, else data/."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data-dir")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    return Path(args.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)


def store_spec_from_args(argv: list[str] | None = None) -> str:
    """The store this server shows (see Store.spec): --store URL [--raw-dir DIR] after `--` on the
    streamlit command line (or $DUCPHO138_STORE, $DUCPHO138_RAW_DIR: what a service sets), else the
    DuckDB data dir of data_dir_from_args. Every replica of a PostgreSQL store is started alike."""
    from pipelines.store.engine import RAW_DIR_ENV, STORE_ENV
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    parser.add_argument("--raw-dir")
    parser.add_argument("--data-dir")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    url = args.store or (None if args.data_dir else os.environ.get(STORE_ENV))
    if url and url.startswith(("postgresql://", "postgres://")):
        return Store(url, raw_dir=args.raw_dir or os.environ.get(RAW_DIR_ENV)).spec
    if url:
        return Store(url).spec
    return str(data_dir_from_args(argv))


class AuditGate:
    """At most one audit row a minute per client address for what an anonymous client can repeat
    at will (forged sign-in posts, download links fetched without a session); the next row says
    how many were left out, so an outsider cannot fill the log."""
    EVERY = 60.0
    MAX_ADDRESSES = 10_000

    def __init__(self):
        self.last: dict[str, tuple[float, int]] = {}

    def take(self, client: str) -> int | None:
        """None: do not write a row now; else write one, noting this many left out before it."""
        now = time.monotonic()
        last, skipped = self.last.get(client, (-self.EVERY, 0))
        if now - last < self.EVERY:
            self.last[client] = (last, skipped + 1)
            return None
        if len(self.last) >= self.MAX_ADDRESSES:
            self.last.clear()
        self.last[client] = (now, 0)
        return skipped


def _option(name: str, env: str, argv: list[str] | None = None) -> list[str]:
    """A comma-separated setting: `--NAME a,b` after `--` on the streamlit command line, else $ENV."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(f"--{name}")
    args, _ = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    value = getattr(args, name.replace("-", "_")) or os.environ.get(env) or ""
    return [v.strip() for v in value.split(",") if v.strip()]


def trusted_proxies(argv: list[str] | None = None) -> list[str]:
    """Addresses (or networks, `10.0.0.0/8`) of reverse proxies whose X-Forwarded-For and
    X-Forwarded-Proto are believed (`--trusted-proxies`, $DUCPHO138_TRUSTED_PROXIES). Default: none —
    anyone can send those headers, so by default they are ignored."""
    found = _option("trusted-proxies", TRUSTED_PROXIES_ENV, argv)
    # a dual-stack socket shows an IPv4 proxy as ::ffff:a.b.c.d: trust that spelling too
    return found + [f"::ffff:{a}" for a in found if re.fullmatch(r"[0-9.]+", a)]


def allowed_hosts(argv: list[str] | None = None) -> set[str]:
    """Host names the server answers to (`--allowed-hosts`, $DUCPHO138_ALLOWED_HOSTS), besides the
    served address (on every interface: this machine's names), localhost and any IP address (see
    `host_allowed`): any other name is a forged Host (DNS rebinding) and is refused."""
    try:
        from streamlit import config as st_config
        address = st_config.get_option("server.address")
    except Exception:
        address = None
    served = {address.lower()} if address and address not in ("0.0.0.0", "::") else _machine_names()
    return {h.lower().rstrip(".") for h in _option("allowed-hosts", ALLOWED_HOSTS_ENV, argv)} | served | {
        "localhost", "127.0.0.1", "::1"}


@lru_cache(maxsize=1)
def _machine_names() -> set[str]:
    """Served on every interface: this machine's name and addresses (what the office types)."""
    import socket
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    try:
        names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    return names


def host_allowed(host: str | None, allowed: set[str]) -> bool:
    """A Host header naming this server: an allowed name, or an IP address written as such (DNS
    rebinding needs a *name* the attacker's DNS points at this machine; an address cannot be one,
    and the office may type the server's address, whatever interface it is on)."""
    import ipaddress
    name = host_name(host)
    if name is None:
        return False
    if name in allowed:
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def host_name(host: str | None) -> str | None:
    """The name in a Host header ("a.b:8501" → "a.b", "[::1]:80" → "::1"); None when malformed."""
    if not host or len(host) > 255:
        return None
    parts = urlsplit(f"//{host}")
    try:
        parts.port
    except ValueError:
        return None
    if parts.hostname is None or parts.username or parts.password or parts.path or parts.query:
        return None
    return parts.hostname.lower().rstrip(".")


def device_cookie(cookies: Mapping[str, str]) -> str | None:
    return cookies.get(DEVICE_COOKIE_HTTPS) or cookies.get(DEVICE_COOKIE) or None


def set_device_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(DEVICE_COOKIE_HTTPS if is_https(request) else DEVICE_COOKIE, token,
                        max_age=DEVICE_DAYS * 86400, path="/", httponly=True, samesite="strict",
                        secure=is_https(request))


@lru_cache(maxsize=1)
def store() -> Store:
    return Store.from_spec(store_spec_from_args())


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
