"""Folding of sheet names, labels and statuses (spec/workbook.md, "Sheets")."""
import unicodedata

import pytest

from pipelines.text import fold, norm_code


@pytest.mark.parametrize("variant", ["Số liệu", "SỐ LIỆU", "So lieu", "so_lieu", "  số   liệu ", "So-Lieu",
                                     unicodedata.normalize("NFD", "Số liệu")])
def test_sheet_name_variants_fold_alike(variant):
    assert fold(variant) == fold("Số liệu") == "so lieu"


@pytest.mark.parametrize("old, new", [("Hoà", "Hòa"), ("Qúy", "Quý"), ("Thuỷ", "Thủy")])
def test_old_and_new_tone_placement_fold_alike(old, new):
    assert fold(old) == fold(new)


def test_d_with_stroke_folds_to_d():
    assert fold("Đơn vị") == "don vi"


def test_codes_ignore_case_and_surrounding_spaces():
    assert norm_code(" tt_buoi ") == "TT_BUOI"
