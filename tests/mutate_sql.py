"""SQL mutation testing of the store's views (`make mutate-sql`): each mutant is one small change to one
file of pipelines/store/sql/views/, applied alone, then the tests that read those views are run
(stopping at the first failure). A mutant the tests do not notice SURVIVES: a rule the views carry
that no test holds. The report lists every mutant, its fate and the test that killed it.

Mutants (outside comments and string literals):
  cmp     `>` ↔ `>=`, `<` ↔ `<=`
  agg     min ↔ max, arg_min ↔ arg_max, greatest ↔ least, floor ↔ ceil
  join    one condition of a join (`a.x = b.y` joined by AND in an ON clause) dropped
  left    LEFT JOIN → JOIN (rows without a match dropped)

Usage: python tests/mutate_sql.py [--list] [--only FILE_SUBSTRING] [--json OUT] [-- pytest args]
The view files are restored after each mutant (and on Ctrl-C or SIGTERM). It edits the checkout it
runs in: `make mutate-sql` runs it in a copy (build/mutate/), so the checkout stays usable meanwhile.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEWS = ROOT / "pipelines" / "store" / "sql" / "views"

# The tests that read the views, fastest and most telling first (-x stops at the first failure).
TESTS = [
    "tests/store/test_views_by_hand.py",
    "tests/store/test_plan_change_by_hand.py",
    "tests/store/test_two_backlogs_by_hand.py",
    "tests/store/test_aggregation.py",
    "tests/store/test_marts.py",
    "tests/store/test_timeliness.py",
    "tests/store/test_hierarchy.py",
    "tests/outputs/test_metrics.py",
    "tests/store/test_rate_bounds.py",
    "tests/outputs/test_fmt.py",
    "tests/outputs/test_verdict_digits.py",
    "tests/store/test_plan_history.py",
    "tests/outputs/test_year_over_year.py",
    "tests/outputs/test_quality.py",
    "tests/store/test_load.py",
]

SWAPS = {
    "cmp": [(r"(?<![<>=!-])>(?![=>])", ">="), (r">=", ">"), (r"(?<![<>=!])<(?![=>])", "<="), (r"<=", "<")],
    "agg": [(r"\bmin\(", "max("), (r"\bmax\(", "min("), (r"\barg_min\(", "arg_max("), (r"\barg_max\(", "arg_min("),
            (r"\bgreatest\(", "least("), (r"\bleast\(", "greatest("), (r"\bfloor\(", "ceil("), (r"\bceil\(", "floor(")],
    "left": [(r"\bLEFT JOIN\b", "JOIN")],
}
COND = r"[\w.]+\s*=\s*[\w.]+"


@dataclass
class Mutant:
    file: str
    kind: str
    line: int
    before: str
    after: str
    text: str          # the whole mutated file

    @property
    def name(self) -> str:
        return f"{self.file}:{self.line} {self.kind} {self.before.strip()!r} → {self.after.strip()!r}"


def _code_mask(sql: str) -> list[bool]:
    """True for each character that is SQL code (not in a -- comment or a '…' literal)."""
    mask = [True] * len(sql)
    i, n = 0, len(sql)
    while i < n:
        if sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                mask[k] = False
            i = j
        elif sql[i] == "'":
            j = sql.find("'", i + 1)
            j = n - 1 if j < 0 else j
            for k in range(i, j + 1):
                mask[k] = False
            i = j + 1
        else:
            i += 1
    return mask


def mutants(path: Path) -> list[Mutant]:
    sql = path.read_text(encoding="utf-8")
    mask = _code_mask(sql)
    out: list[Mutant] = []

    def add(kind: str, start: int, end: int, replacement: str) -> None:
        if not all(mask[start:end]):
            return
        line = sql.count("\n", 0, start) + 1
        out.append(Mutant(path.name, kind, line, sql[start:end], replacement, sql[:start] + replacement + sql[end:]))

    for kind, swaps in SWAPS.items():
        for pattern, replacement in swaps:
            for m in re.finditer(pattern, sql):
                add(kind, m.start(), m.end(), replacement)
    # join conditions: in each ON clause with two or more conditions, drop each one in turn
    for m in re.finditer(rf"\bON\s+({COND}(?:\s+AND\s+{COND})+)", sql):
        clause_start = m.start(1)
        conds = list(re.finditer(COND, m.group(1)))
        for k, c in enumerate(conds):
            s, e = clause_start + c.start(), clause_start + c.end()
            if k == 0:   # "a = b AND " → ""
                nxt = clause_start + conds[1].start()
                add("join", s, nxt, "")
            else:        # " AND a = b" → ""
                prev = clause_start + conds[k - 1].end()
                add("join", prev, e, "")
    return out


# Which tests read which views (by the file's number). tests/store/test_views_by_hand.py comes first
# for every file: one small store, every figure by hand, seconds per mutant. `--full` adds the
# slower tests that read the views through the outputs (minutes per mutant).
FAST = ["tests/store/test_views_by_hand.py"]
RELEVANT = {
    **dict.fromkeys(("00", "02"), FAST + ["tests/store/test_two_backlogs_by_hand.py", "tests/outputs/test_verdict_digits.py"]),
    **dict.fromkeys(("01", "03", "04", "05", "06", "07", "08"), FAST + ["tests/outputs/test_verdict_digits.py"]),
    # timeliness: the first receipts (08a, their mart 08b), the deadline rule (08c) and its two callers
    **dict.fromkeys(("08a", "08b", "08c", "09", "11"), FAST + ["tests/store/test_timeliness.py"]),
    "10": FAST,
    "12": FAST + ["tests/outputs/test_quality.py"],
    "14": FAST + ["tests/store/test_plan_change_by_hand.py", "tests/outputs/test_quality.py"],
    **dict.fromkeys(("13", "15"), FAST + ["tests/store/test_plan_change_by_hand.py", "tests/outputs/test_year_over_year.py",
                                          "tests/store/test_plan_history.py"]),
}
FULL = False


def tests_for(file: str | None) -> list[str]:
    chosen = RELEVANT.get(file.split("_")[0], RELEVANT.get(file[:2], TESTS)) if file else TESTS
    if FULL:
        chosen = list(dict.fromkeys(chosen + TESTS))
    return [t for t in chosen if (ROOT / t).exists()]


def run_tests(extra: list[str], file: str | None = None, tests: list[str] | None = None) -> tuple[bool, str]:
    tests = tests or tests_for(file)
    # DuckDB only, as tests/mutate_py.py: the views are the same SQL on both engines, and a PostgreSQL
    # test that fails for want of a cluster (or a busy one) would count as a kill
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
           "-m", "not e2e and not load and not office and not proxy and not postgres", *tests, *extra]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    failed = [ln.split(" ")[1] for ln in done.stdout.splitlines() if ln.startswith(("FAILED ", "ERROR "))]
    last = (done.stdout.strip().splitlines() or [""])[-1]
    return done.returncode != 0, failed[0] if failed else last


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import signal
    signal.signal(signal.SIGTERM, _interrupt)  # a killed run restores the views too (finally below)
    argv = sys.argv[1:] if argv is None else argv
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser()
    p.add_argument("--list", action="store_true")
    p.add_argument("--only", default="")
    p.add_argument("--json", type=Path)
    p.add_argument("--no-baseline", action="store_true", help="skip the run on the unmutated views")
    p.add_argument("--full", action="store_true", help="also run the slower tests that read the views")
    p.add_argument("--retry", type=Path, help="only the mutants that survived in this earlier --json report")
    args = p.parse_args(argv)
    global FULL
    FULL = args.full
    files = sorted(f for f in VIEWS.glob("*.sql") if args.only in f.name)
    all_mutants = [m for f in files for m in mutants(f)]
    if args.retry:
        survived = {r["mutant"] for r in json.loads(args.retry.read_text(encoding="utf-8")) if not r["killed"]}
        all_mutants = [m for m in all_mutants if m.name in survived]
    if args.list:
        for m in all_mutants:
            print(m.name)
        print(len(all_mutants), "mutants")
        return 0
    if not args.no_baseline:
        # the tests the chosen files' mutants will run, on the views as they are
        failing, why = run_tests(extra, tests=list(dict.fromkeys(t for f in files for t in tests_for(f.name))))
        if failing:
            print("the tests fail on the unmutated views: fix them first:", why)
            return 2
    results = []
    originals = {f: f.read_text(encoding="utf-8") for f in files}
    try:
        for n, m in enumerate(all_mutants, 1):
            target = VIEWS / m.file
            target.write_text(m.text, encoding="utf-8")
            t = time.monotonic()
            try:
                killed, by = run_tests(extra, m.file)
            finally:
                target.write_text(originals[target], encoding="utf-8")
            results.append({"mutant": m.name, "file": m.file, "kind": m.kind, "killed": killed,
                            "by": by if killed else None})
            print(f"[{n}/{len(all_mutants)}] {'killed ' if killed else 'SURVIVED'} {m.name}"
                  f"{'  by ' + by if killed else ''}  ({time.monotonic() - t:.0f} s)", flush=True)
    finally:
        for f, text in originals.items():
            f.write_text(text, encoding="utf-8")
    by_file: dict[str, list[int]] = {}
    for r in results:
        by_file.setdefault(r["file"], [0, 0])
        by_file[r["file"]][0] += r["killed"]
        by_file[r["file"]][1] += 1
    print("\nfile | killed | mutants")
    for f, (k, n) in sorted(by_file.items()):
        print(f"{f} | {k} | {n}")
    total_k = sum(k for k, _ in by_file.values())
    print(f"all | {total_k} | {len(results)}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0 if total_k == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
