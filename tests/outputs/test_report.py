"""The documents the committee sends: the province report (DOCX, Nghị định 30/2020/NĐ-CP form) and
its XLSX annex, opened with python-docx and openpyxl and checked against what `attainment --format
json` and `export --what values` say for the same period (the demo store, every cumulative period)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata

import pytest
from conftest import run_cli as run
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook

from pipelines.cli import main
from pipelines.outputs.docform import vn_date

PERIODS = {"Q1": [1], "H1": [1, 2], "9M": [1, 2, 3], "Y": [1, 2, 3, 4]}
PHRASE = {"Q1": "quý I năm 2022", "H1": "6 tháng đầu năm 2022", "9M": "9 tháng năm 2022", "Y": "năm 2022"}
STATUS = {"met": "Đạt", "not_met": "Chưa đạt", "no_cases": "Không phát sinh", "no_data": "Chưa có số liệu"}
SHORT = {"KPI_TIEP_NHAN": "Tiếp nhận, phân loại tin báo", "KPI_GIAI_QUYET": "Giải quyết tin báo",
         "KPI_KHAM_PHA": "Điều tra, khám phá vụ án", "KPI_TRUY_TO": "Giải quyết, truy tố",
         "KPI_XET_XU": "Giải quyết, xét xử"}


@pytest.fixture(scope="module")
def demo(demo_store_template):
    from pipelines.store import Store
    return Store(demo_store_template)


@pytest.fixture(scope="module")
def town_values(demo):
    """Town totals per element and period, summed by hand from `export --what values` (CSV)."""
    from pipelines.cli import main as cli_main
    import contextlib
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "v.csv"
        with contextlib.redirect_stdout(io.StringIO()):
            cli_main(["export", "--what", "values", "--year", "2022", "-o", str(out), "--data-dir", str(demo.data_dir)])
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    sums = {}
    for p, qs in PERIODS.items():
        for r in rows:
            if int(r["quarter"]) in qs and r["value"] != "":
                sums[(p, r["element"])] = sums.get((p, r["element"]), 0) + int(r["value"])
    return sums, rows


def attainment(capsys, demo, period):
    code, out, _ = run(capsys, "attainment", "--year", 2022, "--period", period, "--format", "json",
                       "--data-dir", demo.data_dir)
    assert code == 0
    return {r["indicator"]: r for r in json.loads(out)}


def vn_num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


NBSP = "\u00a0"  # a document keeps a figure and its % on one line


def vn_pct(num: int, den: int) -> str:
    v = round(num / den * 100, 1)
    return (f"{v:.1f}".rstrip("0").rstrip(".")).replace(".", ",") + NBSP + "%"


@pytest.fixture(scope="module")
def reports(demo, tmp_path_factory):
    """The four reports and annexes of the demo year, as the command line writes them."""
    import contextlib
    d = tmp_path_factory.mktemp("reports")
    for p in PERIODS:
        for ext in ("docx", "xlsx"):
            with contextlib.redirect_stdout(io.StringIO()):
                assert main(["report", "--year", "2022", "--period", p, "--number", "12", "--as-of", "2023-01-05T08:00",
                             "-o", str(d / f"bc_{p}.{ext}"), "--data-dir", str(demo.data_dir)]) == 0
    return d


def text_of(doc) -> str:
    return "\n".join(p.text for p in doc.paragraphs)


# -- the DOCX -------------------------------------------------------------------------------------
@pytest.mark.parametrize("period", list(PERIODS))
def test_rates_in_sentences_and_table_match_attainment(reports, capsys, demo, period):
    att = attainment(capsys, demo, period)
    doc = Document(reports / f"bc_{period}.docx")
    text = text_of(doc)
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Chỉ tiêu" and len(t.columns) == 6)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.rows[1:]}
    assert len(rows) == 5
    for code, a in att.items():
        row = rows[SHORT[code]]
        assert row[1] == (f"{vn_num(a['numerator'])}/{vn_num(a['denominator'])}" if a["denominator"] else "—")
        assert row[4] == STATUS[a["status"]]
        if a["denominator"]:
            assert row[2] == vn_pct(a["numerator"], a["denominator"])
            sentence = f"{vn_num(a['numerator'])}/{vn_num(a['denominator'])} ({vn_pct(a['numerator'], a['denominator'])})"
            assert sentence in text
        if a["status"] == "not_met":
            assert f"cần thêm" in text and SHORT[code] in text.split("2. Tồn tại, hạn chế")[1]


def test_yearly_targets_say_which_period_judges_them(reports, capsys, demo, tmp_path):
    # H1: the yearly targets (truy tố ≥ 95 %, xét xử ≥ 90 %) are judged on the 6 months themselves.
    doc = Document(reports / "bc_H1.docx")
    text = text_of(doc)
    assert text.count("chỉ tiêu năm, đánh giá trên số lũy kế 6 tháng đầu năm 2022") == 2
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Chỉ tiêu" and len(t.columns) == 6)
    judged = {r.cells[0].text: r.cells[5].text for r in table.rows[1:]}
    assert judged["Giải quyết, truy tố"] == "Lũy kế 6 tháng đầu năm 2022 (chỉ tiêu năm)"
    assert judged["Giải quyết tin báo"] == "6 tháng đầu năm 2022"
    # Q2 alone: the verdict and the figure beside it come from H1; the quarter's own is labelled.
    out = tmp_path / "q2.docx"
    assert run(capsys, "report", "--year", 2022, "--period", "Q2", "-o", out, "--data-dir", demo.data_dir)[0] == 0
    h1 = attainment(capsys, demo, "H1")["KPI_TRUY_TO"]
    q2text = text_of(Document(out))
    sentence = next(x for x in q2text.splitlines() if "được giải quyết, truy tố:" in x)
    figure = f"{vn_num(h1['numerator'])}/{vn_num(h1['denominator'])}" if h1["denominator"] else "không phát sinh"
    assert figure in sentence and STATUS[h1["status"]].lower() in sentence.lower()
    assert "(chỉ tiêu năm, đánh giá trên số lũy kế 6 tháng đầu năm 2022)" in sentence
    assert "riêng quý II năm 2022: " in sentence


@pytest.mark.parametrize("period", list(PERIODS))
def test_activity_numbers_in_sentences_match_export(reports, town_values, period):
    sums, _ = town_values
    text = text_of(Document(reports / f"bc_{period}.docx"))
    v = lambda e: vn_num(sums[(period, e)])  # noqa: E731
    assert f"Các đơn vị tổ chức {v('TT_BUOI')} buổi tuyên truyền với {v('TT_LUOT')} lượt người nghe" in text
    assert f"tiếp nhận mới {v('TIN_MOI')} tố giác, tin báo" in text
    assert f"kiểm tra {v('KT_CO_SO')} lượt cơ sở kinh doanh" in text
    # the report to the province is exact; a zero is said in words
    victims = sums[(period, "NN_TIEP_NHAN")]
    assert (f"Tiếp nhận {v('NN_TIEP_NHAN')} người nghi là nạn nhân" if victims
            else "Không tiếp nhận người nghi là nạn nhân nào") in text


def test_sections_heading_block_and_closing(reports):
    doc = Document(reports / "bc_9M.docx")
    text = text_of(doc)
    order = ["I. TÌNH HÌNH", "II. KẾT QUẢ THỰC HIỆN", "1. Công tác tham mưu, chỉ đạo, điều hành",
             "2. Công tác truyền thông, phòng ngừa", "3. Công tác phát hiện, điều tra, truy tố, xét xử",
             "4. Công tác tiếp nhận, xác minh, bảo vệ và hỗ trợ nạn nhân", "5. Công tác xây dựng",
             "III. ĐÁNH GIÁ", "1. Ưu điểm", "2. Tồn tại, hạn chế", "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI",
             "V. ĐỀ XUẤT, KIẾN NGHỊ"]
    at = [text.index(h) for h in order]
    assert at == sorted(at)
    heads = {p.text: p for p in doc.paragraphs if p.text in ("BÁO CÁO",)}
    assert heads["BÁO CÁO"].runs[0].bold and heads["BÁO CÁO"].alignment == 1  # centred
    subject = doc.paragraphs[[p.text for p in doc.paragraphs].index("BÁO CÁO") + 1]
    # the year kept with "năm" (no-break space): a centred subject left "2023" alone on a line
    assert subject.text == "Kết quả thực hiện công tác phòng, chống mua bán người 9 tháng năm\u00a02022"
    assert subject.runs[0].bold
    assert "Kính gửi: Ban Chỉ đạo 138 tỉnh Quảng Ngãi." in text
    # next deadline: after 9 months comes the year report, due 15/12/2022
    assert "Kỳ báo cáo tiếp theo: năm 2022" in text and "15/12/2022" in text
    assert "[Cơ quan Thường trực bổ sung đề xuất" in text  # V. left for the writer

    head = doc.tables[0]
    assert len(head.columns) == 2
    borders = head._tbl.tblPr.find(qn("w:tblBorders"))
    assert all(b.get(qn("w:val")) == "nil" for b in borders)
    left, right = head.rows[0].cells
    lines = [p for p in left.paragraphs if p.text]
    assert [p.text for p in lines] == ["UBND THỊ XÃ ĐỨC PHỔ", "BAN CHỈ ĐẠO 138", "Số: 12/BC-BCĐ"]
    assert lines[1].runs[0].bold and not lines[0].runs[0].bold
    assert any(p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None for p in left.paragraphs)
    rlines = [p for p in right.paragraphs if p.text]
    assert rlines[0].text == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and rlines[0].runs[0].bold
    assert rlines[1].text == "Độc lập - Tự do - Hạnh phúc" and rlines[1].runs[0].bold
    assert any(p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None for p in right.paragraphs)
    assert rlines[2].runs[0].italic and rlines[2].text.startswith("Đức Phổ, ngày ")

    closing = doc.tables[-1]
    nl, sign = closing.rows[0].cells
    first = nl.paragraphs[0]
    assert first.text == "Nơi nhận:" and first.runs[0].bold and first.runs[0].italic
    assert first.runs[0].font.size == Pt(12)
    items = [p for p in nl.paragraphs[1:] if p.text]
    assert items[0].text == "- Như trên;" and items[-1].text == "- Lưu: VT, CAX."
    assert all(p.runs[0].font.size == Pt(11) for p in items)
    assert [p.text for p in sign.paragraphs if p.text][:2] == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN"]


def test_number_left_blank_without_option(demo, capsys, tmp_path):
    out = tmp_path / "bc.docx"
    assert run(capsys, "report", "--year", 2022, "--period", "Q1", "-o", out, "--data-dir", demo.data_dir)[0] == 0
    left = Document(out).tables[0].rows[0].cells[0]
    number = next(p.text for p in left.paragraphs if p.text.startswith("Số:"))
    assert number.endswith("/BC-BCĐ") and not any(ch.isdigit() for ch in number)


def test_page_margins_fonts_and_page_numbers(reports):
    doc = Document(reports / "bc_Y.docx")
    sec = doc.sections[0]
    mm = lambda x: round(x / 36000, 1)  # noqa: E731  EMU → mm
    assert (mm(sec.page_width), mm(sec.page_height)) == (210, 297)
    assert 20 <= mm(sec.top_margin) <= 25 and 20 <= mm(sec.bottom_margin) <= 25
    assert 30 <= mm(sec.left_margin) <= 35 and 15 <= mm(sec.right_margin) <= 20
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman" and 13 <= normal.font.size.pt <= 14
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "Times New Roman" and fonts.get(qn("w:hAnsi")) == "Times New Roman"
    # every run either inherits 13–14 pt or is set within the decree's sizes (11–14; tables 12)
    sizes = {r.font.size.pt for p in doc.paragraphs for r in p.runs if r.text and r.font.size is not None}
    assert sizes <= {12, 13, 14} and 14 in sizes
    # body paragraphs: justified, first line indented 1–1,27 cm
    body = next(p for p in doc.paragraphs if p.text.startswith("Các đơn vị tổ chức"))
    assert body.alignment == 3 and 1.0 <= body.paragraph_format.first_line_indent.cm <= 1.27
    # page number: a PAGE field centred in the header, none on the first page
    assert sec.different_first_page_header_footer
    header = sec.header.paragraphs[0]
    assert header.alignment == 1 and "PAGE" in header._p.xml
    assert "PAGE" not in sec.first_page_header._element.xml


def test_the_date_line_follows_the_decree():
    assert vn_date("Đức Phổ", dt.date(2022, 2, 5)) == "Đức Phổ, ngày 05 tháng 02 năm 2022"
    assert vn_date("Đức Phổ", dt.date(2022, 3, 15)) == "Đức Phổ, ngày 15 tháng 3 năm 2022"
    assert vn_date("Đức Phổ", dt.date(2022, 12, 1)) == "Đức Phổ, ngày 01 tháng 12 năm 2022"


def test_the_date_is_the_plans_local_day(demo):
    from pipelines.outputs.report import build_report
    doc = Document(io.BytesIO(build_report(demo, 2022, "Q1", day=dt.date(2022, 3, 20))))
    right = doc.tables[0].rows[0].cells[1]
    assert any(p.text == "Đức Phổ, ngày 20 tháng 3 năm 2022" for p in right.paragraphs)


def test_texts_come_from_the_editable_file(demo, tmp_path):
    from pipelines.outputs.docform import TEXTS_FILE
    from pipelines.outputs.report import build_report
    edited = tmp_path / "van_ban.toml"
    edited.write_text(TEXTS_FILE.read_text(encoding="utf-8").replace(
        "Ưu điểm", "Những mặt làm được"), encoding="utf-8")
    doc = Document(io.BytesIO(build_report(demo, 2022, "Q1", texts_path=edited)))
    assert "1. Những mặt làm được" in text_of(doc)


# -- the XLSX annex -------------------------------------------------------------------------------
TARGET_FORMAT = {"KPI_TIEP_NHAN": "0 %", "KPI_GIAI_QUYET": '"> "0 %', "KPI_KHAM_PHA": '"> "0 %',
                 "KPI_TRUY_TO": '"≥ "0 %', "KPI_XET_XU": '"≥ "0 %'}   # as the report: 100 %, > 90 %, ≥ 95 %


@pytest.mark.parametrize("period", list(PERIODS))
def test_annex_summary_matches_attainment(reports, capsys, demo, period):
    att = attainment(capsys, demo, period)
    wb = load_workbook(reports / f"bc_{period}.xlsx")
    ws = wb["Tổng hợp"]
    assert ws["A1"].value == "PHỤ LỤC" and ws["A3"].value.startswith("(Kèm theo Báo cáo số 12/BC-BCĐ ngày ")
    assert ws["A3"].value.endswith(" của Ban Chỉ đạo 138 thị xã Đức Phổ)")
    assert [c.value for c in ws[4]][:8] == ["Chỉ tiêu", "Nội dung", "Tử số", "Mẫu số", "Tỷ lệ", "Mục tiêu", "Đánh giá",
                                             "Kỳ đánh giá"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=5, max_row=9)}
    assert set(rows) == {SHORT[c] for c in att}
    for code, a in att.items():
        r = rows[SHORT[code]]
        if a["denominator"]:
            assert (r[2].value, r[3].value) == (a["numerator"], a["denominator"])
            assert r[4].value == pytest.approx(a["numerator"] / a["denominator"])
            shown = vn_pct(a["numerator"], a["denominator"])
            assert r[4].number_format == ("0.0 %" if "," in shown else "0 %")
        else:
            assert (r[2].value, r[3].value, r[4].value) == ("—", "—", "—")
        assert r[6].value == STATUS[a["status"]]
        assert r[5].value == pytest.approx(a["target"]) and r[5].number_format == TARGET_FORMAT[code]
        if code in ("KPI_TRUY_TO", "KPI_XET_XU"):
            assert r[7].value == f"Lũy kế {PHRASE[period]} (chỉ tiêu năm)"
    assert ws.freeze_panes == "B5"
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"  # 9 = A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$4:$4"
    # a native chart: bars of the rates (column E) with the targets (column F) as visible red markers,
    # the categories the short Vietnamese names (column A)
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    refs = [s.val.numRef.f for s in chart.series] + [s.val.numRef.f for c in chart._charts[1:] for s in c.series]
    assert "'Tổng hợp'!$E$5:$E$9" in refs and "'Tổng hợp'!$F$5:$F$9" in refs
    target = chart._charts[1].series[0]
    assert target.marker.symbol != "none" and target.marker.graphicalProperties.solidFill.srgbClr == "C00000"
    assert target.cat.numRef is None and target.cat.strRef.f == "'Tổng hợp'!$A$5:$A$9"
    # one typeface, page numbers in the footer
    assert {c.font.name for row in ws.iter_rows(min_row=1, max_row=9) for c in row if c.value is not None} == {
        "Times New Roman"}
    assert "&P" in ws.oddFooter.center.text
    assert chart.x_axis.txPr.p[0].pPr.defRPr.latin.typeface == "Times New Roman"   # the chart too
    # the page number has a line of room: it prints between the page's edge + `footer` and the bottom
    # margin, and with openpyxl's footer of 0.5 in (0.1 in of room) LibreOffice cut "Trang 1/11" in half
    wb = load_workbook(reports / f"bc_{period}.xlsx")
    for sheet in wb.worksheets:
        assert sheet.page_margins.bottom - sheet.page_margins.footer >= 0.3, sheet.title


@pytest.mark.parametrize("period", list(PERIODS))
def test_annex_section_sheets_total_the_units(reports, town_values, period):
    sums, rows = town_values
    wb = load_workbook(reports / f"bc_{period}.xlsx")
    assert {"Tổng hợp", "Hạn nộp", "Nhiệm vụ"} <= set(wb.sheetnames)
    sheet = next(n for n in wb.sheetnames if n.startswith("IV. Truyền thông"))
    ws = wb[sheet]
    header = [c.value for c in ws[4]]
    col = header.index("Số buổi tuyên truyền (buổi)")
    body = list(ws.iter_rows(min_row=5, values_only=True))
    town = body[-1]
    assert town[0] == "Toàn thị xã" and town[col] == sums[(period, "TT_BUOI")]
    by_unit = {r[0]: r[col] for r in body[:-1]}
    assert sum(v for v in by_unit.values() if v is not None) == town[col]
    ca = sum(int(r["value"]) for r in rows if r["unit"] == "CA" and r["element"] == "TT_BUOI"
             and int(r["quarter"]) in PERIODS[period] and r["value"])
    assert by_unit["Công an thị xã"] == ca
    assert ws.freeze_panes == "B5" and ws.page_setup.orientation == "landscape"
    assert ws.cell(5, col + 1).number_format == "#,##0"


def test_annex_timeliness_and_tasks(reports, capsys, demo):
    code, out, _ = run(capsys, "compliance", "--year", 2022, "--as-of", "2023-01-05T08:00", "--format", "json",
                       "--data-dir", demo.data_dir)
    comp = [r for r in json.loads(out) if r["quarter"] in (1, 2)]
    wb = load_workbook(reports / "bc_H1.xlsx")
    ws = wb["Hạn nộp"]
    body = [r for r in ws.iter_rows(min_row=5, values_only=True) if r[0]]
    assert len(body) == len(comp) == 54
    names = {"on_time": "Đúng hạn", "late": "Trễ hạn", "missing": "Chưa nộp", "pending": "Chưa đến hạn"}
    unit_names = {u.code: u.name for u in demo.plan(2022).units}
    got = sorted((r[1], r[2], r[5]) for r in body)
    want = sorted((unit_names[c["unit"]], {1: "I", 2: "II"}[c["quarter"]], names[c["status"]]) for c in comp)
    assert got == want
    assert len([r for r in wb["Nhiệm vụ"].iter_rows(min_row=5, values_only=True) if r[0]]) == 18


def test_report_refuses_other_formats(demo, capsys, tmp_path):
    code, _, err = run(capsys, "report", "--period", "H1", "-o", tmp_path / "x.pdf", "--data-dir", demo.data_dir)
    assert code == 2 and ".docx" in err and "Traceback" not in err


def test_a_period_no_unit_reported_says_so_and_not_that_nothing_arose(tmp_path, capsys):
    """An empty store's H1 report said "trên địa bàn thị xã không phát sinh. Chưa có đơn vị nào báo cáo
    số tố giác, …" (nothing arose, then nothing is known). With no count reported it says only the latter."""
    from pipelines.store import Store
    store = Store(tmp_path / "data")
    out = tmp_path / "bc.docx"
    assert run(capsys, "report", "--year", 2022, "--period", "H1", "-o", out, "--data-dir", store.data_dir)[0] == 0
    situation = next(p.text for p in Document(out).paragraphs if p.text.startswith("Trong 6 tháng đầu năm 2022"))
    assert "trên địa bàn thị xã chưa có số liệu. Chưa có đơn vị nào báo cáo số tố giác" in situation
    assert "không phát sinh" not in situation


@pytest.mark.parametrize("period", [*PERIODS, "Q2", "Q4"])
def test_annex_has_no_empty_column(demo, tmp_path, period):
    """'Riêng kỳ báo cáo' holds a quarter's own figures for a yearly target judged on the cumulative
    period (Q2 → 6 tháng): a cumulative period judges every rate on itself, and its column, all blank,
    read as figures missing. Present for a single quarter after the first, on the two yearly rates."""
    import contextlib
    out = tmp_path / f"bc_{period}.xlsx"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "--year", "2022", "--period", period, "--as-of", "2023-01-05T08:00",
                     "-o", str(out), "--data-dir", str(demo.data_dir)]) == 0
    ws = load_workbook(out)["Tổng hợp"]
    header = [c.value for c in ws[4] if c.value is not None]
    base = ["Chỉ tiêu", "Nội dung", "Tử số", "Mẫu số", "Tỷ lệ", "Mục tiêu", "Đánh giá", "Kỳ đánh giá"]
    if period in PERIODS:
        assert header == [*base, "Cần thêm"]
        assert ws.max_column == 9
        return
    assert header == [*base, "Riêng kỳ báo cáo", "Cần thêm"]
    own = {r[0].value: r[8].value for r in ws.iter_rows(min_row=5, max_row=9)}
    assert {k for k, v in own.items() if v} == {SHORT["KPI_TRUY_TO"], SHORT["KPI_XET_XU"]}
    quarter = {"Q2": "quý II", "Q4": "quý IV"}[period]
    assert all(quarter in own[SHORT[c]] for c in ("KPI_TRUY_TO", "KPI_XET_XU")), own


# -- ready to sign: who signs and section V, given on the command line or the dashboard ----------------
def _section_v(doc) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    start = texts.index("V. ĐỀ XUẤT, KIẾN NGHỊ") + 1
    end = next(i for i in range(start, len(texts)) if texts[i].startswith("Trên đây là báo cáo"))
    return [x for x in texts[start:end] if x]


def _signature(doc) -> list:
    return [p for p in doc.tables[-1].rows[0].cells[1].paragraphs if p.text]


def test_signer_and_proposals_come_out_ready_to_sign(demo, capsys, tmp_path):
    proposals = tmp_path / "de_xuat.txt"
    # as a clerk's editor may save it: a BOM, decomposed accents (NFD), blank lines, doubled spaces
    proposals.write_text(unicodedata.normalize("NFD", "\ufeffĐề nghị Ban Chỉ đạo 138 tỉnh tổ chức tập huấn.\n\n"
                                                      "  Đề nghị   hỗ trợ kinh phí cho các xã.  \n"), encoding="utf-8")
    out = tmp_path / "bc.docx"
    code, _, _ = run(capsys, "report", "--year", 2022, "--period", "9M",
                     "--signer", unicodedata.normalize("NFD", "Nguyễn  Văn\x1a An "),  # a Mac's accents, a DOS EOF mark
                  "--proposals", proposals, "-o", out, "--data-dir", demo.data_dir)
    assert code == 0
    doc = Document(out)
    assert _section_v(doc) == ["Đề nghị Ban Chỉ đạo 138 tỉnh tổ chức tập huấn.", "Đề nghị hỗ trợ kinh phí cho các xã."]
    assert "[Cơ quan Thường trực bổ sung" not in text_of(doc)
    sign = _signature(doc)
    assert [p.text for p in sign] == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN", "Nguyễn Văn An"]  # the plan's authority
    assert sign[-1].runs[0].bold


def test_without_them_the_report_asks_for_them(demo, capsys, tmp_path):
    out = tmp_path / "bc.docx"
    assert run(capsys, "report", "--year", 2022, "--period", "Q1", "-o", out, "--data-dir", demo.data_dir)[0] == 0
    doc = Document(out)
    assert _section_v(doc) == ["[Cơ quan Thường trực bổ sung đề xuất, kiến nghị với Ban Chỉ đạo 138 tỉnh "
                               "trước khi trình ký.]"]
    assert [p.text for p in _signature(doc)] == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN"]  # the plan's signer is blank


def test_the_deputy_signs_for_the_head(demo):
    from pipelines.outputs import docform
    from pipelines.outputs.report import build_report
    plan = demo.plan(2022)
    choices = docform.authorities(plan.documents, plan.plan.committee)
    # the plan's two ways ([documents.report] and [documents.reminder]), the report's first, each with the
    # name the plan gives (blank in the demo plan: written by hand)
    assert choices == [(["TM. Ban Chỉ đạo", "Trưởng ban"], ""),
                       (["TM. Ban Chỉ đạo", "KT. Trưởng ban", "Phó Trưởng ban Thường trực"], "")]
    doc = Document(io.BytesIO(build_report(demo, 2022, "H1", sign_as=choices[1][0], signer="Trần Thị Bình")))
    assert [p.text for p in _signature(doc)] == ["TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN THƯỜNG TRỰC",
                                                 "Trần Thị Bình"]


@pytest.mark.parametrize("content, says", [(None, "không có tệp"), (b"\xff\xfeD\x00", "không phải văn bản UTF-8"),
                                           ("dir", "là thư mục")])
def test_a_proposals_file_that_cannot_be_read_is_refused(demo, capsys, tmp_path, content, says):
    path = tmp_path / "de_xuat.txt"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    out = tmp_path / "bc.docx"
    code, _, err = run(capsys, "report", "--year", 2022, "--period", "Q1", "--proposals", path, "-o", out,
                       "--data-dir", demo.data_dir)
    assert code == 2 and says in err and "--proposals" in err and str(path) in err
    assert not out.exists()


def test_a_unit_late_in_several_quarters_is_named_once(demo, capsys, tmp_path):
    """III.2 lists each unit late or missing once, in the plan's order, its quarters grouped by status.
    Missing: the plan's demo config (Q3 X_PHO_KHANH; Q4 X_PHO_NHON, DTN); late: the two units the demo's
    seed draws each quarter (Q1 DTN, P_PHO_THANH; Q2 P_PHO_MINH, P_PHO_VINH; Q3 DTN, X_PHO_CHAU; Q4
    P_NGUYEN_NGHIEM, P_PHO_HOA — the last two as in test_reminders.py). The Youth Union (plan's 12th
    unit) is then late in Q1 and Q3 and missing in Q4."""
    out = tmp_path / "bc.docx"
    assert run(capsys, "report", "--year", 2022, "--period", "Y", "-o", out, "--data-dir", demo.data_dir)[0] == 0
    line = next(p.text for p in Document(out).paragraphs if p.text.startswith("Đơn vị nộp báo cáo trễ hạn"))
    assert line == ("Đơn vị nộp báo cáo trễ hạn hoặc chưa nộp: Thị đoàn Thanh niên (quý I, III: trễ hạn; quý IV: "
                    "chưa nộp); Phường Nguyễn Nghiêm (quý IV: trễ hạn); Phường Phổ Hòa (quý IV: trễ hạn); Phường Phổ "
                    "Minh (quý II: trễ hạn); Phường Phổ Thạnh (quý I: trễ hạn); Phường Phổ Vinh (quý II: trễ hạn); "
                    "Xã Phổ Châu (quý III: trễ hạn); Xã Phổ Khánh (quý III: chưa nộp); Xã Phổ Nhơn (quý IV: chưa nộp).")
    # a period before Q4: only its own quarters
    out = tmp_path / "bc_h1.docx"
    assert run(capsys, "report", "--year", 2022, "--period", "H1", "-o", out, "--data-dir", demo.data_dir)[0] == 0
    line = next(p.text for p in Document(out).paragraphs if p.text.startswith("Đơn vị nộp báo cáo trễ hạn"))
    assert line == ("Đơn vị nộp báo cáo trễ hạn hoặc chưa nộp: Thị đoàn Thanh niên (quý I: trễ hạn); Phường Phổ "
                    "Minh (quý II: trễ hạn); Phường Phổ Thạnh (quý I: trễ hạn); Phường Phổ Vinh (quý II: trễ hạn).")


def test_the_signer_given_wins_over_the_plans_even_blank():
    from pipelines.outputs import docform
    from pipelines.plan import DocumentForm
    form = DocumentForm(sign_as=["TM. Ban Chỉ đạo", "Trưởng ban"], signer="Nguyễn Văn A")
    assert docform.signature(form, "Ban Chỉ đạo 138") == (["TM. Ban Chỉ đạo", "Trưởng ban"], "Nguyễn Văn A")
    # a clerk who empties the name wants the line left to write by hand, not the plan's name back
    assert docform.signature(form, "Ban Chỉ đạo 138", signer="") == (["TM. Ban Chỉ đạo", "Trưởng ban"], "")
    assert docform.signature(DocumentForm(), "Ban Chỉ đạo 138", signer=" Lê\tVăn  C ") == (["TM. Ban Chỉ đạo 138"],
                                                                                            "Lê Văn C")
    assert docform.authority_lines(" TM. Ban Chỉ đạo /KT. Trưởng ban/ / Phó Trưởng ban ") == [
        "TM. Ban Chỉ đạo", "KT. Trưởng ban", "Phó Trưởng ban"]


def test_the_command_line_chooses_the_authority(demo, capsys, tmp_path):
    out = tmp_path / "bc.docx"
    code, _, _ = run(capsys, "report", "--year", 2022, "--period", "H1", "--signer", "Trần Thị Bình", "--sign-as",
                     "TM. Ban Chỉ đạo / KT. Trưởng ban / Phó Trưởng ban Thường trực", "-o", out, "--data-dir", demo.data_dir)
    assert code == 0
    assert [p.text for p in _signature(Document(out))] == ["TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN",
                                                           "PHÓ TRƯỞNG BAN THƯỜNG TRỰC", "Trần Thị Bình"]
    # the annex has no signature and no section V: asking for them there is a mistake, said
    code, _, err = run(capsys, "report", "--year", 2022, "--period", "H1", "--signer", "Trần Thị Bình",
                       "-o", tmp_path / "pl.xlsx", "--data-dir", demo.data_dir)
    assert code == 2 and "--signer: chỉ dùng cho báo cáo .docx" in err and not (tmp_path / "pl.xlsx").exists()
    code, _, err = run(capsys, "report", "--year", 2022, "--period", "H1", "--sign-as", " / ", "-o", out,
                       "--data-dir", demo.data_dir)
    assert code == 2 and "--sign-as" in err


def test_a_text_file_edited_before_still_builds(demo, tmp_path):
    """data/templates/van_ban.toml is the users' to edit: one edited before the late units were grouped and
    section V was typed in still builds, says what it says, and loses nothing the clerk typed."""
    from pipelines.outputs.docform import TEXTS_FILE
    from pipelines.outputs.report import build_report
    text = TEXTS_FILE.read_text(encoding="utf-8")
    old = text.replace('paragraphs = ["@proposals"]', 'paragraphs = ["{placeholder_proposals}"]')
    old = old.replace('late_item = "{unit_name} ({detail})"\n', 'late_item = "{unit_name} (quý {quarter}: {status})"\n')
    old = old.replace('late_detail = "quý {quarters}: {status}"\n', "")
    assert old.count("{placeholder_proposals}") == 1 and "late_detail" not in old and "{quarter}: {status}" in old
    path = tmp_path / "van_ban.toml"
    path.write_text(old, encoding="utf-8")
    doc = Document(io.BytesIO(build_report(demo, 2022, "H1", texts_path=path, proposals=["Đề nghị tập huấn."])))
    assert _section_v(doc) == ["Đề nghị tập huấn."]
    line = next(p.text for p in doc.paragraphs if p.text.startswith("Đơn vị nộp báo cáo trễ hạn"))
    assert line.startswith("Đơn vị nộp báo cáo trễ hạn hoặc chưa nộp: Thị đoàn Thanh niên (quý I: trễ hạn); ")
