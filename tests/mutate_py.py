"""Python mutation testing of one module (`make mutate` runs it for each rule-bearing module): each
mutant is one small change of one token, applied alone, then the module's fast tests run with -x.
A mutant they do not notice SURVIVES: a rule in the code that no test holds.

Mutants (tokens of code, never inside strings or comments; docstrings untouched):
  cmp    <  ↔ <=,  > ↔ >=,  == ↔ !=
  arith  + ↔ -
  bool   and ↔ or,  True ↔ False
  agg    min ↔ max
  num    an integer literal n → n + 1

Usage: python tests/mutate_py.py MODULE TEST [TEST …] [--json OUT] [--list] [--lines 100,112] [--retry OLD.json]
(--lines: only the mutants on those lines; --retry: only the mutants that survived in an earlier
--json report, e.g. to check that a new test kills them)
It edits the module in the checkout it runs in and restores it after each mutant (and on Ctrl-C or
SIGTERM): `make mutate` runs it in a copy under build/mutate/.
"""
from __future__ import annotations

import argparse
import io
import json
import signal
import subprocess
import sys
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SWAP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==", "+": "-", "-": "+",
        "and": "or", "or": "and", "True": "False", "False": "True", "min": "max", "max": "min"}


@dataclass
class Mutant:
    line: int
    before: str
    after: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.line}: {self.before!r} → {self.after!r}"


def mutants(source: str) -> list[Mutant]:
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))
    out = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.OP, tokenize.NAME) and tok.string in SWAP:
            new = SWAP[tok.string]
        elif tok.type == tokenize.NUMBER and tok.string.isdigit():
            new = str(int(tok.string) + 1)
        else:
            continue
        start = offsets[tok.start[0] - 1] + tok.start[1]
        end = offsets[tok.end[0] - 1] + tok.end[1]
        out.append(Mutant(tok.start[0], tok.string, new, source[:start] + new + source[end:]))
    return out


def run(tests: list[str]) -> tuple[bool, str]:
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:playwright",
           "-m", "not e2e and not load and not office and not proxy and not postgres", *tests]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return True, "timeout"
    failed = [ln.split(" ")[1] for ln in done.stdout.splitlines() if ln.startswith(("FAILED ", "ERROR "))]
    return done.returncode != 0, failed[0] if failed else (done.stdout.strip().splitlines() or [""])[-1]


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    p = argparse.ArgumentParser()
    p.add_argument("module")
    p.add_argument("tests", nargs="+")
    p.add_argument("--json", type=Path)
    p.add_argument("--list", action="store_true")
    p.add_argument("--lines", default="", help="only the mutants on these lines (comma-separated)")
    p.add_argument("--retry", type=Path, help="only the mutants that survived in this earlier --json report")
    args = p.parse_args(argv)
    path = ROOT / args.module
    original = path.read_text(encoding="utf-8")
    found = mutants(original)
    if args.lines:
        lines = {int(n) for n in args.lines.split(",")}
        found = [m for m in found if m.line in lines]
    if args.retry:
        survived = {r["mutant"] for r in json.loads(args.retry.read_text(encoding="utf-8")) if not r["killed"]}
        found = [m for m in found if f"{args.module}:{m.name}" in survived]
    if args.list:
        for m in found:
            print(m.name)
        print(len(found), "mutants")
        return 0
    results = []
    try:
        for n, m in enumerate(found, 1):
            path.write_text(m.text, encoding="utf-8")
            t = time.monotonic()
            try:
                killed, by = run(args.tests)
            finally:
                path.write_text(original, encoding="utf-8")
            results.append({"mutant": f"{args.module}:{m.name}", "killed": killed, "by": by if killed else None})
            print(f"[{n}/{len(found)}] {'killed ' if killed else 'SURVIVED'} {args.module}:{m.name}"
                  f"{'  by ' + by if killed else ''}  ({time.monotonic() - t:.0f} s)", flush=True)
    finally:
        path.write_text(original, encoding="utf-8")
    killed = sum(r["killed"] for r in results)
    print(f"{args.module} | {killed} | {len(results)}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
