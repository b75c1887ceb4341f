"""Failed sign-ins, counted per (typed name, client) and per client address, with growing waits.

The model (README, "Accounts and sign-in"): a wait must slow a guesser without letting an outsider
lock a member out. So failures are never counted against a name alone:

* **name from a client** (scope 'account', key = sha256 of the name + the client): after
  FREE_FAILURES['account'] (5) failures in a row for one name from one client address, further
  tries *of that name from that address* wait 30 s, then twice as long each time, up to 15 min.
  The same name from another address is not slowed at all.
* **name from a known browser**: a browser that has signed in as the name before carries a *device
  cookie* (`device_token`, an HMAC over the name and a random id, keyed by a secret kept in the
  store's `meta`). Its tries are counted under that device instead of the address, so an attacker
  behind the same office address (or NAT, or proxy) cannot make the member's own browser wait, and
  a stolen device cookie buys only the same 5 free tries. This is OWASP's "device cookie" scheme.
* **address** (scope 'address'): FREE_FAILURES['address'] (20: an office behind one address has
  many people) failures from one address across all names, then waits up to 1 h. Tries with a
  valid device cookie are exempt, for the reason above.

A count is forgotten only after FORGET_AFTER of quiet *after its wait ended*: waiting a wait out
does not hand out fresh free tries (an address that tries once an hour stays at one try an hour).
Unknown names are counted exactly like real ones, so the waits tell nobody which names exist. An
admin can lift any wait on the Quản trị page.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from pipelines.localtime import utcnow
from pipelines.store import Store

if TYPE_CHECKING:  # the command line's parser imports accounts: keep pandas out of it
    import pandas as pd

FREE_FAILURES = {"account": 5, "address": 20}
FIRST_WAIT = dt.timedelta(seconds=30)
MAX_WAIT = {"account": dt.timedelta(minutes=15), "address": dt.timedelta(hours=1)}
FORGET_AFTER = dt.timedelta(hours=1)   # quiet time after the last failure (or the wait's end) that starts afresh
UNKNOWN_NAME = "(tên không tồn tại)"
DEVICE_DAYS = 180                      # a device cookie older than this is ignored (the browser signs in afresh)
_DEVICE_KEY = "signin_device_key"      # the HMAC secret's row in `meta`


def name_key(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def account_key(name: str, client: str = "", device: str | None = None) -> str:
    """The 'account' scope's key: the name's sha256, then who tries it (a device id or an address),
    hashed too so the key says nothing by itself. `name_key(name)` is its prefix."""
    who = f"device:{device}" if device else f"address:{client}"
    return name_key(name) + ":" + hashlib.sha256(who.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def wait_after(scope: str, failures: int) -> dt.timedelta | None:
    """How long to wait after the `failures`-th failure in a row: none before FREE_FAILURES, then
    30 s, 1 min, 2 min, … capped per scope."""
    free = FREE_FAILURES[scope]
    if failures < free:
        return None
    return min(FIRST_WAIT * 2 ** min(failures - free, 20), MAX_WAIT[scope])


def waits(con, keys: list[tuple[str, str]], now: dt.datetime) -> dict[tuple[str, str], dt.datetime]:
    """The waits in force among (scope, key): {(scope, key): end}. One query (it runs for every try)."""
    if not keys:
        return {}
    rows = con.execute(f"SELECT scope, key, blocked_until FROM signin_throttle WHERE blocked_until > ? AND key IN "
                       f"({', '.join('?' for _ in keys)})", [now] + [k for _, k in keys]).fetchall()
    wanted = set(keys)
    return {(scope, key): until for scope, key, until in rows if (scope, key) in wanted}


def blocked_until(con, keys: list[tuple[str, str]], now: dt.datetime) -> dt.datetime | None:
    """The latest wait in force for any of (scope, key); None when none is."""
    return max(waits(con, keys, now).values(), default=None)


def record_failure(con, scope: str, key: str, label: str, now: dt.datetime) -> int:
    """Count one failure; returns the count in a row. The count starts afresh only after
    FORGET_AFTER of quiet counted from the later of the last failure and the end of its wait."""
    row = con.execute("SELECT failures, last_failure, blocked_until FROM signin_throttle WHERE scope = ? AND key = ?",
                      [scope, key]).fetchone()
    quiet_since = None if row is None else max(row[1], row[2] or row[1])
    failures = 1 if row is None or now - quiet_since > FORGET_AFTER else row[0] + 1
    wait = wait_after(scope, failures)
    con.execute("INSERT INTO signin_throttle (scope, key, label, failures, last_failure, blocked_until) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO UPDATE SET label = excluded.label, "
                "failures = excluded.failures, last_failure = excluded.last_failure, blocked_until = excluded.blocked_until",
                [scope, key, label[:64], failures, now, now + wait if wait else None])
    return failures


def clear(con, scope: str, key: str) -> None:
    con.execute("DELETE FROM signin_throttle WHERE scope = ? AND key = ?", [scope, key])


def clear_name(con, name: str) -> None:
    """Every count of a name, from any client (a new password lifts them all)."""
    con.execute("DELETE FROM signin_throttle WHERE scope = 'account' AND starts_with(key, ?)", [name_key(name)])


# -- device cookies -------------------------------------------------------------------------------------
def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _device_secret(con, create: bool) -> bytes | None:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [_DEVICE_KEY]).fetchone()
    if row is None and create:
        con.execute("INSERT INTO meta VALUES (?, ?)", [_DEVICE_KEY, secrets.token_hex(32)])
        row = con.execute("SELECT value FROM meta WHERE key = ?", [_DEVICE_KEY]).fetchone()
    return bytes.fromhex(row[0]) if row else None


def _mac(secret: bytes, name: str, device_id: str, day: int) -> str:
    message = f"{name}\n{device_id}\n{day}".encode("utf-8", "surrogatepass")
    return _b64(hmac.new(secret, message, hashlib.sha256).digest())


def device_token(con, name: str, now: dt.datetime) -> str:
    """Inside a write transaction, after a successful sign-in: a new device cookie for `name`."""
    secret = _device_secret(con, create=True)
    device_id, day = secrets.token_urlsafe(16), (now - dt.datetime(2020, 1, 1)).days
    return f"{device_id}.{day}.{_mac(secret, name, device_id, day)}"


def device_id(con, name: str, token: str | None, now: dt.datetime) -> str | None:
    """The device id in a device cookie that is genuine, for this name, and younger than
    DEVICE_DAYS; None for anything else (forged, another name's, too old, missing)."""
    if not token or len(token) > 200 or token.count(".") != 2:
        return None
    return checked_device(_device_secret(con, create=False), name, token, now)


def device_secret(con) -> bytes | None:
    """The HMAC secret, once one exists (for callers that check many cookies without the store)."""
    return _device_secret(con, create=False)


def checked_device(secret: bytes | None, name: str, token: str | None, now: dt.datetime) -> str | None:
    """`device_id` with the secret at hand: no store access (the web layer checks every post)."""
    if not token or len(token) > 200 or token.count(".") != 2:
        return None
    did, day, mac = token.split(".")
    if secret is None or not day.isdigit() or not hmac.compare_digest(mac, _mac(secret, name, did, int(day))):
        return None
    if not 0 <= (now - dt.datetime(2020, 1, 1)).days - int(day) <= DEVICE_DAYS:
        return None
    return did


def list_blocks(store: Store, now: dt.datetime | None = None) -> pd.DataFrame:
    """Waits in force: scope, key, label, failures, last_failure, blocked_until (for the admin)."""
    now = now or utcnow()
    return store.query_df("SELECT scope, key, label, failures, last_failure, blocked_until FROM signin_throttle "
                          "WHERE blocked_until > ? ORDER BY blocked_until DESC", [now])
