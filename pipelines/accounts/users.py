"""Dashboard accounts: roles, argon2id passwords, sign-in with lockout, role-guarded writes.

Roles are ordered viewer < analyst < admin. Every function that changes data on behalf of a
signed-in person (`*_as`, `record_export`, `audit_log`) checks the role here, on the server side,
and re-reads the account from the store first, so a session whose account was removed or demoted
meanwhile cannot keep writing. The dashboard hides buttons too, but that is only a courtesy.

Sign-in (`authenticate`): one answer (None) for every failure, the same argon2 work for real and
unknown names, failures counted per typed name and per client address with growing waits
(`throttle`), at most HASH_SLOTS hashes at once. A success starts nothing by itself: the web layer
asks `sessions.start` for the cookie. A password change, a role change and a removal end every
session of the account in the same transaction. Every attempt is written to the audit log, with
"(tên không tồn tại)" as the actor for a name that is not an account (it may be a mistyped
password); passwords, tokens and hashes never are.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipelines.accounts import ROLE_NAMES, ROLES  # noqa: F401  (re-exported)
from pipelines.accounts import sessions, throttle
from pipelines.localtime import utcnow
from pipelines.store import Store, load

if TYPE_CHECKING:  # the command line imports this module for its parser: keep pandas out of it
    import pandas as pd

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024   # argon2 copes with more, but nobody types this much; bounds the work
DEMO_ACCOUNTS = {"demo_viewer": "viewer", "demo_analyst": "analyst", "demo_admin": "admin"}

# Lower-case ASCII so "Alice" and "alice" are one account and names survive any terminal/log.
_NAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")

# argon2-cffi's defaults are argon2id with the RFC 9106 "low memory" profile. When a future
# version raises them, stored hashes are upgraded at the next successful sign-in.
_HASHER = PasswordHasher()


class UserError(ValueError):
    """A request about accounts that cannot be honoured (bad name, role or password; no such user)."""


class PermissionDenied(PermissionError):
    """The signed-in person (or nobody) lacks the role the action needs."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, role: str) -> bool:
        """True when this user's role is `role` or a higher one."""
        return _rank(self.role) >= _rank(role)


# -- checks --------------------------------------------------------------------------------------
def _rank(role: str) -> int:
    try:
        return ROLES.index(role)
    except ValueError:
        raise UserError(f"Vai trò không hợp lệ: {role!r} (chọn một trong: {', '.join(ROLES)}).") from None


def _normal_name(name: str) -> str:
    return (name or "").strip().lower()


def _check_name(name: str) -> str:
    norm = _normal_name(name)
    if not _NAME_RE.fullmatch(norm):
        raise UserError(f"Tên đăng nhập không hợp lệ: {name!r} (2–32 ký tự: chữ cái không dấu, số, "
                        "dấu chấm, gạch dưới, gạch ngang; bắt đầu bằng chữ hoặc số).")
    return norm


def _check_password(name: str, password: str) -> None:
    if not password or not password.strip():
        raise UserError("Mật khẩu không được để trống.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu quá ngắn: cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu quá dài: tối đa {MAX_PASSWORD_LENGTH} ký tự.")
    if password.strip().lower() == name:
        raise UserError("Mật khẩu không được trùng với tên đăng nhập.")


def require(user: User | None, role: str) -> User:
    """The user, if signed in with `role` or higher; PermissionDenied otherwise."""
    if user is None:
        raise PermissionDenied("Cần đăng nhập để thực hiện thao tác này.")
    if not user.can(role):
        raise PermissionDenied(f"Tài khoản {user.name} ({ROLE_NAMES.get(user.role, user.role)}) không có quyền "
                               f"thực hiện thao tác này; cần vai trò {ROLE_NAMES[role]} trở lên.")
    return user


def _authorize(store: Store, user: User | None, role: str) -> User:
    """require() against the account as stored now, not as it was at sign-in."""
    require(user, role)
    return require(get_user(store, user.name), role)


# -- accounts ------------------------------------------------------------------------------------
def get_user(store: Store, name: str) -> User | None:
    with store.connect() as con:
        row = con.execute("SELECT name, role FROM app_user WHERE name = ?", [_normal_name(name)]).fetchone()
    return User(*row) if row else None


def list_users(store: Store) -> pd.DataFrame:
    """name, role, created_at, locked_until (the end of a sign-in wait in force for the account, see
    `throttle`), sessions (how many live ones). Never the hash."""
    now = utcnow()
    df = store.query_df(
        "SELECT name, role, created_at, "
        "  (SELECT count(*) FROM app_session s WHERE s.user_name = u.name AND s.idle_expires_at > ? "
        "   AND s.expires_at > ?) AS sessions FROM app_user u ORDER BY name", [now, now])
    waits = throttle.list_blocks(store, now)
    waits = waits[waits["scope"] == "account"]
    # a name waits from some client (an address, or a browser): the latest end of those waits
    latest = {}
    for key, until in zip(waits["key"], waits["blocked_until"]):
        prefix = key.split(":", 1)[0]
        latest[prefix] = max(latest.get(prefix, until), until)
    df.insert(3, "locked_until", [latest.get(throttle.name_key(n)) for n in df["name"]])
    import pandas as pd
    df["locked_until"] = pd.to_datetime(df["locked_until"])
    return df


def add_user(store: Store, name: str, role: str, password: str, actor: str = "cli") -> User:
    name = _check_name(name)
    _rank(role)
    _check_password(name, password)
    hashed = _hash(password)  # slow on purpose: outside the write transaction
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM app_user WHERE name = ?", [name]).fetchone():
            raise UserError(f"Tài khoản {name} đã tồn tại.")
        con.execute("INSERT INTO app_user (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    [name, role, hashed, utcnow()])
        load.audit(con, actor, "user_add", f"{name} ({ROLE_NAMES[role]})")
    return User(name, role)


def set_password(store: Store, name: str, password: str, actor: str = "cli") -> None:
    """A new password; also lifts any sign-in wait of the account and ends all its sessions."""
    norm = _normal_name(name)
    _check_password(norm, password)
    hashed = _hash(password)
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM app_user WHERE name = ?", [norm]).fetchone():
            raise UserError(f"Không có tài khoản {name}.")
        con.execute("UPDATE app_user SET password_hash = ?, failed_count = 0, locked_until = NULL WHERE name = ?",
                    [hashed, norm])
        throttle.clear_name(con, norm)
        ended = sessions.end_all_in(con, norm)
        load.audit(con, actor, "password_change", f"{norm} ({ended} phiên đăng nhập kết thúc)")


def remove_user(store: Store, name: str, actor: str = "cli") -> None:
    norm = _normal_name(name)
    with store.transaction() as con:
        row = con.execute("SELECT role FROM app_user WHERE name = ?", [norm]).fetchone()
        if row is None:
            raise UserError(f"Không có tài khoản {name}.")
        if row[0] == "admin":
            admins = con.execute("SELECT count(*) FROM app_user WHERE role = 'admin'").fetchone()[0]
            if admins <= 1:
                raise UserError(f"Không thể xóa {norm}: đây là tài khoản quản trị cuối cùng.")
        con.execute("DELETE FROM app_user WHERE name = ?", [norm])
        ended = sessions.end_all_in(con, norm)
        load.audit(con, actor, "user_remove", f"{norm} ({ROLE_NAMES.get(row[0], row[0])}; {ended} phiên đăng nhập kết thúc)")


def set_role(store: Store, name: str, role: str, actor: str = "cli") -> User:
    """A new role for an account; ends all its sessions (it signs in again with the new rights).
    The last admin keeps the role."""
    norm = _normal_name(name)
    _rank(role)
    with store.transaction() as con:
        row = con.execute("SELECT role FROM app_user WHERE name = ?", [norm]).fetchone()
        if row is None:
            raise UserError(f"Không có tài khoản {name}.")
        if row[0] == role:
            return User(norm, role)
        if row[0] == "admin":
            admins = con.execute("SELECT count(*) FROM app_user WHERE role = 'admin'").fetchone()[0]
            if admins <= 1:
                raise UserError(f"Không thể đổi vai trò của {norm}: đây là tài khoản quản trị cuối cùng.")
        con.execute("UPDATE app_user SET role = ? WHERE name = ?", [role, norm])
        ended = sessions.end_all_in(con, norm)
        load.audit(con, actor, "role_change", f"{norm}: {ROLE_NAMES[row[0]]} → {ROLE_NAMES[role]} "
                                               f"({ended} phiên đăng nhập kết thúc)")
    return User(norm, role)


def create_demo_accounts(store: Store) -> dict[str, tuple[str, str]]:
    """On an empty account table only: one account per role with a fresh random password.
    Returns {name: (role, password)} for the caller to show once; {} when accounts exist."""
    if not list_users(store).empty:
        return {}
    made = {name: (role, secrets.token_urlsafe(12)) for name, role in DEMO_ACCOUNTS.items()}
    hashes = {name: _hash(password) for name, (_, password) in made.items()}
    with store.transaction() as con:
        if con.execute("SELECT count(*) FROM app_user").fetchone()[0]:  # someone was faster
            return {}
        for name, (role, _) in made.items():
            con.execute("INSERT INTO app_user (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                        [name, role, hashes[name], utcnow()])
            load.audit(con, "system", "user_add", f"{name} ({ROLE_NAMES[role]}, tài khoản demo)")
    return made


# -- sign-in -------------------------------------------------------------------------------------
# At most this many argon2 computations at once in the process (64 MiB of memory each): a crowd of
# sign-in attempts queues instead of exhausting memory. The machine has two cores.
HASH_SLOTS = 2
_HASH_SEMAPHORE = threading.BoundedSemaphore(HASH_SLOTS)


def _hash(password: str) -> str:
    with _HASH_SEMAPHORE:
        return _HASHER.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the name is unknown, so that case costs as much as a wrong password.
    return _hash(secrets.token_urlsafe(16))


def _verify(hashed: str, password: str) -> bool:
    try:
        with _HASH_SEMAPHORE:
            return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Attempt:
    """What one sign-in try came to: the user (None for every failure), a new device cookie to set
    (None when the browser's own is still good, or on failure), and whether a wait in force
    refused it before any hashing."""
    user: User | None
    device: str | None = None
    throttled: bool = False


# Tries refused during a wait are not written one by one (an outsider could fill the log): the
# first one refused during each wait of each key is, with the wait's end. Remembered per process.
_NOTED_WAITS: dict[tuple[str, str], dt.datetime] = {}
_NOTED_MAX = 10_000


def _throttle_keys(con, norm: str, client: str, device: str | None,
                   now: dt.datetime) -> tuple[list[tuple[str, str]], bool]:
    """The counters a try of `norm` from this client is held by: its device's when it carries a
    genuine device cookie for the name, else the name-from-this-address one and the address's;
    and whether the device cookie was genuine."""
    did = throttle.device_id(con, norm, device, now) if device else None
    if did:
        return [("account", throttle.account_key(norm, device=did))], True
    return [("account", throttle.account_key(norm, client))] + ([("address", client)] if client else []), False


_SECRETS: dict[str, bytes] = {}


def known_device(store: Store, name: str, device: str | None, now: dt.datetime | None = None) -> bool:
    """Whether a device cookie is genuine for this name — without the store once its secret has
    been read (the secret never changes), so checking a flood of forged cookies costs no queries."""
    if not device:
        return False
    key = store.key
    if key not in _SECRETS:
        with store.connect() as con:
            secret = throttle.device_secret(con)
        if secret is None:
            return False
        _SECRETS[key] = secret
    return throttle.checked_device(_SECRETS[key], _normal_name(name)[:64], device, now or utcnow()) is not None


def precheck(store: Store, name: str, client: str = "", device: str | None = None,
             now: dt.datetime | None = None) -> tuple[dt.datetime | None, bool]:
    """(the end of a wait in force for this try or None, whether its device cookie is genuine for
    the name): cheap (no hashing), for the web layer to answer a waiting try at once and to let a
    known browser queue ahead, before anything queues for a hashing slot."""
    norm, client, now = _normal_name(name)[:64], (client or "")[:64], now or utcnow()
    with store.connect() as con:
        keys, known = _throttle_keys(con, norm, client, device, now)
        return throttle.blocked_until(con, keys, now), known


def waiting(store: Store, name: str, client: str = "", device: str | None = None,
            now: dt.datetime | None = None) -> dt.datetime | None:
    """The end of a wait in force for this try, or None (see `precheck`)."""
    return precheck(store, name, client, device, now)[0]


def authenticate(store: Store, name: str, password: str, client: str = "", *, device: str | None = None,
                 now: dt.datetime | None = None) -> User | None:
    """The user when name and password match; None for every failure (see `attempt`)."""
    return attempt(store, name, password, client, device=device, now=now).user


def attempt(store: Store, name: str, password: str, client: str = "", *, device: str | None = None,
            now: dt.datetime | None = None) -> Attempt:
    """One sign-in try. The user when name and password match; None for every failure, whatever its
    cause (unknown name, wrong password, a wait in force), so that the answer tells nobody which
    names exist. Every failure that is not already waiting costs one argon2 verification, against a
    dummy hash for unknown names; a wait in force costs none. Failures are counted per name from
    this client (its device cookie, or else its address) and per address (see `throttle`), so an
    outsider's failures never make a member's own browser wait. `now` is for simulations."""
    norm = _normal_name(name)[:64]
    password = password or ""
    client = (client or "")[:64]
    clock = now or utcnow()
    with store.connect() as con:
        row = con.execute("SELECT role, password_hash FROM app_user WHERE name = ?", [norm]).fetchone()
        keys, known_device = _throttle_keys(con, norm, client, device, clock)
        in_force = throttle.waits(con, keys, clock)
    actor = norm if row is not None else throttle.UNKNOWN_NAME
    where = f" từ {client}" if client else ""
    if in_force:
        _note_refused(store, in_force, actor, where)
        return Attempt(None, throttled=True)

    # The same work for every name: one verification, of an over-long password too (cut to the
    # longest allowed, then refused), against the account's hash or the dummy one.
    hashed = row[1] if row is not None else _dummy_hash()
    ok = _verify(hashed, password[:MAX_PASSWORD_LENGTH]) and row is not None and len(password) <= MAX_PASSWORD_LENGTH
    rehash = _hash(password) if ok and _HASHER.check_needs_rehash(hashed) else None
    with store.transaction(bump=False) as con:  # counters and audit only
        clock = now or utcnow()
        current = con.execute("SELECT role, password_hash FROM app_user WHERE name = ?", [norm]).fetchone()
        if ok and (current is None or current[1] != hashed):  # removed, or password changed, meanwhile
            ok = False
        if ok:
            for scope, key in keys:
                if scope == "account":
                    throttle.clear(con, scope, key)
            if rehash:
                con.execute("UPDATE app_user SET password_hash = ? WHERE name = ?", [rehash, norm])
            load.audit(con, norm, "sign_in", ROLE_NAMES.get(current[0], current[0]) + where)
            fresh = None if known_device else throttle.device_token(con, norm, clock)
            return Attempt(User(norm, current[0]), fresh)
        counts = {scope: throttle.record_failure(con, scope, key, _label(actor, scope, client, known_device), clock)
                  for scope, key in keys}
        n = counts["account"]
        reason = "tài khoản không tồn tại" if row is None else "sai mật khẩu"
        load.audit(con, actor, "sign_in_failed", f"{reason} (lần {n}){where}")
        for scope, count in counts.items():
            wait = throttle.wait_after(scope, count)
            if wait is not None:
                whom = "tên này từ máy này" if scope == "account" else f"địa chỉ {client}"
                load.audit(con, actor, "locked_out",
                           f"{whom} phải chờ {int(wait.total_seconds())} giây sau {count} lần sai{where}")
    return Attempt(None)


def _label(actor: str, scope: str, client: str, device: bool) -> str:
    """What the admin's list of waits shows: the name and from where (never the typed unknown name)."""
    if scope == "address":
        return client
    if device:
        return f"{actor} (trình duyệt đã đăng nhập)"
    return f"{actor} từ {client}" if client else actor


def _note_refused(store: Store, in_force: dict[tuple[str, str], dt.datetime], actor: str, where: str) -> None:
    """Audit the first try refused during each wait of these counters; later ones are only counted
    by the wait itself (an outsider must not be able to fill the log)."""
    fresh = [until for key, until in in_force.items() if _NOTED_WAITS.get(key) != until]
    if not fresh:
        return
    if len(_NOTED_WAITS) >= _NOTED_MAX:
        _NOTED_WAITS.clear()
    _NOTED_WAITS.update(in_force)
    with store.transaction(bump=False) as con:
        load.audit(con, actor, "sign_in_failed", f"đang phải chờ đến {max(in_force.values()):%Y-%m-%d %H:%M:%S} UTC"
                                                 f"{where} (các lần thử khác trong lúc chờ không ghi từng dòng)")


def lift_wait_as(store: Store, user: User | None, scope: str, key: str) -> None:
    """An admin lifts a sign-in wait (of an account or of a client address)."""
    user = _authorize(store, user, "admin")
    with store.transaction(bump=False) as con:
        row = con.execute("SELECT label FROM signin_throttle WHERE scope = ? AND key = ?", [scope, key]).fetchone()
        throttle.clear(con, scope, key)
        if row:
            load.audit(con, user.name, "wait_lifted", f"{row[0]} ({'tài khoản' if scope == 'account' else 'địa chỉ'})")


# -- role-guarded actions for the dashboard -------------------------------------------------------
def ingest_as(store: Store, user: User | None, data: bytes, file_name: str,
              received_at: dt.datetime | None = None) -> load.IngestResult:
    user = _authorize(store, user, "analyst")
    return load.ingest_bytes(store, data, file_name, received_at, loaded_by=user.name)


def restore_as(store: Store, user: User | None, submission_id: int) -> dict:
    user = _authorize(store, user, "analyst")
    return load.restore(store, submission_id, actor=user.name)


def add_user_as(store: Store, user: User | None, name: str, role: str, password: str) -> User:
    user = _authorize(store, user, "admin")
    return add_user(store, name, role, password, actor=user.name)


def remove_user_as(store: Store, user: User | None, name: str) -> None:
    user = _authorize(store, user, "admin")
    remove_user(store, name, actor=user.name)


def set_password_as(store: Store, user: User | None, name: str, password: str) -> None:
    user = _authorize(store, user, "admin")
    set_password(store, name, password, actor=user.name)


def remove_demo_as(store: Store, user: User | None, year: int) -> int:
    """Delete a year's demo data (admins), so real reports of that year can be loaded."""
    from pipelines.demo import remove_demo
    user = _authorize(store, user, "admin")
    return remove_demo(store, year, actor=user.name)


def record_export(store: Store, user: User | None, what: str) -> None:
    """Note in the audit log that `user` downloaded `what` (any signed-in user may export)."""
    user = _authorize(store, user, "viewer")
    record_event(store, user.name, "export", what)


def record_event(store: Store, actor: str, action: str, detail: str = "") -> None:
    """An audit-only event (sign-out, a sign-in through OpenID Connect, an export)."""
    with store.transaction(bump=False) as con:
        load.audit(con, actor, action, detail)


def audit_log(store: Store, user: User | None, limit: int = 500, *, offset: int = 0, actor: str | None = None,
              actions: list[str] | None = None, since: dt.datetime | None = None,
              until: dt.datetime | None = None) -> pd.DataFrame:
    """Audit rows newest first (id, at_utc, actor, action, detail); admins only. Filters: who
    (`actor`, exact), what (`actions`), when (`since` ≤ at_utc < `until`, naive UTC); one page of
    `limit` rows from `offset`. With `audit_count` (same filters) the caller pages through all."""
    _authorize(store, user, "admin")
    where, params = _audit_where(actor, actions, since, until)
    return store.query_df(f"SELECT id, at_utc, actor, action, detail FROM audit_log {where} "
                          "ORDER BY id DESC LIMIT ? OFFSET ?", params + [max(1, int(limit)), max(0, int(offset))])


def audit_count(store: Store, user: User | None, *, actor: str | None = None, actions: list[str] | None = None,
                since: dt.datetime | None = None, until: dt.datetime | None = None) -> int:
    _authorize(store, user, "admin")
    where, params = _audit_where(actor, actions, since, until)
    with store.connect() as con:
        return int(con.execute(f"SELECT count(*) FROM audit_log {where}", params).fetchone()[0])


def audit_choices(store: Store, user: User | None) -> tuple[list[str], list[str]]:
    """The actors and the actions that occur in the log (for the filters); admins only."""
    _authorize(store, user, "admin")
    with store.connect() as con:
        actors = [r[0] for r in con.execute("SELECT DISTINCT actor FROM audit_log ORDER BY actor").fetchall()]
        actions = [r[0] for r in con.execute("SELECT DISTINCT action FROM audit_log ORDER BY action").fetchall()]
    return actors, actions


def _audit_where(actor, actions, since, until) -> tuple[str, list]:
    clauses, params = [], []
    if actor:
        clauses.append("actor = ?")
        params.append(actor)
    if actions:
        clauses.append(f"action IN ({', '.join('?' for _ in actions)})")
        params += list(actions)
    if since is not None:
        clauses.append("at_utc >= ?")
        params.append(since)
    if until is not None:
        clauses.append("at_utc < ?")
        params.append(until)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


# -- sessions, for admins --------------------------------------------------------------------------
def set_role_as(store: Store, user: User | None, name: str, role: str) -> User:
    user = _authorize(store, user, "admin")
    return set_role(store, name, role, actor=user.name)


def list_sessions_as(store: Store, user: User | None) -> pd.DataFrame:
    _authorize(store, user, "admin")
    return sessions.list_live(store)


def end_session_as(store: Store, user: User | None, session_id: int) -> str | None:
    user = _authorize(store, user, "admin")
    return sessions.end_by_id(store, session_id, actor=user.name)


def end_sessions_as(store: Store, user: User | None, name: str) -> int:
    user = _authorize(store, user, "admin")
    return sessions.end_all(store, _normal_name(name), actor=user.name, reason="quản trị viên kết thúc")


def list_waits_as(store: Store, user: User | None) -> pd.DataFrame:
    _authorize(store, user, "admin")
    return throttle.list_blocks(store)
