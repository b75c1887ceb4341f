"""Soak (marker `load`): a day of use in one dashboard process — every page, every period, the store
changing again and again — fills the query cache to its cap and past it, and the cache and the
process's memory stay bounded.

The store's data version is bumped before every page (as after an upload), so every query of every
page is asked again under a new key: the cache (`dashboard/state/data.py`, st.cache_data with
max_entries) gains entries on each page until it holds its cap. The test goes on until half as many
new entries again have been made (so half the entries there at the cap have been replaced), then counts:
  * the entries never exceed the cap, and the cap was reached (counted in Streamlit's own cache
    stats, not guessed from memory);
  * the cache's bytes after that are within 1.5× of its bytes at the cap (entries are replaced, not
    added);
  * the process's resident memory after that is within 60 MB of what it was at the cap.
Measured: the cap held after 1 025 misses, 1 544 misses in 148 pages, never more than 1 024 entries,
the cache 11,5 MiB at the cap and after, RSS 340 MB at the cap and after.
Seen failing: with `max_entries` removed from `_cached`, "1025 entries after 98 pages: past the cap of
1024". The old version of this test ran the seven pages at one period through five data versions:
at most 5 × the 72 queries of those pages ≈ 360 entries, a third of the cap, so it could not see that.
"""
from __future__ import annotations

import gc
from pathlib import Path

import pytest
from test_dashboard_auth import _app, _ok, accounts_template, data_dir  # noqa: F401  (fixtures)

from dashboard.state import data
from pipelines.store import Store

pytestmark = pytest.mark.load
PAGES = ["tong_quan", "chi_tieu", "don_vi", "tien_do", "nhiem_vu", "du_lieu", "chat_luong"]
PERIODS = ["Q1", "Q2", "Q3", "Q4", "H1", "9M", "Y"]
CACHED = "dashboard.state.data._cached"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cache() -> tuple[int, int]:
    """(entries, bytes) of the dashboard's query cache: one CacheStat per entry from the cache's own
    statistics (Streamlit's registry of all caches sums them per function, so it is not asked)."""
    from streamlit.runtime.caching.cache_data_api import _data_caches
    found = [c for caches in _data_caches._function_caches.values() for c in caches.values()
             if c.display_name == CACHED]
    stats = [s for c in found for family in c.get_stats().values() for s in family]
    return len(stats), sum(s.byte_length for s in stats)


def test_the_query_cache_reaches_its_cap_and_stays_there(data_dir, monkeypatch):  # noqa: F811
    cap = data._cached._info.max_entries
    assert cap == 1024
    data.clear()
    misses = [0]        # queries run because the cache did not have them: each stores one new entry

    def counted(func):
        def run(*args, **kwargs):
            misses[0] += 1
            return func(*args, **kwargs)
        return run
    for name, func in list(data._FUNCS.items()):
        monkeypatch.setitem(data._FUNCS, name, counted(func))

    store = Store(data_dir)
    at = _app(data_dir, monkeypatch, "xem").run()
    _ok(at)
    most = 0            # the most entries the cache ever held
    at_cap = None       # (misses, cache bytes, RSS) when the cache first held `cap` entries
    n = 0
    while at_cap is None or misses[0] < at_cap[0] + cap // 2:
        store._bump_version()  # as after an upload: every query is asked again under a new key
        at.query_params["period"] = PERIODS[(n // len(PAGES)) % len(PERIODS)]
        at.switch_page(f"views/{PAGES[n % len(PAGES)]}.py").run()
        _ok(at)
        n += 1
        entries = _cache()[0]
        most = max(most, entries)
        assert entries <= cap, f"{entries} entries after {n} pages: past the cap of {cap}"
        if at_cap is None and entries >= cap:
            gc.collect()
            at_cap = (misses[0], _cache()[1], _rss_mb())
        assert n < 2000, f"the cache never reached its cap ({entries} entries after {n} pages)"
    gc.collect()
    entries, size = _cache()
    rss = _rss_mb()
    print(f"\ncap {cap}: held after {at_cap[0]} misses; {misses[0]} misses in {n} pages; at most {most} "
          f"entries; cache {at_cap[1] / 2**20:.1f} → {size / 2**20:.1f} MiB; RSS {at_cap[2]:.0f} → {rss:.0f} MB")
    assert entries == cap
    assert size <= 1.5 * at_cap[1], (at_cap[1], size)
    assert rss - at_cap[2] < 60, (at_cap[2], rss)
