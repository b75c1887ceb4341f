"""Soak (marker `load`): a day of use in one dashboard process — every page, several periods, the
store changing now and then — and the process memory levels off: after a warm-up, further rounds add
no more than the caches' caps allow (st.cache_data keeps at most 1.024 entries per function)."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest
from test_dashboard_auth import _app, _ok, accounts_template, data_dir  # noqa: F401  (fixtures)

from pipelines.store import Store

pytestmark = pytest.mark.load
PAGES = ["tong_quan", "chi_tieu", "don_vi", "tien_do", "nhiem_vu", "du_lieu", "chat_luong"]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_memory_levels_off_over_many_reruns(data_dir, monkeypatch):  # noqa: F811
    at = _app(data_dir, monkeypatch, "xem").run()
    store = Store(data_dir)
    pages = [p for p in PAGES if (Path(__file__).parents[2] / "dashboard" / "views" / f"{p}.py").exists()]

    def round_(n: int) -> None:
        for page in pages:
            at.switch_page(f"views/{page}.py").run()
            _ok(at)
        if n % 3 == 2:
            store._bump_version()  # as after an upload: every cached query is asked again

    for n in range(3):
        round_(n)
    gc.collect()
    warm = _rss_mb()
    rounds = 9
    for n in range(rounds):
        round_(n)
    gc.collect()
    after = _rss_mb()
    print(f"RSS after warm-up {warm:.0f} MB, after {rounds} more rounds of {len(pages)} pages {after:.0f} MB")
    assert after - warm < 60, (warm, after)
