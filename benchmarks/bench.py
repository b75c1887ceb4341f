"""`make bench`: the project at national scale against baselines measured in the same run.

    .venv/bin/python benchmarks/bench.py [--scale national|tiny] [--runs 5] [--out benchmarks/results.json]

1. builds the synthetic national store (benchmarks/national.py: 4 levels, ~12 000 units, 10 years,
   ≈ 15 M values, tasks, a ledger with versions) straight into DuckDB;
2. ingest: 300 workbooks written by the project's template writer (xlsx, xls, ods; varied values),
   validated and loaded into an empty store in one process; baseline pandas.read_excel of every
   sheet of the same files (openpyxl for xlsx as asked; xlsx-only engines cannot read xls/ods, so
   those use calamine, pandas' fastest reader — the baseline only gets faster for it);
3. queries: what the pages ask (rates, rates of the places one level down, activity totals,
   timeliness) at each level (country, province, district = the town, one unit) and period kind
   (quarter, cumulative, year over year); p50/p95; baseline: the same answer by pandas from a
   DataFrame already in memory;
4. startup: `--help` and a one-file `ingest` process; 5. pages: warm AppTest reruns and the
   dashboard process's RSS after visiting every page, at national scale.

Each figure: median of `--runs` runs after a warm-up, with min and max. Results are merged into
`--out` (other keys, such as "load", are kept). `--scale tiny` is the test suite's smoke run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "benchmarks", ROOT / "tests"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import national  # noqa: E402

SCALES = {  # provinces, districts per province, years, ingest files
    "national": dict(provinces=63, districts=7, years=10, files=300, pages_timeout=240),
    "tiny": dict(provinces=2, districts=2, years=2, files=6, pages_timeout=600),
}
YEAR = national.BASE_YEAR
GOALS = {"ingest_ratio_min": 10, "query_p95_ms_max": 100, "query_ratio_min": 3, "rss_mb_max": 1024,
         "help_s_max": 0.3, "ingest_one_s_max": 0.5, "page_rerun_ms_max": 300}


def stats(fn, runs: int) -> dict:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    s = sorted(samples)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return {"median": statistics.median(s), "p95": p95, "min": s[0], "max": s[-1]}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores {cpu}, {mem} GiB, Python {platform.python_version()}, {platform.system()}"


# -- ingest ---------------------------------------------------------------------------------------
def workbooks(n: int) -> list[tuple[str, bytes]]:
    """n filled workbooks of the town's plan, a third each .xlsx, .xls, .ods, varied values."""
    import random

    import python_calamine
    from conftest import _ods, _xls

    from pipelines.demo import _counts, _tasks
    from pipelines.plan import load_plan
    from pipelines.workbook.template import build_template
    plan = load_plan(national.PLANS_DIR / f"duc_pho_{YEAR}.toml")
    rng = random.Random(138)
    out = []
    combos = [(u.code, q) for q in plan.quarter_by_number for u in plan.units]
    for i in range(n):
        unit, q = combos[i % len(combos)]
        data = build_template(plan, unit, q, values=_counts(plan, unit, q, rng, {}), tasks=_tasks(plan, unit, q, rng),
                              note=f"bench {i}")
        fmt = ("xlsx", "xls", "ods")[i % 3]
        if fmt != "xlsx":
            import io
            wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheets = {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}
            data = (_xls if fmt == "xls" else _ods)(sheets)
        out.append((f"BC_{unit}_{YEAR}_Q{q}_{i}.{fmt}", data))
    return out


def bench_ingest(n: int, runs: int) -> dict:
    import io

    import pandas as pd

    from pipelines.store import Store
    from pipelines.store.load import ingest_bytes
    files = workbooks(n)
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    counter = iter(range(10_000))
    statuses: list[str] = []

    def ours():
        store = Store(tmp / f"s{next(counter)}")
        with store.connect():
            statuses[:] = [ingest_bytes(store, data, name).status for name, data in files]

    def baseline():
        for name, data in files:
            engine = "openpyxl" if name.endswith(".xlsx") else "calamine"
            pd.read_excel(io.BytesIO(data), sheet_name=None, header=None, engine=engine)

    # the empty store's creation (schema, plan install) is part of every run, as it is for a new user
    a, b = stats(ours, runs), stats(baseline, runs)
    return {"files": n, "formats": "xlsx/xls/ods", "seconds": round(a["median"], 3), "min_s": round(a["min"], 3),
            "max_s": round(a["max"], 3), "baseline_seconds": round(b["median"], 3),
            "baseline_min_s": round(b["min"], 3), "baseline_max_s": round(b["max"], 3),
            "ratio": round(b["median"] / a["median"], 2), "accepted": statuses.count("accepted")}


# -- queries --------------------------------------------------------------------------------------
class PandasBaseline:
    """The same answers from DataFrames already in memory (codes as small integers)."""

    def __init__(self, store):
        from pipelines.outputs import metrics
        self.metrics = metrics
        with store.connect() as con:
            self.values = con.execute("""
                SELECT CAST(s.year AS SMALLINT) AS year, CAST(s.quarter AS TINYINT) AS quarter,
                       CAST(u.sort AS INTEGER) AS unit, CAST(e.sort AS TINYINT) AS element,
                       CAST(v.value AS INTEGER) AS value,
                       CAST(substr(u.parent, 2) AS SMALLINT) AS district,
                       CAST(substr(d.parent, 2) AS TINYINT) AS province
                FROM submission s JOIN submission_value v ON v.submission_id = s.id
                JOIN dim_unit u ON u.year = s.year AND u.code = s.unit
                JOIN dim_scope d ON d.year = s.year AND d.code = u.parent
                JOIN dim_element e ON e.year = s.year AND e.code = v.element
                WHERE s.is_current""").df()
            self.received = con.execute("""
                SELECT CAST(s.year AS SMALLINT) AS year, CAST(s.quarter AS TINYINT) AS quarter,
                       CAST(u.sort AS INTEGER) AS unit, min(s.received_at) AS received_at,
                       CAST(substr(u.parent, 2) AS SMALLINT) AS district,
                       CAST(substr(d.parent, 2) AS TINYINT) AS province
                FROM submission s JOIN dim_unit u ON u.year = s.year AND u.code = s.unit
                JOIN dim_scope d ON d.year = s.year AND d.code = u.parent
                GROUP BY ALL""").df()
            self.due = dict(con.execute("SELECT year * 10 + quarter, due_end_utc FROM dim_quarter").fetchall())
            self.elements = dict(con.execute("SELECT code, sort FROM dim_element WHERE year = ?", [YEAR]).fetchall())
            self.first = {self.elements[c] for c, in con.execute(
                "SELECT code FROM dim_element WHERE year = ? AND over_time = 'first'", [YEAR]).fetchall()}
            self.terms = con.execute("SELECT indicator, role, element FROM dim_indicator_term WHERE year = ?",
                                     [YEAR]).fetchall()
            self.periods = {p: list(qs) for p, qs in con.execute(
                "SELECT period, list(quarter ORDER BY quarter) FROM dim_period_quarter WHERE year = ? GROUP BY 1",
                [YEAR]).fetchall()}

    @staticmethod
    def _mask(df, scope):
        kind, n = scope
        return slice(None) if kind == "all" else (df[kind] == n)

    def element_values(self, year, period, scope, by=None):
        import pandas as pd
        df = self.values
        df = df[(df["year"] == year) & df["quarter"].isin(self.periods[period])]
        if scope[0] != "all":
            df = df[df[scope[0]] == scope[1]]
        keys = ["unit", "element"] + ([by] if by and by != "unit" else [])
        first = df[df["element"].isin(self.first)].sort_values("quarter").groupby(keys)["value"].first()
        summed = df[~df["element"].isin(self.first)].groupby(keys)["value"].sum()
        per_unit = pd.concat([first, summed]).reset_index()
        return per_unit.groupby(([by] if by else []) + ["element"])["value"].sum()

    def rates(self, year, period, scope, by=None):
        import pandas as pd
        totals = self.element_values(year, period, scope, by).reset_index()
        out = {}
        for indicator, role, element in self.terms:
            part = totals[totals["element"] == self.elements[element]]
            val = part.groupby(by)["value"].sum() if by else pd.Series([part["value"].sum()])
            out[(indicator, role)] = val.add(out.get((indicator, role), 0), fill_value=0)
        return out

    def timeliness(self, year, scope, by):
        df = self.received
        df = df[df["year"] == year]
        if scope[0] != "all":
            df = df[df[scope[0]] == scope[1]]
        due = df["year"].astype(int) * 10 + df["quarter"].astype(int)
        on_time = df["received_at"] < due.map(self.due)
        return on_time.groupby([df[by], df["quarter"]]).agg(["sum", "count"])


def query_set(store, base: PandasBaseline, tiny: bool) -> list[tuple]:
    """(name, level, our function, the baseline's function)."""
    m = base.metrics
    scopes = [("country", "ALL", ("all", 0), "province"), ("province", "P01", ("province", 1), "district"),
              ("district (town)", "D0001", ("district", 1), "unit"), ("unit", "D0001_CA", ("unit", 0), None)]
    out = []
    for level, code, bscope, child in scopes:
        if level == "unit":  # the unit's own sort number in the plan
            bscope = ("unit", int(store.query_df("SELECT sort FROM dim_unit WHERE year = ? AND code = ?",
                                                 [YEAR, code])["sort"][0]))
        for kind, period, years in (("quarter", "Q3", [YEAR]), ("cumulative", "9M", [YEAR]),
                                    ("year over year", "9M", [YEAR - 1, YEAR])):
            out.append((f"rates, {kind}", level,
                        lambda c=code, p=period, ys=years: [m.attainment(store, y, p, unit=c) for y in ys],
                        lambda s=bscope, p=period, ys=years: [base.rates(y, p, s) for y in ys]))
            out.append((f"activity totals, {kind}", level,
                        lambda c=code, p=period, ys=years: [m.element_totals(store, y, p, scope=c) for y in ys],
                        lambda s=bscope, p=period, ys=years: [base.element_values(y, p, s) for y in ys]))
            if child:
                out.append((f"rates of each {child}, {kind}", level,
                            lambda c=code, p=period, ys=years, ch=child: [m.attainment(store, y, p, level=ch, within=c)
                                                                        for y in ys],
                            lambda s=bscope, p=period, ys=years, ch=child: [base.rates(y, p, s, by=ch) for y in ys]))
        if child:
            out.append((f"timeliness of each {child}", level,
                        lambda c=code, ch=child: m.compliance_rollup(store, YEAR, level=ch, within=c),
                        lambda s=bscope, ch=child: base.timeliness(YEAR, s, ch)))
    return out


def bench_queries(store, runs: int, tiny: bool) -> list[dict]:
    base = PandasBaseline(store)
    store.plans()  # the parsed plans are cached by a running dashboard
    rows = []
    for name, level, ours, theirs in query_set(store, base, tiny):
        with store.connect():  # the query's own time: the dashboard opens a connection per cache miss, ~1 ms
            # while another page of the server has the store open, ~40 ms more on an idle server
            a = stats(ours, runs)
        b = stats(theirs, runs)
        rows.append({"name": name, "level": level, "p50_ms": round(a["median"] * 1000, 1),
                     "p95_ms": round(a["p95"] * 1000, 1), "min_ms": round(a["min"] * 1000, 1),
                     "max_ms": round(a["max"] * 1000, 1), "baseline_ms": round(b["median"] * 1000, 1),
                     "ratio": round(b["median"] / a["median"], 2)})
        print(f"  {level:<16} {name:<38} p50 {rows[-1]['p50_ms']:>8} ms  p95 {rows[-1]['p95_ms']:>8} ms  "
              f"pandas {rows[-1]['baseline_ms']:>8} ms  ×{rows[-1]['ratio']}", flush=True)
    return rows


# -- startup --------------------------------------------------------------------------------------
def bench_startup(runs: int) -> dict:
    from pipelines.plan import load_plan
    from pipelines.workbook.template import build_template
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    data = tmp / "data"
    py = [sys.executable, "-m", "pipelines"]
    subprocess.run([*py, "init", "--data-dir", str(data)], check=True, capture_output=True)
    plan = load_plan(national.PLANS_DIR / f"duc_pho_{YEAR}.toml")
    files = []
    for i, u in enumerate(plan.units[: runs + 1]):
        f = tmp / f"BC_{u.code}.xlsx"
        f.write_bytes(build_template(plan, u.code, 1, values={"TT_BUOI": i + 1}))
        files.append(f)
    it = iter(files)
    help_s = stats(lambda: subprocess.run([*py, "--help"], check=True, capture_output=True), runs)
    ingest_s = stats(lambda: subprocess.run([*py, "ingest", "--data-dir", str(data), str(next(it))],
                                            check=True, capture_output=True), runs - 1 if runs > 1 else 1)
    return {"help_s": round(help_s["median"], 3), "help_min_s": round(help_s["min"], 3),
            "help_max_s": round(help_s["max"], 3), "ingest_one_s": round(ingest_s["median"], 3),
            "ingest_one_min_s": round(ingest_s["min"], 3), "ingest_one_max_s": round(ingest_s["max"], 3)}


# -- pages ----------------------------------------------------------------------------------------
PAGE_PROBE = r"""
import json, os, statistics, sys, time
sys.path.insert(0, sys.argv[1])
os.environ["DUCPHO138_DATA_DIR"] = sys.argv[2]
runs = int(sys.argv[3])
from streamlit.testing.v1 import AppTest
from dashboard.state import auth
from pipelines.accounts import users
from pipelines.store import Store
pages = ["tong_quan.py", "chi_tieu.py", "don_vi.py", "tien_do.py", "nhiem_vu.py", "du_lieu.py"]
out = []
at = AppTest.from_file(os.path.join(sys.argv[1], "dashboard", "app.py"), default_timeout=600)
at.session_state[auth.USER_KEY] = users.get_user(Store(sys.argv[2]), sys.argv[4])
at.query_params["year"] = sys.argv[5]
at.run()
for page in pages:
    at.switch_page("views/" + page)
    at.run()                            # first visit fills the cache
    samples = []
    for _ in range(runs):
        t = time.perf_counter(); at.run(); samples.append(time.perf_counter() - t)
    if at.exception:
        raise SystemExit(f"{page}: {[e.value for e in at.exception]}")
    s = sorted(samples)
    out.append({"name": page.removesuffix(".py"), "rerun_ms": round(statistics.median(s) * 1000, 1),
                "min_ms": round(s[0] * 1000, 1), "max_ms": round(s[-1] * 1000, 1)})
# VmHWM, this address space's peak: ru_maxrss survives execve, so a child of the bench (which holds
# the pandas baseline's 15 M rows) would report the parent's size
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"pages": out, "rss_mb": round(peak_kb / 1024, 1)}))
"""


def bench_pages(data_dir: Path, runs: int, timeout: float) -> dict:
    from pipelines.accounts.users import add_user
    from pipelines.store import Store
    store = Store(data_dir)
    try:
        add_user(store, "bench", "viewer", "bench-password-138", actor="bench")
    except Exception:  # noqa: BLE001  (exists already)
        pass
    try:
        done = subprocess.run([sys.executable, "-c", PAGE_PROBE, str(ROOT), str(data_dir), str(runs), "bench",
                               str(YEAR)], capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"pages": [], "rss_mb": None, "pages_error": f"the pages did not render within {timeout:.0f} s"}
    if done.returncode:
        return {"pages": [], "rss_mb": None, "pages_error": (done.stderr or done.stdout)[-1500:]}
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "pages_error": None}


# -- main -----------------------------------------------------------------------------------------
def table(res: dict) -> str:
    lines = [f"machine: {res['machine']}", f"store: {res['store']}"]
    i = res["ingest"]
    lines.append(f"ingest {i['files']} files: {i['seconds']} s (min {i['min_s']}, max {i['max_s']}); pandas "
                 f"{i['baseline_seconds']} s; ×{i['ratio']} (goal ≥ {GOALS['ingest_ratio_min']})")
    s = res["startup"]
    lines.append(f"--help {s['help_s']} s (goal ≤ {GOALS['help_s_max']}); one-file ingest {s['ingest_one_s']} s "
                 f"(goal ≤ {GOALS['ingest_one_s_max']})")
    worst = max(res["queries"], key=lambda q: q["p95_ms"])
    lines.append(f"queries: {len(res['queries'])}; worst p95 {worst['p95_ms']} ms ({worst['level']}: {worst['name']}); "
                 f"lowest ratio ×{min(q['ratio'] for q in res['queries'])}")
    if res.get("pages_error"):
        lines.append(f"pages: {res['pages_error'][-300:]}")
    for p in res["pages"]:
        lines.append(f"page {p['name']:<10} warm rerun {p['rerun_ms']} ms (min {p['min_ms']}, max {p['max_ms']})")
    lines.append(f"dashboard RSS after every page: {res['rss_mb']} MB (goal ≤ {GOALS['rss_mb_max']})")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=list(SCALES), default="national")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    ap.add_argument("--data-dir", type=Path, help="where to build the national store (default: a temp dir)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["ingest", "queries", "startup", "pages"])
    a = ap.parse_args(argv)
    scale = SCALES[a.scale]
    t0 = time.perf_counter()
    data_dir = a.data_dir or Path(tempfile.mkdtemp(prefix="bench-national-")) / "data"
    print(f"building the {a.scale} store in {data_dir} …", flush=True)
    built = national.build(data_dir, scale["provinces"], scale["districts"], scale["years"])
    print(f"  {built}", flush=True)
    from pipelines.store import Store
    store = Store(data_dir)
    res: dict = {"machine": machine(), "scale": a.scale, "store": built, "runs": a.runs, "goals": GOALS}
    if "ingest" not in a.skip:
        print("ingest …", flush=True)
        res["ingest"] = bench_ingest(scale["files"], a.runs)
    if "queries" not in a.skip:
        print("queries …", flush=True)
        res["queries"] = bench_queries(store, a.runs, a.scale == "tiny")
    if "startup" not in a.skip:
        print("startup …", flush=True)
        res["startup"] = bench_startup(a.runs)
    if "pages" not in a.skip:
        print("pages …", flush=True)
        res.update(bench_pages(data_dir, a.runs, scale["pages_timeout"]))
    res["total_s"] = round(time.perf_counter() - t0, 1)
    previous = json.loads(a.out.read_text()) if a.out.exists() else {}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({**previous, **res}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not a.skip and res["queries"] and res["ingest"]:
        print(table(res))
    print(f"results: {a.out} ({res['total_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
