"""A synthetic national store: plans with a 4-level hierarchy and years of values, written straight
into DuckDB (INSERT … SELECT over generate_series), for the benchmarks and their smoke test.

Country VN → `provinces` provinces → `districts` districts each → the 27 units of Đức Phổ's plan
copied into every district (codes D0001_CA …). Defaults: 63 × 7 × 27 = 11 907 units. Each year of
`years` gets the 2022 plan with its dates moved to that year; every unit reports every quarter,
every one of the 31 elements (≈ 15 M values for 10 years), task statuses, and about one
(unit, quarter) in ten has an earlier version that was replaced (the ledger keeps both).

    .venv/bin/python benchmarks/national.py --data-dir /tmp/national [--provinces 63 --districts 7 --years 10]
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipelines.plan import PLANS_DIR  # noqa: E402
from pipelines.store import Store, marts  # noqa: E402
from pipelines.store.move import set_sequence  # noqa: E402

BASE_YEAR = 2022


def plan_text(year: int, provinces: int, districts: int) -> str:
    """The 2022 plan for `year`, with the hierarchy and a copy of its units in every district."""
    import tomllib
    text = (PLANS_DIR / f"duc_pho_{BASE_YEAR}.toml").read_text(encoding="utf-8")
    units = tomllib.loads(text)["units"]
    head, rest = text.split("[[units]]", 1)
    tail = "[[elements]]" + rest.split("[[elements]]", 1)[1]
    codes = [u["code"] for u in units]
    # tasks: led by every unit (the lists name the town's units); other references → district 1's unit
    tail = re.sub(r'(?m)^lead = \[.*\]$', 'lead = "all"', tail)
    tail = re.sub(r'(?m)^participants = \[.*\]$', 'participants = []', tail)
    for code in codes:
        tail = tail.replace(f'"{code}"', f'"D0001_{code}"')
    out = [head.replace(str(BASE_YEAR), str(year)),
           '[[levels]]\ncode = "country"\nname = "Cả nước"\n[[levels]]\ncode = "province"\nname = "Tỉnh, thành phố"\n'
           '[[levels]]\ncode = "district"\nname = "Huyện, thị xã"\n',
           '[[areas]]\ncode = "VN"\nname = "Cả nước"\nlevel = "country"\n']
    d = 0
    for p in range(1, provinces + 1):
        out.append(f'[[areas]]\ncode = "P{p:02d}"\nname = "Tỉnh {p}"\nlevel = "province"\nparent = "VN"\n')
        for _ in range(districts):
            d += 1
            out.append(f'[[areas]]\ncode = "D{d:04d}"\nname = "Huyện {d}"\nlevel = "district"\nparent = "P{p:02d}"\n')
    for dd in range(1, d + 1):
        for u in units:
            extra = ("elements = [" + ", ".join(f'"{e}"' for e in u["elements"]) + "]\n") if "elements" in u else ""
            out.append(f'[[units]]\ncode = "D{dd:04d}_{u["code"]}"\nname = "{u["name"]} ({dd})"\nkind = "{u["kind"]}"\n'
                       f'parent = "D{dd:04d}"\n{extra}')
    return "\n".join(out) + "\n" + tail.replace(str(BASE_YEAR), str(year))


def fill(store: Store, years: list[int]) -> dict:
    """Submissions (current and replaced), values and task statuses for every unit, quarter and year."""
    with store.transaction() as con:
        con.execute("""
            CREATE TEMP TABLE gen_sub AS
            SELECT row_number() OVER (ORDER BY u.year, q.quarter, u.sort) AS n, u.code AS unit, u.year, q.quarter,
                   q.due_end_utc, hash(u.code, u.year, q.quarter) AS h
            FROM dim_unit u JOIN dim_quarter q ON q.year = u.year""")
        n = con.execute("SELECT count(*) FROM gen_sub").fetchone()[0]
        # the current version; one in ten also has an earlier version, received first
        con.execute("""
            INSERT INTO submission (id, unit, year, quarter, file_name, sha256, size_bytes, raw_path, received_at,
                                    loaded_at, loaded_by, is_current)
            SELECT n, unit, year, quarter, 'bench.xlsx', 'cur' || n, 1, 'raw/bench',
                   due_end_utc - INTERVAL (h % 240) HOUR + INTERVAL 24 HOUR, due_end_utc, 'bench', TRUE
            FROM gen_sub
            UNION ALL
            SELECT n + ?, unit, year, quarter, 'bench_v1.xlsx', 'old' || n, 1, 'raw/bench',
                   due_end_utc - INTERVAL (h % 240) HOUR, due_end_utc, 'bench', FALSE
            FROM gen_sub WHERE h % 10 = 0""", [n])
        con.execute("""
            INSERT INTO submission_value
            SELECT s.n, e.code, CAST((hash(s.n, e.code) % 20) AS BIGINT), 'Số liệu!E5'
            FROM gen_sub s JOIN dim_element e ON e.year = s.year""")
        con.execute("""
            INSERT INTO submission_task
            SELECT s.n, t.code, st.code, NULL, 'Nhiệm vụ!D5'
            FROM gen_sub s JOIN dim_task t ON t.year = s.year
            JOIN dim_task_status st ON st.year = s.year AND st.sort = hash(s.n, t.code) % 4""")
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("submission", "submission_value", "submission_task")}
        con.execute("DROP TABLE gen_sub")
        # the ids were written by hand: the next load's id comes after them (as a moved store's does)
        set_sequence(con, "submission_id_seq", con.execute("SELECT max(id) FROM submission").fetchone()[0] + 1)
    return counts


def build(data_dir: Path, provinces: int = 63, districts: int = 7, years: int = 10) -> dict:
    """A national store in `data_dir` (made anew); returns sizes and how long each step took."""
    import shutil
    if data_dir.exists():
        shutil.rmtree(data_dir)
    store = Store(data_dir)
    span = list(range(BASE_YEAR - years + 1, BASE_YEAR + 1))
    t0 = time.perf_counter()
    tmp = data_dir / "plans"
    tmp.mkdir(parents=True, exist_ok=True)
    for y in span:
        path = tmp / f"national_{y}.toml"
        path.write_text(plan_text(y, provinces, districts), encoding="utf-8")
        store.install_plan(path)
    t1 = time.perf_counter()
    counts = fill(store, span)
    t2 = time.perf_counter()
    with store.transaction() as con:  # the ledger was written by hand: fill the marts as loads would
        marts.refresh_all(con)
    t3 = time.perf_counter()
    with store.connect() as con:
        units = con.execute("SELECT count(*) FROM dim_unit WHERE year = ?", [BASE_YEAR]).fetchone()[0]
        con.execute("CHECKPOINT")
    return {"units": units, "years": years, "levels": 4, **counts, "plans_s": round(t1 - t0, 2),
            "values_s": round(t2 - t1, 2), "marts_s": round(t3 - t2, 2)}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--provinces", type=int, default=63)
    ap.add_argument("--districts", type=int, default=7)
    ap.add_argument("--years", type=int, default=10)
    a = ap.parse_args()
    print(build(a.data_dir, a.provinces, a.districts, a.years))
