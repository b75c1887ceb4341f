"""The upload page with a hostile file and a file that fails while loading (issue 8 §1): the others
are still checked and loaded, and the summary lists what was stored and what was not (AppTest)."""
from test_dashboard_auth import (  # noqa: F401  (fixtures used by name)
    XLSX,
    YEAR,
    _app,
    _frame,
    _ok,
    _workbook,
    fresh_dir,
    fresh_template,
)
from test_hostile import xlsx_first_and_last_cell

from dashboard.parts import upload as U
from pipelines.store import Store, load


def test_a_file_that_fails_while_loading_does_not_stop_the_others(fresh_dir, monkeypatch):
    store = Store(fresh_dir)
    plan = store.plan(YEAR)
    good, failing = _workbook(plan, "BP_PQ", 1), _workbook(plan, "CA", 2)
    # A real failure while loading `failing`: a file sits where its archive folder must be created.
    taken = {p.name for p in (fresh_dir / "raw").iterdir()}
    blocker = fresh_dir / "raw" / U.sha256(failing)[:2]
    assert blocker.name not in taken and U.sha256(good)[:2] != blocker.name
    blocker.write_bytes(b"")
    files = [("tan_cong.xlsx", xlsx_first_and_last_cell(), XLSX), ("ca_q2.xlsx", failing, XLSX),
             ("bp_q1.xlsx", good, XLSX)]

    at = _app(fresh_dir, monkeypatch, "chuyen_vien").run()
    at = at.switch_page("views/tai_len.py").run()
    at.file_uploader[0].set_value(files).run()
    _ok(at)
    status = dict(zip(*[_frame(at, "Ghi chú")[c] for c in ("Tệp", "Tình trạng")]))
    assert status["tan_cong.xlsx"].endswith("Bị từ chối")
    problems = [tb.value.reset_index() for tb in at.table if "Vị trí (trang!ô)" in tb.value.columns]
    assert ["Số liệu!XFD1048576"] in [list(p["Vị trí (trang!ô)"]) for p in problems]

    assert at.button(key="confirm_load").label == "Xác nhận nạp 2 tệp hợp lệ"
    at.button(key="confirm_load").click().run()
    _ok(at)
    summary = next(s.value for s in [*at.success, *at.warning] if "Đã nạp xong" in s.value)
    assert summary == "Đã nạp xong: 1 báo cáo mới, 0 thay phiên bản cũ, 0 trùng (không thay đổi), 2 bị từ chối."
    table = _frame(at, "Bản số").set_index("Tệp")
    assert table.loc["bp_q1.xlsx", "Tình trạng"] == "Mới"
    assert table.loc["ca_q2.xlsx", "Tình trạng"] == "Bị từ chối"
    assert table.loc["tan_cong.xlsx", "Tình trạng"] == "Bị từ chối"
    assert len(load.list_versions(store, "BP_PQ", YEAR, 1)) == 1
    assert load.list_versions(store, "CA", YEAR, 2).empty
