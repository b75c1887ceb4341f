"""Hostile files (issue 8 §1) and the cost of reading in a child process, against baselines measured
in the same run.

- each file of the issue (a 5 KB .xlsx with A1 and XFD1048576, a 5.6 KB .xls with IV65536, an .ods
  of a million repeated rows) refused by the guard and reader in a fresh process: seconds and peak
  memory, against a fresh process reading one normal report. Goal: < 5 s and < 600 MB each.
- the same files through the sandbox (child process): refused, the parent's peak memory unchanged.
- a batch of 99 reports read through the sandbox (one child reused) against the same reader in
  this process: the per-file overhead. Goal: within 15 ms per file plus one child start-up (2 s).
- `--before`: also the bare reader (python-calamine) on the .xls, as the code read it before the
  guard measured used ranges (~3 s and ~1 GB: run it only on a quiet machine).

Writes benchmarks/out/hostile.json and prints it.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, ROOT, timed  # noqa: E402  (puts the project on sys.path)
sys.path.insert(0, str(ROOT / "tests"))

from test_hostile import ODS_CELL, empty_cells, ods, row, xls_last_cell, xlsx_first_and_last_cell  # noqa: E402

from pipelines.store import Store  # noqa: E402
from pipelines.workbook import sandbox  # noqa: E402
from pipelines.workbook.read import read_workbook  # noqa: E402
from pipelines.workbook.template import build_template  # noqa: E402

GOAL_SECONDS, GOAL_MB = 5.0, 600
GOAL_OVERHEAD_MS, GOAL_START_S = 15.0, 2.0

# Peak memory from VmHWM: ru_maxrss would carry the (larger) parent's peak across fork and exec.
PROBE = """import json, sys, time
data = open(sys.argv[1], 'rb').read()
t = time.perf_counter()
{call}
took = time.perf_counter() - t
hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))
print(json.dumps({{'seconds': took, 'peak_mb': hwm / 1024, 'codes': codes}}))"""
IN_PROCESS = ("from pipelines.workbook.read import read_workbook\n"
              "raw, problems = read_workbook(data, sys.argv[1]); codes = [p.code for p in problems]")
SANDBOXED = ("from pipelines.workbook import sandbox\n"
             "raw, problems = sandbox.read_workbook(data, sys.argv[1]); codes = [p.code for p in problems]")
BARE = ("import io, python_calamine\nb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))\n"
        "[b.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in b.sheet_names]; codes = []")


def probe(call: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE.format(call=call), str(path)], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    if out.returncode:
        return {"died": out.returncode}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(before: bool = False) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    result: dict = {"files": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = Store(tmp / "data")
        plan = store.plan(2022)
        normal = tmp / "normal.xlsx"
        normal.write_bytes(build_template(plan, "CA", 1, values={"TIN_TON": 1, "TIN_MOI": 2}))
        hostile = {
            "xfd.xlsx": xlsx_first_and_last_cell(),
            "iv65536.xls": xls_last_cell(),
            "repeats.ods": ods(row(ODS_CELL) + row(empty_cells(16384), 1048574) + row(empty_cells(16383) + ODS_CELL)),
        }
        result["normal"] = probe(IN_PROCESS, normal)
        ok = True
        for name, data in hostile.items():
            path = tmp / name
            path.write_bytes(data)
            got = {"bytes": len(data), "in_process": probe(IN_PROCESS, path), "sandboxed": probe(SANDBOXED, path)}
            if before and name.endswith(".xls"):
                got["bare_reader_before"] = probe(BARE, path)
            ip = got["in_process"]
            ok = ok and ip.get("codes") == ["hostile"] and ip["seconds"] < GOAL_SECONDS and ip["peak_mb"] < GOAL_MB
            ok = ok and got["sandboxed"].get("codes") == ["hostile"]
            result["files"][name] = got

        batch = [(f"{u.code}_Q{q}.xlsx", build_template(plan, u.code, q, values={"TT_BUOI": q}))
                 for q in (1, 2, 3, 4) for u in plan.units][:99]
        here = [read_workbook(d, n)[1] for n, d in batch]     # also warms both up
        sandbox.POOL.close()
        t = time.perf_counter()
        there = [sandbox.read_workbook(d, n)[1] for n, d in batch[:1]]
        start = time.perf_counter() - t
        there = [sandbox.read_workbook(d, n)[1] for n, d in batch]
        in_process = timed(lambda: [read_workbook(d, n) for n, d in batch])
        sandboxed = timed(lambda: [sandbox.read_workbook(d, n) for n, d in batch])
        assert here == there, "the child reads what this process reads"
        overhead_ms = (sandboxed - in_process) / len(batch) * 1000
        result["batch"] = {"files": len(batch), "in_process_s": round(in_process, 3), "sandboxed_s": round(sandboxed, 3),
                           "child_start_s": round(start, 3), "overhead_ms_per_file": round(overhead_ms, 2)}
        ok = ok and overhead_ms <= GOAL_OVERHEAD_MS and start <= GOAL_START_S
    result["goals"] = {"seconds_max": GOAL_SECONDS, "peak_mb_max": GOAL_MB, "overhead_ms_per_file_max": GOAL_OVERHEAD_MS,
                       "child_start_s_max": GOAL_START_S}
    result["ok"] = ok
    (OUT / "hostile.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    r = main(before="--before" in sys.argv)
    print(json.dumps(r, indent=2))
    sys.exit(0 if r["ok"] else 1)
