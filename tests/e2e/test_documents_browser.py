"""End to end: a viewer downloads the report to the province (DOCX) and its annex (XLSX) from Tổng quan,
the reminder letters from Tiến độ & hạn nộp, and a publication copy of the data from Dữ liệu, in the
system's headless Chromium; the files are opened and checked against the metrics."""
from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from browser_kit import MARKS, add_accounts, chromium, idle, no_errors, open_as, serve, settle, shot, tab  # noqa: F401
from docx import Document
from openpyxl import load_workbook

from pipelines.outputs import metrics
from pipelines.store import Store

pytestmark = MARKS


@pytest.fixture(scope="module")
def e2e_data(demo_store_template, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("e2e-docs") / "data"
    shutil.copytree(demo_store_template, target)
    add_accounts(target)
    return target


@pytest.fixture(scope="module")
def app_url(e2e_data, tmp_path_factory):
    with serve(e2e_data, tmp_path_factory.mktemp("e2e-docs-log") / "streamlit.log") as url:
        yield url


def _download(tab, name: str):
    with tab.expect_download() as info:
        tab.get_by_role("button", name=name).click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


def test_report_and_annex_from_the_overview(app_url, tab, e2e_data):
    open_as(tab, f"{app_url}/?period=H1", "xem", "Tổng quan — 6 tháng năm 2022")
    tab.get_by_text("Báo cáo gửi Ban Chỉ đạo 138 tỉnh").first.scroll_into_view_if_needed()
    shot(tab, "tong-quan-bao-cao")
    name, raw = _download(tab, "Tải báo cáo (.docx)")
    assert name == "DEMO_BaoCao_PCMBN_2022_H1.docx"
    doc = Document(io.BytesIO(raw))
    text = "\n".join(p.text for p in doc.paragraphs)
    row = metrics.attainment(Store(e2e_data), 2022, "H1").set_index("indicator").loc["KPI_GIAI_QUYET"]
    assert f"{row.numerator}/{row.denominator}" in text and "BÁO CÁO" in text
    name, raw = _download(tab, "Tải phụ lục (.xlsx)")
    assert name == "DEMO_BaoCao_PCMBN_2022_H1.xlsx"
    ws = load_workbook(io.BytesIO(raw))["Tổng hợp"]
    got = {r[0]: (r[2], r[3]) for r in ws.iter_rows(min_row=5, max_row=9, values_only=True)}   # by short name
    assert got["Giải quyết tin báo"] == (row.numerator, row.denominator)
    no_errors(tab)


def test_the_report_comes_out_ready_to_sign(app_url, tab):
    """What the clerk fills beside the download — the signer's name, the deputy signing for the head,
    section V — is in the file: nothing left to retype in Word before it goes to be signed."""
    open_as(tab, f"{app_url}/?period=9M", "xem", "Tổng quan — 9 tháng năm 2022")
    box = tab.locator(".st-key-report_box")
    box.scroll_into_view_if_needed()
    assert "Còn để trống: họ tên người ký; mục V. Đề xuất, kiến nghị" in box.inner_text()
    box.locator('[data-testid="stSelectbox"]').filter(has_text="Thẩm quyền ký").click()
    tab.get_by_role("option", name="Phó Trưởng ban Thường trực (TM. Ban Chỉ đạo, KT. Trưởng ban)").click()
    idle(tab)
    box.get_by_role("textbox", name="Họ tên người ký").fill("Võ  Thị Hoa")
    box.get_by_role("textbox", name="Họ tên người ký").press("Enter")
    idle(tab)
    box.get_by_role("textbox", name="V. Đề xuất, kiến nghị").fill("Đề nghị tỉnh hỗ trợ kinh phí tuyên truyền.\n\nĐề nghị tập huấn cho cấp xã.")
    box.get_by_role("textbox", name="V. Đề xuất, kiến nghị").press("Control+Enter")
    idle(tab)
    tab.wait_for_timeout(500)
    assert "Còn để trống" not in box.inner_text()
    shot(tab, "tong-quan-bao-cao-ky")
    name, raw = _download(tab, "Tải báo cáo (.docx)")
    doc = Document(io.BytesIO(raw))
    texts = [p.text for p in doc.paragraphs]
    v = texts.index("V. ĐỀ XUẤT, KIẾN NGHỊ")
    assert texts[v + 1:v + 3] == ["Đề nghị tỉnh hỗ trợ kinh phí tuyên truyền.", "Đề nghị tập huấn cho cấp xã."]
    assert texts[v + 3].startswith("Trên đây là báo cáo") and "[Cơ quan Thường trực bổ sung" not in "\n".join(texts)
    sign = [p.text for p in doc.tables[-1].rows[0].cells[1].paragraphs if p.text]
    assert sign == ["TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN THƯỜNG TRỰC", "Võ Thị Hoa"]
    no_errors(tab)


def test_reminders_from_the_deadlines_page(app_url, tab, e2e_data):
    open_as(tab, f"{app_url}/tien-do", "xem", "Tiến độ & hạn nộp")
    comp = metrics.compliance(Store(e2e_data), 2022)
    late = comp[(comp["quarter"] == 4) & comp["status"].isin(["late", "missing"])]
    button = f"Tải {len(late)} công văn đôn đốc (.zip)"
    tab.get_by_role("button", name=button).scroll_into_view_if_needed()
    shot(tab, "tien-do-don-doc")
    name, raw = _download(tab, button)
    assert name == "DEMO_DonDoc_2022_Q4.zip"
    names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    assert sorted(n for n in names if n.startswith("DonDoc_")) == sorted(f"DonDoc_{u}_2022_Q4.docx" for u in late["unit"])
    assert "DanhSach_DonDoc_2022_Q4.xlsx" in names
    no_errors(tab)


def test_publication_copy_of_the_data(app_url, tab):
    open_as(tab, f"{app_url}/du-lieu?period=Q3&units=CA", "xem", "Dữ liệu — năm 2022")
    tab.get_by_text("Bản công bố (ẩn số người ≤10)").click()
    tab.get_by_role("switch", name="Bản công bố (ẩn số người ≤10)").and_(tab.locator(":checked")).wait_for(timeout=30000)
    settle(tab, "Dữ liệu — năm 2022")
    shot(tab, "du-lieu-cong-bo")
    name, raw = _download(tab, "Tải CSV")
    assert name == "DEMO_so_lieu_2022_Q3_CongBo.csv"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    victims = next(r for r in rows if r["Mã chỉ tiêu"] == "NN_TIEP_NHAN")
    assert victims["Số liệu"] == "≤10"  # the police received one suspected victim in Q3 (demo)
    no_errors(tab)
