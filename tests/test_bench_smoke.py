"""The benchmarks at a tiny scale, so they cannot rot: every section runs and writes its results in
the shape of the issue. No timing is asserted here (speed goals live in benchmarks/). The engines
section starts a private PostgreSQL cluster, hence the marker."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


@pytest.mark.postgres
def test_bench_runs_at_tiny_scale_and_merges_results(tmp_path):
    import bench
    out = tmp_path / "results.json"
    out.write_text(json.dumps({"load": {"kept": True}}))  # another script's key stays
    assert bench.main(["--scale", "tiny", "--runs", "1", "--out", str(out), "--data-dir", str(tmp_path / "nat")]) == 0
    res = json.loads(out.read_text())
    assert res["load"] == {"kept": True}
    assert res["store"]["units"] == 2 * 2 * 27 and res["store"]["submission_value"] > 0
    assert res["ingest"]["files"] == 6 and res["ingest"]["accepted"] == 6
    assert {"seconds", "baseline_seconds", "ratio"} <= set(res["ingest"])
    levels = {q["level"] for q in res["queries"]}
    assert levels == {"country", "province", "district (town)", "unit"}
    assert all({"name", "p50_ms", "p95_ms", "baseline_ms", "ratio"} <= set(q) for q in res["queries"])
    assert {"help_s", "ingest_one_s"} <= set(res["startup"])
    assert res["pages_error"] is None, res["pages_error"]
    assert [p["name"] for p in res["pages"]] == ["tong_quan", "chi_tieu", "don_vi", "tien_do", "nhiem_vu", "du_lieu"]
    assert res["rss_mb"] > 0 and res["machine"]
    e = res["engines"]
    assert e["build"]["postgresql"]["same_counts"], e["build"]
    assert all({"duckdb", "postgresql", "baseline_ms"} <= set(q) for q in e["queries"] + e["timeliness"])
    # the baseline judges the same ledger rows: it must give our answer, on both engines
    assert len(e["timeliness"]) == 3
    assert all(t[n]["same_answer"] for t in e["timeliness"] for n in ("duckdb", "postgresql"))
    w = e["writers"]
    assert w["duckdb_1"]["accepted"] == w["postgresql_1"]["accepted"] == w["postgresql_4"]["accepted"] == 6
    assert len(w["postgresql_4"]["each"]) == 4 and w["ratio"] > 0
    assert e["batch"]["duckdb"]["accepted"] == e["batch"]["postgresql"]["accepted"] == 6
    assert e["memory"]["duckdb"]["client_mb"] > 0 and e["memory"]["postgresql"]["server_backend_mb"] > 0
    assert {"duckdb_p95_met", "postgresql_p95_met", "writers_ratio_met", "duckdb_batch_met"} <= set(e["summary"])
