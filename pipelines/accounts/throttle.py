"""Failed sign-ins, counted per account and per client address, with growing delays.

After FREE_FAILURES failures in a row (within FORGET_AFTER of each other) for one typed name (5),
or from one client address (20: an office behind one address has many people), each further attempt
must wait: 30 s, then twice as long each time, up to
15 minutes for an account and 1 hour for an address. A wait is not a lock an outsider can hold
forever: it ends by itself, an address that keeps failing is slowed far more than the account it
aims at, and an admin can lift any wait on the Quản trị page. Unknown names are counted exactly
like real ones (by the sha256 of the typed name, labelled "(tên không tồn tại)"), so the waits tell
nobody which names exist.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import TYPE_CHECKING

from pipelines.localtime import utcnow
from pipelines.store import Store

if TYPE_CHECKING:  # the command line's parser imports accounts: keep pandas out of it
    import pandas as pd

FREE_FAILURES = {"account": 5, "address": 20}
FIRST_WAIT = dt.timedelta(seconds=30)
MAX_WAIT = {"account": dt.timedelta(minutes=15), "address": dt.timedelta(hours=1)}
FORGET_AFTER = dt.timedelta(hours=1)   # a failure older than this starts a fresh count
UNKNOWN_NAME = "(tên không tồn tại)"


def account_key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def wait_after(scope: str, failures: int) -> dt.timedelta | None:
    """How long to wait after the `failures`-th failure in a row: none before FREE_FAILURES, then
    30 s, 1 min, 2 min, … capped per scope."""
    free = FREE_FAILURES[scope]
    if failures < free:
        return None
    return min(FIRST_WAIT * 2 ** min(failures - free, 20), MAX_WAIT[scope])


def blocked_until(con, keys: list[tuple[str, str]], now: dt.datetime) -> dt.datetime | None:
    """The latest wait in force for any of (scope, key); None when none is."""
    latest = None
    for scope, key in keys:
        row = con.execute("SELECT blocked_until FROM signin_throttle WHERE scope = ? AND key = ?",
                          [scope, key]).fetchone()
        if row and row[0] is not None and row[0] > now and (latest is None or row[0] > latest):
            latest = row[0]
    return latest


def record_failure(con, scope: str, key: str, label: str, now: dt.datetime) -> int:
    """Count one failure; returns the count in a row (a quiet hour starts afresh)."""
    row = con.execute("SELECT failures, last_failure FROM signin_throttle WHERE scope = ? AND key = ?",
                      [scope, key]).fetchone()
    failures = 1 if row is None or now - row[1] > FORGET_AFTER else row[0] + 1
    wait = wait_after(scope, failures)
    con.execute("INSERT OR REPLACE INTO signin_throttle (scope, key, label, failures, last_failure, blocked_until) "
                "VALUES (?, ?, ?, ?, ?, ?)", [scope, key, label[:64], failures, now, now + wait if wait else None])
    return failures


def clear(con, scope: str, key: str) -> None:
    con.execute("DELETE FROM signin_throttle WHERE scope = ? AND key = ?", [scope, key])


def list_blocks(store: Store, now: dt.datetime | None = None) -> pd.DataFrame:
    """Waits in force: scope, key, label, failures, last_failure, blocked_until (for the admin)."""
    now = now or utcnow()
    return store.query_df("SELECT scope, key, label, failures, last_failure, blocked_until FROM signin_throttle "
                          "WHERE blocked_until > ? ORDER BY blocked_until DESC", [now])
