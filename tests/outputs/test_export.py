"""Exports: CSV with BOM and formula-safe; XLSX with header, frozen panes, formats and Vietnamese titles."""
import io

import pandas as pd
from openpyxl import load_workbook

from pipelines.outputs import fmt
from pipelines.outputs.export import to_csv_bytes, to_xlsx_bytes


def test_csv_has_bom_and_neutralises_formulas():
    df = pd.DataFrame({"unit": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "Phổ Hòa"], "value": [1, 2, 3, 4, 5]})
    raw = to_csv_bytes(df)
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert back["unit"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "Phổ Hòa"]
    assert back["value"].tolist() == [1, 2, 3, 4, 5]  # numbers are left alone


def test_xlsx_has_titles_frozen_header_and_formats():
    df = pd.DataFrame({"unit": ["CA", "=cmd"], "numerator": [1234, 5], "value": [0.925, None]})
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(df))).active
    assert [c.value for c in ws[1]] == ["Mã đơn vị", "Tử số", "Số liệu"]
    assert ws.freeze_panes == "A2"
    assert ws["B2"].number_format == "#,##0"
    assert ws["A3"].value == "'=cmd" and ws["C3"].value is None


def test_a_values_export_shows_counts_as_counts():
    # The bug of issue 18: RATE_COLUMNS = {"value"} made 102 listeners read "10200.0%".
    df = pd.DataFrame({"unit": ["CA", "CA"], "year": [2022, 2022], "quarter": [1, 1],
                       "element": ["TT_LUOT", "TIN_MOI"], "value": [102, 2]})
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(df))).active
    assert [ws.cell(r, 5).number_format for r in (2, 3)] == ["#,##0", "#,##0"]
    assert ws["B2"].number_format == "0" and ws["C2"].number_format == "0"   # 2022, not 2.022


def test_an_attainment_export_shows_rates_and_targets_as_rates():
    df = pd.DataFrame({"indicator": ["KPI_GIAI_QUYET", "KPI_TIEP_NHAN"], "numerator": [37, 3], "denominator": [40, 3],
                       "value": [0.925, 1.0], "target_op": [">", ">="], "target": [0.9, 1.0]})
    ws = load_workbook(io.BytesIO(to_xlsx_bytes(df))).active
    assert ws["D1"].value == "Giá trị tỷ lệ"
    assert [ws.cell(r, 4).number_format for r in (2, 3)] == ["0.0%", "0.0%"]
    assert [ws.cell(r, 6).number_format for r in (2, 3)] == ["0%", "0%"]
    assert [ws.cell(r, 2).number_format for r in (2, 3)] == ["#,##0", "#,##0"]


def test_a_publication_copy_explains_its_hidden_cells():
    df = pd.DataFrame({"unit": ["CA", "VKS"], "element": ["NN_TIEP_NHAN", "NN_TIEP_NHAN"], "value": ["≤10", "x"]})
    wb = load_workbook(io.BytesIO(to_xlsx_bytes(df)))
    note = " ".join(str(c.value) for c in wb["Ghi chú"]["A"])
    assert "“≤10”: số người từ 1 đến 10" in note and "“x”: ô được ẩn thêm" in note
    plain = load_workbook(io.BytesIO(to_xlsx_bytes(df.assign(value=[3, 12]))))
    assert plain.sheetnames == ["Dữ liệu"]


def test_vietnamese_number_and_date_formats():
    import datetime as dt
    assert fmt.num(1234) == "1.234"
    assert fmt.num(1234.5, 1) == "1.234,5"
    assert fmt.pct(0.925) == "92,5 %"
    assert fmt.pct(1.0) == "100 %"
    assert fmt.pct(None) == "—"
    assert fmt.date(dt.date(2022, 3, 15)) == "15/03/2022"
    assert fmt.target(">", 0.9) == "> 90 %" and fmt.target(">=", 0.95) == "≥ 95 %"
