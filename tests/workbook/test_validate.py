"""Every validation rule of the plan (spec/plan-2022.md §5), each at its level, and the completeness of
rate indicators. Real workbooks through the real reader, validator and loader; the numbers and the
expected messages are worked out by hand from the plan."""
import json

import pytest

from pipelines.cli import main
from pipelines.store.load import ingest_bytes
from pipelines.workbook.read import read_workbook
from pipelines.workbook.validate import validate

from conftest import book, data_cell, report


def check(store, sheets):
    raw, problems = read_workbook(book(sheets), "bc.xlsx")
    sub, more = validate(raw, store.plans())
    return sub, problems + more


def errors(problems):
    return [p for p in problems if p.level == "error"]


def rule_problems(problems):
    return [p for p in problems if p.code == "rule"]


# -- compare rules: (rule, unit, counts that break it, the same at the boundary, cell named, detail) -----
COMPARE = {
    "R_TIN_PHAN_LOAI": ("CA", {"TIN_TON": 0, "TIN_MOI": 3, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 3},
                        {"TIN_PHAN_LOAI": 3}, "TIN_PHAN_LOAI", "TIN_PHAN_LOAI = 4 > TIN_MOI = 3", "error"),
    "R_TIN_DA_GQ": ("CA", {"TIN_TON": 1, "TIN_MOI": 3, "TIN_PHAN_LOAI": 3, "TIN_DA_GQ": 5},
                    {"TIN_DA_GQ": 4}, "TIN_DA_GQ", "TIN_DA_GQ = 5 > TIN_TON = 1 + TIN_MOI = 3", "error"),
    "R_AN_KHAM_PHA": ("CA", {"AN_KHOI_TO": 2, "AN_KHAM_PHA": 3},
                      {"AN_KHAM_PHA": 2}, "AN_KHAM_PHA", "AN_KHAM_PHA = 3 > AN_KHOI_TO = 2", "error"),
    "R_VKS_TRUY_TO": ("VKS", {"VKS_TON": 1, "VKS_MOI": 1, "VKS_TRUY_TO": 3},
                      {"VKS_TRUY_TO": 2}, "VKS_TRUY_TO", "VKS_TRUY_TO = 3 > VKS_TON = 1 + VKS_MOI = 1", "error"),
    "R_TA_XET_XU": ("TAND", {"TA_TON": 0, "TA_MOI": 2, "TA_XET_XU": 3},
                    {"TA_XET_XU": 2}, "TA_XET_XU", "TA_XET_XU = 3 > TA_TON = 0 + TA_MOI = 2", "error"),
    "R_NN_XAC_DINH": ("CA", {"NN_TIEP_NHAN": 1, "NN_XAC_DINH": 2},
                      {"NN_XAC_DINH": 1}, "NN_XAC_DINH", "NN_XAC_DINH = 2 > NN_TIEP_NHAN = 1", "error"),
    "R_TT_LUOT": ("CA", {"TT_BUOI": 10, "TT_LUOT": 9},
                  {"TT_LUOT": 10}, "TT_LUOT", "TT_LUOT = 9 < TT_BUOI = 10", "warning"),
    "R_TH_LUOT": ("CA", {"TH_LOP": 2, "TH_LUOT": 1},
                  {"TH_LUOT": 2}, "TH_LUOT", "TH_LUOT = 1 < TH_LOP = 2", "warning"),
}
# carry-over rules: (unit, Q1 counts, Q2 counts with a backlog that does not follow, the right backlog, detail)
CARRY = {
    "R_TIN_TON": ("CA", {"TIN_TON": 2, "TIN_MOI": 5, "TIN_PHAN_LOAI": 5, "TIN_DA_GQ": 4},
                  {"TIN_TON": 4, "TIN_MOI": 0, "TIN_PHAN_LOAI": 0, "TIN_DA_GQ": 0}, 3, "2 + 5 − 4 = 3"),
    "R_VKS_TON": ("VKS", {"VKS_TON": 1, "VKS_MOI": 2, "VKS_TRUY_TO": 2},
                  {"VKS_TON": 0, "VKS_MOI": 0, "VKS_TRUY_TO": 0}, 1, "1 + 2 − 2 = 1"),
    "R_TA_TON": ("TAND", {"TA_TON": 0, "TA_MOI": 3, "TA_XET_XU": 1},
                 {"TA_TON": 3, "TA_MOI": 0, "TA_XET_XU": 0}, 2, "0 + 3 − 1 = 2"),
}


def test_every_rule_of_the_plan_is_tested_here(plan):
    assert {r.code for r in plan.rules} == set(COMPARE) | set(CARRY)
    assert {r.code: r.level for r in plan.rules if r.code in COMPARE} == {k: v[-1] for k, v in COMPARE.items()}
    assert all(r.level == "warning" for r in plan.rules if r.code in CARRY)


@pytest.mark.parametrize("code", list(COMPARE))
def test_a_broken_rule_refuses_or_warns_at_its_level(store, code):
    unit, bad, _, named, detail, level = COMPARE[code]
    sheets = report(unit=unit, values=bad)
    r = ingest_bytes(store, book(sheets), f"{unit}.xlsx")
    found = rule_problems(r.errors + r.warnings)
    assert [(p.level, p.where) for p in found] == [(level, data_cell(sheets, named))]
    assert detail in found[0].message
    if level == "error":
        assert r.status == "rejected" and r.errors == found      # nothing else is wrong with the file
    else:
        assert r.status == "accepted" and r.errors == []          # kept, and the warning with it
        with store.connect() as con:
            kept = con.execute("SELECT code, \"where\" FROM submission_warning WHERE submission_id = ?",
                               [r.submission_id]).fetchall()
        assert ("rule", data_cell(sheets, named)) in kept


@pytest.mark.parametrize("code", list(COMPARE))
def test_a_rule_holds_at_its_boundary(store, code):
    unit, bad, fix, *_ = COMPARE[code]
    r = ingest_bytes(store, book(report(unit=unit, values=bad | fix)), f"{unit}.xlsx")
    assert r.status == "accepted" and rule_problems(r.errors + r.warnings) == []


@pytest.mark.parametrize("code", list(CARRY))
def test_a_backlog_that_does_not_follow_the_previous_quarter_is_a_kept_warning(store, code):
    unit, q1, q2, right, detail = CARRY[code]
    assert ingest_bytes(store, book(report(unit=unit, quarter=1, values=q1)), "q1.xlsx").status == "accepted"
    sheets = report(unit=unit, quarter=2, values=q2)
    r = ingest_bytes(store, book(sheets), "q2.xlsx")
    backlog = next(iter(q2))
    assert r.status == "accepted"
    assert [(p.level, p.where) for p in rule_problems(r.warnings)] == [("warning", data_cell(sheets, backlog))]
    assert detail in rule_problems(r.warnings)[0].message
    fixed = ingest_bytes(store, book(report(unit=unit, quarter=2, values=q2 | {backlog: right})), "q2b.xlsx")
    assert fixed.status == "accepted" and rule_problems(fixed.warnings) == []


def test_a_rule_is_checked_only_when_every_count_it_names_is_reported(store):
    _, problems = check(store, report(unit="CA", values={"NN_TIEP_NHAN": None, "NN_XAC_DINH": 4,
                                                         "TT_BUOI": 5, "TT_LUOT": None}))
    assert rule_problems(problems) == []


# -- rates reported in part: the 150 % of the issue -----------------------------------------------------
def test_a_rate_reported_in_part_is_refused_naming_the_blank_cells(store):
    sheets = report(unit="BP_PQ", values={"TIN_TON": None, "TIN_MOI": None, "TIN_PHAN_LOAI": None, "TIN_DA_GQ": 5})
    r = ingest_bytes(store, book(sheets), "BC_BP_PQ_2022_Q1.xlsx")
    assert r.status == "rejected"
    # KPI_GIAI_QUYET = TIN_DA_GQ ÷ (TIN_TON + TIN_MOI): two of its three cells are blank. KPI_TIEP_NHAN
    # (TIN_PHAN_LOAI ÷ TIN_MOI) is blank whole: not reported, which is allowed.
    assert [(e.code, e.where) for e in r.errors] == [("incomplete_rate", data_cell(sheets, "TIN_TON")),
                                                     ("incomplete_rate", data_cell(sheets, "TIN_MOI"))]
    message = r.errors[0].message
    assert "KPI_GIAI_QUYET" in message and "KPI_TIEP_NHAN" not in message
    assert f"TIN_DA_GQ = 5 ({data_cell(sheets, 'TIN_DA_GQ')})" in message
    assert data_cell(sheets, "TIN_TON") in message and data_cell(sheets, "TIN_MOI") in message
    assert "ghi đủ cả ba ô hoặc để trống cả ba" in r.errors[0].hint.lower()


def test_the_150_percent_case_of_the_issue_reads_100_percent(store, tmp_path, capsys):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "BC_CA_2022_Q1.xlsx").write_bytes(book(report(
        unit="CA", values={"TIN_TON": 0, "TIN_MOI": 10, "TIN_PHAN_LOAI": 10, "TIN_DA_GQ": 10})))
    (inbox / "BC_BP_PQ_2022_Q1.xlsx").write_bytes(book(report(
        unit="BP_PQ", values={"TIN_TON": None, "TIN_MOI": None, "TIN_PHAN_LOAI": None, "TIN_DA_GQ": 5})))
    data_dir = store.data_dir
    assert main(["ingest", str(inbox), "--data-dir", str(data_dir), "--received-at", "2022-03-14T09:00"]) == 1
    out = capsys.readouterr().out
    assert "BC_BP_PQ_2022_Q1.xlsx: BỊ TỪ CHỐI" in out and "[incomplete_rate]" in out
    assert main(["attainment", "--period", "Q1", "--format", "json", "--data-dir", str(data_dir)]) == 0
    rows = {r["indicator"]: r for r in json.loads(capsys.readouterr().out)}
    # only CA's file counts: 10 resolved of 0 + 10 to resolve = 100 %, not (10 + 5) / 10 = 150 %
    got = rows["KPI_GIAI_QUYET"]
    assert (got["numerator"], got["denominator"], got["value"], got["status"]) == (10, 10, 1.0, "met")


def test_zero_is_a_number_a_unit_with_no_tips_writes_zero(store):
    r = ingest_bytes(store, book(report(unit="BP_PQ", values={"TIN_TON": 0, "TIN_MOI": 0, "TIN_PHAN_LOAI": 0,
                                                              "TIN_DA_GQ": 0})), "bp.xlsx")
    assert r.status == "accepted" and r.errors == []


def test_a_missing_row_of_a_rate_is_as_blank_as_an_empty_cell(store):
    sheets = report(unit="CA", values={"TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 4})  # no TIN_TON row
    _, problems = check(store, sheets)
    assert [(p.code, p.where) for p in errors(problems)] == [("incomplete_rate", "Số liệu")]
    assert "không có dòng TIN_TON" in errors(problems)[0].message


@pytest.mark.parametrize("unit, values, blank", [
    ("CA", {"TIN_TON": 0, "TIN_MOI": 3, "TIN_PHAN_LOAI": None, "TIN_DA_GQ": 3}, ["TIN_PHAN_LOAI"]),  # KPI_TIEP_NHAN
    ("CA", {"AN_KHOI_TO": None, "AN_KHAM_PHA": 1}, ["AN_KHOI_TO"]),             # KPI_KHAM_PHA
    ("VKS", {"VKS_TON": 0, "VKS_MOI": None, "VKS_TRUY_TO": 0}, ["VKS_MOI"]),    # KPI_TRUY_TO
    ("TAND", {"TA_TON": None, "TA_MOI": None, "TA_XET_XU": 0}, ["TA_TON", "TA_MOI"]),  # KPI_XET_XU
])
def test_every_rate_of_the_plan_must_be_reported_whole(store, unit, values, blank):
    sheets = report(unit=unit, values=values)
    _, problems = check(store, sheets)
    assert [(p.code, p.where) for p in errors(problems)] == [("incomplete_rate", data_cell(sheets, e)) for e in blank]


# -- every problem at once -----------------------------------------------------------------------------
def test_a_typo_does_not_hide_an_inconsistency_between_two_other_counts(store):
    sheets = report(unit="CA", values={"TT_BUOI": "mười", "TIN_TON": 0, "TIN_MOI": 3, "TIN_PHAN_LOAI": 4,
                                       "TIN_DA_GQ": 3, "AN_KHOI_TO": 1, "AN_KHAM_PHA": 2})
    _, problems = check(store, sheets)
    assert sorted((p.code, p.where) for p in errors(problems)) == sorted([
        ("not_a_number", data_cell(sheets, "TT_BUOI")),
        ("rule", data_cell(sheets, "TIN_PHAN_LOAI")),
        ("rule", data_cell(sheets, "AN_KHAM_PHA")),
    ])


def test_a_typo_in_a_rates_cell_is_its_own_error_not_a_blank(store):
    sheets = report(unit="CA", values={"TIN_TON": 0, "TIN_MOI": "4 tin", "TIN_PHAN_LOAI": 5, "TIN_DA_GQ": 3})
    _, problems = check(store, sheets)
    # TIN_MOI did not parse: no rule naming it runs, and the rate is not "incomplete" (the cell is written)
    assert [(p.code, p.where) for p in errors(problems)] == [("not_a_number", data_cell(sheets, "TIN_MOI"))]


# -- workbook contract: the header row is looked for within the first 30 rows ---------------------------
def test_the_header_row_is_found_up_to_row_30_and_not_beyond(store):
    at_30 = report(unit="CA", values={"TT_BUOI": 3}, title_rows=29)     # header on row 30
    assert at_30["Số liệu"].index(["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Số liệu"]) == 29
    sub, problems = check(store, at_30)
    assert errors(problems) == [] and sub.values == {"TT_BUOI": 3}
    _, problems = check(store, report(unit="CA", values={"TT_BUOI": 3}, title_rows=30))   # row 31
    assert [p.code for p in errors(problems)] == ["missing_field"]
