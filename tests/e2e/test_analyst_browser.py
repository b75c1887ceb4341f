"""End to end, the analyst's workflow and the roles, in Chromium against one `streamlit run`:

* an analyst signs in, drops a mix of good and bad workbooks, sees each file's status and the bad
  file's problems (sheet!cell, value, what to do), confirms, reads the summary, and finds the
  overview changed;
* an analyst restores an older version (with confirmation) and the overview follows;
* a viewer finds no upload page in the menu, and its URL leads to the overview;
* an admin sees the accounts and the audit log (sign-ins, the upload, the restore).

The store is a real year (not the demo) with only CA's Q1 loaded, so changes are easy to see.
Screenshots go to test-output/e2e/.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import (  # noqa: F401
    MARKS,
    add_accounts,
    chromium,
    idle,
    no_errors,
    open_as,
    serve,
    settle,
    shot,
    sign_in,
    tab,
)

from pipelines.outputs import fmt, metrics
from pipelines.store import Store, load
from pipelines.workbook.template import build_template

pytestmark = MARKS
YEAR = 2022
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _values(plan, unit: str, **given) -> dict:
    values = {e: 0 for e in plan.unit_elements(unit)}
    values.update(given)
    return values


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("analyst") / "data"
    store = Store(data)
    plan = store.plan(YEAR)
    # CA Q1: 10 tip-offs, 10 classified, 8 resolved (80 %: not met)
    first = build_template(plan, "CA", 1, values=_values(plan, "CA", TIN_MOI=10, TIN_PHAN_LOAI=10, TIN_DA_GQ=8))
    r = load.ingest_bytes(store, first, "BC_CA_2022_Q1.xlsx")
    assert r.status == "accepted"
    add_accounts(data)
    return data


@pytest.fixture(scope="module")
def app_url(data_dir, tmp_path_factory):
    with serve(data_dir, tmp_path_factory.mktemp("analyst-log") / "streamlit.log") as url:
        yield url


def _resolved_card(page) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has_text="Giải quyết tin báo").first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_sign_in_page(app_url, tab):
    tab.goto(f"{app_url}/")
    tab.get_by_label("Tên đăng nhập").wait_for(timeout=30000)
    idle(tab)
    body = tab.inner_text("body")
    assert "Đăng nhập" in body and "Tổng quan" not in body
    assert tab.locator('[data-testid="stSidebar"]').count() == 0 or \
        not tab.locator('[data-testid="stSidebarNav"]').count()
    shot(tab, "dang-nhap")
    sign_in(tab, "chuyen_vien", "sai-mat-khau")
    assert "Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu" in tab.inner_text("body")


def test_analyst_uploads_a_mix_confirms_and_sees_the_overview_change(app_url, tab, data_dir):
    store = Store(data_dir)
    plan = store.plan(YEAR)
    open_as(tab, f"{app_url}/?period=Q1&units=CA", "chuyen_vien", "Tổng quan — Quý I năm 2022")
    assert _resolved_card(tab) == "80 %"
    tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Tải lên báo cáo").click()
    settle(tab, "Tải lên báo cáo")

    good_ca = build_template(plan, "CA", 1, values=_values(plan, "CA", TIN_MOI=10, TIN_PHAN_LOAI=10, TIN_DA_GQ=10))
    good_vks = build_template(plan, "VKS", 1, values=_values(plan, "VKS"))
    bad = build_template(plan, "BP_PQ", 1, values=_values(plan, "BP_PQ", TIN_MOI="mười", TIN_PHAN_LOAI=-2))
    before = metrics.submission_count(store)
    tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([
        {"name": "BC_CA_2022_Q1_sua.xlsx", "mimeType": XLSX, "buffer": good_ca},
        {"name": "BC_VKS_2022_Q1.xlsx", "mimeType": XLSX, "buffer": good_vks},
        {"name": "BC_BP_PQ_2022_Q1.xlsx", "mimeType": XLSX, "buffer": bad},
    ])
    tab.get_by_role("button", name="Xác nhận nạp 2 tệp hợp lệ").wait_for(timeout=30000)
    idle(tab)
    body = tab.inner_text("body")
    assert "BC_BP_PQ_2022_Q1.xlsx — Đồn Biên phòng Phổ Quang — Quý I/2022 — Bị từ chối" in body
    # the refused file's problems are open: sheet!cell, the value found, what to do
    problems = tab.locator('[data-testid="stExpander"]').filter(has_text="BC_BP_PQ_2022_Q1.xlsx")
    problems.get_by_text("Chi tiết ").first.wait_for(timeout=15000)
    text = problems.inner_text()
    assert "Số liệu!" in text and "mười" in text and "Ghi số nguyên không âm" in text
    assert problems.get_by_role("button", name="Tải bản đánh dấu lỗi để gửi lại đơn vị").count() == 1
    assert metrics.submission_count(store) == before, "nothing stored before confirming"
    no_errors(tab)
    shot(tab, "tai-len-kiem-tra")
    with tab.expect_download() as info:
        problems.get_by_role("button", name="Tải bản đánh dấu lỗi để gửi lại đơn vị").click()
    assert info.value.suggested_filename == "BC_BP_PQ_2022_Q1_can_sua.xlsx"

    tab.get_by_role("button", name="Xác nhận nạp 2 tệp hợp lệ").click()
    tab.get_by_text("Đã nạp xong:").wait_for(timeout=60000)
    idle(tab)
    assert "Đã nạp xong: 1 báo cáo mới, 1 thay phiên bản cũ, 0 trùng (không thay đổi), 1 bị từ chối." \
        in tab.inner_text("body")
    assert metrics.submission_count(store) == before + 2
    no_errors(tab)
    shot(tab, "tai-len-ket-qua")

    tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Tổng quan").click()
    settle(tab, "Tổng quan — Quý I năm 2022")
    assert _resolved_card(tab) == "100 %"
    expected = metrics.attainment(store, YEAR, "Q1", unit="CA").set_index("indicator").loc["KPI_GIAI_QUYET"]
    assert fmt.pct(expected.value) == "100 %"


def test_analyst_restores_an_older_version(app_url, tab, data_dir):
    store = Store(data_dir)
    versions = load.list_versions(store, "CA", YEAR, 1)
    assert len(versions) >= 2, "runs after the upload test"
    oldest = int(versions["id"].iloc[0])
    open_as(tab, f"{app_url}/tai-len?period=Q1&units=CA", "chuyen_vien", "Tải lên báo cáo")
    tab.get_by_role("tab", name="Phiên bản").click()
    tab.get_by_text("So sánh hai bản").wait_for(timeout=30000)
    idle(tab)
    assert "số liệu khác nhau" in tab.inner_text("body")
    shot(tab, "tai-len-phien-ban")
    tab.get_by_role("button", name=f"Khôi phục bản #{oldest}…").click()
    tab.get_by_role("button", name="Xác nhận khôi phục").wait_for(timeout=15000)
    assert f"Bản #{oldest}" in tab.inner_text("body")
    tab.get_by_role("button", name="Xác nhận khôi phục").click()
    tab.get_by_text(f"Đã khôi phục bản #{oldest}").wait_for(timeout=30000)
    idle(tab)
    now = load.list_versions(store, "CA", YEAR, 1).set_index("id")
    assert now.loc[oldest, "is_current"]
    no_errors(tab)
    tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Tổng quan").click()
    settle(tab, "Tổng quan — Quý I năm 2022")
    assert _resolved_card(tab) == "80 %"


def test_viewer_finds_no_way_to_upload(app_url, tab):
    open_as(tab, f"{app_url}/", "xem", "Tổng quan")
    nav = tab.locator('[data-testid="stSidebarNav"]')
    assert nav.get_by_role("link", name="Dữ liệu").count() == 1
    assert nav.get_by_role("link", name="Tải lên báo cáo").count() == 0
    assert nav.get_by_role("link", name="Quản trị").count() == 0
    # the direct address: after signing in, the overview — no uploader anywhere
    for path in ("tai-len", "quan-tri"):
        open_as(tab, f"{app_url}/{path}", "xem", "Tổng quan")
        assert tab.locator('[data-testid="stFileUploader"]').count() == 0
        assert "Tải lên báo cáo" not in tab.inner_text("body")
        assert "Nhật ký hoạt động" not in tab.inner_text("body")
        assert f"/{path}" not in tab.url
    no_errors(tab)
    shot(tab, "nguoi-xem-tai-len")


def test_admin_sees_accounts_and_audit_log(app_url, tab):
    open_as(tab, f"{app_url}/quan-tri", "quan_tri", "Quản trị")
    tab.get_by_text("Nhật ký hoạt động").wait_for(timeout=30000)
    idle(tab)
    body = tab.inner_text("body")
    assert "Tài khoản" in body and "Thêm tài khoản" in body
    no_errors(tab)
    shot(tab, "quan-tri")
