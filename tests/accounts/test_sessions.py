"""Lasting sign-in sessions (pipelines.accounts.sessions): only the token's hash is stored; idle
(8 h) and absolute (7 days) expiry; sign-out, a password change, a role change and a removal end
every session of the account; file permissions of the store."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat

from pipelines.accounts import sessions, users
from pipelines.store import Store

PW = "s3cret-pass"
T0 = dt.datetime(2026, 3, 2, 8, 0)


def _rows(store):
    return store.query_df("SELECT * FROM app_session ORDER BY id")


def test_only_the_hash_of_a_256_bit_token_is_stored(store):
    users.add_user(store, "alice", "viewer", PW)
    token = sessions.start(store, "alice", "10.0.0.5", now=T0)
    assert len(token) == 43  # 32 random bytes, base64url without padding
    rows = _rows(store)
    assert list(rows["token_hash"]) == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in rows.astype(str).to_string()
    assert rows["client"][0] == "10.0.0.5"
    assert rows["created_at"][0] == T0 and rows["last_seen"][0] == T0
    assert rows["idle_expires_at"][0] == dt.datetime(2026, 3, 2, 16, 0)      # + 8 h
    assert rows["expires_at"][0] == dt.datetime(2026, 3, 9, 8, 0)            # + 7 days
    assert sessions.check(store, token, now=T0) == ("alice", "viewer")
    assert sessions.check(store, token + "x", now=T0) is None
    assert sessions.check(store, None) is None and sessions.check(store, "") is None


def test_idle_expiry_moves_with_use_until_the_absolute_one(store):
    users.add_user(store, "alice", "viewer", PW)
    token = sessions.start(store, "alice", now=T0)
    # used every 7 h: each use pushes the idle expiry 8 h further …
    moment = T0
    for _ in range(23):  # up to T0 + 161 h (6 days 17 h)
        moment += dt.timedelta(hours=7)
        assert sessions.check(store, token, now=moment) == ("alice", "viewer"), moment
    # … but never past created + 7 days (T0 + 168 h): at T0 + 168 h it is over.
    assert sessions.check(store, token, now=T0 + dt.timedelta(hours=168)) is None
    assert _rows(store).empty  # an expired session is deleted when met


def test_idle_for_eight_hours_ends_the_session(store):
    users.add_user(store, "alice", "viewer", PW)
    token = sessions.start(store, "alice", now=T0)
    assert sessions.check(store, token, now=T0 + dt.timedelta(hours=7, minutes=59)) == ("alice", "viewer")
    # last seen at 15:59 now: idle until 23:59
    assert sessions.check(store, token, now=dt.datetime(2026, 3, 2, 23, 58)) == ("alice", "viewer")
    assert sessions.check(store, token, now=dt.datetime(2026, 3, 3, 7, 59)) is None  # 8 h after 23:58 is 07:58


def test_role_is_read_from_the_store_and_changes_end_sessions(store):
    users.add_user(store, "alice", "analyst", PW)
    users.add_user(store, "boss", "admin", PW)
    a1, a2 = sessions.start(store, "alice"), sessions.start(store, "alice")
    b = sessions.start(store, "boss")
    users.set_role(store, "alice", "viewer", actor="boss")
    assert sessions.check(store, a1) is None and sessions.check(store, a2) is None
    assert sessions.check(store, b) == ("boss", "admin")
    a3 = sessions.start(store, "alice")
    assert sessions.check(store, a3) == ("alice", "viewer")
    users.remove_user(store, "alice", actor="boss")
    assert sessions.check(store, a3) is None
    assert sessions.check(store, b) == ("boss", "admin")


def test_sign_out_ends_every_session_of_the_account(store):
    users.add_user(store, "alice", "viewer", PW)
    users.add_user(store, "bob", "viewer", PW)
    tabs = [sessions.start(store, "alice") for _ in range(3)]
    other = sessions.start(store, "bob")
    assert sessions.end_all(store, "alice", actor="alice", reason="đăng xuất") == 3
    assert all(sessions.check(store, t) is None for t in tabs)
    assert sessions.check(store, other) == ("bob", "viewer")


def test_admin_lists_and_ends_sessions(store):
    users.add_user(store, "alice", "viewer", PW)
    boss = users.add_user(store, "boss", "admin", PW)
    token = sessions.start(store, "alice", "10.0.0.7")
    live = users.list_sessions_as(store, boss)
    assert list(live["user_name"]) == ["alice"] and list(live["client"]) == ["10.0.0.7"]
    assert "token_hash" not in live.columns
    assert users.end_session_as(store, boss, int(live["id"][0])) == "alice"
    assert sessions.check(store, token) is None
    log = store.query_df("SELECT actor, action FROM audit_log WHERE action = 'sessions_ended'")
    assert list(log["actor"]) == ["boss"]


def test_store_files_are_private(tmp_path):
    from pipelines.store import load
    from conftest import book, report
    store = Store(tmp_path / "data")
    r = load.ingest_bytes(store, book(report("CA", 2022, 1)), "BC_CA.xlsx", received_at=dt.datetime(2022, 3, 10, 9, 0))
    assert r.status == "accepted", r.errors
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)  # noqa: E731
    assert mode(store.db_path) == 0o600
    assert mode(store.processed_dir) == 0o700
    assert mode(store.raw_dir) == 0o700
    archived = [p for p in store.raw_dir.rglob("*") if p.is_file()]
    assert archived and all(mode(p) == 0o600 for p in archived)
    assert all(mode(p) == 0o700 for p in store.raw_dir.rglob("*") if p.is_dir())


def test_file_names_are_cleaned_before_they_are_stored(tmp_path):
    from pipelines.store import load
    from conftest import book, report
    store = Store(tmp_path / "data")
    hostile = "../../![x](http://127.0.0.1:9/p.png) [Bấm vào đây](https:evil.example)\x07.xlsx"
    r = load.ingest_bytes(store, book(report("CA", 2022, 1)), hostile, received_at=dt.datetime(2022, 3, 10, 9, 0))
    assert r.status == "accepted", r.errors
    stored = store.query_df("SELECT file_name FROM submission")["file_name"][0]
    # by hand: the last path part is "p.png) [Bấm vào đây](https:evil.example)\x07.xlsx"; brackets,
    # the colon and the bell become spaces, spaces collapse; parentheses stay (no link without brackets)
    assert stored == "p.png) Bấm vào đây (https evil.example).xlsx"
    # The store is usable afterwards: the report is current with its four values (conftest.report's
    # TIN_TON 1, TIN_MOI 4, TIN_PHAN_LOAI 4, TIN_DA_GQ 4), and its raw copy lies inside the store.
    values = store.query_df("SELECT element, value FROM v_current_value WHERE unit = 'CA' AND year = 2022 "
                            "AND quarter = 1 ORDER BY element")
    assert dict(zip(values["element"], values["value"])) == {"TIN_DA_GQ": 4, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4,
                                                             "TIN_TON": 1}
    raw = store.raw_path(store.query_df("SELECT raw_path FROM submission")["raw_path"][0]).resolve()
    assert raw.is_file() and raw.is_relative_to(store.data_dir.resolve())


# -- found by the mutation run of sessions.py (`make mutate`, README "Mutation testing") ------------------
def _row(store, token):
    with store.connect() as con:
        return con.execute("SELECT last_seen, idle_expires_at FROM app_session WHERE token_hash = ?",
                           [sessions.token_hash(token)]).fetchone()


def test_last_seen_is_written_once_a_minute_at_most(store):
    """Mutants TOUCH_EVERY 1 → 2 minutes and `now - last_seen >= TOUCH_EVERY` → `>` survived."""
    users.add_user(store, "alice", "viewer", PW)
    token = sessions.start(store, "alice", now=T0)
    assert sessions.check(store, token, now=T0 + dt.timedelta(seconds=59)) == ("alice", "viewer")
    assert _row(store, token) == (T0, T0 + dt.timedelta(hours=8))             # not written
    one = T0 + dt.timedelta(minutes=1)
    assert sessions.check(store, token, now=one) == ("alice", "viewer")
    assert _row(store, token) == (one, one + dt.timedelta(hours=8))            # a minute on: written


def test_idle_expiry_is_the_first_instant_the_session_is_over(store):
    """Signed in at 08:00 and not used since: 16:00 is 8 h idle, over (`now >= idle_expires_at`); the
    mutant `>` survived (the other tests stop a minute either side)."""
    users.add_user(store, "alice", "viewer", PW)
    token = sessions.start(store, "alice", now=T0)
    assert sessions.check(store, token, now=T0 + dt.timedelta(hours=8)) is None


def test_a_long_client_is_cut_to_64_characters(store):
    users.add_user(store, "alice", "viewer", PW)
    sessions.start(store, "alice", "a" * 100, now=T0)
    assert _rows(store)["client"][0] == "a" * 64


def test_ending_one_session_names_its_account_and_leaves_the_others(store):
    """`end` (the browser's own session): the account it belonged to, or None (mutant `row[0]` → `row[1]`
    survived: only end_all and end_by_id were tested)."""
    users.add_user(store, "alice", "viewer", PW)
    mine, other = sessions.start(store, "alice", now=T0), sessions.start(store, "alice", now=T0)
    assert sessions.end(store, mine) == "alice"
    assert sessions.check(store, mine, now=T0) is None
    assert sessions.check(store, other, now=T0) == ("alice", "viewer")
    assert sessions.end(store, mine) is None and sessions.end(store, None) is None


def test_sessions_never_change_the_data_version(store):
    """Sessions change no figure: a sign-in, a page view, a sign-out must not make every reader's cache
    recompute (each `store.transaction(bump=False)` → `True` survived)."""
    users.add_user(store, "alice", "viewer", PW)
    users.add_user(store, "boss", "admin", PW)
    version = store.data_version()
    a, b = sessions.start(store, "alice", now=T0), sessions.start(store, "alice", now=T0)
    c = sessions.start(store, "boss", now=T0)
    assert sessions.check(store, a, now=T0 + dt.timedelta(minutes=5)) == ("alice", "viewer")      # touched
    assert sessions.check(store, c, now=T0 + dt.timedelta(days=8)) is None                         # expired: deleted
    assert sessions.end(store, a) == "alice"
    (sid,) = store.query_df("SELECT id FROM app_session WHERE token_hash = ?", [sessions.token_hash(b)])["id"]
    assert sessions.end_by_id(store, int(sid), actor="boss") == "alice"
    sessions.start(store, "alice", now=T0)
    assert sessions.end_all(store, "alice", actor="alice", reason="đăng xuất") == 1
    assert store.data_version() == version
