"""The loader: atomic loads, content-addressed archive, duplicates, versions, restore, carry-over."""
import datetime as dt
import hashlib
import threading

import pytest
from conftest import book, report

from pipelines.store import load as loader
from pipelines.store.load import (
    RestoreError,
    diff_versions,
    ingest_bytes,
    list_versions,
    restore,
)
from pipelines.workbook.template import build_template


def counts(store):
    with store.connect() as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("submission", "submission_value", "submission_task", "submission_warning")}


def raw_files(store):
    return sorted(p for p in store.raw_dir.rglob("*") if p.is_file())


def test_accepted_file_is_archived_by_content_and_recorded(store, plan):
    data = build_template(plan, "CA", 1, values={"TT_BUOI": 3, "TT_LUOT": 90}, tasks={"T1A": "Hoàn thành"})
    r = ingest_bytes(store, data, "ca.xlsx", dt.datetime(2022, 3, 10, 8))
    assert r.status == "accepted" and r.submission_id
    sha = hashlib.sha256(data).hexdigest()
    archived = store.raw_dir / sha[:2] / f"{sha}.xlsx"
    assert archived.read_bytes() == data
    with store.connect() as con:
        row = con.execute("SELECT unit, year, quarter, sha256, is_current, received_at FROM submission").fetchone()
        values = dict(con.execute("SELECT element, value FROM submission_value").fetchall())
    assert row == ("CA", 2022, 1, sha, True, dt.datetime(2022, 3, 10, 1))  # 08:00 +07 = 01:00 UTC
    assert values["TT_BUOI"] == 3 and values["TT_LUOT"] == 90
    assert values["TIN_MOI"] is None  # in the template, left blank: not reported, kept as NULL


def test_same_bytes_again_is_a_duplicate_and_a_no_op(store, plan):
    data = build_template(plan, "CA", 1, values={"TT_BUOI": 3})
    first = ingest_bytes(store, data, "ca.xlsx")
    before = counts(store)
    again = ingest_bytes(store, data, "ca-copy.xlsx")
    assert again.status == "duplicate" and again.submission_id == first.submission_id
    assert counts(store) == before


def test_rejected_file_leaves_nothing(store):
    r = ingest_bytes(store, book(report(values={"TT_BUOI": "mười", "TT_LUOT": -2})), "bad.xlsx")
    assert r.status == "rejected"
    assert sorted(e.code for e in r.errors) == ["negative", "not_a_number"]
    assert counts(store)["submission"] == 0 and raw_files(store) == []


def test_personal_data_file_is_not_even_archived(store):
    sheets = report(extra_sheets={"DS": [["Họ và tên", "Năm sinh"], ["Nguyễn Thị B", 2001]]})
    r = ingest_bytes(store, book(sheets), "ds.xlsx")
    assert [e.code for e in r.errors] == ["personal_data", "personal_data"]
    assert raw_files(store) == [] and counts(store)["submission"] == 0


def test_a_failure_mid_load_rolls_everything_back(store, plan, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(loader, "audit", boom)  # the last statement of the transaction
    with pytest.raises(RuntimeError):
        ingest_bytes(store, build_template(plan, "CA", 1, values={"TT_BUOI": 3}), "ca.xlsx")
    assert counts(store) == {"submission": 0, "submission_value": 0, "submission_task": 0, "submission_warning": 0}
    assert raw_files(store) == []


def test_new_version_becomes_current_and_restore_brings_the_old_back(store, plan):
    a = ingest_bytes(store, build_template(plan, "CA", 2, values={"TT_BUOI": 3}), "a.xlsx", dt.datetime(2022, 6, 1))
    b = ingest_bytes(store, build_template(plan, "CA", 2, values={"TT_BUOI": 5}), "b.xlsx", dt.datetime(2022, 6, 2))
    assert b.replaced == a.submission_id
    versions = list_versions(store, "CA", 2022, 2)
    assert versions["id"].tolist() == [a.submission_id, b.submission_id]
    assert versions["is_current"].tolist() == [False, True]
    diff = diff_versions(store, a.submission_id, b.submission_id)
    assert diff[["element", "value_a", "value_b"]].values.tolist() == [["TT_BUOI", 3, 5]]

    out = restore(store, a.submission_id, actor="analyst1")
    assert out["changed"] and out["previous_current"] == b.submission_id
    assert list_versions(store, "CA", 2022, 2)["is_current"].tolist() == [True, False]
    with store.connect() as con:
        assert con.execute("SELECT value FROM v_current_value WHERE element = 'TT_BUOI'").fetchone() == (3,)
        assert con.execute("SELECT actor, action FROM audit_log WHERE action = 'restore'").fetchall() == [
            ("analyst1", "restore")]


def test_restore_unknown_submission(store):
    with pytest.raises(RestoreError):
        restore(store, 999)


def test_backlog_not_following_previous_quarter_is_a_kept_warning(store, plan):
    ingest_bytes(store, build_template(plan, "CA", 1, values={"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4,
                                                               "TIN_DA_GQ": 3}), "q1.xlsx")
    r = ingest_bytes(store, build_template(plan, "CA", 2, values={"TIN_TON": 5, "TIN_MOI": 1, "TIN_PHAN_LOAI": 1,
                                                                   "TIN_DA_GQ": 1}), "q2.xlsx")
    assert r.status == "accepted"
    assert [(w.code, w.value) for w in r.warnings] == [("rule", "5")]
    assert "1 + 4 − 3 = 2" in r.warnings[0].message
    assert counts(store)["submission_warning"] == 1
    ok = ingest_bytes(store, build_template(plan, "CA", 2, values={"TIN_TON": 2, "TIN_MOI": 1, "TIN_PHAN_LOAI": 1,
                                                                    "TIN_DA_GQ": 1}), "q2b.xlsx")
    assert ok.warnings == []


def test_two_loaders_at_once_lose_nothing(store, plan):
    files = [(build_template(plan, u, 1, values={"TT_BUOI": i + 1}), f"{u}.xlsx")
             for i, u in enumerate(["CA", "VKS", "TAND", "TP", "X_PHO_AN", "X_PHO_CHAU"])]
    results = []
    threads = [threading.Thread(target=lambda d=d, n=n: results.append(ingest_bytes(store, d, n))) for d, n in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == ["accepted"] * 6
    assert counts(store)["submission"] == 6


def test_json_shape_of_a_result(store, plan):
    r = ingest_bytes(store, build_template(plan, "CA", 1, values={"TT_BUOI": 9, "TT_LUOT": 3}), "ca_q1.xlsx",
                     dt.datetime(2022, 3, 14, 9))
    j = r.as_json()
    assert j["file"] == "ca_q1.xlsx" and j["status"] == "accepted" and j["unit"] == "CA"
    assert (j["year"], j["quarter"], j["received_at"]) == (2022, 1, "2022-03-14T09:00:00+07:00")
    assert j["errors"] == []
    assert j["warnings"][0]["code"] == "rule" and j["warnings"][0]["where"].startswith("Số liệu!E")


def test_a_refused_workbook_comes_back_annotated(store):
    import io

    from conftest import data_cell
    from openpyxl import load_workbook

    from pipelines.workbook.annotate import LIST_SHEET, annotate
    for fmt in ("xlsx", "xls", "ods"):
        sheets = report(values={"TT_BUOI": 4, "TT_LUOT": "nhiều"})
        r = ingest_bytes(store, book(sheets, fmt), f"bad.{fmt}")
        wb = load_workbook(io.BytesIO(annotate(book(sheets, fmt), f"bad.{fmt}", r.errors + r.warnings)))
        assert wb.sheetnames[0] == LIST_SHEET
        ref = data_cell(sheets, "TT_LUOT").split("!")[1]
        cell = wb["Số liệu"][ref]
        assert cell.value == "nhiều" and "TT_LUOT" in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith("F4B183")
        assert wb[LIST_SHEET]["C4"].value == "Không phải số"   # Vietnamese only: no machine code


def test_a_hostile_file_is_not_opened_to_annotate():
    import io

    from openpyxl import load_workbook

    from pipelines.problems import error
    from pipelines.workbook.annotate import annotate
    out = annotate(b"PK\x03\x04 bomb", "bomb.xlsx", [error("hostile", "bomb.xlsx", "bom nén")])
    wb = load_workbook(io.BytesIO(out))
    assert wb.sheetnames == ["Danh sách lỗi"]


def test_real_files_are_refused_in_a_demo_year_until_the_demo_is_removed(demo_store, plan):
    from pipelines.demo import remove_demo
    data = build_template(plan, "BP_SH", 1, values={"TT_BUOI": 3})
    r = ingest_bytes(demo_store, data, "bpsh.xlsx", dt.datetime(2022, 3, 20, 9))
    assert r.status == "rejected" and [e.code for e in r.errors] == ["demo_year"]
    assert "demo --remove" in r.errors[0].hint
    removed = remove_demo(demo_store, 2022)
    assert removed == 106
    assert not demo_store.is_demo_year(2022) and raw_files(demo_store) == []
    r = ingest_bytes(demo_store, data, "bpsh.xlsx", dt.datetime(2022, 3, 20, 9))
    assert r.status == "accepted"
    from pipelines.outputs import metrics
    c = metrics.compliance(demo_store, 2022)
    assert c[(c.unit == "BP_SH") & (c.quarter == 1)].iloc[0].status == "late"  # its own date, not the demo's


def test_received_at_in_the_future_is_refused(store, plan):
    future = dt.datetime.now() + dt.timedelta(days=3)
    r = ingest_bytes(store, build_template(plan, "CA", 1, values={"TT_BUOI": 1}), "ca.xlsx", future)
    assert [e.code for e in r.errors] == ["received_in_future"]


def test_a_report_with_no_count_at_all_is_kept_with_a_warning(store, plan):
    r = ingest_bytes(store, build_template(plan, "CA", 1), "blank.xlsx")
    assert r.status == "accepted" and [w.code for w in r.warnings] == ["empty_report"]


def test_an_absurd_count_is_refused_not_a_crash(store):
    r = ingest_bytes(store, book(report(values={"TT_BUOI": "99999999999999999999", "TT_LUOT": 1e20})), "x.xlsx")
    assert r.status == "rejected" and [e.code for e in r.errors] == ["out_of_range", "out_of_range"]


@pytest.mark.duckdb_only  # DuckDB's file lock; PostgreSQL readers never wait (tests/store/test_pg_store.py)
def test_another_process_can_open_the_store_while_a_workbook_is_parsed(store, plan, monkeypatch):
    """DuckDB lets one process hold the file: a shell load of a folder must not keep the dashboard
    out while the sandbox parses each workbook (the slow part). During the parse another process
    opens the store for real; afterwards the file is loaded as usual."""
    import subprocess
    import sys
    opened = []
    real_read = loader.read_workbook

    def read_and_probe(*args, **kwargs):
        probe = subprocess.run([sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1]).close()",
                                str(store.db_path)], capture_output=True, text=True, timeout=60)
        opened.append((probe.returncode, probe.stderr[-300:]))
        return real_read(*args, **kwargs)

    monkeypatch.setattr(loader, "read_workbook", read_and_probe)
    result = ingest_bytes(store, book(report("CA", 2022, 1)), "BC_CA_Q1.xlsx")
    assert result.status == "accepted", result.errors
    assert opened == [(0, "")]
