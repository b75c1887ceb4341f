"""Lasting sign-in: server-side sessions behind an HttpOnly cookie.

A successful sign-in gets a random token of 256 bits (`start`); the browser keeps it in a cookie
that scripts cannot read, and the store keeps only its sha256 with the account, when it was made,
when it was last seen, and two expiries: idle (default 8 h after the last use) and absolute
(default 7 days after sign-in). `check` is asked on every page run and every guarded request: an
unknown, ended or expired token signs nobody in, and the account's role is read from the store at
that moment. Sign-out, a password change, a role change and an account's removal end every session
of the account at once (`end_all_in`, called inside the same transaction as the change).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING

from pipelines.localtime import utcnow
from pipelines.store import Store, load

if TYPE_CHECKING:  # the command line's parser imports accounts: keep pandas out of it
    import pandas as pd

TOKEN_BYTES = 32                       # 256 bits from the OS's CSPRNG
IDLE = dt.timedelta(hours=8)
ABSOLUTE = dt.timedelta(days=7)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen is written at most this often (each write costs)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(store: Store, user_name: str, client: str = "", *, idle: dt.timedelta = IDLE,
          absolute: dt.timedelta = ABSOLUTE, now: dt.datetime | None = None) -> str:
    """A new session for an account that has just proven who it is; returns the token (for the
    cookie only: it is never stored or logged)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = now or utcnow()
    with store.transaction(bump=False) as con:
        con.execute("INSERT INTO app_session (token_hash, user_name, created_at, last_seen, idle_expires_at, "
                    "expires_at, client) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [token_hash(token), user_name, now, now, min(now + idle, now + absolute), now + absolute,
                     (client or "")[:64]])
    return token


def check(store: Store, token: str | None, *, idle: dt.timedelta = IDLE,
          now: dt.datetime | None = None) -> tuple[str, str] | None:
    """(account name, role as stored now) for a live session token; None otherwise. An expired
    session is deleted; a live one is marked as seen (at most once a minute)."""
    if not token or len(token) > 256:
        return None
    now = now or utcnow()
    digest = token_hash(token)
    with store.connect() as con:
        row = con.execute(
            "SELECT s.id, s.user_name, u.role, s.last_seen, s.idle_expires_at, s.expires_at FROM app_session s "
            "LEFT JOIN app_user u ON u.name = s.user_name WHERE s.token_hash = ?", [digest]).fetchone()
    if row is None:
        return None
    sid, name, role, last_seen, idle_expires, expires = row
    if role is None or now >= idle_expires or now >= expires:
        with store.transaction(bump=False) as con:
            con.execute("DELETE FROM app_session WHERE id = ?", [sid])
        return None
    if now - last_seen >= TOUCH_EVERY:
        with store.transaction(bump=False) as con:
            con.execute("UPDATE app_session SET last_seen = ?, idle_expires_at = least(?, expires_at) WHERE id = ?",
                        [now, now + idle, sid])
    return name, role


def end(store: Store, token: str | None) -> str | None:
    """End one session (the browser's own); the account name it belonged to, or None."""
    if not token:
        return None
    with store.transaction(bump=False) as con:
        row = con.execute("DELETE FROM app_session WHERE token_hash = ? RETURNING user_name",
                          [token_hash(token)]).fetchone()
    return row[0] if row else None


def end_all_in(con, user_name: str) -> int:
    """Inside a caller's transaction: end every session of an account; how many there were."""
    rows = con.execute("DELETE FROM app_session WHERE user_name = ? RETURNING id", [user_name]).fetchall()
    return len(rows)


def end_all(store: Store, user_name: str, actor: str, reason: str) -> int:
    """End every session of an account, noted in the audit log (sign-out ends them all)."""
    with store.transaction(bump=False) as con:
        n = end_all_in(con, user_name)
        load.audit(con, actor, "sessions_ended", f"{user_name}: {n} phiên ({reason})")
    return n


def end_by_id(store: Store, session_id: int, actor: str) -> str | None:
    """End one session by its row id (the admin's list); the account it belonged to, or None."""
    with store.transaction(bump=False) as con:
        row = con.execute("DELETE FROM app_session WHERE id = ? RETURNING user_name", [int(session_id)]).fetchone()
        if row:
            load.audit(con, actor, "sessions_ended", f"{row[0]}: phiên số {int(session_id)} (quản trị viên kết thúc)")
    return row[0] if row else None


def list_live(store: Store, now: dt.datetime | None = None) -> pd.DataFrame:
    """Live sessions: id, user_name, created_at, last_seen, idle_expires_at, expires_at, client.
    Never the token or its hash."""
    now = now or utcnow()
    return store.query_df(
        "SELECT id, user_name, created_at, last_seen, idle_expires_at, expires_at, client FROM app_session "
        "WHERE idle_expires_at > ? AND expires_at > ? ORDER BY user_name, last_seen DESC", [now, now])
