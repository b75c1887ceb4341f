"""Sign-in waits that an outsider cannot turn into a lock-out (issue 19 items 1–2 and the audit flood).

The model (pipelines/accounts/throttle.py): failures count per name *from a client* (its device
cookie, else its address) and per address, never per name alone. The 24-hour simulation drives the
real `users.attempt` (real argon2id, with cheap parameters so a day of tries fits in a test) over a
fake clock and prints what it measured.
"""
from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from pipelines.accounts import throttle, users
from pipelines.accounts.users import User, add_user, attempt, authenticate

PW = "s3cret-pass"
T0 = dt.datetime(2026, 3, 2, 0, 0)


class CountingHasher(PasswordHasher):
    """argon2id for real, counted; cheap parameters (the throttle is under test, not argon2)."""

    def __init__(self):
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch):
    counting = CountingHasher()
    monkeypatch.setattr(users, "_HASHER", counting)
    users._dummy_hash.cache_clear()
    monkeypatch.setattr(users, "_NOTED_WAITS", {})
    yield counting
    users._dummy_hash.cache_clear()


def audit_rows(store) -> int:
    with store.connect() as con:
        return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]


def test_an_outsider_cannot_make_the_member_wait(store, hasher):
    add_user(store, "alice", "viewer", PW)
    home = attempt(store, "alice", PW, "10.0.0.5", now=T0)          # the member's own browser, once
    assert home.user == User("alice", "viewer") and home.device
    for i in range(12):                                              # an outsider, 12 wrong passwords
        assert authenticate(store, "alice", "doan-bua", "10.0.0.66", now=T0 + dt.timedelta(seconds=i)) is None
    later = T0 + dt.timedelta(seconds=20)
    # the right password from the outsider's address without the device cookie waits …
    assert attempt(store, "alice", PW, "10.0.0.66", now=later).throttled
    # … from another address it does not, nor from the member's browser behind the same address
    assert authenticate(store, "alice", PW, "10.0.0.7", now=later) == User("alice", "viewer")
    same_nat = attempt(store, "alice", PW, "10.0.0.66", device=home.device, now=later)
    assert same_nat.user == User("alice", "viewer") and same_nat.device is None   # its cookie stays good
    # the waits the admin sees name the name and the address, never a password
    labels = set(throttle.list_blocks(store, later)["label"])
    assert labels == {"alice từ 10.0.0.66"}
    assert users.list_users(store).set_index("name").loc["alice", "locked_until"] is not None


def test_device_cookies_are_bound_to_their_name_and_cannot_be_forged(store, hasher):
    add_user(store, "alice", "viewer", PW)
    add_user(store, "bob", "viewer", PW)
    token = attempt(store, "alice", PW, "10.0.0.5", now=T0).device
    with store.connect() as con:
        assert throttle.device_id(con, "alice", token, T0)
        assert throttle.device_id(con, "bob", token, T0) is None                  # another name's cookie
        did, day, mac = token.split(".")
        assert throttle.device_id(con, "alice", f"{did}x.{day}.{mac}", T0) is None  # altered
        assert throttle.device_id(con, "alice", f"{did}.{int(day) + 1}.{mac}", T0) is None
        assert throttle.device_id(con, "alice", token, T0 + dt.timedelta(days=throttle.DEVICE_DAYS + 1)) is None
    # the web layer's check, without the store once the secret is known
    assert users.known_device(store, "alice", token, T0) and users.known_device(store, "Alice ", token, T0)
    assert not users.known_device(store, "bob", token, T0) and not users.known_device(store, "alice", token + "x", T0)
    # a device cookie is counted too: five wrong passwords with it make *that browser* wait
    for i in range(5):
        assert authenticate(store, "alice", "doan-bua", "10.0.0.5", device=token, now=T0 + dt.timedelta(seconds=i)) is None
    assert attempt(store, "alice", PW, "10.0.0.5", device=token, now=T0 + dt.timedelta(seconds=6)).throttled
    assert authenticate(store, "alice", PW, "10.0.0.5", now=T0 + dt.timedelta(seconds=6)) == User("alice", "viewer")


def test_a_waiting_try_costs_no_hashing_and_is_not_logged_one_by_one(store, hasher):
    for i in range(20):                                  # twenty names from one address: it waits
        authenticate(store, f"doan{i}", "sai-mat-khau", "10.0.0.66", now=T0)
    verified, rows = hasher.verified, audit_rows(store)
    assert verified == 20
    with store.connect():                                # one connection (opening one costs ~30 ms)
        for i in range(500):                             # a flood during the wait
            assert attempt(store, f"khac{i}", "sai-mat-khau", "10.0.0.66", now=T0 + dt.timedelta(seconds=1)).throttled
    print(f"\n500 tries during a wait: {hasher.verified - verified} argon2 verifications, "
          f"{audit_rows(store) - rows} audit rows")
    assert hasher.verified == verified                   # no hashing at all
    assert audit_rows(store) - rows == 1                 # one row: the first try refused during this wait


def test_waiting_a_wait_out_gives_no_fresh_free_tries(store, hasher):
    """The first round forgot an address's failures after an hour, exactly when its longest wait
    ended: each wait bought 20 fresh tries. Now the count is forgotten only after an hour of quiet
    after the wait."""
    t = T0
    for i in range(40):                                  # the address reaches the 1-hour wait
        until = users.waiting(store, f"n{i}", "10.0.0.66", now=t)
        t = max(t, until or t) + dt.timedelta(seconds=1)
        authenticate(store, f"n{i}", "sai", "10.0.0.66", now=t)
    until = users.waiting(store, "x", "10.0.0.66", now=t)
    assert until - t == dt.timedelta(hours=1)
    authenticate(store, "x", "sai", "10.0.0.66", now=until)          # right when the wait ends: one try …
    assert users.waiting(store, "y", "10.0.0.66", now=until) == until + dt.timedelta(hours=1)  # … then an hour again
    quiet = until + dt.timedelta(hours=2, seconds=1)                 # the wait ended 1 h ago, plus an hour of quiet
    authenticate(store, "z", "sai", "10.0.0.66", now=quiet)
    assert users.waiting(store, "z2", "10.0.0.66", now=quiet) is None  # counting afresh: 1 failure


def _simulate(store, attackers: list[str], step=dt.timedelta(seconds=30), every=dt.timedelta(minutes=15)):
    """24 h: each attacker address tries the admin's name with a wrong password every `step`; the
    admin signs in every `every` from their own browser (own address, device cookie), from the same
    browser behind the attackers' address, and from a fresh browser at their own address."""
    home = attempt(store, "chi_huy", PW, "10.0.0.5", now=T0 - dt.timedelta(days=1)).device
    assert home
    tries = {"own": [0, 0], "nat": [0, 0], "fresh": [0, 0], "attacker": [0, 0]}   # [successes or hashed, total]
    with store.connect():                               # one connection for the whole day (opening costs)
        t, next_admin = T0, T0
        while t < T0 + dt.timedelta(hours=24):
            for a in attackers:
                got = attempt(store, "chi_huy", "doan-mat-khau", a, now=t)
                assert got.user is None
                tries["attacker"][0] += not got.throttled
                tries["attacker"][1] += 1
            if t >= next_admin:
                for kind, client, device in (("own", "10.0.0.5", home), ("nat", attackers[0], home),
                                             ("fresh", "10.0.0.8", None)):
                    tries[kind][0] += attempt(store, "chi_huy", PW, client, device=device, now=t).user is not None
                    tries[kind][1] += 1
                next_admin += every
            t += step
    return tries


@pytest.mark.parametrize("addresses", [1, 4])
def test_a_day_of_attack_leaves_the_admin_able_to_sign_in(store, hasher, addresses):
    add_user(store, "chi_huy", "admin", PW)
    attackers = [f"203.0.113.{i + 1}" for i in range(addresses)]
    rows = audit_rows(store)
    tries = _simulate(store, attackers)
    share = {k: v[0] / v[1] for k, v in tries.items()}
    print(f"\n{addresses} attacker address(es), 24 h: admin signed in {tries['own'][0]}/{tries['own'][1]} from "
          f"their browser, {tries['nat'][0]}/{tries['nat'][1]} with it behind the attackers' address, "
          f"{tries['fresh'][0]}/{tries['fresh'][1]} from a fresh browser; attacker: {tries['attacker'][0]} of "
          f"{tries['attacker'][1]} tries reached argon2; {audit_rows(store) - rows} audit rows")
    assert share["own"] >= 0.99 and share["nat"] >= 0.99 and share["fresh"] >= 0.99
    # by hand, per address: 10 tries in the first 1 050 s (5 free, then 30, 60, 120, 240, 480 s),
    # 15 every 900 s (name-from-address cap) until the address's wait outgrows it, 2 more (960,
    # 1 920 s), then one an hour: 46 in 24 h
    assert tries["attacker"][0] == 46 * addresses


# -- found by the mutation run of throttle.py (`make mutate`, README "Mutation testing") --------------------
def test_a_count_is_forgotten_only_after_more_than_an_hour_of_quiet_after_its_wait(store):
    """Five failures at T0 … T0 + 4 s start a 30 s wait, to T0 + 34 s. Exactly an hour after the wait's
    end the count goes on (6: a 60 s wait); a second later it starts afresh (1). Mutant
    `now - quiet_since > FORGET_AFTER` → `>=` survived."""
    ends = {}
    for key, gap in (("k1", dt.timedelta(hours=1)), ("k2", dt.timedelta(hours=1, seconds=1))):
        with store.transaction(bump=False) as con:
            counts = [throttle.record_failure(con, "account", key, "alice", T0 + dt.timedelta(seconds=i))
                      for i in range(5)]
            assert counts == [1, 2, 3, 4, 5]
            (until,) = con.execute("SELECT blocked_until FROM signin_throttle WHERE key = ?", [key]).fetchone()
            assert until == T0 + dt.timedelta(seconds=34)
            ends[key] = throttle.record_failure(con, "account", key, "alice", until + gap)
    assert ends == {"k1": 6, "k2": 1}


def test_a_device_cookie_is_good_for_180_days_and_no_longer(store, hasher):
    """README: a device cookie older than DEVICE_DAYS (180) is ignored. Mutants 180 → 181, `age <=
    DEVICE_DAYS` → `<`, and the epoch's month or day + 1 where the cookie is made survived (the test above
    checks 181 days only relative to DEVICE_DAYS)."""
    add_user(store, "alice", "viewer", PW)
    token = attempt(store, "alice", PW, "10.0.0.5", now=T0).device
    with store.connect() as con:
        assert throttle.device_id(con, "alice", token, T0 + dt.timedelta(days=180, hours=23))
        assert throttle.device_id(con, "alice", token, T0 + dt.timedelta(days=181)) is None


def test_a_cookie_on_a_store_that_never_made_one_is_ignored_and_creates_nothing(store, hasher):
    """A device cookie from elsewhere (another store, before a restore) where no secret exists yet: the
    try is counted by address as any other, and looking the cookie up writes no secret (reads do not
    write: precheck runs on every try). Mutants `secret is None or …` → `and` (an HMAC with no key:
    TypeError), and `create=False` → `True` in device_id and device_secret survived."""
    add_user(store, "alice", "viewer", PW)
    forged = "abc.2000.xyz"
    assert not users.known_device(store, "alice", forged, T0)
    assert users.precheck(store, "alice", "10.0.0.5", forged, T0) == (None, False)
    assert attempt(store, "bob", "sai-mat-khau", "10.0.0.5", device=forged, now=T0).user is None
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM meta WHERE key = 'signin_device_key'").fetchone() == (0,)
    assert authenticate(store, "alice", PW, "10.0.0.5", device=forged, now=T0) == User("alice", "viewer")


def test_a_long_label_is_cut_to_64_characters(store, hasher):
    """What the admin's list shows: the name and the address, cut to 64 characters (mutant 64 → 65)."""
    client = "2001:db8:" + "a" * 60                          # an address as long as the 64 kept
    for i in range(5):
        authenticate(store, "khach", "sai", client, now=T0 + dt.timedelta(seconds=i))
    labels = list(throttle.list_blocks(store, T0 + dt.timedelta(seconds=5))["label"])
    assert labels == [f"{throttle.UNKNOWN_NAME} từ {client[:64]}"[:64]]


def test_an_over_long_cookie_costs_no_hmac(monkeypatch):
    """The web layer checks the device cookie of every post (`checked_device`, no store access): one
    longer than 200 characters is refused before any HMAC is computed, one of 200 is checked (and,
    forged, refused). Mutants `len(token) > 200` → `>=`, 200 → 201 and `not token or …` → `and` survived."""
    macs = []
    real = throttle._mac
    monkeypatch.setattr(throttle, "_mac", lambda *a: macs.append(1) or real(*a))
    secret = bytes(32)
    at_bound = "d" * 100 + ".2000." + "m" * 94
    assert len(at_bound) == 200 and len(at_bound + "m") == 201
    assert throttle.checked_device(secret, "alice", at_bound, T0) is None and len(macs) == 1
    assert throttle.checked_device(secret, "alice", at_bound + "m", T0) is None and len(macs) == 1
    # no cookie at all, or not three parts: None, no HMAC (an `or` → `and` read the length of None, or
    # split "a.b" into three)
    for junk in (None, "", "a.b", "a.b.c.d"):
        assert throttle.checked_device(secret, "alice", junk, T0) is None
    assert len(macs) == 1


def test_a_try_held_by_two_waits_waits_for_the_later(store):
    """A name from an address waits 30 s after its 5th failure (T0 + 4 s → T0 + 34 s); the address waits
    30 s after its 20th (T0 + 19 s → T0 + 49 s). A try held by both is answered with the later end
    (mutant `max(…)` → `min` in blocked_until survived)."""
    with store.transaction(bump=False) as con:
        for i in range(5):
            throttle.record_failure(con, "account", "k", "alice từ 10.0.0.9", T0 + dt.timedelta(seconds=i))
        for i in range(20):
            throttle.record_failure(con, "address", "10.0.0.9", "10.0.0.9", T0 + dt.timedelta(seconds=i))
    keys = [("account", "k"), ("address", "10.0.0.9")]
    with store.connect() as con:
        assert throttle.waits(con, keys, T0 + dt.timedelta(seconds=20)) == {
            ("account", "k"): T0 + dt.timedelta(seconds=34), ("address", "10.0.0.9"): T0 + dt.timedelta(seconds=49)}
        assert throttle.blocked_until(con, keys, T0 + dt.timedelta(seconds=20)) == T0 + dt.timedelta(seconds=49)
        assert throttle.blocked_until(con, keys, T0 + dt.timedelta(seconds=49)) is None      # both over


def test_a_malformed_or_over_long_cookie_costs_no_query(monkeypatch):
    """Every sign-in try looks its device cookie up (`device_id`): one that is not three parts or is longer
    than 200 characters is refused before the store is asked for the secret; one of 200 is asked for
    (here no secret exists: refused). Mutants of that first check (`> 200` → `>=`, 200 → 201, the first
    `or` → `and`) survived: `checked_device` refuses the same cookies again, without the store."""
    class Con:  # a connection that counts its queries and holds no secret
        queries = 0

        def execute(self, sql, params=()):
            Con.queries += 1
            return self

        def fetchone(self):
            return None
    at_bound = "d" * 100 + ".2000." + "m" * 94
    for token, queries in ((at_bound + "m", 0), ("a.b", 0), ("a.b.c.d", 0), (at_bound, 1)):
        Con.queries = 0
        assert throttle.device_id(Con(), "alice", token, T0) is None
        assert Con.queries == queries, token[:12]
