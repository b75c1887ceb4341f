"""Run every benchmark script (each compares against a baseline in its own run) and collect
results in benchmarks/out/results.json. Exit 1 when a goal is missed."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["ingest.py", "metrics_scale.py", "page_load.py", "hostile.py"]


def main() -> int:
    results, ok = {}, True
    for name in SCRIPTS:
        if not (HERE / name).exists():
            continue
        print(f"== {name}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / name)], capture_output=True, text=True, cwd=HERE.parent)
        print(done.stdout[-3000:], done.stderr[-2000:] if done.returncode else "", sep="\n")
        try:
            results[name] = json.loads(done.stdout[done.stdout.index("{"):])
        except ValueError:
            results[name] = {"ok": False, "output": done.stdout[-2000:]}
        ok = ok and done.returncode == 0
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print("all goals met" if ok else "a goal was missed", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
