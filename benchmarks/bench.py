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
   dashboard process's RSS after visiting every page, at national scale;
6. engines: the same store on PostgreSQL too (a private cluster, tests/pg_cluster.py, stopped at the
   end), copied from DuckDB by move.copy_store (rows, then the derived part rebuilt on PostgreSQL);
   the query set side by side (timeliness against pandas judging the same ledger rows); ingest
   throughput, one `ingest` process on DuckDB against four at once on PostgreSQL (and one, to tell
   the engine from the writers); the cost of a file in a batch once parsed, and the marts' share;
   peak memory (VmHWM) of the writers and of a process running the query set (and its server
   backend on PostgreSQL). Under "engines" in `--out`; `--skip engines` without PostgreSQL.

Each figure: median of `--runs` runs after a warm-up, with min and max. Results are merged into
`--out` (other keys, such as "load", are kept). `--scale tiny` is the test suite's smoke run.
"""
from __future__ import annotations

import argparse
import datetime as dt
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
def workbooks(n: int, plan=None, units: list[str] | None = None, quarters: list[int] | None = None
              ) -> list[tuple[str, bytes]]:
    """n filled workbooks of the town's plan (or `plan`, for `units` and `quarters`), a third each
    .xlsx, .xls, .ods, varied values."""
    import random

    import python_calamine
    from conftest import _ods, _xls

    from pipelines.demo import _counts, _tasks
    from pipelines.plan import load_plan
    from pipelines.workbook.template import build_template
    plan = plan or load_plan(national.PLANS_DIR / f"duc_pho_{YEAR}.toml")
    rng = random.Random(138)
    out = []
    units = units or [u.code for u in plan.units]
    combos = [(u, q) for q in (quarters or list(plan.quarter_by_number)) for u in units]
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
            # the ledger as stored: every accepted file (replaced versions too), with its unit's place
            self.ledger = con.execute("""
                SELECT CAST(s.year AS SMALLINT) AS year, CAST(s.quarter AS TINYINT) AS quarter,
                       CAST(u.sort AS INTEGER) AS unit, s.received_at,
                       CAST(substr(u.parent, 2) AS SMALLINT) AS district,
                       CAST(substr(d.parent, 2) AS TINYINT) AS province
                FROM submission s JOIN dim_unit u ON u.year = s.year AND u.code = s.unit
                JOIN dim_scope d ON d.year = s.year AND d.code = u.parent""").df()
            # the units expected to report (one that sent nothing is missing or pending, not absent)
            self.units = con.execute("""
                SELECT CAST(u.year AS SMALLINT) AS year, CAST(u.sort AS INTEGER) AS unit,
                       CAST(substr(u.parent, 2) AS SMALLINT) AS district,
                       CAST(substr(d.parent, 2) AS TINYINT) AS province
                FROM dim_unit u JOIN dim_scope d ON d.year = u.year AND d.code = u.parent""").df()
            self.unit_sort = dict(con.execute("SELECT code, sort FROM dim_unit WHERE year = ?", [YEAR]).fetchall())
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

    def timeliness(self, year, scope, by, as_of):
        """What `compliance_rollup_at(as_of)` does, from the same ledger rows: the first file received
        per unit and quarter by `as_of` (files received later did not exist yet), every expected
        unit-quarter judged by the deadline rule (before the end of the due date: on time; after:
        late; none and the deadline passed: missing; none, not yet due: pending), counted per place."""
        import numpy as np
        import pandas as pd
        led, units = self.ledger, self.units
        led, units = led[led["year"] == year], units[units["year"] == year]
        if scope[0] != "all":
            led, units = led[led[scope[0]] == scope[1]], units[units[scope[0]] == scope[1]]
        led = led[led["received_at"] <= as_of]
        first = led.groupby(["unit", "quarter"])["received_at"].min().rename("first")
        due = {yq % 10: pd.Timestamp(d) for yq, d in self.due.items() if yq // 10 == year}
        keys = ["unit"] + ([by] if by != "unit" else [])
        grid = units[keys].merge(pd.DataFrame({"quarter": np.array(sorted(due), dtype="int8")}), how="cross")
        grid = grid.join(first, on=["unit", "quarter"])
        deadline = grid["quarter"].map(due)
        got = grid["first"].notna()
        status = np.select([got & (grid["first"] < deadline), got, deadline <= as_of],
                           ["on_time", "late", "missing"], "pending")
        return grid.groupby([grid[by], grid["quarter"], status]).size().unstack(fill_value=0)


def timeliness_as_of(store) -> dt.datetime:
    """The moment timeliness is judged at (UTC): three days before the last quarter's deadline, so
    that quarter has files on time, files received later than asked (not counted) and pending units."""
    due = store.query_df("SELECT due_end_utc FROM dim_quarter WHERE year = ? ORDER BY quarter DESC LIMIT 1",
                         [YEAR])["due_end_utc"][0]
    return due.to_pydatetime() - dt.timedelta(days=3)


def query_set(store, base: PandasBaseline | None, tiny: bool) -> list[tuple]:
    """(name, level, our function, the baseline's function); `base` None: ours only."""
    from pipelines.outputs import metrics as m
    as_of = timeliness_as_of(store)
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
                        lambda c=code, ch=child: m.compliance_rollup(store, YEAR, as_of=as_of.replace(tzinfo=dt.UTC),
                                                                     level=ch, within=c),
                        lambda s=bscope, ch=child: base.timeliness(YEAR, s, ch, as_of)))
    return out


def same_timeliness(ours, theirs, by: str, base: PandasBaseline) -> bool:
    """Our rollup and the pandas baseline count the same units on time, late, missing and pending
    for every place and quarter (the baseline does the same work, so it must give the same answer)."""
    def key(scope: str) -> int:
        return base.unit_sort[scope] if by == "unit" else int(scope[1:])
    statuses = ["on_time", "late", "missing", "pending"]
    a = {(key(r.scope), int(r.quarter)): tuple(int(getattr(r, st)) for st in statuses)
         for r in ours.itertuples(index=False)}
    theirs = theirs.reindex(columns=statuses, fill_value=0)
    b = {(int(k), int(q)): tuple(int(v) for v in row) for (k, q), row in zip(theirs.index, theirs.to_numpy())}
    return a == b


def bench_queries(stores: dict, runs: int, tiny: bool) -> tuple[list[dict], list[dict]]:
    """The query set on each engine of `stores` ({"duckdb": …, "postgresql": …}), against the pandas
    baseline built once from the DuckDB store. Returns (rows in the shape of "queries", DuckDB;
    rows side by side for "engines")."""
    base = PandasBaseline(stores["duckdb"])
    sets = {}
    for name, store in stores.items():
        store.plans()  # the parsed plans are cached by a running dashboard
        sets[name] = query_set(store, base, tiny)
    rows, side = [], []
    for i, (name, level, _, theirs) in enumerate(sets["duckdb"]):
        b = stats(theirs, runs)
        row = {"name": name, "level": level, "baseline_ms": round(b["median"] * 1000, 1)}
        for engine_name, store in stores.items():
            ours = sets[engine_name][i][2]
            with store.connect():  # the query's own time: the dashboard opens a connection per cache miss, ~1 ms
                # while another page of the server has the store open, ~40 ms more on an idle server
                a = stats(ours, runs)
            row[engine_name] = {"p50_ms": round(a["median"] * 1000, 1), "p95_ms": round(a["p95"] * 1000, 1),
                                "min_ms": round(a["min"] * 1000, 1), "max_ms": round(a["max"] * 1000, 1),
                                "ratio": round(b["median"] / a["median"], 2)}
            if name.startswith("timeliness"):
                row[engine_name]["same_answer"] = same_timeliness(ours(), theirs(), name.rsplit(" ", 1)[1], base)
        d = row["duckdb"]
        rows.append({"name": name, "level": level, **{k: d[k] for k in ("p50_ms", "p95_ms", "min_ms", "max_ms")},
                     "baseline_ms": row["baseline_ms"], "ratio": d["ratio"]})
        side.append(row)
        print(f"  {level:<16} {name:<38} " + "  ".join(
            f"{e} p50 {row[e]['p50_ms']:>7} p95 {row[e]['p95_ms']:>7} ms ×{row[e]['ratio']}" for e in stores)
              + f"  pandas {row['baseline_ms']:>7} ms", flush=True)
    return rows, side


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


# -- engines: the same store on DuckDB and PostgreSQL, side by side --------------------------------
ENGINE_GOALS = {"query_p95_ms_max": 100, "writers_ratio_min": 2.5, "batch_file_ms_max": 10,
                "timeliness_ratio_min": 3}
WRITERS = 4


class PostgresSide:
    """A private PostgreSQL cluster for the run (tests/pg_cluster.py), a database per use, stopped
    at the end."""

    def __init__(self, tmp: Path):
        from pg_cluster import Cluster, pg_bin
        if not pg_bin("pg_ctl"):
            raise SystemExit("make bench measures both engines and PostgreSQL (initdb, pg_ctl) is not installed; "
                             "--skip engines measures DuckDB alone")
        self.tmp = tmp
        self.cluster = Cluster().start()  # its own folder right under /tmp: the server's account must reach it

    def store(self, name: str):
        from pipelines.store import Store
        return Store(self.cluster.create_database(name), raw_dir=self.tmp / f"raw-{name}")

    def version(self) -> str:
        import psycopg
        with psycopg.connect(self.cluster.url()) as con:
            return con.execute("SHOW server_version").fetchone()[0]

    def stop(self) -> None:
        from pipelines.store import engine
        engine.close_pools()
        self.cluster.stop()


def copy_to_pg(source, target) -> dict:
    """The DuckDB store copied into an empty PostgreSQL database by move.copy_store (every kept row,
    then the derived part — plan tables, marts — rebuilt on PostgreSQL by the same code as a schema
    change): how long the rows took, and the rebuild."""
    from pipelines.store.move import copy_store
    spent = {}
    rebuild = target.rebuild_derived

    def timed(con):
        spent["rows_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        out = rebuild(con)
        spent["derived_s"] = time.perf_counter() - t
        return out
    target.rebuild_derived = timed
    t0 = time.perf_counter()
    try:
        report = copy_store(source, target, copy_raw=False)  # the synthetic ledger names no raw files
    finally:
        del target.rebuild_derived
    total = time.perf_counter() - t0
    counts = {}
    for name, store in (("duckdb", source), ("postgresql", target)):
        with store.connect() as con:
            counts[name] = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                            for t in ("submission", "submission_value", "submission_task", "mart_unit_period_value",
                                      "mart_scope_period_value", "mart_attainment")]
    return {"copy_s": round(total, 1), "rows_s": round(spent["rows_s"], 1), "derived_s": round(spent["derived_s"], 1),
            "rows": sum(report.rows.values()), "same_counts": counts["duckdb"] == counts["postgresql"]}


def batch_cost(store, files) -> dict:
    """One process, one connection, the files of a folder loaded one transaction each: the time a
    file costs once its sandboxed parse is done (parsed first, apart), and the marts' refresh in it."""
    from pipelines.store import load, marts
    headings = load.personal_headings(store)
    t = time.perf_counter()
    reads = [load.read_file(store, data, name, headings) for name, data in files]
    parse_s = time.perf_counter() - t
    refresh, in_marts, per_file, statuses = marts.refresh, [], [], []

    def timed(con, year, unit=None):
        t = time.perf_counter()
        refresh(con, year, unit)
        in_marts.append(time.perf_counter() - t)
    marts.refresh = timed
    try:
        with store.connect():
            for (name, data), read in zip(files, reads):
                t = time.perf_counter()
                statuses.append(load.ingest_bytes(store, data, name, read=read).status)
                per_file.append(time.perf_counter() - t)
    finally:
        marts.refresh = refresh
    ms = lambda xs: round(statistics.mean(xs) * 1000, 1) if xs else None  # noqa: E731
    med = lambda xs: round(statistics.median(xs) * 1000, 1) if xs else None  # noqa: E731
    return {"files": len(files), "accepted": statuses.count("accepted"), "ms_per_file": ms(per_file),
            "median_ms_per_file": med(per_file), "marts_ms_per_file": ms(in_marts),
            "marts_median_ms_per_file": med(in_marts), "parse_ms_per_file": round(parse_s / len(files) * 1000, 1)}


def run_writers(store_args: list[str], folders: list[Path]) -> dict:
    """`python -m pipelines ingest STORE FOLDER`, one process per folder, started together; each
    reports its own peak memory (VmHWM) and its files' statuses."""
    import threading

    from peak_memory import cli_probe, peak_mib
    ended: dict[int, float] = {}
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, *cli_probe("ingest", *store_args, "--json", str(folder))], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for folder in folders]
    outputs: dict[int, tuple[str, str]] = {}

    def wait(i, p):
        outputs[i] = p.communicate()
        ended[i] = time.perf_counter() - t0
    threads = [threading.Thread(target=wait, args=(i, p)) for i, p in enumerate(procs)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    writers = []
    for i, (p, folder) in enumerate(zip(procs, folders)):
        out, err = outputs[i]
        if p.returncode not in (0, 1):  # 1: some file refused (none here)
            raise RuntimeError(f"ingest of {folder} failed ({p.returncode}): {err[-1500:]}")
        statuses = [r["status"] for r in json.loads(out)]
        n = len(statuses)
        writers.append({"files": n, "accepted": statuses.count("accepted"), "seconds": round(ended[i], 2),
                        "files_per_s": round(n / ended[i], 1), "peak_mb": round(peak_mib(err), 1)})
    total = sum(w["files"] for w in writers)
    wall = max(ended.values())
    return {"writers": len(folders), "files": total, "accepted": sum(w["accepted"] for w in writers),
            "seconds": round(wall, 2), "files_per_s": round(total / wall, 1),
            "peak_mb": max(w["peak_mb"] for w in writers), "each": writers}


def bench_writers(pg: PostgresSide, files: list[tuple[str, bytes]], tmp: Path) -> dict:
    """Throughput: the files in one folder loaded by one writer into an empty DuckDB store, and in
    four folders (a quarter each) by four writers at once into an empty PostgreSQL store; one writer
    on PostgreSQL too, so the engine's share and the writers' share can be told apart."""
    from pipelines.store import Store
    folders = {"all": tmp / "all", **{f"part{i}": tmp / f"part{i}" for i in range(WRITERS)}}
    for f in folders.values():
        f.mkdir(parents=True)
    start = time.time_ns() - len(files) * 1_000_000
    for i, (name, data) in enumerate(files):  # modification order = load order (expand_paths)
        for folder in (folders["all"], folders[f"part{i % WRITERS}"]):
            path = folder / name
            path.write_bytes(data)
            os.utime(path, ns=(start + i * 1_000_000, start + i * 1_000_000))
    out = {}
    duck = Store(tmp / "writer-duckdb")
    with duck.connect():  # an empty store, made before the clock starts (schema, the town's plans)
        pass
    print("  1 writer, DuckDB …", flush=True)
    out["duckdb_1"] = run_writers(["--store", str(duck.data_dir)], [folders["all"]])
    for n, key in ((1, "postgresql_1"), (WRITERS, f"postgresql_{WRITERS}")):
        store = pg.store(f"writers{n}")
        with store.connect():
            pass
        print(f"  {n} writer(s), PostgreSQL …", flush=True)
        out[key] = run_writers(["--store", store.where.dsn, "--raw-dir", str(store.raw_dir)],
                               [folders["all"]] if n == 1 else [folders[f"part{i}"] for i in range(WRITERS)])
    out["ratio"] = round(out[f"postgresql_{WRITERS}"]["files_per_s"] / out["duckdb_1"]["files_per_s"], 2)
    out[f"ratio_pg_{WRITERS}_vs_pg_1"] = round(out[f"postgresql_{WRITERS}"]["files_per_s"]
                                             / out["postgresql_1"]["files_per_s"], 2)
    return out


QUERY_PROBE = r"""
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/benchmarks", sys.argv[1] + "/tests"]
import bench
from pipelines.store import Store
store = Store.from_spec(sys.argv[2])
for name, level, ours, _ in bench.query_set(store, None, False):
    ours()
def peak(pid="self"):
    with open(f"/proc/{pid}/status") as f:
        return round(next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024, 1)
server = None
if store.is_server:  # the engine's own memory is in the server's backend for this connection
    with store.connect() as con:
        pids = [r[0] for r in con.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
        ).fetchall()]
    server = max(peak(p) for p in pids)
print(json.dumps({"client_mb": peak(), "server_backend_mb": server}))
"""


def query_memory(store) -> dict:
    """Peak memory of a fresh process that runs every query of the set once against `store`
    (PostgreSQL: and of its server backend, where that engine does the work)."""
    done = subprocess.run([sys.executable, "-c", QUERY_PROBE, str(ROOT), store.spec], capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"query memory probe failed: {done.stderr[-1500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def engines_summary(e: dict) -> dict:
    """Each goal of the issue, measured on both engines, and whether it was met."""
    q, t = e.get("queries", []), e.get("timeliness", [])
    out = {}
    for name in ("duckdb", "postgresql"):
        if q or t:  # every page query, timeliness included
            worst = max(q + t, key=lambda r: r[name]["p95_ms"])
            out[f"{name}_worst_p95_ms"] = worst[name]["p95_ms"]
            out[f"{name}_worst_p95_query"] = f"{worst['level']}: {worst['name']}"
            out[f"{name}_p95_met"] = worst[name]["p95_ms"] <= ENGINE_GOALS["query_p95_ms_max"]
        if t:
            out[f"{name}_timeliness_ratio_min"] = min(r[name]["ratio"] for r in t)
            out[f"{name}_timeliness_ratio_met"] = (out[f"{name}_timeliness_ratio_min"]
                                                   >= ENGINE_GOALS["timeliness_ratio_min"])
            out[f"{name}_timeliness_same_answer"] = all(r[name]["same_answer"] for r in t)
    if "writers" in e:
        out["writers_ratio"] = e["writers"]["ratio"]
        out["writers_ratio_met"] = e["writers"]["ratio"] >= ENGINE_GOALS["writers_ratio_min"]
    if "batch" in e:
        out["duckdb_batch_ms_per_file"] = e["batch"]["duckdb"]["ms_per_file"]
        out["duckdb_batch_met"] = e["batch"]["duckdb"]["ms_per_file"] <= ENGINE_GOALS["batch_file_ms_max"]
    for name, b in e.get("batch_national", {}).items():
        out[f"{name}_national_batch_ms_per_file"] = b["ms_per_file"]
    return out


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
    ap.add_argument("--skip", nargs="*", default=[], choices=["ingest", "queries", "startup", "pages", "engines"])
    a = ap.parse_args(argv)
    scale = SCALES[a.scale]
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="bench-"))
    data_dir = a.data_dir or tmp / "national"
    print(f"building the {a.scale} store in {data_dir} …", flush=True)
    built = national.build(data_dir, scale["provinces"], scale["districts"], scale["years"])
    print(f"  {built}", flush=True)
    from pipelines.store import Store
    store = Store(data_dir)
    res: dict = {"machine": machine(), "scale": a.scale, "store": built, "runs": a.runs, "goals": GOALS}
    engines = "engines" not in a.skip
    stores = {"duckdb": store}
    pg = PostgresSide(tmp) if engines else None
    try:
        if pg:
            print("the same store on PostgreSQL (move.copy_store) …", flush=True)
            stores["postgresql"] = pg.store("national")
            e = {"postgresql_version": pg.version(), "goals": ENGINE_GOALS,
                 "build": {"duckdb_s": round(built["plans_s"] + built["values_s"] + built["marts_s"], 1),
                           "postgresql": copy_to_pg(store, stores["postgresql"])}}
            print(f"  {e['build']}", flush=True)
        if "ingest" not in a.skip:
            print("ingest …", flush=True)
            res["ingest"] = bench_ingest(scale["files"], a.runs)
        if "queries" not in a.skip:
            print("queries …", flush=True)
            res["queries"], side = bench_queries(stores, a.runs, a.scale == "tiny")
            if pg:
                e["queries"] = [r for r in side if not r["name"].startswith("timeliness")]
                e["timeliness"] = [r for r in side if r["name"].startswith("timeliness")]
        if "startup" not in a.skip:
            print("startup …", flush=True)
            res["startup"] = bench_startup(a.runs)
        if "pages" not in a.skip:
            print("pages …", flush=True)
            res.update(bench_pages(data_dir, a.runs, scale["pages_timeout"]))
        if pg:
            print("engines: ingest throughput, per-file cost, memory …", flush=True)
            files = workbooks(scale["files"])
            e["writers"] = bench_writers(pg, files, tmp / "writers")
            e["batch"] = {"duckdb": batch_cost(Store(tmp / "batch-duckdb"), files),
                          "postgresql": batch_cost(pg.store("batch"), files)}
            e["memory"] = {name: query_memory(s) for name, s in stores.items()}
            # the same cost in the national store: new versions of Q4 for two districts' units (the marts
            # refreshed are those of a unit among 12 000, and of its district, province and the country)
            plan = store.plan(YEAR)
            units = [u.code for u in plan.units if u.parent in ("D0001", "D0002")]
            national_files = workbooks(20 if a.scale == "national" else 6, plan, units, [4])
            e["batch_national"] = {name: batch_cost(s, national_files) for name, s in stores.items()}
            e["memory"]["duckdb"]["writer_mb"] = e["writers"]["duckdb_1"]["peak_mb"]
            e["memory"]["postgresql"]["writer_mb"] = e["writers"][f"postgresql_{WRITERS}"]["peak_mb"]
            e["summary"] = engines_summary(e)
            res["engines"] = e
            print(json.dumps({k: e[k] for k in ("writers", "batch", "batch_national", "memory", "summary")},
                             ensure_ascii=False),
                  flush=True)
    finally:
        if pg:
            pg.stop()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)  # the national store (unless --data-dir), writers' folders, stores
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
