"""Ingest speed and memory, against a baseline measured in the same run.

- baseline: python-calamine parsing the same workbooks, nothing else (the floor any reader pays);
- read + validate: our reader and validator on those bytes (no store);
- ingest: the whole pipeline into a fresh DuckDB store (archive, one transaction per file);
- hostile: refusing a 2 GB zip bomb, time and peak memory of a fresh process, against a fresh process
  that reads one normal workbook.

Writes benchmarks/out/ingest.json and prints a summary. Goals: read + validate within
GOAL_VS_BASELINE times the bare parse; a bomb refused in < 1 s and < 600 MB peak.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, ROOT, timed  # noqa: E402  (puts the project on sys.path)

sys.path.insert(0, str(ROOT / "tests"))

import python_calamine  # noqa: E402

from pipelines.store import Store  # noqa: E402
from pipelines.store.load import ingest_bytes  # noqa: E402
from pipelines.workbook.read import read_workbook  # noqa: E402
from pipelines.workbook.template import build_template  # noqa: E402
from pipelines.workbook.validate import validate  # noqa: E402

# The guard inflates every member once in Python (to check real sizes and look for DTDs) before
# calamine parses it, and the reader folds every text cell: a deliberate cost, bounded here.
GOAL_VS_BASELINE = 6.0


def workbooks(store: Store) -> list[tuple[str, bytes]]:
    plan = store.plan(2022)
    files = []
    for q in (1, 2):
        for u in plan.units:
            values = {c: (i * 7 + q) % 50 for i, c in enumerate(plan.unit_elements(u.code))}
            for a, b in (("TIN_PHAN_LOAI", "TIN_MOI"), ("AN_KHAM_PHA", "AN_KHOI_TO"), ("NN_XAC_DINH", "NN_TIEP_NHAN")):
                if a in values:
                    values[a] = min(values[a], values[b])
            for done, todo in (("TIN_DA_GQ", ("TIN_TON", "TIN_MOI")), ("VKS_TRUY_TO", ("VKS_TON", "VKS_MOI")),
                               ("TA_XET_XU", ("TA_TON", "TA_MOI"))):
                if done in values:
                    values[done] = min(values[done], sum(values[t] for t in todo))
            files.append((f"{u.code}_Q{q}.xlsx", build_template(plan, u.code, q, values=values)))
    return files



def peak(code: str, *args: str) -> dict:
    probe = ("import json, resource, sys, time\n" + code +
             "\nprint(json.dumps({'seconds': took, 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))")
    out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "data")
        files = workbooks(store)
        plans = store.plans()

        def bare():
            for _, data in files:
                wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
                for name in wb.sheet_names:
                    wb.get_sheet_by_name(name).to_python()

        def ours():
            for name, data in files:
                raw, _ = read_workbook(data, name)
                validate(raw, plans)

        baseline = timed(bare)
        read_validate = timed(ours)
        t = time.perf_counter()
        with store.connect():
            statuses = [ingest_bytes(store, data, name).status for name, data in files]
        full = time.perf_counter() - t
        assert set(statuses) == {"accepted"}, statuses

        from test_guard import (  # the same bomb the tests use
            _deflate,
            _zeros_member,
            _zip,
        )
        bomb = Path(tmp) / "bomb.xlsx"
        members = [(n, *_deflate(b)) for n, b in (("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<w/>"))]
        bomb.write_bytes(_zip(members + [_zeros_member("xl/worksheets/sheet1.xml", 2048)]))
        normal = Path(tmp) / "normal.xlsx"
        normal.write_bytes(files[0][1])
        read_code = ("from pipelines.workbook.read import read_workbook\ndata = open(sys.argv[1], 'rb').read()\n"
                     "t = time.perf_counter(); read_workbook(data, 'x.xlsx'); took = time.perf_counter() - t")
        bomb_run, normal_run = peak(read_code, str(bomb)), peak(read_code, str(normal))

    n = len(files)
    result = {
        "files": n,
        "baseline_parse_ms_per_file": round(baseline / n * 1000, 2),
        "read_validate_ms_per_file": round(read_validate / n * 1000, 2),
        "read_validate_vs_baseline": round(read_validate / baseline, 2),
        "ingest_ms_per_file": round(full / n * 1000, 2),
        "zip_bomb_refused_seconds": round(bomb_run["seconds"], 3),
        "zip_bomb_peak_mb": round(bomb_run["peak_mb"], 1),
        "normal_file_peak_mb": round(normal_run["peak_mb"], 1),
        "goals": {"read_validate_vs_baseline_max": GOAL_VS_BASELINE, "zip_bomb_seconds_max": 1.0, "zip_bomb_peak_mb_max": 600},
    }
    result["ok"] = (result["read_validate_vs_baseline"] <= GOAL_VS_BASELINE and result["zip_bomb_refused_seconds"] < 1.0
                    and result["zip_bomb_peak_mb"] < 600)
    (OUT / "ingest.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    r = main()
    print(json.dumps(r, indent=2))
    sys.exit(0 if r["ok"] else 1)
