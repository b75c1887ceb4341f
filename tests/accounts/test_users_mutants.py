"""users.py's rules that the full mutation run of users.py (2 December 2026, README "Mutation testing")
found untested; each test names the mutant it was seen to fail on (users.py changed by hand, the test
red, then green without it). argon2id runs with cheap parameters, as in test_users_edges.py."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from argon2 import PasswordHasher

from pipelines.accounts import users
from pipelines.accounts.users import User, add_user, authenticate

PW = "s3cret-pass"
T0 = dt.datetime(2026, 3, 2, 8, 0)
CHEAP = dict(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(**CHEAP))
    users._dummy_hash.cache_clear()
    monkeypatch.setattr(users, "_NOTED_WAITS", {})
    yield
    users._dummy_hash.cache_clear()


def stored_hash(store, name: str) -> str:
    with store.connect() as con:
        return con.execute("SELECT password_hash FROM app_user WHERE name = ?", [name]).fetchone()[0]


def test_a_hash_is_upgraded_only_by_a_successful_sign_in_and_only_when_outdated(store, monkeypatch):
    """README: stored hashes are upgraded at the next successful sign-in when argon2's parameters
    rise. A hash already current stays as stored (no new salt on every sign-in), and a wrong password
    against an outdated hash costs its one verification and no hashing (mutant `ok and
    check_needs_rehash(…)` → `or`: a fresh hash on every successful sign-in, and one more argon2
    computation on a failure)."""
    add_user(store, "alice", "viewer", PW)
    current = stored_hash(store, "alice")
    hashed = []
    real = users._hash
    monkeypatch.setattr(users, "_hash", lambda password: hashed.append(password) or real(password))
    assert authenticate(store, "alice", PW, now=T0) == User("alice", "viewer")
    assert stored_hash(store, "alice") == current and hashed == []
    # an outdated hash (weaker than the hasher's parameters): a failure leaves it, a success upgrades it
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PW)
    with store.transaction() as con:
        con.execute("UPDATE app_user SET password_hash = ? WHERE name = 'alice'", [weak])
    assert authenticate(store, "alice", "wrong-password", now=T0) is None
    assert stored_hash(store, "alice") == weak and hashed == []
    assert authenticate(store, "alice", PW, now=T0) == User("alice", "viewer")
    assert stored_hash(store, "alice") != weak and hashed == [PW]
    assert not PasswordHasher(**CHEAP).check_needs_rehash(stored_hash(store, "alice"))


def test_a_user_is_a_value_that_cannot_be_changed_in_place(store):
    """The signed-in `User` a page holds is a frozen value: no code can raise its role in place, and
    equal users are interchangeable as keys (mutant `@dataclass(frozen=True)` → `False`)."""
    alice = add_user(store, "alice", "viewer", PW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        alice.role = "admin"
    assert {alice: 1}[User("alice", "viewer")] == 1


def test_a_sign_in_is_audited_with_the_roles_name(store):
    """README "Names, not codes": the audit line of a sign-in names the role as the pages do (Người
    xem, Chuyên viên, Quản trị), then where from (mutant `ROLE_NAMES.get(current[0], …)` → `current[1]`:
    the hash is no role, so the line fell back to the code "viewer")."""
    add_user(store, "alice", "viewer", PW)
    add_user(store, "boss", "admin", PW)
    assert authenticate(store, "alice", PW, "10.0.0.5", now=T0) == User("alice", "viewer")
    assert authenticate(store, "boss", PW, now=T0) == User("boss", "admin")
    got = store.query_df("SELECT actor, detail FROM audit_log WHERE action = 'sign_in' ORDER BY id")
    assert list(zip(got["actor"], got["detail"])) == [("alice", "Người xem từ 10.0.0.5"), ("boss", "Quản trị")]
