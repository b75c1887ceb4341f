"""Dashboard accounts: roles, argon2id passwords, sign-in with lockout, role-guarded writes.

Roles are ordered viewer < analyst < admin. Every function that changes data on behalf of a
signed-in person (`*_as`, `record_export`, `audit_log`) checks the role here, on the server side,
and re-reads the account from the store first, so a session whose account was removed or demoted
meanwhile cannot keep writing. The dashboard hides buttons too, but that is only a courtesy.

Sign-in: consecutive failures are counted in app_user.failed_count; the MAX_FAILURES-th locks the
account for LOCKOUT_MINUTES (app_user.locked_until), during which even the right password is
refused. The lock lives in the store, so it holds across processes and restarts. Every attempt
is written to the audit log; passwords and hashes never are.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipelines.accounts import ROLE_NAMES, ROLES  # noqa: F401  (re-exported)
from pipelines.localtime import UTC, to_utc_naive, utcnow
from pipelines.store import Store, load

if TYPE_CHECKING:  # the command line imports this module for its parser: keep pandas out of it
    import pandas as pd

MAX_FAILURES = 5
LOCKOUT_MINUTES = 5
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


class LockedOut(Exception):
    """Too many failed sign-ins: the account is locked until `until` (naive UTC)."""

    def __init__(self, until: dt.datetime, name: str = ""):
        self.until = until
        self.name = name
        naive = to_utc_naive(until, UTC)
        minutes = max(1, -(-int((naive - utcnow()).total_seconds()) // 60))  # rounded up
        super().__init__(f"Tài khoản {name or 'này'} tạm bị khóa do nhập sai mật khẩu {MAX_FAILURES} lần liên tiếp; "
                         f"hãy thử lại sau khoảng {minutes} phút.")


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
    """name, role, created_at, locked_until (only while the lock is in force). Never the hash."""
    return store.query_df(
        "SELECT name, role, created_at, CASE WHEN locked_until > ? THEN locked_until END AS locked_until "
        "FROM app_user ORDER BY name", [utcnow()])


def add_user(store: Store, name: str, role: str, password: str, actor: str = "cli") -> User:
    name = _check_name(name)
    _rank(role)
    _check_password(name, password)
    hashed = _HASHER.hash(password)  # slow on purpose: outside the write transaction
    with store.transaction() as con:
        if con.execute("SELECT 1 FROM app_user WHERE name = ?", [name]).fetchone():
            raise UserError(f"Tài khoản {name} đã tồn tại.")
        con.execute("INSERT INTO app_user (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                    [name, role, hashed, utcnow()])
        load.audit(con, actor, "user_add", f"{name} ({role})")
    return User(name, role)


def set_password(store: Store, name: str, password: str, actor: str = "cli") -> None:
    """A new password; also lifts any lock and clears the failure count."""
    norm = _normal_name(name)
    _check_password(norm, password)
    hashed = _HASHER.hash(password)
    with store.transaction() as con:
        if not con.execute("SELECT 1 FROM app_user WHERE name = ?", [norm]).fetchone():
            raise UserError(f"Không có tài khoản {name}.")
        con.execute("UPDATE app_user SET password_hash = ?, failed_count = 0, locked_until = NULL WHERE name = ?",
                    [hashed, norm])
        load.audit(con, actor, "password_change", norm)


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
        load.audit(con, actor, "user_remove", f"{norm} ({row[0]})")


def create_demo_accounts(store: Store) -> dict[str, tuple[str, str]]:
    """On an empty account table only: one account per role with a fresh random password.
    Returns {name: (role, password)} for the caller to show once; {} when accounts exist."""
    if not list_users(store).empty:
        return {}
    made = {name: (role, secrets.token_urlsafe(12)) for name, role in DEMO_ACCOUNTS.items()}
    hashes = {name: _HASHER.hash(password) for name, (_, password) in made.items()}
    with store.transaction() as con:
        if con.execute("SELECT count(*) FROM app_user").fetchone()[0]:  # someone was faster
            return {}
        for name, (role, _) in made.items():
            con.execute("INSERT INTO app_user (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                        [name, role, hashes[name], utcnow()])
            load.audit(con, "system", "user_add", f"{name} ({role}, tài khoản demo)")
    return made


# -- sign-in -------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the name is unknown, so that case costs as much as a wrong password.
    return _HASHER.hash(secrets.token_urlsafe(16))


def _verify(hashed: str, password: str) -> bool:
    try:
        return _HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(store: Store, name: str, password: str) -> User | None:
    """The user when name and password match; None otherwise. Raises LockedOut while the account
    is locked (even for the right password) and on the failure that locks it."""
    norm = _normal_name(name)[:64]
    password = password or ""
    with store.connect() as con:
        row = con.execute("SELECT role, password_hash, locked_until FROM app_user WHERE name = ?",
                          [norm]).fetchone()
    if row is None:
        _verify(_dummy_hash(), password)
        with store.transaction(bump=False) as con:  # counters and audit only
            load.audit(con, norm, "sign_in_failed", "tài khoản không tồn tại")
        return None
    role, hashed, locked_until = row
    if locked_until is not None and locked_until > utcnow():
        with store.transaction(bump=False) as con:  # counters and audit only
            load.audit(con, norm, "sign_in_failed", f"tài khoản đang bị khóa đến {locked_until:%Y-%m-%d %H:%M} UTC")
        raise LockedOut(locked_until, norm)

    # The slow verification runs outside the write transaction; the counters are then updated
    # from what is stored at that moment, so concurrent attempts all count.
    ok = len(password) <= MAX_PASSWORD_LENGTH and _verify(hashed, password)
    rehash = _HASHER.hash(password) if ok and _HASHER.check_needs_rehash(hashed) else None
    with store.transaction(bump=False) as con:  # counters and audit only
        now = utcnow()
        current = con.execute("SELECT role, password_hash, failed_count, locked_until FROM app_user WHERE name = ?",
                              [norm]).fetchone()
        if current is None or current[1] != hashed:  # removed, or password changed, meanwhile
            load.audit(con, norm, "sign_in_failed", "tài khoản vừa bị xóa hoặc đổi mật khẩu")
            return None
        role, _, failed, locked_until = current
        if locked_until is not None and locked_until > now:  # locked meanwhile by another attempt
            load.audit(con, norm, "sign_in_failed", "tài khoản đang bị khóa")
            until = locked_until
        elif ok:
            con.execute("UPDATE app_user SET failed_count = 0, locked_until = NULL, "
                        "password_hash = coalesce(?, password_hash) WHERE name = ?", [rehash, norm])
            load.audit(con, norm, "sign_in", ROLE_NAMES.get(role, role))
            return User(norm, role)
        else:
            # An expired lock starts a fresh count.
            failed = (0 if locked_until is not None else failed) + 1
            until = now + dt.timedelta(minutes=LOCKOUT_MINUTES) if failed >= MAX_FAILURES else None
            con.execute("UPDATE app_user SET failed_count = ?, locked_until = ? WHERE name = ?",
                        [failed, until, norm])
            load.audit(con, norm, "sign_in_failed", f"sai mật khẩu (lần {failed})")
            if until is None:
                return None
            load.audit(con, norm, "locked_out", f"khóa {LOCKOUT_MINUTES} phút sau {failed} lần sai")
    raise LockedOut(until, norm)


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


def audit_log(store: Store, user: User | None, limit: int = 500) -> pd.DataFrame:
    """The newest `limit` audit rows (id, at_utc, actor, action, detail); admins only."""
    _authorize(store, user, "admin")
    limit = max(1, int(limit))
    return store.query_df("SELECT id, at_utc, actor, action, detail FROM audit_log "
                          "ORDER BY id DESC LIMIT ?", [limit])
