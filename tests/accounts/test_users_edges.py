"""users.py's small rules at their edges (README "Accounts and sign-in"), found untested by the mutation
run of users.py (`make mutate`, README "Mutation testing"); the mutant each case failed on is named.
argon2id runs with cheap parameters here (the rules are under test, not argon2: test_users.py checks
the real parameters)."""
from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from pipelines.accounts import throttle, users
from pipelines.accounts.users import (PermissionDenied, User, UserError, add_user, attempt, audit_log, authenticate,
                                      list_users, remove_user, set_password, set_role)
from pipelines.localtime import utcnow


PW = "s3cret-pass"
T0 = dt.datetime(2026, 3, 2, 8, 0)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    users._dummy_hash.cache_clear()
    monkeypatch.setattr(users, "_NOTED_WAITS", {})
    yield
    users._dummy_hash.cache_clear()


def test_passwords_of_8_to_1024_characters(store):
    """Mutants MIN_PASSWORD_LENGTH 8 → 9, MAX 1024 → 1025, `<` → `<=`, `>` → `>=`, and the sign-in's
    `len(password) <= MAX_PASSWORD_LENGTH` → `<`."""
    add_user(store, "eight", "viewer", "12345678")
    with pytest.raises(UserError, match="ít nhất 8"):
        add_user(store, "seven", "viewer", "1234567")
    longest = "p" * 1024
    add_user(store, "longest", "viewer", longest)
    with pytest.raises(UserError, match="tối đa 1024"):
        add_user(store, "toolong", "viewer", "p" * 1025)
    assert authenticate(store, "eight", "12345678") == User("eight", "viewer")
    assert authenticate(store, "longest", longest) == User("longest", "viewer")
    assert authenticate(store, "longest", longest + "p") is None     # cut to 1024 it matches, and is refused


def test_the_last_admin_keeps_the_role_a_second_one_can_lose_it(store):
    """Mutants of `admins <= 1` in set_role (`<`, `<= 2`, `fetchone()[0]` → `[1]`): only removal was tested."""
    add_user(store, "root", "admin", PW)
    with pytest.raises(UserError, match="quản trị cuối cùng"):
        set_role(store, "root", "analyst")
    add_user(store, "root2", "admin", PW)
    assert set_role(store, "root2", "viewer") == User("root2", "viewer")
    assert users.get_user(store, "root") == User("root", "admin")


def test_locked_until_is_the_latest_wait_of_the_name_from_any_client(store):
    """Five failures of alice's name from one address, five more later from another: two waits; the
    list shows the later end (mutant `max(latest.get(…), until)` → `min`)."""
    add_user(store, "alice", "viewer", PW)
    base = utcnow() + dt.timedelta(days=1)      # waits in the future of the list's own clock
    for client, start in (("10.0.0.1", base), ("10.0.0.2", base + dt.timedelta(seconds=100))):
        for i in range(5):
            assert authenticate(store, "alice", "sai", client, now=start + dt.timedelta(seconds=i)) is None
    assert list_users(store).set_index("name").loc["alice", "locked_until"] == base + dt.timedelta(seconds=134)


def test_an_ordinary_try_is_not_a_throttled_one(store):
    """`Attempt.throttled` tells the page a wait refused the try; a wrong password or a success is not
    one (mutant `throttled: bool = False` → `True`)."""
    add_user(store, "alice", "viewer", PW)
    wrong, right = attempt(store, "alice", "sai", now=T0), attempt(store, "alice", PW, now=T0)
    assert (wrong.user, wrong.throttled) == (None, False)
    assert (right.user, right.throttled) == (User("alice", "viewer"), False)
    assert not users.known_device(store, "alice", None, T0)     # no cookie is no known device (`return False`)


def test_a_long_typed_name_and_address_are_counted_and_seen_alike(store):
    """A typed name and an address are cut to 64 characters, by the try that counts and by the check
    that answers a waiting try at once (`precheck`): mutants 64 → 65 in one of them survived."""
    name, client = "n" * 100, "c" * 100
    for i in range(5):
        assert authenticate(store, name, "sai", client, now=T0 + dt.timedelta(seconds=i)) is None
    assert users.waiting(store, name, client, now=T0 + dt.timedelta(seconds=5)) == T0 + dt.timedelta(seconds=34)
    assert attempt(store, name, "sai", client, now=T0 + dt.timedelta(seconds=5)).throttled


@pytest.mark.parametrize("meanwhile", ["password", "removed"])
def test_a_password_changed_or_an_account_removed_during_the_check_signs_nobody_in(store, monkeypatch, meanwhile):
    """The hash is verified outside any transaction; if the password changed or the account was removed
    meanwhile, the right old password no longer signs in (mutant `current is None or current[1] !=
    hashed` → `and`, and `ok = False` → `True`)."""
    add_user(store, "alice", "viewer", PW)
    add_user(store, "root", "admin", PW)
    verify = users._verify

    def racing(hashed, password):
        ok = verify(hashed, password)
        if meanwhile == "password":
            set_password(store, "alice", "another-pass")
        else:
            remove_user(store, "alice")
        return ok
    monkeypatch.setattr(users, "_verify", racing)
    assert authenticate(store, "alice", PW, now=T0) is None


def test_the_wait_is_audited_for_the_name_from_this_client(store):
    """The audit line of a wait that starts (mutant `scope == "account"` → `!=` swapped the two texts)."""
    add_user(store, "alice", "viewer", PW)
    for i in range(5):
        authenticate(store, "alice", "sai", "10.0.0.5", now=T0 + dt.timedelta(seconds=i))
    details = store.query_df("SELECT detail FROM audit_log WHERE action = 'locked_out'")["detail"].tolist()
    assert details == ["tên này từ máy này phải chờ 30 giây sau 5 lần sai từ 10.0.0.5"]


def test_sign_ins_waits_and_exports_never_change_the_data_version(store):
    """They change no figure, so no reader's cache must recompute (each `transaction(bump=False)` →
    `True` in attempt, _note_refused, lift_wait_as and record_event survived)."""
    add_user(store, "alice", "viewer", PW)
    boss = add_user(store, "boss", "admin", PW)
    version = store.data_version()
    assert authenticate(store, "alice", PW, "10.0.0.5", now=T0) == User("alice", "viewer")
    for i in range(6):                                   # five failures, then a try refused by the wait
        authenticate(store, "alice", "sai", "10.0.0.5", now=T0 + dt.timedelta(seconds=i))
    users.lift_wait_as(store, boss, "account", throttle.account_key("alice", "10.0.0.5"))
    users.record_export(store, boss, "values 2022")
    assert store.data_version() == version


def test_refused_waits_remembered_are_bounded(store, monkeypatch):
    """At most _NOTED_MAX waits are remembered (the first refused try of each is audited): when full it
    starts afresh (mutant `>=` → `>` let it grow one past)."""
    monkeypatch.setattr(users, "_NOTED_WAITS", {("account", str(i)): T0 for i in range(users._NOTED_MAX)})
    for i in range(6):
        authenticate(store, "x", "sai", "10.0.0.5", now=T0 + dt.timedelta(seconds=i))
    assert len(users._NOTED_WAITS) == 1


def test_audit_log_pages_and_filters(store):
    """audit_log: newest first, 500 rows by default, `limit` (at least 1) from `offset` (at least 0), and
    the filters who, what, since ≤ at_utc < until (mutants of the defaults, of max(1, …)/max(0, …), and
    `"WHERE " + …` survived: only the dashboard's tests page through it)."""
    boss = add_user(store, "boss", "admin", PW)
    with store.transaction(bump=False) as con:
        con.execute("DELETE FROM audit_log")
        for i in range(501):
            con.execute("INSERT INTO audit_log (at_utc, actor, action, detail) VALUES (?, ?, ?, ?)",
                        [T0 + dt.timedelta(minutes=i), "an" if i % 2 else "binh", "upload" if i % 3 else "export", str(i)])
    newest = audit_log(store, boss)
    assert len(newest) == 500 and list(newest["detail"][:2]) == ["500", "499"]
    assert list(audit_log(store, boss, limit=1)["detail"]) == ["500"]
    assert list(audit_log(store, boss, limit=0)["detail"]) == ["500"]
    assert list(audit_log(store, boss, limit=2, offset=3)["detail"]) == ["497", "496"]
    assert list(audit_log(store, boss, limit=1, offset=-5)["detail"]) == ["500"]
    # an, exports, from minute 6 to before minute 16: i odd and a multiple of 3 in 6..15 → 9, 15
    got = audit_log(store, boss, actor="an", actions=["export"], since=T0 + dt.timedelta(minutes=6),
                    until=T0 + dt.timedelta(minutes=16))
    assert list(got["detail"]) == ["15", "9"]
    assert users.audit_count(store, boss, actor="an", actions=["export"], since=T0 + dt.timedelta(minutes=6),
                             until=T0 + dt.timedelta(minutes=16)) == 2
    with pytest.raises(PermissionDenied):
        audit_log(store, User("boss", "viewer"))

