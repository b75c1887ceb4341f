"""Chất lượng số liệu and Nhiệm vụ read at 1366 px (AppTest on the demo year, as an analyst): a finding's table
says each thing once. The demo year has three reports missing (Xã Phổ Khánh Q3, Thị đoàn Thanh niên
and Xã Phổ Nhơn Q4: pipelines/demo.py) and a first year, so every unit's history is too short."""
from test_dashboard import _app, _no_exception

def _shown(cell: str) -> str:
    """A static table's cell as the reader sees it (its markdown escapes removed)."""
    return cell.replace("\\", "")


def test_findings_say_once_what_every_row_says(demo_store_template, monkeypatch):
    at = _app(demo_store_template, monkeypatch, role="analyst").run()
    at.switch_page("views/chat_luong.py").run()
    _no_exception(at)
    captions = [_shown(c.value) for c in at.caption]
    # missing reports: one sentence above the table, which keeps the unit and the quarter; the columns
    # every row left blank (figure, value, follow-up) and the check named by the heading are gone
    assert "Đã quá hạn, chưa có báo cáo." in captions
    missing = next(d.value for d in at.dataframe if list(d.value.columns) == ["Đơn vị", "Quý"])
    assert sorted(map(tuple, missing.to_numpy())) == [("Thị đoàn Thanh niên", "Quý IV"), ("Xã Phổ Khánh", "Quý III"),
                                                      ("Xã Phổ Nhơn", "Quý IV")]
    # short history, a first year: every unit has 4 quarters of every figure it reported, or 3 when one
    # report is missing (the three above): two sentences, each once, with the units it is about (in the
    # plan's order), not 27 rows naming six figures each and "…"
    [raw] = [tb.value for tb in at.table]
    history = raw.map(_shown)
    assert list(history.columns) == ["Chi tiết", "Đơn vị"]
    head = "quý số liệu ở mọi chỉ tiêu đã báo cáo; cần 8 quý cùng nghĩa để so với lịch sử của đơn vị."
    assert list(history["Chi tiết"]) == [f"Mới có 4 {head}", f"Mới có 3 {head}"]
    assert history["Đơn vị"].iloc[1] == "Thị đoàn Thanh niên, Xã Phổ Khánh, Xã Phổ Nhơn"
    four = history["Đơn vị"].iloc[0].split(", ")
    assert len(four) == 24 and four[0] == "Công an thị xã" and four[-1] == "Xã Phổ Thuận"
    matrix = next(d for d in at.dataframe if "Quý I" in d.value.columns)
    assert len(matrix.value) == 27


def test_task_names_and_lead_units_are_read_whole(demo_store_template, monkeypatch):
    # the grid cut "Công an thị xã, Đồn Biên phòng Phổ Quang, Đồn Biên phòng Sa Huỳnh" to its first words
    at = _app(demo_store_template, monkeypatch).run()
    at.switch_page("views/nhiem_vu.py").run()
    _no_exception(at)
    tasks = next(tb.value.map(_shown) for tb in at.table if "Chủ trì" in tb.value.columns)
    assert len(tasks) == 18
    row = tasks[tasks["Nhiệm vụ"] == "Tiếp nhận, xác minh, giải cứu, bảo vệ nạn nhân"].iloc[0]
    assert row["Chủ trì"] == "Công an thị xã, Đồn Biên phòng Phổ Quang, Đồn Biên phòng Sa Huỳnh"
