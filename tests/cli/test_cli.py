"""The command line as spec/commands.md fixes it: outputs and exit codes 0 / 1 / 2."""
import csv
import io
import json
import subprocess
import sys

import pytest
from conftest import ROOT, book, report, store_options
from conftest import run_cli as run

from pipelines.workbook.template import build_template


def cli(*args, input=None):
    """A real process, as a user or cron runs it."""
    return subprocess.run([sys.executable, "-m", "pipelines", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, input=input)


@pytest.fixture
def files(tmp_path, plan):
    d = tmp_path / "in"
    d.mkdir()
    (d / "ca_q1.xlsx").write_bytes(build_template(plan, "CA", 1, values={"TIN_TON": 1, "TIN_MOI": 9, "TIN_PHAN_LOAI": 9,
                                                                         "TIN_DA_GQ": 9, "TT_BUOI": 4, "TT_LUOT": 120}))
    (d / "vks_q1.xls").write_bytes(book(report(unit="VKS", values={"VKS_TON": 1, "VKS_MOI": 1, "VKS_TRUY_TO": 2}), "xls"))
    (d / "bad.ods").write_bytes(book(report(unit="TAND", values={"TA_MOI": "12 vụ", "TA_TON": 0, "TA_XET_XU": 0}), "ods"))
    return d


def test_init_creates_the_store_and_loads_the_plan(tmp_path, capsys):
    code, out, _ = run(capsys, "init", "--data-dir", tmp_path / "d")
    assert code == 0 and "Kế hoạch 2022" in out
    assert (tmp_path / "d" / "processed" / "ducpho138.duckdb").exists()


def test_init_with_a_broken_plan_is_refused(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[plan]\nyear = 'x'\n", encoding="utf-8")
    code, _, err = run(capsys, "init", "--data-dir", tmp_path / "d", "--plan", bad)
    assert code == 1 and "không hợp lệ" in err and "Traceback" not in err


def test_ingest_json_mixed_folder(files, store, capsys):
    code, out, err = run(capsys, "ingest", files, "--json", "--received-at", "2022-03-14T09:00",
                         *store_options(store))
    assert code == 1  # one file refused
    got = {r["file"]: r for r in json.loads(out)}
    assert got["ca_q1.xlsx"]["status"] == "accepted" and got["ca_q1.xlsx"]["unit"] == "CA"
    assert got["ca_q1.xlsx"]["received_at"] == "2022-03-14T09:00:00+07:00"
    assert got["vks_q1.xls"]["status"] == "accepted"
    bad = got["bad.ods"]
    assert bad["status"] == "rejected" and bad["submission_id"] is None
    assert [(e["code"], e["where"]) for e in bad["errors"]] == [("not_a_number", "Số liệu!D3")]
    assert set(bad["errors"][0]) >= {"where", "code", "message"}
    # again: the accepted ones are duplicates, exit still 1 for the bad file
    code, out, _ = run(capsys, "ingest", files / "ca_q1.xlsx", "--json", *store_options(store))
    assert code == 0 and json.loads(out)[0]["status"] == "duplicate"


def test_ingest_human_output_and_usage_errors(files, store, capsys):
    code, out, _ = run(capsys, "ingest", files / "bad.ods", *store_options(store))
    assert code == 1 and "BỊ TỪ CHỐI" in out and "Số liệu!D3" in out and "12 vụ" in out
    code, _, err = run(capsys, "ingest", files / "nope.xlsx", *store_options(store))
    assert code == 2 and "Không tìm thấy" in err
    code, _, err = run(capsys, "ingest", files / "ca_q1.xlsx", "--received-at", "hôm qua", *store_options(store))
    assert code == 2


def test_versions_and_restore(files, store, plan, capsys, tmp_path):
    run(capsys, "ingest", files / "ca_q1.xlsx", *store_options(store))
    fix = tmp_path / "ca_q1_sua.xlsx"
    fix.write_bytes(build_template(plan, "CA", 1, values={"TT_BUOI": 5}))
    run(capsys, "ingest", fix, *store_options(store))
    code, out, _ = run(capsys, "versions", "--unit", "CA", "--year", 2022, "--quarter", 1, "--json",
                       *store_options(store))
    versions = json.loads(out)
    assert code == 0 and [v["is_current"] for v in versions] == [False, True]
    code, out, _ = run(capsys, "restore", "--submission", versions[0]["id"], *store_options(store))
    assert code == 0 and "Đã khôi phục" in out
    code, out, _ = run(capsys, "versions", "--unit", "ca", *store_options(store))
    assert code == 0 and out.splitlines()[2].startswith("*")
    code, _, err = run(capsys, "restore", "--submission", 999, *store_options(store))
    assert code == 1 and "999" in err


def test_attainment_formats(files, store, capsys):
    run(capsys, "ingest", files, *store_options(store))
    code, out, _ = run(capsys, "attainment", "--year", 2022, "--period", "Q1", "--format", "json",
                       *store_options(store))
    rows = {r["indicator"]: r for r in json.loads(out)}
    assert code == 0
    assert rows["KPI_GIAI_QUYET"] == {"indicator": "KPI_GIAI_QUYET", "unit": "ALL", "year": 2022, "period": "Q1",
                                      "numerator": 9, "denominator": 10, "value": 0.9, "target_op": ">",
                                      "target": 0.9, "status": "not_met", "period_status": "not_met",
                                      "judged_period": "Q1"}
    assert rows["KPI_TRUY_TO"]["status"] == "met" and rows["KPI_XET_XU"]["status"] == "no_data"
    assert rows["KPI_XET_XU"]["value"] is None
    code, out, _ = run(capsys, "attainment", "--period", "Q1", "--format", "csv", *store_options(store))
    table = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert code == 0 and table[0].keys() >= {"indicator", "numerator", "status"} and len(table) == 5
    code, out, _ = run(capsys, "attainment", "--period", "Q1", *store_options(store))
    assert code == 0 and "9/10" in out and "90 %" in out and "Chưa đạt" in out and "+1" in out
    code, out, _ = run(capsys, "attainment", "--period", "Q1", "--by-unit", "--format", "json",
                       *store_options(store))
    assert {r["unit"] for r in json.loads(out)} == {u.code for u in store.plan(2022).units}


@pytest.mark.parametrize("args", [["--unit", "NOPE"], ["--period", "Q5"], ["--year", 1999], ["--format", "pdf"]])
def test_attainment_usage_errors(store, capsys, args):
    code, _, err = run(capsys, "attainment", *args, *store_options(store))
    assert code == 2 and "Traceback" not in err


def test_compliance_json(files, store, capsys):
    run(capsys, "ingest", files / "ca_q1.xlsx", "--received-at", "2022-03-16T08:00+07:00", *store_options(store))
    code, out, _ = run(capsys, "compliance", "--year", 2022, "--as-of", "2022-04-01T00:00", "--format", "json",
                       *store_options(store))
    rows = json.loads(out)
    assert code == 0 and len(rows) == 27 * 4
    ca = next(r for r in rows if r["unit"] == "CA" and r["quarter"] == 1)
    assert ca == {"unit": "CA", "year": 2022, "quarter": 1, "deadline": "2022-03-15T23:59:59+07:00",
                  "received_at": "2022-03-16T08:00:00+07:00", "status": "late"}
    assert {r["status"] for r in rows if r["quarter"] == 1 and r["unit"] != "CA"} == {"missing"}
    assert {r["status"] for r in rows if r["quarter"] == 2} == {"pending"}


def test_export_values_csv_and_xlsx(files, store, capsys, tmp_path):
    run(capsys, "ingest", files, *store_options(store))
    out_csv = tmp_path / "values.csv"
    code, _, _ = run(capsys, "export", "--what", "values", "--year", 2022, "--unit", "CA", "-o", out_csv,
                     *store_options(store))
    raw = out_csv.read_bytes()
    assert code == 0 and raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == ["unit", "year", "quarter", "element", "value"]
    by = {r["element"]: r["value"] for r in rows}
    assert by["TIN_MOI"] == "9" and by["TT_LUOT"] == "120" and by["KT_CO_SO"] == ""  # blank = not reported
    out_xlsx = tmp_path / "values.xlsx"
    code, _, _ = run(capsys, "export", "--what", "attainment", "--year", 2022, "-o", out_xlsx,
                     *store_options(store))
    from openpyxl import load_workbook
    ws = load_workbook(out_xlsx).active
    assert code == 0 and ws.freeze_panes == "A2" and ws["A1"].value == "Mã tỷ lệ"
    code, _, err = run(capsys, "export", "--what", "values", "-o", tmp_path / "x.pdf", *store_options(store))
    assert code == 2


def test_template_one_and_all(store, capsys, tmp_path):
    code, out, _ = run(capsys, "template", "--unit", "p_pho_hoa", "--year", 2022, "--quarter", 3,
                       "-o", tmp_path / "t.xlsx", *store_options(store))
    assert code == 0 and (tmp_path / "t.xlsx").exists()
    code, _, _ = run(capsys, "template", "--all", "--quarter", 1, "-o", tmp_path / "all", *store_options(store))
    assert code == 0 and len(list((tmp_path / "all").glob("*.xlsx"))) == 27
    code, _, err = run(capsys, "template", "--unit", "NOPE", "--quarter", 1, *store_options(store))
    assert code == 2 and "NOPE" in err


def test_demo_then_attainment_in_real_processes(tmp_path):
    data = tmp_path / "data"
    done = cli("demo", "--year", 2022, "--seed", 7, "--data-dir", data)
    assert done.returncode == 0, done.stderr
    assert "DỮ LIỆU MẪU" in done.stdout
    table = cli("attainment", "--year", 2022, "--period", "9M", "--data-dir", data)
    assert table.returncode == 0
    assert "KPI_GIAI_QUYET" in table.stdout and "DỮ LIỆU MẪU" in table.stderr
    again = cli("demo", "--data-dir", data)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    usage = cli("frobnicate")
    assert usage.returncode == 2


def test_yearly_targets_are_judged_on_the_cumulative_period(store, plan, capsys, tmp_path):
    # VKS: Q1 2 of 2 indicted; Q2 0 of 1 (quarter alone 0 %), H1 2 of 3 = 66,7 % → not met, +1 to reach 95 %
    for q, values in ((1, {"VKS_TON": 0, "VKS_MOI": 2, "VKS_TRUY_TO": 2}), (2, {"VKS_TON": 0, "VKS_MOI": 1, "VKS_TRUY_TO": 0})):
        f = tmp_path / f"vks{q}.xlsx"
        f.write_bytes(build_template(plan, "VKS", q, values=values))
        run(capsys, "ingest", f, "--received-at", f"2022-0{3 * q}-10T09:00", *store_options(store))
    code, out, _ = run(capsys, "attainment", "--period", "Q2", "--format", "json", *store_options(store))
    row = next(r for r in json.loads(out) if r["indicator"] == "KPI_TRUY_TO")
    assert (row["numerator"], row["denominator"], row["period_status"]) == (0, 1, "not_met")
    assert (row["status"], row["judged_period"]) == ("not_met", "H1")
    code, out, _ = run(capsys, "attainment", "--period", "Q1", "--format", "json", *store_options(store))
    row = next(r for r in json.loads(out) if r["indicator"] == "KPI_TRUY_TO")
    assert (row["status"], row["judged_period"]) == ("met", "Q1")  # Q1 is its own cumulative period
    # a rate judged per period keeps its own verdict
    giai = next(r for r in json.loads(out) if r["indicator"] == "KPI_GIAI_QUYET")
    assert giai["judged_period"] == "Q1"


def test_missing_reports_have_null_received_at_in_json_and_blank_in_csv(store, capsys):
    code, out, _ = run(capsys, "compliance", "--year", 2022, "--as-of", "2022-04-01T00:00", "--format", "json",
                       *store_options(store))
    row = json.loads(out)[0]
    assert row["status"] == "missing" and row["received_at"] is None
    code, out, _ = run(capsys, "compliance", "--year", 2022, "--as-of", "2022-04-01T00:00", "--format", "csv",
                       *store_options(store))
    first = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))[0]
    assert first["received_at"] == "" and "NaT" not in out


def test_versions_json_times_carry_the_plan_offset(files, store, capsys):
    run(capsys, "ingest", files / "ca_q1.xlsx", "--received-at", "2022-03-15T23:59:59", *store_options(store))
    code, out, _ = run(capsys, "versions", "--json", *store_options(store))
    assert json.loads(out)[0]["received_at"] == "2022-03-15T23:59:59+07:00"


def test_usage_mistakes_never_show_a_traceback(store, capsys, tmp_path):
    code, _, err = run(capsys, "template", "--all", "--quarter", 1, *store_options(store))
    assert code == 2 and "-o" in err
    code, _, err = run(capsys, "template", "--unit", "CA", "--quarter", 1, "-o", "/proc/nope/x.xlsx",
                       *store_options(store))
    assert code == 1 and "Traceback" not in err
    code, _, err = run(capsys, "attainment", "--period", "h1", *store_options(store))
    assert code == 0
    code, _, err = run(capsys, "report", "--period", "Q9", *store_options(store))
    assert code == 2 and "Q9" in err


def test_demo_remove(demo_store, capsys):
    code, out, _ = run(capsys, "demo", "--remove", "--year", 2022, *store_options(demo_store))
    assert code == 0 and "106" in out
    assert not demo_store.is_demo_year(2022)
