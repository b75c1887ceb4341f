"""Reading unit workbooks as units really fill them in, and refusing what must be refused
(spec/workbook.md). Every case goes through the real reader and validator on a real file."""
import unicodedata

import pytest
from conftest import book, data_cell, report

from pipelines.workbook.read import read_workbook
from pipelines.workbook.validate import validate


def check(store, sheets, fmt="xlsx", name=None):
    data = book(sheets, fmt)
    raw, problems = read_workbook(data, name or f"bc.{fmt}")
    sub = None
    if raw is not None:
        sub, more = validate(raw, store.plans())
        problems = problems + more
    return sub, problems


def errors(problems):
    return [p for p in problems if p.level == "error"]


# -- tolerated -------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_reads_every_format(store, fmt):
    sub, problems = check(store, report(values={"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 3,
                                                "TT_BUOI": 12}), fmt)
    assert errors(problems) == []
    assert (sub.unit, sub.year, sub.quarter) == ("CA", 2022, 1)
    assert sub.values == {"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 3, "TT_BUOI": 12}
    assert sub.tasks["T1A"][0] == "done"


def test_title_rows_and_reordered_columns(store):
    sheets = report(values={"TT_BUOI": 7, "TT_LUOT": 300}, title_rows=5,
                    columns=("Số liệu", "Ghi chú", "Chỉ tiêu", "Mã chỉ tiêu", "STT"))
    sub, problems = check(store, sheets)
    assert errors(problems) == []
    assert sub.values == {"TT_BUOI": 7, "TT_LUOT": 300}
    assert sub.cells["TT_BUOI"] == data_cell(sheets, "TT_BUOI") == "Số liệu!A8"


@pytest.mark.parametrize("info, data, tasks", [
    ("THÔNG TIN", "SỐ LIỆU", "NHIỆM VỤ"),
    ("Thong tin", "So lieu", "Nhiem vu"),
    ("thong_tin", "so_lieu", "nhiem_vu"),
    (unicodedata.normalize("NFD", "Thông tin"), unicodedata.normalize("NFD", "Số liệu"),
     unicodedata.normalize("NFD", "Nhiệm vụ")),
])
def test_renamed_sheets(store, info, data, tasks):
    sub, problems = check(store, report(values={"TT_BUOI": 3}, info_sheet=info, data_sheet=data, task_sheet=tasks))
    assert errors(problems) == []
    assert sub.values == {"TT_BUOI": 3}
    assert "T1A" in sub.tasks


def test_numbers_as_text_and_blanks(store):
    sub, problems = check(store, report(values={"TT_BUOI": " 12 ", "TT_LUOT": "1.234", "TT_TAI_LIEU": "1 234",
                                                "TH_LOP": 12.0, "TH_LUOT": "-", "HD_30_7": None, "KT_CO_SO": 0}))
    assert errors(problems) == []
    assert sub.values == {"TT_BUOI": 12, "TT_LUOT": 1234, "TT_TAI_LIEU": 1234, "TH_LOP": 12, "TH_LUOT": None,
                          "HD_30_7": None, "KT_CO_SO": 0}


def test_codes_case_and_spaces_ignored(store):
    sub, problems = check(store, report(unit=" ca ", values={" tt_buoi ": 5}, tasks={" t1a ": "hoan thanh"}))
    assert errors(problems) == []
    assert sub.unit == "CA" and sub.values == {"TT_BUOI": 5} and sub.tasks["T1A"][0] == "done"


@pytest.mark.parametrize("quarter, expected", [(2, 2), ("II", 2), ("Quý 2", 2), ("quy III", 3), (4.0, 4), ("IV", 4)])
def test_quarter_spellings(store, quarter, expected):
    sub, problems = check(store, report(quarter=quarter, values={"TT_BUOI": 1}))
    assert errors(problems) == []
    assert sub.quarter == expected


def test_formula_with_cached_value_counts_by_its_value(store):
    import io

    from openpyxl import load_workbook
    data = book(report(values={"TT_BUOI": 5, "TT_LUOT": 100}))
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Số liệu"]
    ref = data_cell(report(values={"TT_BUOI": 5, "TT_LUOT": 100}), "TT_LUOT").split("!")[1]
    ws[ref] = "=40+60"
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl writes no cached value; add one as Excel would have when saving.
    patched = _with_cached_value(buf.getvalue(), ref, "100")
    raw, problems = read_workbook(patched, "f.xlsx")
    sub, more = validate(raw, store.plans())
    assert errors(problems + more) == []
    assert sub.values["TT_LUOT"] == 100


def _with_cached_value(data: bytes, ref: str, value: str) -> bytes:
    import io
    import re
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                body = re.sub(rb'(<c r="%s"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?' % ref.encode(),
                              rb"\1\2<v>" + value.encode() + rb"</v>", body)
            dst.writestr(info, body)
    return out.getvalue()


def test_a_value_reported_beyond_duty_is_kept_with_a_warning(store):
    sub, problems = check(store, report(unit="X_PHO_AN", values={"TT_BUOI": 4, "TH_LOP": 1}))
    assert errors(problems) == []
    assert sub.values["TH_LOP"] == 1
    assert [p.code for p in problems if p.level == "warning"] == ["element_not_assigned"]


def test_missing_task_sheet_is_a_warning(store):
    sub, problems = check(store, report(values={"TT_BUOI": 4}, task_sheet=None))
    assert errors(problems) == [] and sub is not None
    assert "missing_task_sheet" in [p.code for p in problems]


def test_preparer_name_and_signature_line_are_not_personal_data(store):
    sheets = report(values={"TT_BUOI": 4})
    sheets["Thông tin"].append(["Họ tên người lập", "Nguyễn Văn A"])
    sub, problems = check(store, sheets)
    assert errors(problems) == []


# -- refused ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, code", [
    ("mười hai", "not_a_number"), ("12 vụ", "not_a_number"), ("12,5", "not_whole"), ("-3", "negative"),
    (-3, "negative"), ("2.5", "not_whole"), (2.5, "not_whole"), ("1,234", "not_a_number"),
])
def test_bad_values_name_sheet_cell_element_and_value(store, value, code):
    sheets = report(values={"TT_BUOI": 4, "TT_LUOT": value})
    sub, problems = check(store, sheets)
    errs = errors(problems)
    assert [p.code for p in errs] == [code]
    assert errs[0].where == data_cell(sheets, "TT_LUOT")
    # as typed: a number cell's fraction with the decimal comma the Vietnamese spreadsheet showed
    typed = str(value).replace(".", ",") if isinstance(value, float) else str(value)
    assert "TT_LUOT" in errs[0].message and f"“{typed}”" in errs[0].message
    assert errs[0].value == typed


def test_every_problem_is_reported_not_only_the_first(store):
    sheets = report(unit="CA", values={"TT_BUOI": "mười", "TT_LUOT": -1, "TH_LOP": 1.5, "XX_KHONG_CO": 3})
    sheets["Nhiệm vụ"].append(["T99", "Hoàn thành"])
    sheets["Nhiệm vụ"].append(["T1B", "Sắp xong"])
    _, problems = check(store, sheets)
    assert sorted(p.code for p in errors(problems)) == sorted(
        ["not_a_number", "negative", "not_whole", "unknown_element", "unknown_task", "unknown_status"])


def test_unknown_unit(store):
    _, problems = check(store, report(unit="CA_XYZ"))
    assert [p.code for p in errors(problems)] == ["unknown_unit"]
    assert errors(problems)[0].where == "Thông tin!B3"


def test_unknown_period(store):
    _, problems = check(store, report(year=2031))
    assert [p.code for p in errors(problems)] == ["unknown_period"]
    _, problems = check(store, report(quarter=5))
    assert [p.code for p in errors(problems)] == ["unknown_period"]


def test_duplicate_code_with_different_values(store):
    sheets = report(values={"TT_BUOI": 4})
    sheets["Số liệu"].insert(4, [9, "TT_BUOI", "lặp", 5])
    _, problems = check(store, sheets)
    assert [p.code for p in errors(problems)] == ["duplicate_element"]


def test_broken_rule_is_an_error_naming_both_counts(store):
    sheets = report(values={"TIN_TON": 0, "TIN_MOI": 3, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 3})
    _, problems = check(store, sheets)
    errs = errors(problems)
    assert [p.code for p in errs] == ["rule"]
    assert errs[0].where == data_cell(sheets, "TIN_PHAN_LOAI")
    assert "TIN_PHAN_LOAI = 4" in errs[0].message and "TIN_MOI = 3" in errs[0].message


def test_rule_is_skipped_when_a_count_is_blank(store):
    _, problems = check(store, report(values={"NN_TIEP_NHAN": None, "NN_XAC_DINH": 4}))
    assert errors(problems) == []


def test_warning_rule_keeps_the_file(store):
    sub, problems = check(store, report(values={"TT_BUOI": 10, "TT_LUOT": 5}))
    assert errors(problems) == [] and sub is not None
    assert [(p.code, p.level) for p in problems] == [("rule", "warning")]


@pytest.mark.parametrize("heading", ["Họ tên", "Họ và tên", "HO TEN NAN NHAN", "Ngày sinh", "Năm sinh", "CCCD",
                                     "CMND", "Số định danh", "Số điện thoại", "Địa chỉ", "Quê quán",
                                     unicodedata.normalize("NFD", "Họ tên")])
def test_person_level_data_is_refused_wherever_it_is(store, heading):
    sheets = report(values={"TT_BUOI": 4}, extra_sheets={"Danh sách": [["STT", heading], [1, "xxx"]]})
    sub, problems = check(store, sheets)
    assert sub is None
    assert [p.code for p in errors(problems)] == ["personal_data"]
    assert errors(problems)[0].where == "Danh sách!B1"


def test_missing_sheets_and_header(store):
    _, problems = check(store, {"Trang 1": [["xin chào"]]})
    assert sorted(p.code for p in errors(problems)) == ["missing_sheet", "missing_sheet"]
    sheets = report()
    sheets["Số liệu"] = [["Mã", "Giá trị"], ["TT_BUOI", 3]]
    _, problems = check(store, sheets)
    assert [p.code for p in errors(problems)] == ["missing_field"]


def test_missing_unit_code_is_a_missing_field(store):
    sheets = report()
    sheets["Thông tin"][2] = ["Mã đơn vị", None]
    _, problems = check(store, sheets)
    assert [p.code for p in errors(problems)] == ["missing_field"]


# -- tolerance of codes and the limits of "personal data" -----------------------------------------------
def test_codes_typed_with_spaces_hyphens_or_diacritics_are_matched(store):
    sub, problems = check(store, report(values={"TT BUOI": 3, "tt-luot": 90, "TT_TÀI_LIỆU": 5}))
    assert errors(problems) == []
    assert sub.values == {"TT_BUOI": 3, "TT_LUOT": 90, "TT_TAI_LIEU": 5}


def test_a_mistyped_code_with_a_value_is_an_error_not_a_silent_skip(store):
    sheets = report(values={"TT_BUOI": 3, "TT LUOTT": 90, "Số lượt người nghe": 12})
    _, problems = check(store, sheets)
    assert sorted(p.code for p in errors(problems)) == ["unknown_element", "unknown_element"]


def test_text_in_the_code_column_without_a_value_is_not_a_data_row(store):
    sheets = report(values={"TT_BUOI": 3})
    sheets["Số liệu"].append([None, "Người lập biểu: Trưởng Công an xã", None, None])
    sub, problems = check(store, sheets)
    assert errors(problems) == [] and sub.values == {"TT_BUOI": 3}


@pytest.mark.parametrize("heading", ["Tên nạn nhân", "Ngày tháng năm sinh", "Số CCCD", "Nơi cư trú", "Họ, tên"])
def test_usual_person_level_headings_from_the_plan_are_refused(store, heading):
    from pipelines.store.load import check_file
    sheets = report(values={"TT_BUOI": 4}, extra_sheets={"DS": [["STT", heading], [1, "x"]]})
    sub, problems, _ = check_file(store, book(sheets), "ds.xlsx")
    assert sub is None and [p.code for p in problems] == ["personal_data"]


def test_a_support_model_named_in_a_task_note_is_not_personal_data(store):
    sheets = report(values={"TT_BUOI": 4})
    sheets["Nhiệm vụ"] = [["Mã nhiệm vụ", "Tình trạng", "Kết quả"],
                          ["T1A", "Hoàn thành", "Địa chỉ tin cậy tại cộng đồng đã hỗ trợ 2 trường hợp"]]
    sub, problems = check(store, sheets)
    assert errors(problems) == [] and sub.tasks["T1A"][1].startswith("Địa chỉ tin cậy")


def test_the_preparers_name_label_on_thong_tin_is_not_personal_data(store):
    sheets = report(values={"TT_BUOI": 4})
    sheets["Thông tin"].append(["Họ và tên", "Nguyễn Văn A"])
    sub, problems = check(store, sheets)
    assert errors(problems) == []
    # ...but a list of people pasted there is
    sheets["Thông tin"] += [["Nguyễn Thị B"], ["Trần Văn C"]]
    _, problems = check(store, sheets)
    assert [p.code for p in errors(problems)] == ["personal_data"]
