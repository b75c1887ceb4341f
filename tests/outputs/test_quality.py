"""Data-quality checks on hand-made reports (real workbooks through the real loader), with every
expected number worked out by hand: a backlog that does not carry over, an outlier in 8 quarters of
a unit's history, too little history to judge, a plan range, completeness, and follow-up marks
marked, cleared by an analyst and cleared by a correction (audited, shown with the values)."""
import datetime as dt
import json

import pytest

from conftest import book, report, store_options
from pipelines.accounts import users
from pipelines.cli import main
from pipelines.outputs import metrics, quality
from pipelines.store.load import ingest_bytes, restore
from pipelines.workbook.template import build_template


def load(store, unit, year, quarter, values, name=None):
    data = build_template(store.plan(year), unit, quarter, values=values)
    r = ingest_bytes(store, data, name or f"{unit}_{year}_Q{quarter}.xlsx", dt.datetime(year, 3, 1, 9))
    assert r.status == "accepted", [e.message for e in r.errors]
    return r


def tips(ton, moi, gq):
    return {"TIN_TON": ton, "TIN_MOI": moi, "TIN_PHAN_LOAI": moi, "TIN_DA_GQ": gq}


# -- backlog consistency ---------------------------------------------------------------------------
def test_a_backlog_that_does_not_carry_over_shows_both_numbers(store):
    load(store, "CA", 2022, 1, tips(1, 4, 3))      # closes with 1 + 4 − 3 = 2
    load(store, "CA", 2022, 2, tips(5, 2, 6))      # says 5, the previous quarter implies 2; closes with 1
    load(store, "CA", 2022, 3, tips(1, 0, 1))      # 5 + 2 − 6 = 1: carries over
    checks = quality.backlog_checks(store, 2022).set_index("quarter")
    assert list(checks.index) == [2, 3]            # Q1 has no previous quarter in the store
    q2 = checks.loc[2]
    assert (q2.reported, q2.previous_backlog, q2.inflow, q2.outflow, q2.expected, q2.matches) == (5, 1, 4, 3, 2, False)
    assert checks.loc[3].matches
    found = quality.findings(store, 2022)
    mismatch = found[found["check"] == "backlog_mismatch"]
    assert len(mismatch) == 1
    row = mismatch.iloc[0]
    assert (row.unit, row.quarter, row.element, row.value, row.expected) == ("CA", 2, "TIN_TON", 5, 2)
    assert "ghi 5" in row.detail and ("1 + 4 (Số tố giác, tin báo, kiến nghị khởi tố về mua bán người tiếp nhận mới trong kỳ) − 3 "
                                   "(Số tố giác, tin báo, kiến nghị khởi tố đã giải quyết) = 2") in row.detail


def test_the_first_quarter_carries_over_from_the_previous_years_last_quarter(store):
    load(store, "VKS", 2022, 4, {"VKS_TON": 2, "VKS_MOI": 3, "VKS_TRUY_TO": 4})   # closes 2022 with 1
    load(store, "VKS", 2023, 1, {"VKS_TON": 0, "VKS_MOI": 1, "VKS_TRUY_TO": 1})   # says 0
    row = quality.backlog_checks(store, 2023, 1).iloc[0]
    assert (row.previous_year, row.previous_quarter, row.reported, row.expected) == (2022, 4, 0, 1)


# -- outliers --------------------------------------------------------------------------------------
def sessions(store, unit, values_2022, values_2023):
    for q, v in enumerate(values_2022, start=1):
        load(store, unit, 2022, q, {"TT_BUOI": v})
    for q, v in enumerate(values_2023, start=1):
        load(store, unit, 2023, q, {"TT_BUOI": v})


def test_an_outlier_against_eight_quarters_of_the_units_history(store):
    # X_PHO_AN's sessions: 10 12 11 9 | 10 11 12 60. Sorted 9 10 10 11 11 12 12 60: median 11;
    # |x − 11| = 1 1 0 2 1 0 1 49, sorted 0 0 1 1 1 1 2 49: MAD 1. z(60) = 0,6745 · 49 / 1 = 33,05;
    # z(9) = 0,6745 · (−2) = −1,35 (not flagged). 60 is also above the 2023 plan's commune range 0–40.
    sessions(store, "X_PHO_AN", [10, 12, 11, 9], [10, 11, 12, 60])
    out = quality.outlier_checks(store, 2023).set_index(["element", "quarter"]).loc["TT_BUOI"]
    assert list(out["history_quarters"]) == [8, 8, 8, 8]
    assert out.loc[4, "z"] == pytest.approx(0.6745 * 49)
    assert out.loc[4, "outlier"] and not out.loc[1, "outlier"]
    assert out.loc[4, "median"] == 11
    assert (out.loc[4, "out_of_range"], out.loc[4, "range_min"], out.loc[4, "range_max"]) == (True, 0, 40)
    found = quality.findings(store, 2023)
    flagged = found[found["element"] == "TT_BUOI"]
    assert sorted(flagged["check"]) == ["out_of_range", "outlier"]
    assert set(flagged["quarter"]) == {4} and set(flagged["value"]) == {60}
    # 60 against a median of 11: 60 / 11 = 5,45… → "gấp 5,5 lần"; z as worked out above
    detail = flagged[flagged["check"] == "outlier"].iloc[0].detail
    assert detail.startswith("Báo cáo 60, gấp 5,5\u00a0lần mức thường thấy của đơn vị (trung vị 11 của 8 quý;")
    assert "điểm z hiệu chỉnh 33,1" in detail


def test_unusual_values_are_said_in_words():
    assert quality.unusual_in_words(33, 11) == "gấp 3,0\u00a0lần mức thường thấy của đơn vị"
    assert quality.unusual_in_words(2, 10) == "chỉ bằng 20\u00a0% mức thường thấy của đơn vị"
    assert quality.unusual_in_words(4, 0) == "trong khi đơn vị thường báo 0"


def test_too_little_history_is_said_not_guessed(store):
    # 3 quarters of 2022 + 4 of 2023 = 7 < 8: the same 60 is not judged against history (the plan's
    # range still applies), and the page/CLI say why.
    for q, v in enumerate([10, 12, 11], start=1):
        load(store, "X_PHO_AN", 2022, q, {"TT_BUOI": v})
    for q, v in enumerate([10, 11, 12, 60], start=1):
        load(store, "X_PHO_AN", 2023, q, {"TT_BUOI": v})
    out = quality.outlier_checks(store, 2023)
    sessions_2023 = out[out["element"] == "TT_BUOI"]
    assert set(sessions_2023["history"]) == {"short"} and sessions_2023["outlier"].isna().all()
    assert set(sessions_2023["history_quarters"]) == {7}
    found = quality.findings(store, 2023)
    assert "outlier" not in set(found["check"]) and "out_of_range" in set(found["check"])
    short = found[found["check"] == "short_history"]
    assert list(short["unit"]) == ["X_PHO_AN"] and "Số buổi tuyên truyền (7 quý)" in short.iloc[0].detail


def test_too_little_history_says_how_much_there_is(store):
    # Xã Phổ Châu reports eight of a commune's nine figures in Q1–Q3 of a first year: each has 3 quarters, none is judged,
    # and one sentence says so (naming six of them and "…" said less). Xã Phổ An leaves KT_CO_SO blank in
    # Q3: it has 2 quarters, the other seven 3, so the figures are named, fewest quarters first, six of them
    # and "và 2 chỉ tiêu khác".
    eight = ["NN_HO_TRO", "TT_BUOI", "TT_LUOT", "TT_TAI_LIEU", "HD_30_7", "KT_CO_SO", "KT_VI_PHAM", "PL_KIEN_NGHI"]
    for q in (1, 2, 3):
        load(store, "X_PHO_CHAU", 2022, q, {e: 1 + q for e in eight})
        load(store, "X_PHO_AN", 2022, q, {e: 1 + q for e in eight if q < 3 or e != "KT_CO_SO"})
    found = quality.findings(store, 2022)
    short = found[found["check"] == "short_history"].set_index("unit")["detail"]
    assert short["X_PHO_CHAU"] == ("Mới có 3 quý số liệu ở mọi chỉ tiêu đã báo cáo; cần 8 quý cùng nghĩa để so với "
                                   "lịch sử của đơn vị.")
    assert short["X_PHO_AN"].startswith("Chưa đủ 8 quý số liệu cùng nghĩa để so với lịch sử của đơn vị: "
                                        "Số lượt kiểm tra cơ sở kinh doanh có điều kiện về an ninh, trật tự (2 quý), ")
    assert short["X_PHO_AN"].count("(3 quý)") == 5 and short["X_PHO_AN"].endswith(" và 2 chỉ tiêu khác.")


def test_history_counts_only_years_where_the_element_means_the_same(store):
    # TT_LUOT counts attendances in 2022 but people in 2023 (the plan files): 8 quarters reported,
    # only the 4 of 2023 are history for a 2023 value.
    for year in (2022, 2023):
        for q in (1, 2, 3, 4):
            load(store, "P_PHO_HOA", year, q, {"TT_BUOI": 10 + q, "TT_LUOT": 300 + q})
    out = quality.outlier_checks(store, 2023).set_index("element")
    assert set(out.loc["TT_LUOT", "history_quarters"]) == {4}
    assert set(out.loc["TT_BUOI", "history_quarters"]) == {8}


def test_a_history_without_spread_is_not_judged(store):
    # 0 0 0 0 0 0 0 1: median 0, MAD 0 — one case among quiet quarters is not measurably "unusual".
    sessions(store, "P_PHO_HOA", [0, 0, 0, 0], [0, 0, 0, 1])
    out = quality.outlier_checks(store, 2023)
    row = out[(out["element"] == "TT_BUOI") & (out["quarter"] == 4)].iloc[0]
    assert row.history == "flat" and row.outlier is None and row.z is None
    assert quality.modified_z(1, [0, 0, 0, 0, 0, 0, 0, 1]) is None


# -- completeness ----------------------------------------------------------------------------------
def test_completeness_counts_values_blanks_and_elements_left_out(store):
    # CA's template asks for 21 elements; this file has 5 rows, one of them blank.
    sheets = report("CA", 2022, 1, values={"TIN_TON": 0, "TIN_MOI": 2, "TIN_PHAN_LOAI": 2, "TIN_DA_GQ": 2,
                                           "TT_BUOI": None})
    r = ingest_bytes(store, book(sheets), "ca.xlsx", dt.datetime(2022, 3, 1, 9))
    assert r.status == "accepted", [e.message for e in r.errors]
    comp = quality.completeness(store, 2022, 1).set_index("unit")
    ca = comp.loc["CA"]
    assert (ca.reported, ca.elements_expected, ca.elements_with_value, ca.elements_blank) == (True, 21, 4, 1)
    assert len(ca.elements_missing) == 16 and "AN_KHOI_TO" in ca.elements_missing and "TT_BUOI" not in ca.elements_missing
    assert not comp.loc["VKS"].reported and comp.loc["VKS"].elements_missing == []
    found = quality.findings(store, 2022, 1)
    assert len(found[(found["check"] == "missing_element") & (found["unit"] == "CA")]) == 16
    assert list(found[found["check"] == "blank"]["element"]) == ["TT_BUOI"]
    # Q1 2022 is long past its deadline: the 26 units without a report are "not reported"
    assert len(found[found["check"] == "not_reported"]) == 26


# -- follow-up marks -------------------------------------------------------------------------------
@pytest.fixture
def analyst(store):
    return users.add_user(store, "chuyen_vien", "analyst", "mat-khau-du-dai-138")


def test_follow_up_marked_shown_and_cleared_by_an_analyst(store, analyst):
    load(store, "CA", 2022, 1, tips(1, 4, 3))
    load(store, "CA", 2022, 2, tips(5, 2, 6))
    viewer = users.add_user(store, "xem", "viewer", "mat-khau-du-dai-138")
    with pytest.raises(users.PermissionDenied):
        quality.mark(store, viewer, 2022, 2, "CA", "TIN_TON", "Hỏi lại Công an")
    with pytest.raises(quality.QualityError):
        quality.mark(store, analyst, 2022, 2, "CA", "TIN_TON", "   ")
    mark_id = quality.mark(store, analyst, 2022, 2, "CA", "TIN_TON", "Hỏi lại Công an: tồn 5 hay 2?",
                           "backlog_mismatch")
    open_marks = quality.marks(store, 2022)
    assert list(open_marks["id"]) == [mark_id] and open_marks.iloc[0].value == 5
    # shown with the value (Dữ liệu page and its exports read current_values) and among the findings
    values = metrics.current_values(store, 2022, 2, ["CA"]).set_index("element")
    assert values.loc["TIN_TON", "follow_up"] == "Hỏi lại Công an: tồn 5 hay 2?"
    assert values["follow_up"].notna().sum() == 1
    found = quality.findings(store, 2022)
    assert found[found["check"] == "backlog_mismatch"].iloc[0].follow_up == "Hỏi lại Công an: tồn 5 hay 2?"
    assert len(found[found["check"] == "follow_up"]) == 1
    quality.clear(store, analyst, mark_id, "Đã gọi điện: đúng là 5")
    assert quality.marks(store, 2022).empty
    done = quality.marks(store, 2022, states=("cleared",)).iloc[0]
    assert (done.cleared_by, done.clear_note) == ("chuyen_vien", "Đã gọi điện: đúng là 5")
    assert metrics.current_values(store, 2022, 2, ["CA"])["follow_up"].isna().all()
    with pytest.raises(quality.QualityError):
        quality.clear(store, analyst, mark_id)  # already cleared
    log = store.query_df("SELECT actor, action, detail FROM audit_log WHERE action LIKE 'follow_up%' ORDER BY id")
    assert list(log["action"]) == ["follow_up_mark", "follow_up_clear"]
    assert set(log["actor"]) == {"chuyen_vien"} and "CA 2022 Q2 TIN_TON = 5" in log["detail"][0]


def test_follow_up_cleared_by_a_correction_and_back_on_restore(store, analyst):
    load(store, "CA", 2022, 1, tips(1, 4, 3))
    first = load(store, "CA", 2022, 2, tips(5, 2, 6))
    mark_id = quality.mark(store, analyst, 2022, 2, "CA", "TIN_TON", "Tồn 5?")
    load(store, "CA", 2022, 2, tips(2, 2, 3), name="CA_2022_Q2_sua.xlsx")      # the unit corrects to 2
    assert quality.marks(store, 2022).empty
    corrected = quality.marks(store, 2022, states=("corrected",)).iloc[0]
    assert (corrected.id, corrected.value, corrected.current_value) == (mark_id, 5, 2)
    assert "backlog_mismatch" not in set(quality.findings(store, 2022)["check"])
    restore(store, first.submission_id)                                       # the doubted 5 is back
    assert list(quality.marks(store, 2022)["id"]) == [mark_id]


def test_a_correction_with_the_same_number_keeps_the_mark(store, analyst):
    load(store, "CA", 2022, 1, tips(1, 4, 3))
    load(store, "CA", 2022, 2, tips(5, 2, 6))
    quality.mark(store, analyst, 2022, 2, "CA", "TIN_TON", "Tồn 5?")
    load(store, "CA", 2022, 2, tips(5, 2, 6) | {"TT_BUOI": 3}, name="CA_2022_Q2_b.xlsx")
    assert len(quality.marks(store, 2022)) == 1


# -- the command line ------------------------------------------------------------------------------
def test_quality_command_json_csv_and_table(store, capsys, analyst):
    load(store, "CA", 2022, 1, tips(1, 4, 3))
    load(store, "CA", 2022, 2, tips(5, 2, 6))
    quality.mark(store, analyst, 2022, 2, "CA", "TIN_TON", "Tồn 5?")
    assert main(["quality", "--year", "2022", "--quarter", "2", "--format", "json",
                 *store_options(store)]) == 0
    rows = json.loads(capsys.readouterr().out)
    mismatch = [r for r in rows if r["check"] == "backlog_mismatch"]
    assert mismatch == [{"check": "backlog_mismatch", "unit": "CA", "year": 2022, "quarter": 2, "element": "TIN_TON",
                         "value": 5, "expected": 2, "detail": mismatch[0]["detail"], "follow_up": "Tồn 5?"}]
    assert {r["check"] for r in rows} >= {"backlog_mismatch", "follow_up", "not_reported", "short_history"}
    assert all(r["quarter"] in (2, None) for r in rows)
    assert main(["quality", "--year", "2022", "--format", "csv", *store_options(store)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeffcheck,unit,year,quarter,element,value,expected,detail,follow_up")
    assert main(["quality", "--year", "2022", *store_options(store)]) == 0
    out = capsys.readouterr().out
    assert "Số tồn không khớp quý trước: 1" in out and "Cần xác minh: 1" in out
    assert main(["quality", "--year", "1999", *store_options(store)]) == 2
