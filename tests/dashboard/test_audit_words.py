"""The audit log as an administrator reads it: names, not codes (dashboard/parts/audit_words.py)."""
from dashboard.parts.audit_words import actor_name, detail_in_words

UNITS = {"X_PHO_THUAN": "Xã Phổ Thuận", "CA": "Công an thị xã"}


def test_a_report_load_names_the_unit_and_the_quarter():
    detail = "DEMO_X_PHO_THUAN_2023_Q4.xlsx: X_PHO_THUAN 2023 Q4 → #212"
    # the file name keeps its letters (codes inside it are joined by "_", no word boundary)
    assert detail_in_words(detail, UNITS) == "DEMO_X_PHO_THUAN_2023_Q4.xlsx: Xã Phổ Thuận, quý IV/2023 → #212"
    assert detail_in_words(detail, UNITS, "en") == "DEMO_X_PHO_THUAN_2023_Q4.xlsx: Xã Phổ Thuận, Q4 2023 → #212"


def test_bare_unit_codes_become_names_and_unknown_words_stay():
    assert detail_in_words("CA 2022 Q2 TIN_TON = 5", UNITS) == "Công an thị xã, quý II/2022 TIN_TON = 5"
    assert detail_in_words("khôi phục bản #3 của CA", UNITS) == "khôi phục bản #3 của Công an thị xã"
    assert detail_in_words("", UNITS) == ""


def test_the_programs_own_actors_are_named_in_words():
    assert [actor_name(a) for a in ("system", "demo", "cli", "nguyen_van_a")] == \
        ["hệ thống", "dữ liệu mẫu", "dòng lệnh", "nguyen_van_a"]
