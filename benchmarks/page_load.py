"""Page-load benchmark of the dashboard with the demo year (budget: under one second per page).

    .venv/bin/python benchmarks/page_load.py [--data-dir DIR] [--runs N]

Renders each page headlessly with Streamlit's AppTest (the same script run a browser triggers, minus
the network and the browser's drawing), N times warm (query cache filled, the usual case) and N times
cold (query cache cleared first: every query goes to DuckDB). A baseline in the same run — a bare
one-line Streamlit script — shows the framework's own cost on this machine. Results go to
benchmarks/out/page_load.json (gitignored) and a table on stdout; exit code 1 if a page's warm
median exceeds the budget.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["views/tong_quan.py", "views/chi_tieu.py", "views/don_vi.py", "views/tien_do.py", "views/nhiem_vu.py",
         "views/du_lieu.py"]
BUDGET_S = 1.0


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"median_s": round(statistics.median(ordered), 4), "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 4),
            "min_s": round(ordered[0], 4), "max_s": round(ordered[-1], 4), "runs": len(ordered)}


def _timed(at) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"page raised: {[e.value for e in at.exception]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="a store with the demo year (default: a fresh temp store)")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "page_load.json")
    args = parser.parse_args(argv)

    from streamlit.testing.v1 import AppTest

    from dashboard.state import data
    from pipelines.demo import load_demo
    from pipelines.outputs import metrics
    from pipelines.store import Store

    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="page-load-")
        data_dir = Path(tmp.name) / "data"
    store = Store(data_dir)
    if metrics.submission_count(store) == 0:
        print(f"Nạp dữ liệu mẫu vào {data_dir} ...", file=sys.stderr)
        load_demo(store)
    os.environ["DUCPHO138_DATA_DIR"] = str(data_dir)

    # baseline: the framework's own cost for a trivial script, on this machine, in this run
    base = AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=60)
    _timed(base)
    baseline = _stats([_timed(base) for _ in range(args.runs)])

    results = {}
    app = str(ROOT / "dashboard" / "app.py")
    for page in PAGES:
        at = AppTest.from_file(app, default_timeout=60)
        at.query_params["period"] = "9M"
        _timed(at)
        at.switch_page(page)
        _timed(at)  # first visit (also fills the cache)
        warm = [_timed(at) for _ in range(args.runs)]
        cold = []
        for _ in range(max(3, args.runs // 2)):
            data.clear()
            cold.append(_timed(at))
        results[page] = {"warm": _stats(warm), "cold": _stats(cold)}

    report = {
        "what": "AppTest render time per page, demo year 2022, period 9M",
        "budget_s": BUDGET_S, "baseline_trivial_script": baseline, "pages": results,
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")

    print(f"{'trang':<22} {'ấm (trung vị)':>14} {'ấm p90':>8} {'lạnh (trung vị)':>16}   (giây; ngân sách {BUDGET_S} s)")
    print(f"{'(nền: script 1 dòng)':<22} {baseline['median_s']:>14.3f} {baseline['p90_s']:>8.3f}")
    over = []
    for page, r in results.items():
        flag = "" if r["warm"]["median_s"] < BUDGET_S else "  VƯỢT NGÂN SÁCH"
        if flag:
            over.append(page)
        print(f"{page:<22} {r['warm']['median_s']:>14.3f} {r['warm']['p90_s']:>8.3f} {r['cold']['median_s']:>16.3f}{flag}")
    print(f"Kết quả: {args.out}")
    if tmp:
        tmp.cleanup()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
