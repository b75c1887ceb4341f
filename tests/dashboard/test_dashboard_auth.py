"""Sign-in, roles and the analyst workflow in the dashboard (AppTest, no browser).

Signed out, the app draws only the sign-in form; wrong passwords are refused and the fifth locks
the account (Vietnamese message with minutes left). A viewer has no upload or admin page (menu and
page registry); the server-side checks refuse writes whatever the session claims. An analyst drops
a mix of files, sees every problem, nothing is stored until confirming, then sees what changed;
versions can be compared and restored with a confirmation. Admins manage accounts and read the
audit log. A CLI ingest from another process shows on the next rerun; two analysts loading at once
lose nothing.
"""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from conftest import book, report
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard.state import auth
from dashboard.parts import upload as U
from pipelines.accounts import users
from pipelines.outputs import metrics
from pipelines.store import Store, load
from pipelines.workbook.template import build_template

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
PASSWORD = "mat-khau-thu-nghiem"
YEAR = 2022
ACCOUNTS = {"xem": "viewer", "chuyen_vien": "analyst", "quan_tri": "admin"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def accounts_template(demo_store_template, tmp_path_factory) -> Path:
    """The demo year plus one account per role (argon2 hashing once per module)."""
    target = tmp_path_factory.mktemp("auth") / "data"
    shutil.copytree(demo_store_template, target)
    store = Store(target)
    for name, role in ACCOUNTS.items():
        users.add_user(store, name, role, PASSWORD)
    return target


@pytest.fixture
def data_dir(accounts_template, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(accounts_template, target)
    return target


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory) -> Path:
    """A real (not demo) year with only CA and VKS Q1 loaded, and one account per role. Real reports
    go here: the loader refuses real files into a year holding the labelled demo data."""
    data = tmp_path_factory.mktemp("fresh") / "data"
    store = Store(data)
    plan = store.plan(YEAR)
    for unit in ("CA", "VKS"):
        r = load.ingest_bytes(store, _workbook(plan, unit, 1), f"{unit}.xlsx",
                              received_at=dt.datetime(2022, 3, 14, 9, 0))
        assert r.status == "accepted", r.errors
    for name, role in ACCOUNTS.items():
        users.add_user(store, name, role, PASSWORD)
    return data


@pytest.fixture
def fresh_dir(fresh_template, tmp_path) -> Path:
    target = tmp_path / "fresh"
    shutil.copytree(fresh_template, target)
    return target


def _app(data_dir: Path, monkeypatch, as_name: str | None = None, **query) -> AppTest:
    monkeypatch.setenv("DUCPHO138_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(APP), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    if as_name:
        # exactly what the sign-in form stores after users.authenticate succeeds
        at.session_state[auth.USER_KEY] = users.User(as_name, ACCOUNTS[as_name])
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    return at.button[0].click().run()


def _pages(at: AppTest) -> set[str]:
    """The page files (stems) st.navigation registered for this session; none while signed out."""
    return {Path(str(info["script_path"])).stem for info in at._registered_pages.values()
            if info.get("script_path") and Path(str(info["script_path"])).parent.name == "views"}


def _frame(at: AppTest, column: str):
    """The first table on the page with that column (AppTest does not expose dataframe keys)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def _audit(data_dir: Path) -> list[tuple[str, str, str]]:
    df = Store(data_dir).query_df("SELECT actor, action, detail FROM audit_log ORDER BY id")
    return list(df.itertuples(index=False, name=None))


def _workbook(plan, unit: str, quarter: int, value: int = 1) -> bytes:
    values = {e: value for e in plan.unit_elements(unit)}
    return build_template(plan, unit, quarter, values=values)


# -- sign-in -----------------------------------------------------------------------------------------
def test_signed_out_sees_only_the_sign_in_form(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, period="9M").run()
    _ok(at)
    assert [t.label for t in at.text_input] == ["Tên đăng nhập", "Mật khẩu"]
    assert [b.label for b in at.button] == ["Đăng nhập"]
    assert not at.metric and not at.dataframe and not at.sidebar.selectbox, "no data before sign-in"
    assert not at.header, "no page runs before sign-in"
    _sign_in(at, "Chuyen_Vien", PASSWORD)  # names are case-insensitive
    _ok(at)
    assert at.header[0].value == "Tổng quan — 9 tháng năm 2022", "the shared link's filters survive sign-in"
    assert "Đã đăng nhập: **chuyen_vien** · Chuyên viên" in [m.value for m in at.sidebar.markdown]
    assert ("chuyen_vien", "sign_in", "Chuyên viên") in _audit(data_dir)


def test_every_failure_gets_the_same_message_and_waits_apply(data_dir, monkeypatch):
    """The in-tab form (the page served bare): one message for a wrong password, an unknown name
    and a wait in force, so the answers tell nobody which names exist."""
    at = _app(data_dir, monkeypatch).run()
    same = "Không đăng nhập được: sai tên đăng nhập hoặc mật khẩu, hoặc đã thử sai nhiều lần và phải chờ ít phút. " \
           "Hãy kiểm tra lại rồi thử lại sau."
    for attempt in range(1, 6):
        _sign_in(at, "xem", "sai-mat-khau")
        _ok(at)
        assert [e.value for e in at.error] == [same], attempt
        _sign_in(at, "khong_ai_ca", "sai-mat-khau")
        assert [e.value for e in at.error] == [same], attempt
    _sign_in(at, "xem", PASSWORD)  # even the right password, while the wait is in force
    assert [e.value for e in at.error] == [same]
    assert auth.USER_KEY not in at.session_state
    assert not at.metric


def test_sign_out(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, "xem").run()
    _ok(at)
    at.button(key="sign_out").click().run()
    _ok(at)
    assert [b.label for b in at.button] == ["Đăng nhập"]
    assert ("xem", "sign_out", "") in [(a, b, c or "") for a, b, c in _audit(data_dir)]


def test_removed_account_is_signed_out_and_demoted_loses_pages(data_dir, monkeypatch):
    store = Store(data_dir)
    at = _app(data_dir, monkeypatch, "chuyen_vien").run()
    assert "tai_len" in _pages(at)
    with store.transaction() as con:  # demoted meanwhile (e.g. by another admin)
        con.execute("UPDATE app_user SET role = 'viewer' WHERE name = 'chuyen_vien'")
    at.run()
    _ok(at)
    assert "tai_len" not in _pages(at)
    users.remove_user(store, "chuyen_vien")
    at.run()
    assert [b.label for b in at.button] == ["Đăng nhập"]


# -- roles -----------------------------------------------------------------------------------------------
def test_viewer_has_no_upload_or_admin_page(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, "xem").run()
    _ok(at)
    assert _pages(at) == {"tong_quan", "chi_tieu", "don_vi", "tien_do", "nhiem_vu", "du_lieu",
                          "chat_luong"}  # the data-quality summary is for everyone
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/tai_len.py")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/quan_tri.py")
    assert not at.get("file_uploader")


def test_analyst_has_upload_but_not_admin(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, "chuyen_vien").run()
    assert "tai_len" in _pages(at) and "quan_tri" not in _pages(at)
    at.switch_page("views/tai_len.py").run()
    _ok(at)
    assert at.header[0].value == "Tải lên báo cáo"
    assert at.get("file_uploader")
    admin = _app(data_dir, monkeypatch, "quan_tri").run()
    assert {"tai_len", "quan_tri"} <= _pages(admin)


@pytest.mark.parametrize("page", ["tai_len.py", "quan_tri.py"])
def test_pages_themselves_refuse_a_viewer_session(page, data_dir, monkeypatch):
    """Belt and braces: were a viewer's session ever to run the page, it stops before any widget."""
    monkeypatch.setenv("DUCPHO138_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "dashboard" / "views" / page), default_timeout=60)
    at.session_state[auth.USER_KEY] = users.User("xem", "viewer")
    at.run()
    _ok(at)
    assert at.error and "cần vai trò" in at.error[0].value
    assert not at.get("file_uploader") and not at.button and not at.dataframe


def test_server_side_checks_refuse_a_viewer_whatever_the_session_says(fresh_dir):
    data_dir = fresh_dir
    store = Store(data_dir)
    plan = store.plan(YEAR)
    before = metrics.submission_count(store)
    checked = [U.check(store, _workbook(plan, "CA", 1, 2), "ca.xlsx")]
    assert checked[0].loadable
    for who in (users.User("xem", "viewer"), users.User("xem", "analyst"), None):  # forged role, nobody
        with pytest.raises(users.PermissionDenied):
            U.load_checked(store, who, checked, {})
        with pytest.raises(users.PermissionDenied):
            users.restore_as(store, who, 1)
    assert metrics.submission_count(store) == before


# -- upload ------------------------------------------------------------------------------------------------
def _upload_page(data_dir, monkeypatch) -> AppTest:
    at = _app(data_dir, monkeypatch, "chuyen_vien").run()
    return at.switch_page("views/tai_len.py").run()


def test_upload_preview_confirm_and_summary(fresh_dir, monkeypatch):
    data_dir = fresh_dir
    store = Store(data_dir)
    plan = store.plan(YEAR)
    before = metrics.submission_count(store)
    stored = load.list_versions(store, "VKS", YEAR, 1)
    stored_bytes = (data_dir / stored["raw_path"].iloc[0]).read_bytes()
    bad_sheets = report(values={"TIN_TON": "mười", "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 4})
    files = [
        ("ca_q1_moi.xlsx", _workbook(plan, "CA", 1, 2), XLSX),                # replaces the demo's CA Q1
        ("loi.xlsx", book(bad_sheets), XLSX),                                  # refused
        ("vks_cu.xlsx", stored_bytes, XLSX),                                   # already loaded
        ("bp.ods", book(report(unit="BP_PQ", values={"TIN_TON": 0, "TIN_MOI": 0, "TIN_PHAN_LOAI": 0, "TIN_DA_GQ": 0}), "ods"), "application/vnd.oasis.opendocument.spreadsheet"),
    ]
    at = _upload_page(data_dir, monkeypatch)
    at.file_uploader[0].set_value(files).run()
    _ok(at)
    preview = _frame(at, "Ghi chú")
    status = dict(zip(preview["Tệp"], preview["Tình trạng"]))
    assert status["ca_q1_moi.xlsx"].endswith("Hợp lệ") or status["ca_q1_moi.xlsx"].endswith("Có cảnh báo")
    assert status["loi.xlsx"].endswith("Bị từ chối")
    assert status["vks_cu.xlsx"].endswith("Đã tải trước đó")
    assert dict(zip(preview["Tệp"], preview["Đơn vị"]))["ca_q1_moi.xlsx"] == "Công an thị xã"
    assert "sẽ thay bản hiện hành #" in dict(zip(preview["Tệp"], preview["Ghi chú"]))["ca_q1_moi.xlsx"]
    # every problem with sheet!cell, the value found and what to do, in Vietnamese
    problems = [tb.value.reset_index() for tb in at.table if "Vị trí (trang!ô)" in tb.value.columns]
    bad = next(p for p in problems if "mười" in set(p["Giá trị tìm thấy"]))
    row = bad[bad["Giá trị tìm thấy"] == "mười"].iloc[0]
    assert row["Mức"] == "Lỗi" and row["Vị trí (trang!ô)"].startswith("Số liệu!") and row["Cách sửa"]
    assert metrics.submission_count(store) == before, "nothing is stored before confirming"
    # the refused file's annotated copy is offered
    assert any(b.proto.label == "Tải bản đánh dấu lỗi để gửi lại đơn vị" for b in at.get("download_button"))
    # reruns do not re-validate (the preview is kept by file hash)
    calls = []
    monkeypatch.setattr(U.load, "check_file", lambda *a: calls.append(a) or (None, [], None))
    at.run()
    assert calls == []
    monkeypatch.undo()
    monkeypatch.setenv("DUCPHO138_DATA_DIR", str(data_dir))

    # One received time for the batch, in plain sight. Set to 20/3 08:00, after Q1's deadline (end of
    # 15/3, spec): the new BP_PQ report would make the unit late, said before confirming; CA's file
    # replaces a version that already decided CA's timeliness.
    at.date_input(key="recv_batch_d").set_value(dt.date(2022, 3, 20))
    at.time_input(key="recv_batch_t").set_value(dt.time(8, 0))
    at.run()
    received = dict(zip(_frame(at, "Ghi chú")["Tệp"], _frame(at, "Ghi chú")["Ngày giờ nhận"]))
    assert received["bp.ods"] == "! 20/03/2022 08:00 — sẽ ghi trễ hạn (hạn 15/03/2022)"
    assert received["ca_q1_moi.xlsx"] == "20/03/2022 08:00 — giữ tình hình nộp của bản trước"
    assert received["loi.xlsx"] == "" and received["vks_cu.xlsx"] == ""
    assert any("1 tệp sẽ được ghi là trễ hạn: bp.ods" in w.value for w in at.warning)
    # e-mailed on 14/3 09:30 (the batch), and BP_PQ's file on 14/3 at 10:00 (its own time)
    at.date_input(key="recv_batch_d").set_value(dt.date(2022, 3, 14))
    at.time_input(key="recv_batch_t").set_value(dt.time(9, 30))
    bp_key = U.sha256(files[3][1])[:16]
    at.toggle(key=f"recv_own_{bp_key}").set_value(True).run()
    at.time_input(key=f"recv_t_{bp_key}").set_value(dt.time(10, 0)).run()
    received = dict(zip(_frame(at, "Ghi chú")["Tệp"], _frame(at, "Ghi chú")["Ngày giờ nhận"]))
    assert received["bp.ods"] == "✔ 14/03/2022 10:00 — đúng hạn"
    assert not any("trễ hạn:" in w.value for w in at.warning)
    assert at.button(key="confirm_load").label == "Xác nhận nạp 2 tệp hợp lệ"
    at.button(key="confirm_load").click().run()
    _ok(at)
    summary = next(s.value for s in [*at.success, *at.warning] if "Đã nạp xong" in s.value)
    assert summary == "Đã nạp xong: 1 báo cáo mới, 1 thay phiên bản cũ, 1 trùng (không thay đổi), 1 bị từ chối."
    table = _frame(at, "Bản số").set_index("Tệp")
    assert table.loc["ca_q1_moi.xlsx", "Tình trạng"].startswith("Thay bản #")
    assert table.loc["ca_q1_moi.xlsx", "Ngày giờ nhận"] == "14/03/2022 09:30"
    assert table.loc["bp.ods", "Tình trạng"] == "Mới"
    assert table.loc["bp.ods", "Ngày giờ nhận"] == "14/03/2022 10:00"
    assert table.loc["loi.xlsx", "Tình trạng"] == "Bị từ chối"
    assert metrics.submission_count(store) == before + 2
    current = load.list_versions(store, "CA", YEAR, 1)
    current = current[current["is_current"]].iloc[0]
    assert current["loaded_by"] == "chuyen_vien" and current["file_name"] == "ca_q1_moi.xlsx"
    assert str(current["received_at"]) == "2022-03-14 02:30:00", "14/3 09:30 Vietnam time, stored as UTC"
    assert [a for a in _audit(data_dir) if a[1] == "upload"][-1][0] == "chuyen_vien"
    # a fresh, empty uploader for the next batch
    assert not at.file_uploader[0].value


def test_annotated_copy_marks_the_problem_cell(data_dir):
    store = Store(data_dir)
    sheets = report(values={"TIN_TON": "mười", "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 4})
    ch = U.check(store, book(sheets), "loi.xlsx")
    assert ch.status == U.REJECTED
    wb = load_workbook(io.BytesIO(ch.annotated()))
    where = next(p.where for p in ch.errors if p.value == "mười")
    sheet, cell = where.split("!")
    assert wb[sheet][cell].comment is not None and "LỖI" in wb[sheet][cell].comment.text
    assert ch.annotated_name == "loi_can_sua.xlsx"


def test_templates_one_and_zip_of_all(data_dir):
    plan = Store(data_dir).plan(YEAR)
    name, data = U.template(plan, "CA", 2)
    assert name == "BC_CA_2022_Q2.xlsx" and data[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(U.templates_zip(plan, 2))) as zf:
        names = zf.namelist()
    assert len(names) == 27 == len(plan.units)
    assert "BC_CA_2022_Q2.xlsx" in names


def test_templates_tab_renders(data_dir, monkeypatch):
    at = _app(data_dir, monkeypatch, "chuyen_vien")
    at.session_state["upload_tab"] = "Mẫu báo cáo"
    at.run()
    at.switch_page("views/tai_len.py").run()
    _ok(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Tải 27 mẫu (.zip)" in labels and any(lbl.startswith("Tải mẫu BC_") for lbl in labels)


# -- versions -------------------------------------------------------------------------------------------------
def test_versions_compare_and_restore_with_confirmation(fresh_dir, monkeypatch):
    data_dir = fresh_dir
    store = Store(data_dir)
    plan = store.plan(YEAR)
    first = load.list_versions(store, "CA", YEAR, 1)
    old_id = int(first[first["is_current"]]["id"].iloc[0])
    r = users.ingest_as(store, users.User("chuyen_vien", "analyst"), _workbook(plan, "CA", 1, 7), "ca_v2.xlsx")
    assert r.status == "accepted" and r.replaced == old_id
    at = _app(data_dir, monkeypatch, "chuyen_vien", units="CA")
    at.session_state["upload_tab"] = "Phiên bản"
    at.run()
    at.switch_page("views/tai_len.py").run()
    _ok(at)
    versions = _frame(at, "Người nạp")
    assert list(versions["#"]) == [old_id, r.submission_id]
    assert list(versions["Người nạp"])[-1] == "chuyen_vien"
    diff = _frame(at, "Chỉ tiêu")
    assert len(diff) > 0 and set(diff[f"#{r.submission_id}"]) == {"7"}
    # restore: first click asks, the second confirms
    at.button(key="restore_ask").click().run()
    assert any(f"Bản #{old_id}" in w.value for w in at.warning)
    assert load.list_versions(store, "CA", YEAR, 1).set_index("id").loc[r.submission_id, "is_current"]
    at.button(key="restore_no").click().run()
    assert not any(f"Bản #{old_id}" in w.value for w in at.warning)
    at.button(key="restore_ask").click().run()
    at.button(key="restore_yes").click().run()
    _ok(at)
    assert any(f"Đã khôi phục bản #{old_id}" in s.value for s in at.success)
    now = load.list_versions(store, "CA", YEAR, 1).set_index("id")
    assert now.loc[old_id, "is_current"] and not now.loc[r.submission_id, "is_current"]
    assert [a for a in _audit(data_dir) if a[1] == "restore"][-1][0] == "chuyen_vien"


# -- admin ----------------------------------------------------------------------------------------------------
def test_admin_page_accounts_and_audit_log(data_dir, monkeypatch):
    store = Store(data_dir)
    users.record_export(store, users.User("xem", "viewer"), "so_lieu_2022_Q1.csv (10 dòng)")
    at = _app(data_dir, monkeypatch, "quan_tri").run()
    at.switch_page("views/quan_tri.py").run()
    _ok(at)
    assert set(_frame(at, "Tên đăng nhập")["Tên đăng nhập"]) == set(ACCOUNTS)
    log = _frame(at, "Hoạt động")
    assert "Tải xuống" in set(log["Hoạt động"]) and "so_lieu_2022_Q1.csv (10 dòng)" in set(log["Chi tiết"])
    # add
    at.text_input(key="add_name").input("can_bo_moi")
    at.selectbox(key="add_role").set_value("analyst")
    at.text_input(key="add_pw1").input("mot-mat-khau-dai")
    at.text_input(key="add_pw2").input("mot-mat-khau-dai")
    next(b for b in at.button if b.label == "Thêm tài khoản").click().run()
    _ok(at)
    assert users.get_user(store, "can_bo_moi") == users.User("can_bo_moi", "analyst")
    assert any("Đã tạo tài khoản can_bo_moi" in s.value for s in at.success)
    # a refused request says why, in Vietnamese
    at.text_input(key="add_name").input("x")
    at.text_input(key="add_pw1").input("ngan")
    at.text_input(key="add_pw2").input("ngan")
    next(b for b in at.button if b.label == "Thêm tài khoản").click().run()
    assert any("không hợp lệ" in e.value or "quá ngắn" in e.value for e in at.error)
    # reset password
    at.selectbox(key="reset_name").set_value("can_bo_moi")
    at.text_input(key="reset_pw1").input("mat-khau-moi-123")
    at.text_input(key="reset_pw2").input("mat-khau-moi-123")
    next(b for b in at.button if b.label == "Đặt lại mật khẩu").click().run()
    _ok(at)
    assert users.authenticate(store, "can_bo_moi", "mat-khau-moi-123") is not None
    # remove (needs the check box)
    at.selectbox(key="remove_name").set_value("can_bo_moi")
    at.checkbox(key="remove_sure").check()
    next(b for b in at.button if b.label == "Xóa tài khoản").click().run()
    _ok(at)
    assert users.get_user(store, "can_bo_moi") is None
    actions = [a[1] for a in _audit(data_dir)]
    assert {"user_add", "password_change", "user_remove", "export"} <= set(actions)


def test_export_click_is_recorded(data_dir, monkeypatch):
    """The data page's download buttons build their file on request, and note it in the audit log
    as it is built (not on the click: the file is fetched by a separate request)."""
    store = Store(data_dir)
    at = _app(data_dir, monkeypatch, "xem").run()  # a session, so auth.user() has someone
    monkeypatch.setattr(auth, "user", lambda: users.User("xem", "viewer"))
    build = auth.audited(store, "so_lieu_2022_ca_nam.csv (5 dòng)", lambda: b"a;b\n")
    assert ("xem", "export", "so_lieu_2022_ca_nam.csv (5 dòng)") not in _audit(data_dir)
    assert build() == b"a;b\n"
    assert ("xem", "export", "so_lieu_2022_ca_nam.csv (5 dòng)") in _audit(data_dir)
    users.remove_user(store, "xem")
    with pytest.raises(users.PermissionDenied):  # a removed account gets no file
        build()
    at.switch_page("views/du_lieu.py").run()


# -- OpenID Connect ---------------------------------------------------------------------------------------------
def test_email_to_account_names():
    assert auth.account_names_for_email("Chi_Huy@DucPho.gov.vn", ["ducpho.gov.vn"]) == \
        ["chi_huy@ducpho.gov.vn", "chi_huy"]
    assert auth.account_names_for_email("chi_huy@gmail.com", ["ducpho.gov.vn"]) == ["chi_huy@gmail.com"]
    assert auth.account_names_for_email("", ["ducpho.gov.vn"]) == []


class _FakeUser(dict):
    @property
    def is_logged_in(self) -> bool:
        return bool(self)


def test_oidc_maps_email_to_an_account_and_refuses_unknown(data_dir, monkeypatch):
    import streamlit as st
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    monkeypatch.setattr(auth, "_email_domains", lambda: ["ducpho.gov.vn"])
    monkeypatch.setattr(st, "user", _FakeUser())
    at = _app(data_dir, monkeypatch).run()
    _ok(at)
    assert [b.label for b in at.button] == ["Đăng nhập bằng tài khoản cơ quan"] and not at.text_input
    monkeypatch.setattr(st, "user", _FakeUser(email="Nguoi.La@gmail.com"))
    at.run()
    _ok(at)
    assert "chưa được cấp quyền" in at.warning[0].value and not at.metric
    assert ("nguoi.la@gmail.com", "sign_in_failed") in [(a, b) for a, b, _ in _audit(data_dir)]
    monkeypatch.setattr(st, "user", _FakeUser(email="Chuyen_Vien@ducpho.gov.vn"))
    at.run()
    _ok(at)
    assert "tai_len" in _pages(at) and at.metric
    assert [a for a in _audit(data_dir) if a[1] == "sign_in"][-1][0] == "chuyen_vien"


# -- working at the same time -------------------------------------------------------------------------------------
def test_cli_ingest_from_another_process_shows_on_next_rerun(fresh_dir, monkeypatch, tmp_path):
    """The app is open (AppTest holds a session); the shell ingests; the next rerun shows it."""
    data_dir = fresh_dir
    store = Store(data_dir)
    plan = store.plan(YEAR)
    at = _app(data_dir, monkeypatch, "xem", period="Q1", units="CA").run()
    _ok(at)
    before = {m.label: m.value for m in at.metric}
    path = tmp_path / "BC_CA_2022_Q1_sua.xlsx"
    # CA Q1 with every tip-off received and classified: 50 new, 50 classified
    values = {e: 0 for e in plan.unit_elements("CA")}
    values.update({"TIN_TON": 0, "TIN_MOI": 50, "TIN_PHAN_LOAI": 50, "TIN_DA_GQ": 49})
    path.write_bytes(build_template(plan, "CA", 1, values=values))
    out = subprocess.run([sys.executable, "-m", "pipelines", "ingest", str(path), "--data-dir", str(data_dir),
                          "--received-at", "2022-03-14T09:00"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    at.run()
    _ok(at)
    after = {m.label: m.value for m in at.metric}
    # TIN_DA_GQ 49 over TIN_TON 0 + TIN_MOI 50 = 98 %
    assert after["Giải quyết tin báo"] == "98 %"
    assert before["Giải quyết tin báo"] != after["Giải quyết tin báo"]


def test_two_analysts_uploading_at_once_lose_nothing(fresh_dir):
    data_dir = fresh_dir
    store = Store(data_dir)
    plan = store.plan(YEAR)
    before = metrics.submission_count(store)
    units = [u.code for u in plan.units][:8]
    a, b = users.User("chuyen_vien", "analyst"), users.User("quan_tri", "admin")
    errors: list[BaseException] = []
    results: list = []

    def work(who, mine):
        try:
            for unit in mine:
                results.append(users.ingest_as(Store(data_dir), who, _workbook(plan, unit, 4, 3), f"{unit}_q4.xlsx"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(a, units[0::2])), threading.Thread(target=work, args=(b, units[1::2]))]
    # ... while the shell loads a third unit's file
    cli_unit = [u.code for u in plan.units][8]
    cli_file = data_dir.parent / f"{cli_unit}_q4.xlsx"
    cli_file.write_bytes(_workbook(plan, cli_unit, 4, 3))
    cli = subprocess.Popen([sys.executable, "-m", "pipelines", "ingest", str(cli_file), "--data-dir", str(data_dir)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert cli.wait(timeout=120) == 0, cli.stderr.read()
    assert not errors, errors
    assert sorted(r.status for r in results) == ["accepted"] * len(units)
    assert metrics.submission_count(store) == before + len(units) + 1
    current = load.list_versions(store, year=YEAR, quarter=4)
    current = current[current["is_current"] & current["unit"].isin(units)]
    assert set(current["loaded_by"]) == {"chuyen_vien", "quan_tri"} and len(current) == len(units)


def test_admin_removes_the_demo_year_so_real_reports_can_load(data_dir, monkeypatch):
    store = Store(data_dir)
    with pytest.raises(users.PermissionDenied):
        users.remove_demo_as(store, users.User("chuyen_vien", "analyst"), YEAR)
    at = _app(data_dir, monkeypatch, "quan_tri").run()
    at.switch_page("views/quan_tri.py").run()
    _ok(at)
    button = next(b for b in at.button if b.key == "demo_remove")
    assert button.disabled  # nothing happens without the confirmation
    at.checkbox(key="demo_remove_sure").check().run()
    next(b for b in at.button if b.key == "demo_remove").click().run()
    _ok(at)
    assert not store.is_demo_year(YEAR) and load.list_versions(store).empty
    assert any("Đã xóa 106 báo cáo mẫu" in s.value for s in at.success)
    assert ("quan_tri", "demo_remove") in [(a[0], a[1]) for a in _audit(data_dir)]
    r = users.ingest_as(store, users.User("chuyen_vien", "analyst"), _workbook(store.plan(YEAR), "CA", 1),
                        "ca.xlsx", dt.datetime(2022, 3, 14, 9))
    assert r.status == "accepted"
