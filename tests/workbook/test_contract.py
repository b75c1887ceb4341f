"""Every case of shared/spec/workbook.md, each mapped to the test that proves it on a real workbook.

`report()` (tests/conftest.py) lays a report out as: `Thông tin` rows 3–5 = Mã đơn vị / Năm / Quý with
the value in column B; `Số liệu` header on row 1 (STT, Mã chỉ tiêu, Chỉ tiêu, Số liệu = A..D), a
section title on row 2, the first code on row 3; `Nhiệm vụ` header on row 1, first task on row 2.
The cells below are counted by hand from that layout. Test files named without a folder are in
tests/workbook/.

| workbook.md case (a few words) | level / code | test |
|---|---|---|
| Formats: `.xlsx`, `.xls`, `.ods` read | accepted | test_read.py::test_reads_every_format |
| `.xlsm` (macros never run) | accepted | test_corpus.py::test_odd_but_valid_files[macro.xlsm] |
| "a PDF renamed `.xlsx`" | refused `unreadable` | test_guard.py::test_not_a_workbook |
| "an encrypted workbook" | refused `encrypted` | test_guard.py::test_encrypted_workbook |
| "a corrupt zip" | refused `unreadable` | test_guard.py::test_corrupt_member_is_unreadable, ::test_truncated_workbook |
| "Anything else" (a CSV) | refused `unreadable` | **new** test_contract.py::test_anything_else_is_refused |
| "Formula cells count by their cached value" | accepted | test_read.py::test_formula_with_cached_value_counts_by_its_value, test_guard.py::test_ods_formula_with_its_value_reads_the_value |
| "a formula with no cached value is an error" | `formula_without_value` @ cell | test_guard.py::test_formula_without_cached_value_is_an_error_at_its_cell, ::test_ods_formula_without_value_is_an_error_at_its_cell |
| "XML declares a DTD or entities" | refused `hostile` | test_guard.py::test_xml_entities_are_refused, ::test_external_entity_in_a_sheet_is_refused |
| "parts would inflate past a sane bound" | refused `hostile` | test_guard.py::test_zip_bomb_is_refused_in_under_a_second_and_600_mb, ::test_zip_bomb_lying_about_its_size_is_refused_without_inflating_past_the_lie, test_hostile.py::test_a_value_one_past_the_bound_is_refused_in_every_format |
| "Codes … ignoring case and surrounding spaces" | accepted | test_read.py::test_codes_case_and_spaces_ignored |
| Sheet names: case, diacritics, NFC/NFD, `so_lieu` | accepted | test_read.py::test_renamed_sheets |
| "old vs new tone placement" (`Qúy`/`Quý`), surrounding spaces of a sheet name | accepted | **new** test_contract.py::test_old_tone_placement_and_spaces_around_names_are_the_same |
| "Order of sheets does not matter; extra sheets are ignored" | accepted | **new** test_contract.py::test_sheet_order_does_not_matter_and_extra_sheets_are_ignored |
| "person-level data anywhere refuses the file" | refused `personal_data` @ cell | test_read.py::test_person_level_data_is_refused_wherever_it_is, tests/store/test_load.py::test_personal_data_file_is_not_even_archived |
| `Thông tin` (required) missing | refused `missing_sheet` | test_read.py::test_missing_sheets_and_header |
| "value in the first non-empty cell to its right. … Any row order; other rows are ignored", labels matched like sheet names | accepted | **new** test_contract.py::test_info_value_is_the_first_non_empty_cell_right_of_its_label_in_any_row_order |
| Mã đơn vị unknown | refused `unknown_unit` @ Thông tin!B3 | test_read.py::test_unknown_unit |
| Mã đơn vị required | refused `missing_field` | test_read.py::test_missing_unit_code_is_a_missing_field |
| Năm / Quý required | refused `missing_field` | **new** test_contract.py::test_year_and_quarter_are_required |
| "a year and quarter no loaded plan covers" | refused `unknown_period` @ cell | test_read.py::test_unknown_period; **new** test_contract.py::test_unknown_period_names_the_cell |
| Quý `1..4`, `I..IV`, `Quý 2` | accepted | test_read.py::test_quarter_spellings |
| Tên đơn vị "shown, not trusted"; Ngày lập, Phiên bản mẫu optional | accepted | **new** test_contract.py::test_unit_name_is_shown_not_trusted_and_optional_fields_are_kept |
| `Số liệu` (required) missing | refused `missing_sheet` | test_read.py::test_missing_sheets_and_header |
| header row "within the first 30 rows" | accepted / `missing_field` | test_validate.py::test_the_header_row_is_found_up_to_row_30_and_not_beyond |
| header without `Mã chỉ tiêu`/`Số liệu` | refused `missing_field` | test_read.py::test_missing_sheets_and_header |
| header cells "matched like labels" | accepted | **new** test_contract.py::test_header_cells_are_matched_like_labels |
| optional header cells "in any column order" | accepted | test_read.py::test_title_rows_and_reordered_columns |
| "rows with an empty code cell … are skipped" | accepted | **new** test_contract.py::test_rows_with_an_empty_code_cell_are_skipped_wherever_they_are, test_read.py::test_text_in_the_code_column_without_a_value_is_not_a_data_row |
| Values `12`, `12.0`, `" 12 "`, `"1.234"`, `"1 234"` | accepted | test_read.py::test_numbers_as_text_and_blanks |
| "groups of exactly three digits" | refused @ cell | **new** test_contract.py::test_thousands_groups_must_have_exactly_three_digits |
| `"1,234"` ambiguous | refused `not_a_number` @ cell | test_read.py::test_bad_values_name_sheet_cell_element_and_value[1,234-not_a_number] |
| "Blank or `-` means not reported" | accepted (NULL) | test_read.py::test_numbers_as_text_and_blanks |
| `mười hai`, `12 vụ`, `12,5`, `-3`, `2.5` name sheet, cell, element, value | refused `not_a_number`/`not_whole`/`negative` | test_read.py::test_bad_values_name_sheet_cell_element_and_value; **new** (.xls, .ods) test_contract.py::test_a_bad_value_names_its_cell_in_every_format |
| "an unknown element code" | refused `unknown_element` @ code cell | test_read.py::test_a_mistyped_code_with_a_value_is_an_error_not_a_silent_skip; **new** test_contract.py::test_an_unknown_element_names_its_cell_and_code |
| "the same code twice with different values" | refused `duplicate_element` @ cell | test_read.py::test_duplicate_code_with_different_values; **new** test_contract.py::test_the_same_code_twice_with_different_values_names_both_cells |
| the same code twice with the same value | accepted | **new** test_contract.py::test_the_same_code_twice_with_the_same_value_is_tolerated |
| "a code the unit's kind does not report is a warning and the value is kept" | warning `element_not_assigned` | test_read.py::test_a_value_reported_beyond_duty_is_kept_with_a_warning |
| `Nhiệm vụ` header, optional columns any order, statuses ignoring case and diacritics | accepted | test_read.py::test_codes_case_and_spaces_ignored; **new** test_contract.py::test_task_sheet_optional_columns_in_any_order_and_statuses_without_diacritics |
| "Unknown task code or status: error" | refused `unknown_task` / `unknown_status` @ cell | test_read.py::test_every_problem_is_reported_not_only_the_first; **new** test_contract.py::test_unknown_task_code_and_status_name_their_cells |
| "Missing sheet: no task statuses … (warning)" | warning `missing_task_sheet` | test_read.py::test_missing_task_sheet_is_a_warning |
| "loaded whole and atomically … raw bytes archived … content-addressed" | accepted | tests/store/test_load.py::test_accepted_file_is_archived_by_content_and_recorded, ::test_a_failure_mid_load_rolls_everything_back |
| "A file that fails is loaded not at all … every problem found" | rejected | tests/store/test_load.py::test_rejected_file_leaves_nothing, test_read.py::test_every_problem_is_reported_not_only_the_first |
| "same bytes again is a no-op reported as a duplicate" | duplicate | tests/store/test_load.py::test_same_bytes_again_is_a_duplicate_and_a_no_op |
| "new current version; earlier versions stay, can be listed, … restore" | accepted | tests/store/test_load.py::test_new_version_becomes_current_and_restore_brings_the_old_back |
"""
import pytest
from conftest import book, report

from pipelines.store.load import check_file, ingest_bytes
from pipelines.workbook.read import read_workbook


def run(store, sheets, fmt="xlsx"):
    """The real reader + validator (check_file), on a real file: (submission, errors, warnings)."""
    sub, problems, _ = check_file(store, book(sheets, fmt), f"bc.{fmt}")
    return (sub, [p for p in problems if p.level == "error"], [p for p in problems if p.level == "warning"])


def where(problems):
    return [(p.code, p.where) for p in problems]


# -- formats ---------------------------------------------------------------------------------------
def test_anything_else_is_refused():
    raw, problems = read_workbook("Mã đơn vị,CA\nNăm,2022\n".encode(), "bao_cao.csv")
    assert raw is None and [p.code for p in problems] == ["unreadable"]


# -- sheets ----------------------------------------------------------------------------------------
def test_old_tone_placement_and_spaces_around_names_are_the_same(store):
    sheets = report(values={"TT_BUOI": 2}, data_sheet=" Số Liệu ")
    sheets["Thông tin"][4] = ["Qúy", "Qúy 3"]          # old tone placement, label and value
    sub, errs, _ = run(store, sheets)
    assert errs == []
    assert (sub.unit, sub.year, sub.quarter) == ("CA", 2022, 3)
    assert sub.values == {"TT_BUOI": 2} and sub.cells["TT_BUOI"] == " Số Liệu !D3"


def test_sheet_order_does_not_matter_and_extra_sheets_are_ignored(store):
    base = report(values={"TT_BUOI": 6, "TT_LUOT": 120})
    sheets = {"Hướng dẫn": [["Mã chỉ tiêu", "Số liệu"], ["TT_BUOI", "không phải số"]],
              "Nhiệm vụ": base["Nhiệm vụ"], "Số liệu": base["Số liệu"], "Biểu đồ": [[1, 2, 3]],
              "Thông tin": base["Thông tin"]}
    sub, errs, warns = run(store, sheets)
    assert errs == [] and warns == []
    assert sub.values == {"TT_BUOI": 6, "TT_LUOT": 120}
    assert sub.cells == {"TT_BUOI": "Số liệu!D3", "TT_LUOT": "Số liệu!D4"}


# -- Thông tin ---------------------------------------------------------------------------------------
def test_info_value_is_the_first_non_empty_cell_right_of_its_label_in_any_row_order(store):
    sheets = report(values={"TT_BUOI": 1})
    sheets["Thông tin"] = [
        ["BÁO CÁO KẾT QUẢ QUÝ"],
        [None, "QUÝ", None, None, "II"],                 # value three cells to the right → 2
        [None, "Người ký", "Trưởng ban"],                 # not a label of the contract: ignored
        [None, "nam", None, 2022],
        [None, " ma don vi ", None, None, None, " ca "],
    ]
    sub, errs, _ = run(store, sheets)
    assert errs == []
    assert (sub.unit, sub.year, sub.quarter) == ("CA", 2022, 2)


@pytest.mark.parametrize("row, label", [(3, "Năm"), (4, "Quý")])
def test_year_and_quarter_are_required(store, row, label):
    sheets = report(values={"TT_BUOI": 1})
    del sheets["Thông tin"][row]                          # no Năm (or no Quý) row at all
    sub, errs, _ = run(store, sheets)
    assert where(errs) == [("missing_field", "Thông tin")]
    assert label in errs[0].message


def test_unknown_period_names_the_cell(store):
    _, errs, _ = run(store, report(year=2031))
    assert where(errs) == [("unknown_period", "Thông tin!B4")]
    _, errs, _ = run(store, report(quarter=5))
    assert where(errs) == [("unknown_period", "Thông tin!B5")]
    assert errs[0].value == "5"


def test_unit_name_is_shown_not_trusted_and_optional_fields_are_kept(store):
    sheets = report(values={"TT_BUOI": 3})
    sheets["Thông tin"] += [["Tên đơn vị", "Viện kiểm sát nhân dân"], ["Ngày lập", "15/03/2022"],
                            ["Phiên bản mẫu", "2022.1"]]
    sub, errs, warns = run(store, sheets)
    assert errs == [] and warns == []
    assert sub.unit == "CA"                               # the code decides, not the name
    assert (sub.unit_name_given, sub.prepared_on, sub.template_version) == (
        "Viện kiểm sát nhân dân", "15/03/2022", "2022.1")


# -- Số liệu -----------------------------------------------------------------------------------------
def test_header_cells_are_matched_like_labels(store):
    sheets = report(values={"TT_BUOI": 5})
    sheets["Số liệu"][0] = ["stt", "MA CHI TIEU", "Chỉ tiêu", " số_liệu "]
    sub, errs, _ = run(store, sheets)
    assert errs == [] and sub.values == {"TT_BUOI": 5} and sub.cells["TT_BUOI"] == "Số liệu!D3"


def test_rows_with_an_empty_code_cell_are_skipped_wherever_they_are(store):
    sheets = report(values={"TT_BUOI": 5}, extra_rows=[
        [],                                              # row 4: blank
        ["II. TUYÊN TRUYỀN", None, None, 99],             # row 5: section title, even with a number
        [2, "TT_LUOT", "Số lượt người nghe", 80],         # row 6
    ])
    sub, errs, _ = run(store, sheets)
    assert errs == []
    assert sub.values == {"TT_BUOI": 5, "TT_LUOT": 80}
    assert sub.cells["TT_LUOT"] == "Số liệu!D6"


@pytest.mark.parametrize("value, code", [("1.23", "not_whole"), ("1.2345", "not_whole"), ("1 23", "not_a_number"),
                                         ("12 34", "not_a_number")])
def test_thousands_groups_must_have_exactly_three_digits(store, value, code):
    sub, errs, _ = run(store, report(values={"TT_BUOI": 4, "TT_LUOT": value}))
    assert where(errs) == [(code, "Số liệu!D4")]
    assert errs[0].value == value and "TT_LUOT" in errs[0].message


@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.parametrize("value, code", [("12 vụ", "not_a_number"), ("12,5", "not_whole"), (-3, "negative")])
def test_a_bad_value_names_its_cell_in_every_format(store, fmt, value, code):
    _, errs, _ = run(store, report(values={"TT_BUOI": 4, "TT_LUOT": value}), fmt)
    assert where(errs) == [(code, "Số liệu!D4")]
    assert "TT_LUOT" in errs[0].message and str(value) in errs[0].message


def test_an_unknown_element_names_its_cell_and_code(store):
    _, errs, _ = run(store, report(values={"TT_BUOI": 4, "XX_KHONG_CO": 3}))
    assert where(errs) == [("unknown_element", "Số liệu!B4")]
    assert "XX_KHONG_CO" in errs[0].message


def test_the_same_code_twice_with_different_values_names_both_cells(store):
    sheets = report(values={"TT_BUOI": 4}, extra_rows=[[9, "TT_BUOI", "lặp", 5]])   # row 4
    sub, errs, _ = run(store, sheets)
    assert where(errs) == [("duplicate_element", "Số liệu!B4")]
    assert "Số liệu!D3: 4" in errs[0].message and "Số liệu!D4: 5" in errs[0].message


def test_the_same_code_twice_with_the_same_value_is_tolerated(store):
    r = ingest_bytes(store, book(report(values={"TT_BUOI": 4}, extra_rows=[[9, "tt_buoi", "lặp", "4"]])), "bc.xlsx")
    assert r.status == "accepted" and r.errors == []
    with store.connect() as con:
        assert con.execute("SELECT element, value FROM submission_value").fetchall() == [("TT_BUOI", 4)]


# -- Nhiệm vụ ----------------------------------------------------------------------------------------
def test_task_sheet_optional_columns_in_any_order_and_statuses_without_diacritics(store):
    sheets = report(values={"TT_BUOI": 4})
    sheets["Nhiệm vụ"] = [["Vai trò", "TINH TRANG", "Nội dung", "Mã nhiệm vụ", "Ghi chú"],
                          ["Chủ trì", "dang trien khai", "Tuyên truyền", "T1A", "đã họp 2 lần"],
                          [None, "KHÔNG ÁP DỤNG", None, "t1b", None]]
    sub, errs, warns = run(store, sheets)
    assert errs == [] and warns == []
    assert {k: v[0] for k, v in sub.tasks.items()} == {"T1A": "in_progress", "T1B": "not_applicable"}
    assert sub.tasks["T1A"][2] == "Nhiệm vụ!B2"


def test_unknown_task_code_and_status_name_their_cells(store):
    sheets = report(values={"TT_BUOI": 4}, tasks={"T1A": "Hoàn thành", "T99": "Hoàn thành", "T1B": "Sắp xong"})
    sub, errs, _ = run(store, sheets)
    assert where(errs) == [("unknown_task", "Nhiệm vụ!A3"), ("unknown_status", "Nhiệm vụ!B4")]
    assert "T99" in errs[0].message and "Sắp xong" in errs[1].message
