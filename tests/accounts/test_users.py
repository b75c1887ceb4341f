"""Accounts, sign-in waits, role checks and the `users` command (real argon2 hashing throughout).

`store` (a fresh store in tmp_path) comes from conftest.py.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from pipelines.accounts import throttle, users
from pipelines.accounts.users import (
    PermissionDenied,
    User,
    UserError,
    add_user,
    add_user_as,
    audit_log,
    authenticate,
    create_demo_accounts,
    get_user,
    ingest_as,
    list_users,
    record_export,
    remove_user,
    remove_user_as,
    require,
    restore_as,
    set_password,
    set_password_as,
)
from pipelines.localtime import utcnow
from pipelines.store import Store
from pipelines.workbook.template import build_template

REPO = Path(__file__).resolve().parents[2]
PW = "s3cret-pass"


@pytest.fixture
def people(store):
    """One account per role, all with password PW."""
    return {role: add_user(store, f"{role}1", role, PW) for role in users.ROLES}


def stored_hash(store, name):
    with store.connect() as con:
        return con.execute("SELECT password_hash FROM app_user WHERE name = ?", [name]).fetchone()[0]


def waiting(store, name):
    """(failures, blocked_until) counted for a typed name; None when nothing is counted."""
    with store.connect() as con:
        return con.execute("SELECT failures, blocked_until FROM signin_throttle WHERE scope = 'account' AND key = ?",
                           [throttle.account_key(name)]).fetchone()


def actions(store, actor=None):
    sql = "SELECT action FROM audit_log" + (" WHERE actor = ?" if actor else "") + " ORDER BY id"
    return store.query_df(sql, [actor] if actor else [])["action"].tolist()


def workbook(store, value):
    plan = store.plan(2022)
    return build_template(plan, "CA", 1, values={"TT_BUOI": value})


# -- hashing and account management ----------------------------------------------------------------
def test_password_is_hashed_with_argon2id(store):
    add_user(store, "alice", "analyst", PW)
    hashed = stored_hash(store, "alice")
    assert PW not in hashed
    assert hashed.startswith("$argon2id$")
    assert PasswordHasher().verify(hashed, PW)
    assert authenticate(store, "alice", PW) == User("alice", "analyst")
    assert authenticate(store, "alice", PW + "x") is None


def test_add_list_passwd_remove(store):
    add_user(store, "Alice ", "viewer", PW)  # names are trimmed and lower-cased
    add_user(store, "root", "admin", PW)
    df = list_users(store)
    assert df["name"].tolist() == ["alice", "root"]
    assert list(df.columns) == ["name", "role", "created_at", "locked_until", "sessions"]
    assert get_user(store, "ALICE") == User("alice", "viewer")

    set_password(store, "alice", "new-password-1")
    assert authenticate(store, "alice", PW) is None
    assert authenticate(store, "alice", "new-password-1") == User("alice", "viewer")

    remove_user(store, "alice")
    assert get_user(store, "alice") is None
    assert list_users(store)["name"].tolist() == ["root"]
    assert {"user_add", "password_change", "user_remove"} <= set(actions(store, "cli"))
    # the log is read by people: the role in words, as the pages name it (a reviewer read "root (admin)")
    details = store.query_df("SELECT action, detail FROM audit_log WHERE action IN ('user_add', 'user_remove') "
                             "ORDER BY id")
    assert details.values.tolist() == [["user_add", "alice (Người xem)"], ["user_add", "root (Quản trị)"],
                                       ["user_remove", "alice (Người xem; 0 phiên đăng nhập kết thúc)"]]


@pytest.mark.parametrize("name, role, password, message", [
    ("alice", "boss", PW, "Vai trò"),
    ("a", "viewer", PW, "Tên đăng nhập"),
    ("ali ce", "viewer", PW, "Tên đăng nhập"),
    ("nguyễn", "viewer", PW, "Tên đăng nhập"),
    ("alice", "viewer", "", "trống"),
    ("alice", "viewer", "        ", "trống"),
    ("alice", "viewer", "short", "ngắn"),
    ("alice", "viewer", "ALICE   ", "trùng"),
])
def test_bad_accounts_refused(store, name, role, password, message):
    with pytest.raises(UserError, match=message):
        add_user(store, name, role, password)
    assert list_users(store).empty


def test_duplicate_and_unknown_refused(store):
    add_user(store, "alice", "viewer", PW)
    with pytest.raises(UserError, match="đã tồn tại"):
        add_user(store, "ALICE", "admin", PW)
    with pytest.raises(UserError, match="Không có tài khoản"):
        set_password(store, "bob", PW)
    with pytest.raises(UserError, match="Không có tài khoản"):
        remove_user(store, "bob")


def test_last_admin_cannot_be_removed(store):
    add_user(store, "root", "admin", PW)
    with pytest.raises(UserError, match="cuối cùng"):
        remove_user(store, "root")
    add_user(store, "root2", "admin", PW)
    remove_user(store, "root")
    with pytest.raises(UserError, match="cuối cùng"):
        remove_user(store, "root2")


def test_list_users_never_shows_hashes(store):
    add_user(store, "alice", "viewer", PW)
    df = list_users(store)
    assert "password_hash" not in df.columns
    assert not df.astype(str).apply(lambda c: c.str.contains("argon2")).any().any()


# -- sign-in --------------------------------------------------------------------------------------
def test_unknown_user_returns_none_and_is_audited_without_the_typed_name(store):
    # A password typed into the name field must not land in the audit log as the actor.
    assert authenticate(store, "s3cret-typed-in-name", PW) is None
    log = store.query_df("SELECT actor, action, detail FROM audit_log")
    assert list(log["actor"]) == ["(tên không tồn tại)"] and list(log["action"]) == ["sign_in_failed"]
    assert "s3cret-typed-in-name" not in " ".join(log["detail"])


def test_waits_after_five_failures_even_with_right_password(store):
    add_user(store, "alice", "viewer", PW)
    for n in range(1, 5):
        assert authenticate(store, "alice", "wrong-password") is None
        assert waiting(store, "alice") == (n, None)
    assert authenticate(store, "alice", "wrong-password") is None  # the fifth: a 30 s wait starts
    failures, until = waiting(store, "alice")
    with store.connect() as con:  # from the failure that started it, exactly: no clock in the assertion
        (last_failure,) = con.execute("SELECT last_failure FROM signin_throttle WHERE scope = 'account' AND key = ?",
                                      [throttle.account_key("alice")]).fetchone()
    assert failures == 5 and until - last_failure == dt.timedelta(seconds=30)
    assert authenticate(store, "alice", PW) is None                 # even the right password, meanwhile
    assert not list_users(store)["locked_until"].isna().any()
    got = actions(store, "alice")
    assert got.count("sign_in_failed") == 6 and got.count("locked_out") == 1 and "sign_in" not in got


def test_waits_grow_and_are_capped():
    # by hand: none before the 5th failure (account) / 20th (address), then 30 s doubling
    assert [throttle.wait_after("account", n) for n in (4, 5, 6, 7, 9)] == [
        None, dt.timedelta(seconds=30), dt.timedelta(seconds=60), dt.timedelta(seconds=120), dt.timedelta(seconds=480)]
    assert throttle.wait_after("account", 10) == dt.timedelta(minutes=15)   # 960 s capped at 900 s
    assert throttle.wait_after("account", 500) == dt.timedelta(minutes=15)
    assert throttle.wait_after("address", 19) is None
    assert throttle.wait_after("address", 20) == dt.timedelta(seconds=30)
    assert throttle.wait_after("address", 40) == dt.timedelta(hours=1)


def test_wait_ends_by_itself_and_a_quiet_hour_starts_afresh(store):
    add_user(store, "alice", "viewer", PW)
    for _ in range(5):
        authenticate(store, "alice", "wrong-password")
    with store.transaction() as con:  # instead of sleeping: the wait is over
        con.execute("UPDATE signin_throttle SET blocked_until = ?", [utcnow() - dt.timedelta(seconds=1)])
    assert list_users(store)["locked_until"].isna().all()
    assert authenticate(store, "alice", PW) == User("alice", "viewer")
    assert waiting(store, "alice") is None  # a success clears the account's count


def test_unknown_and_real_names_are_treated_alike(store):
    """Same answer, same counting, same waits: nothing tells a real name from an unknown one."""
    add_user(store, "alice", "viewer", PW)
    for _ in range(6):
        assert authenticate(store, "alice", "wrong-password") is None
        assert authenticate(store, "nobody", "wrong-password") is None
    assert waiting(store, "alice")[0] == waiting(store, "nobody")[0] == 5  # the 6th waited, uncounted
    blocks = throttle.list_blocks(store)
    assert sorted(blocks["label"]) == ["(tên không tồn tại)", "alice"]


def test_same_argon2_work_for_every_failure(store, monkeypatch):
    """One verification per failure that is not waiting, for a real name, an unknown one and an
    over-long password alike (it used to skip the hash for real accounts only)."""
    add_user(store, "alice", "viewer", PW)
    calls = []

    class Counting(PasswordHasher):  # the real argon2id, counted
        def verify(self, hash, password):
            calls.append(len(password))
            return super().verify(hash, password)
    monkeypatch.setattr(users, "_HASHER", Counting())
    for name, password in [("alice", "wrong-password"), ("nobody", "wrong-password"),
                           ("alice", "x" * 5000), ("nobody", "x" * 5000)]:
        before = len(calls)
        assert authenticate(store, name, password) is None
        assert len(calls) - before == 1
    assert calls[2] == calls[3] == users.MAX_PASSWORD_LENGTH


def test_client_address_is_limited_across_names(store):
    """Twenty failures from one address, each for another name, make that address wait; another
    address is not affected, and an admin lifts the wait."""
    add_user(store, "alice", "viewer", PW)
    admin = add_user(store, "boss", "admin", PW)
    for i in range(20):
        assert authenticate(store, f"guess{i}", "wrong-password", client="10.0.0.9") is None
    assert authenticate(store, "alice", PW, client="10.0.0.9") is None          # the address waits
    assert authenticate(store, "alice", PW, client="10.0.0.10") == User("alice", "viewer")
    blocks = throttle.list_blocks(store)
    assert list(blocks[blocks["scope"] == "address"]["label"]) == ["10.0.0.9"]
    users.lift_wait_as(store, admin, "address", "10.0.0.9")
    assert authenticate(store, "alice", PW, client="10.0.0.9") == User("alice", "viewer")
    assert actions(store, "boss")[-1] == "wait_lifted"


def test_hashing_is_bounded(store, monkeypatch):
    """At most HASH_SLOTS argon2 computations run at once, however many sign-ins arrive."""
    import threading
    add_user(store, "alice", "viewer", PW)
    lock, running, peak = threading.Lock(), [0], [0]

    class Counting(PasswordHasher):  # the real argon2id, with how many run at once
        def verify(self, hash, password):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            try:
                return super().verify(hash, password)
            finally:
                with lock:
                    running[0] -= 1
    monkeypatch.setattr(users, "_HASHER", Counting())
    threads = [threading.Thread(target=authenticate, args=(store, f"n{i}", "pw", f"10.1.0.{i}")) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert 1 <= peak[0] <= users.HASH_SLOTS == 2


def test_set_password_lifts_wait_and_ends_sessions(store):
    from pipelines.accounts import sessions
    add_user(store, "alice", "viewer", PW)
    for _ in range(5):
        authenticate(store, "alice", "wrong-password")
    token = sessions.start(store, "alice")
    set_password(store, "alice", "another-pass")
    assert sessions.check(store, token) is None
    assert authenticate(store, "alice", "another-pass") is not None


def test_outdated_hash_is_upgraded_on_sign_in(store):
    add_user(store, "alice", "viewer", PW)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PW)
    with store.transaction() as con:
        con.execute("UPDATE app_user SET password_hash = ? WHERE name = 'alice'", [weak])
    assert authenticate(store, "alice", PW) is not None
    upgraded = stored_hash(store, "alice")
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)


def test_sign_in_is_audited_without_secrets(store):
    add_user(store, "alice", "viewer", PW)
    authenticate(store, "alice", PW)
    authenticate(store, "alice", "wrong-password")
    assert actions(store, "alice") == ["sign_in", "sign_in_failed"]
    details = " ".join(store.query_df("SELECT detail FROM audit_log")["detail"].fillna(""))
    assert PW not in details and "wrong-password" not in details and "argon2" not in details


# -- roles ----------------------------------------------------------------------------------------
def test_role_order():
    viewer, analyst, admin = (User("u", r) for r in users.ROLES)
    assert viewer.can("viewer") and not viewer.can("analyst") and not viewer.can("admin")
    assert analyst.can("viewer") and analyst.can("analyst") and not analyst.can("admin")
    assert admin.can("viewer") and admin.can("analyst") and admin.can("admin")
    assert require(admin, "admin") is admin
    with pytest.raises(PermissionDenied, match="đăng nhập"):
        require(None, "viewer")
    with pytest.raises(PermissionDenied, match="không có quyền"):
        require(viewer, "analyst")


def every_guarded_call(store, submission_id):
    """(minimum role, call) for every data-changing function the dashboard uses."""
    data = workbook(store, 9)
    return [
        ("analyst", lambda u: ingest_as(store, u, data, "ca_q1.xlsx")),
        ("analyst", lambda u: restore_as(store, u, submission_id)),
        ("admin", lambda u: add_user_as(store, u, "newbie", "viewer", PW)),
        ("admin", lambda u: set_password_as(store, u, "viewer1", "changed-pass")),
        ("admin", lambda u: remove_user_as(store, u, "newbie")),
        ("admin", lambda u: audit_log(store, u)),
        ("viewer", lambda u: record_export(store, u, "values 2022")),
    ]


def test_every_guarded_function_refuses_lower_roles(store, people):
    first = ingest_as(store, people["analyst"], workbook(store, 1), "v1.xlsx")
    calls = every_guarded_call(store, first.submission_id)
    before = store.query_df("SELECT count(*) AS n FROM audit_log")["n"][0]
    for needed, call in calls:
        for user in [None, *(u for r, u in people.items() if not User("x", r).can(needed))]:
            with pytest.raises(PermissionDenied):
                call(user)
        # A forged or stale session (account removed, or role not the stored one) is refused too.
        with pytest.raises(PermissionDenied):
            call(User("ghost", "admin"))
    with pytest.raises(PermissionDenied):
        ingest_as(store, User("viewer1", "admin"), workbook(store, 2), "forged.xlsx")
    assert store.query_df("SELECT count(*) AS n FROM audit_log")["n"][0] == before  # nothing happened
    assert store.query_df("SELECT count(*) AS n FROM submission")["n"][0] == 1
    # ...and the minimum role succeeds, in an order that keeps every call meaningful.
    for needed, call in calls:
        call(people[needed])
    assert get_user(store, "newbie") is None
    assert authenticate(store, "viewer1", "changed-pass") is not None


def test_uploads_restores_and_exports_are_audited_with_the_user(store, people):
    analyst = people["analyst"]
    first = ingest_as(store, analyst, workbook(store, 1), "v1.xlsx")
    second = ingest_as(store, analyst, workbook(store, 2), "v2.xlsx")
    assert first.status == second.status == "accepted" and second.replaced == first.submission_id
    loaded_by = store.query_df("SELECT DISTINCT loaded_by FROM submission")["loaded_by"].tolist()
    assert loaded_by == ["analyst1"]
    out = restore_as(store, analyst, first.submission_id)
    assert out["changed"] and out["previous_current"] == second.submission_id
    record_export(store, people["viewer"], "attainment 2022 Q1")

    log = audit_log(store, people["admin"])
    assert list(log.columns) == ["id", "at_utc", "actor", "action", "detail"]
    assert log["id"].is_monotonic_decreasing  # newest first
    rows = set(zip(log["actor"], log["action"]))
    assert {("analyst1", "upload"), ("analyst1", "restore"), ("viewer1", "export")} <= rows
    assert len(audit_log(store, people["admin"], limit=2)) == 2


# -- demo accounts --------------------------------------------------------------------------------
def test_demo_accounts_only_on_empty_table(store, tmp_path):
    made = create_demo_accounts(store)
    assert {role for role, _ in made.values()} == set(users.ROLES)
    passwords = [pw for _, pw in made.values()]
    assert len(set(passwords)) == 3 and all(len(pw) >= 12 for pw in passwords)
    for name, (role, pw) in made.items():
        assert authenticate(store, name, pw) == User(name, role)
    assert create_demo_accounts(store) == {}  # never again, never reset

    other = create_demo_accounts(Store(tmp_path / "other"))
    assert not set(passwords) & {pw for _, pw in other.values()}  # random each time

    populated = Store(tmp_path / "populated")
    add_user(populated, "root", "admin", PW)
    assert create_demo_accounts(populated) == {}
    assert list_users(populated)["name"].tolist() == ["root"]


def test_demo_passwords_are_not_in_the_repository(store):
    made = create_demo_accounts(store)
    for pw in (pw for _, pw in made.values()):
        found = subprocess.run(["git", "grep", "-F", "-q", "--untracked", "-e", pw], cwd=REPO)  # pw may start with "-"
        assert found.returncode == 1, "a demo password is written in the repository"


# -- command line ---------------------------------------------------------------------------------
def cli(tmp_path, *args, input=""):
    return subprocess.run([sys.executable, "-m", "pipelines", "users", *args, "--data-dir", str(tmp_path / "cli")],
                          input=input, capture_output=True, text=True, cwd=REPO, timeout=120)


def test_cli_users(tmp_path):
    r = cli(tmp_path, "add", "alice", "--role", "analyst", input=f"{PW}\n")
    assert r.returncode == 0, r.stderr
    assert "alice" in r.stdout
    assert authenticate(Store(tmp_path / "cli"), "alice", PW) == User("alice", "analyst")

    r = cli(tmp_path, "list")
    assert r.returncode == 0 and "alice" in r.stdout and "argon2" not in r.stdout
    r = cli(tmp_path, "list", "--json")
    assert [u["name"] for u in json.loads(r.stdout)] == ["alice"]

    r = cli(tmp_path, "add", "bob", "--role", "boss", input=f"{PW}\n")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = cli(tmp_path, "add", "alice", "--role", "viewer", input=f"{PW}\n")
    assert r.returncode == 1 and "đã tồn tại" in r.stderr and "Traceback" not in r.stderr
    r = cli(tmp_path, "add", "bob", "--role", "admin", input="")
    assert r.returncode == 1 and "trống" in r.stderr

    r = cli(tmp_path, "passwd", "alice", input="brand-new-pass\r\n")
    assert r.returncode == 0, r.stderr
    assert authenticate(Store(tmp_path / "cli"), "alice", "brand-new-pass") is not None
    r = cli(tmp_path, "passwd", "nobody", input=f"{PW}\n")
    assert r.returncode == 1

    r = cli(tmp_path, "remove", "alice")
    assert r.returncode == 0, r.stderr
    r = cli(tmp_path, "remove", "alice")
    assert r.returncode == 1 and "Không có tài khoản" in r.stderr
    r = cli(tmp_path)
    assert r.returncode == 2
