"""Every role-guarded function, found by introspection, refuses each lower role (and no one signed
in, and a forged or stale account), and lets the required role through. README "Accounts and
sign-in": viewers read and export; analysts also upload and restore; admins also manage accounts,
roles, sessions, sign-in waits, the demo data and read the audit log.

A guarded function is any public function of `pipelines.accounts` (and of `pipelines` as a whole,
scanned module by module) that takes the acting `user`: a new one without an entry in REQUIRED
fails `test_every_guarded_function_is_listed` until someone decides the role it needs.

How this was seen to fail: with `set_role_as` requiring "analyst" instead of "admin",
`test_each_guarded_function_refuses_every_lower_role[set_role_as]` failed (the analyst made a
viewer an admin). Likewise with "analyst" in `audit_count`, `audit_choices`, `lift_wait_as` and
`end_sessions_as`, one at a time: each turned its own case red (and only it); with "viewer" in
quality.mark and quality.clear, both their cases. The older list in test_users.py left all of
these out.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil

import pytest

import pipelines
from pipelines.accounts import sessions, throttle, users
from pipelines.accounts.users import PermissionDenied, User, add_user, authenticate, get_user
from pipelines.outputs import quality
from pipelines.store import Store
from pipelines.workbook.template import build_template

PW = "s3cret-pass"

# The role each guarded function needs, from the README (the spec of the roles).
# Keys: module.function.
REQUIRED = {f"users.{k}": v for k, v in {
    "ingest_as": "analyst", "restore_as": "analyst",
    "add_user_as": "admin", "remove_user_as": "admin", "set_password_as": "admin", "set_role_as": "admin",
    "remove_demo_as": "admin", "lift_wait_as": "admin",
    "list_sessions_as": "admin", "end_session_as": "admin", "end_sessions_as": "admin", "list_waits_as": "admin",
    "audit_log": "admin", "audit_count": "admin", "audit_choices": "admin",
    "record_export": "viewer",
}.items()} | {"quality.mark": "analyst", "quality.clear": "analyst"}  # follow-up marks (Chất lượng số liệu)


def guarded_functions() -> dict[str, object]:
    """Every public function in pipelines.* whose parameters include the acting `user`."""
    found = {}
    for mod in pkgutil.walk_packages(pipelines.__path__, "pipelines."):
        if mod.name.endswith("__main__"):
            continue
        module = importlib.import_module(mod.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if "user" in params and params.index("user") == 1:
                found[f"{module.__name__.rsplit('.', 1)[-1]}.{name}"] = fn
    return found


def test_every_guarded_function_is_listed():
    found = guarded_functions()
    assert set(found) == set(REQUIRED)
    assert {f"users.{n}" for n in vars(users) if n.endswith("_as") and callable(getattr(users, n))} <= set(found)


@pytest.fixture(scope="module")
def world_template(tmp_path_factory):
    """One account per role plus the targets the calls act on: a submission, a second viewer with a
    sign-in wait and a live session, a follow-up mark. Built once (argon2 is slow on purpose), copied
    for each test."""
    store = Store(tmp_path_factory.mktemp("roles") / "data")
    people = {role: add_user(store, f"{role}1", role, PW) for role in users.ROLES}
    add_user(store, "target", "viewer", PW)
    plan = store.plan(2022)
    sub = users.ingest_as(store, people["analyst"], build_template(plan, "CA", 1, values={"TT_BUOI": 1}), "ca.xlsx")
    assert sub.status == "accepted"
    for _ in range(5):  # five failures: the account waits
        assert authenticate(store, "target", "wrong-password") is None
    assert len(throttle.list_blocks(store)) == 1
    sessions.start(store, "target", "10.0.0.1")
    (sid,) = sessions.list_live(store)["id"]
    mark_id = quality.mark(store, people["analyst"], 2022, 1, "CA", "TT_BUOI", "số buổi lạ")
    return {"data": store.data_dir, "people": people, "submission": sub.submission_id, "session_id": int(sid),
            "mark": mark_id}


@pytest.fixture
def world(world_template, tmp_path):
    shutil.copytree(world_template["data"], tmp_path / "data")
    store = Store(tmp_path / "data")
    return world_template | {"store": store, "plan": store.plan(2022)}


def call_of(name: str, w: dict):
    """A valid call of `name` for a user (so the required role succeeds)."""
    store = w["store"]
    args = {
        "quality.mark": lambda u: quality.mark(store, u, 2022, 1, "CA", "TT_BUOI", "xem lại"),
        "quality.clear": lambda u: quality.clear(store, u, w["mark"], "đã hỏi đơn vị"),
        "users.ingest_as": lambda u: users.ingest_as(store, u, build_template(w["plan"], "CA", 1, values={"TT_BUOI": 7}),
                                               "ca2.xlsx"),
        "users.restore_as": lambda u: users.restore_as(store, u, w["submission"]),
        "users.add_user_as": lambda u: users.add_user_as(store, u, "newbie", "viewer", PW),
        "users.remove_user_as": lambda u: users.remove_user_as(store, u, "target"),
        "users.set_password_as": lambda u: users.set_password_as(store, u, "target", "changed-pass"),
        "users.set_role_as": lambda u: users.set_role_as(store, u, "target", "admin"),
        "users.remove_demo_as": lambda u: users.remove_demo_as(store, u, 2022),
        "users.lift_wait_as": lambda u: users.lift_wait_as(store, u, "account", throttle.account_key("target")),
        "users.list_sessions_as": lambda u: users.list_sessions_as(store, u),
        "users.end_session_as": lambda u: users.end_session_as(store, u, w["session_id"]),
        "users.end_sessions_as": lambda u: users.end_sessions_as(store, u, "target"),
        "users.list_waits_as": lambda u: users.list_waits_as(store, u),
        "users.audit_log": lambda u: users.audit_log(store, u),
        "users.audit_count": lambda u: users.audit_count(store, u),
        "users.audit_choices": lambda u: users.audit_choices(store, u),
        "users.record_export": lambda u: users.record_export(store, u, "values 2022"),
    }
    return args[name]


def state(store) -> tuple:
    """Everything a guarded call could change or reveal the effect of."""
    with store.connect() as con:
        return tuple(con.execute(sql).fetchall() for sql in (
            "SELECT name, role, password_hash FROM app_user ORDER BY name",
            "SELECT id, is_current FROM submission ORDER BY id",
            "SELECT count(*) FROM audit_log",
            "SELECT scope, key, failures, blocked_until FROM signin_throttle ORDER BY scope, key",
            "SELECT * FROM app_session ORDER BY id",
            "SELECT * FROM follow_up_mark ORDER BY id"))


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_each_guarded_function_refuses_every_lower_role(world, name):
    store, people = world["store"], world["people"]
    call = call_of(name, world)
    needed = REQUIRED[name]
    lower = [r for r in users.ROLES if users.ROLES.index(r) < users.ROLES.index(needed)]
    before = state(store)
    refused = [None, *(people[r] for r in lower),
               User("ghost", "admin")]                        # no such account
    if lower:  # a forged role: the role stored now counts, not the one the caller claims
        refused += [User(people[r].name, "admin") for r in lower]
    for user in refused:
        with pytest.raises(PermissionDenied):
            call(user)
    assert state(store) == before, "a refused call changed something"
    call(people[needed])                                    # the required role gets through
    if name == "users.set_role_as":
        assert get_user(store, "target").role == "admin"
