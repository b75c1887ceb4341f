"""The SQL views at national scale, against a baseline scan of the same data in the same run.

Generates a plan with `--districts` copies of Đức Phổ's 27 units (each district a parent, so a
province or the country rolls up), four quarters of current submissions with every element, and
times: baseline (one full aggregate scan of submission_value), town attainment for 9M, attainment for
every unit, and compliance. Writes benchmarks/out/metrics_scale.json.
Goals at 700 districts (~19 600 units, ~770 000 values): town attainment under 1 s, attainment of
every unit and compliance of every unit under 2 s each. The ratio to the bare scan is reported to
watch how much the views cost over reading the facts once.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from common import OUT, timed  # noqa: E402  (puts the project on sys.path)

from pipelines.outputs import metrics  # noqa: E402
from pipelines.plan import PLANS_DIR  # noqa: E402
from pipelines.store import Store  # noqa: E402


def national_plan(tmp: Path, districts: int) -> Path:
    """The 2022 plan with its units copied per district (codes D0001_CA …), written as a plan file."""
    import tomllib
    text = (PLANS_DIR / "duc_pho_2022.toml").read_text(encoding="utf-8")
    units = tomllib.loads(text)["units"]
    head = text.split("[[units]]")[0]
    tail = "[[elements]]" + text.split("[[elements]]", 1)[1]
    blocks = []
    for d in range(1, districts + 1):
        blocks.append(f'[[units]]\ncode = "D{d:04d}"\nname = "Huyện {d}"\nkind = "mass_org"\n')
        for u in units:
            extra = f"elements = {json.dumps(u['elements'], ensure_ascii=False)}\n" if "elements" in u else ""
            blocks.append(f'[[units]]\ncode = "D{d:04d}_{u["code"]}"\nname = "{u["name"]} ({d})"\n'
                          f'kind = "{u["kind"]}"\nparent = "D{d:04d}"\n{extra}')
    # owners of indicators must exist: keep them pointing at the first district's units
    tail = tail.replace('owner = "CA"', 'owner = "D0001_CA"').replace('owner = "VKS"', 'owner = "D0001_VKS"') \
               .replace('owner = "TAND"', 'owner = "D0001_TAND"')
    tail = tail.replace('lead = ["CA"]', 'lead = "all"').replace('lead = ["TP"]', 'lead = "all"') \
               .replace('lead = ["LDTBXH"]', 'lead = "all"').replace('lead = ["GDDT"]', 'lead = "all"') \
               .replace('lead = ["CA", "BP_PQ", "BP_SH"]', 'lead = "all"').replace('lead = ["CA", "VKS", "TAND"]', 'lead = "all"')
    path = tmp / "national.toml"
    path.write_text(head + "\n".join(blocks) + "\n" + tail, encoding="utf-8")
    return path


def fill(store: Store) -> int:
    """Current submissions for every unit and quarter, with every element the unit reports (bulk SQL)."""
    with store.transaction() as con:
        con.execute("""
            INSERT INTO submission (id, unit, year, quarter, file_name, sha256, size_bytes, raw_path, received_at,
                                    loaded_at, loaded_by, is_current)
            SELECT row_number() OVER () + 1000000, u.code, 2022, q.quarter, 'bench.xlsx',
                   md5(u.code || q.quarter), 1, 'raw/bench', q.due_end_utc - INTERVAL 2 DAY, now(), 'bench', TRUE
            FROM dim_unit u JOIN dim_quarter q ON q.year = u.year WHERE u.year = 2022""")
        con.execute("""
            INSERT INTO submission_value
            SELECT s.id, ue.element, (hash(s.id, ue.element) % 20)::BIGINT, 'Số liệu!E5'
            FROM submission s JOIN dim_unit_element ue ON ue.year = s.year AND ue.unit = s.unit""")
        return con.execute("SELECT count(*) FROM submission_value").fetchone()[0]



def main(districts: int) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "data")
        t = time.perf_counter()  # the national plan replaces the default plan of the same year
        store.install_plan(national_plan(Path(tmp), districts))
        install = time.perf_counter() - t
        values = fill(store)
        with store.connect() as con:
            units = con.execute("SELECT count(*) FROM dim_unit").fetchone()[0]
            baseline = timed(lambda: con.execute(
                "SELECT element, sum(value) FROM submission_value GROUP BY element").fetchall())
            town = timed(lambda: metrics.attainment(store, 2022, "9M"))
            store.plans()  # warm the parsed-plan cache, as a running dashboard has it
            by_unit = timed(lambda: metrics.attainment(store, 2022, "9M", by_unit=True))
            compliance = timed(lambda: metrics.compliance(store, 2022))
    result = {
        "districts": districts, "units": units, "values": values, "plan_install_s": round(install, 2),
        "baseline_scan_s": round(baseline, 4), "town_attainment_9m_s": round(town, 4),
        "town_vs_baseline": round(town / baseline, 1), "attainment_every_unit_9m_s": round(by_unit, 3),
        "compliance_every_unit_s": round(compliance, 3),
        "goals": {"town_attainment_s_max": 1.0, "every_unit_s_max": 2.0, "compliance_s_max": 2.0},
    }
    result["ok"] = (result["town_attainment_9m_s"] < 1.0 and result["attainment_every_unit_9m_s"] < 2.0
                    and result["compliance_every_unit_s"] < 2.0)
    (OUT / "metrics_scale.json").write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--districts", type=int, default=700)
    r = main(ap.parse_args().districts)
    print(json.dumps(r, indent=2))
    sys.exit(0 if r["ok"] else 1)
