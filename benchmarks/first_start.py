"""The newcomer's first start: `make run` on an empty store loads both demo years (2022 then 2023)
through the real pipeline. Measured end to end in a fresh process, as `make run` runs it, and
compared with the goal (≤ 20 s on this 2-core machine; ≈ 40 s before the demo's workbooks were
written, read and loaded side by side). The load average is recorded beside it: on a shared
machine it says how much of the time was other people's work.

    .venv/bin/python benchmarks/first_start.py [--runs 3] [--out benchmarks/results.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_S = 20.0


def one_run() -> float:
    with tempfile.TemporaryDirectory(prefix="first-start-") as tmp:
        data = Path(tmp) / "data"
        subprocess.run([sys.executable, "-m", "pipelines", "init", "--data-dir", str(data)], check=True,
                       capture_output=True, cwd=ROOT)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dashboard.bootstrap", "--data-dir", str(data)], check=True,
                       capture_output=True, cwd=ROOT)
        return time.perf_counter() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    a = ap.parse_args(argv)
    seconds = [one_run() for _ in range(a.runs)]
    res = {"first_start": {"median_s": round(statistics.median(seconds), 1), "min_s": round(min(seconds), 1),
                           "max_s": round(max(seconds), 1), "runs": a.runs, "goal_s": GOAL_S,
                           "load_average_1m": round(os.getloadavg()[0], 2)}}
    previous = json.loads(a.out.read_text()) if a.out.exists() else {}
    a.out.write_text(json.dumps({**previous, **res}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    r = res["first_start"]
    print(f"first start (both demo years): median {r['median_s']} s (min {r['min_s']}, max {r['max_s']}; "
          f"goal ≤ {GOAL_S:g} s; load average {r['load_average_1m']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
