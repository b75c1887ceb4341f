"""Reminder letters: one công văn đôn đốc per unit late or missing for a quarter, none for the others."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

from docx import Document
from openpyxl import load_workbook

from conftest import store_options
from pipelines.cli import main


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in args])
    return code, out.getvalue()


def test_one_letter_per_late_or_missing_unit(demo_store, tmp_path, capsys):
    as_of = "2022-12-20T08:00"
    code, out = run("compliance", "--year", 2022, "--as-of", as_of, "--format", "json",
                    *store_options(demo_store))
    q4 = [r for r in json.loads(out) if r["quarter"] == 4]
    chased = {r["unit"]: r for r in q4 if r["status"] in ("late", "missing")}
    on_time = {r["unit"] for r in q4 if r["status"] == "on_time"}
    assert chased and on_time
    assert {r["status"] for r in chased.values()} == {"late", "missing"}   # both kinds of letter are tried

    d = tmp_path / "dd"
    capsys.readouterr()
    # the letters are dated Tuesday 20/12/2022: a missing unit gets five days, to Sunday 25/12 → Monday 26/12
    code, out = run("reminders", "--year", 2022, "--quarter", 4, "--as-of", as_of, "--date", "2022-12-20", "-o", d,
                    *store_options(demo_store))
    assert code == 0
    # the plan leaves the standing body's address, phone and e-mail blank: said, not silently left out
    assert "send_address" in capsys.readouterr().err
    letters = sorted(p.name for p in d.glob("DonDoc_*.docx"))
    assert letters == sorted(f"DonDoc_{u}_2022_Q4.docx" for u in chased)
    assert not any((d / f"DonDoc_{u}_2022_Q4.docx").exists() for u in on_time)

    plan = demo_store.plan(2022)
    to = {u.code: u.addressee or u.name for u in plan.units}
    assert to["X_PHO_CHAU"] == "UBND xã Phổ Châu" and to["P_PHO_HOA"] == "UBND phường Phổ Hòa"
    for unit, r in chased.items():
        doc = Document(d / f"DonDoc_{unit}_2022_Q4.docx")
        text = "\n".join(p.text for p in doc.paragraphs)
        left, right = doc.tables[0].rows[0].cells
        left_text = [p.text for p in left.paragraphs if p.text]
        assert left_text[1] == "BAN CHỈ ĐẠO 138" and left_text[2].endswith("/BCĐ")
        assert any(p.text == "Đức Phổ, ngày 20 tháng 12 năm 2022" for p in right.paragraphs)
        assert f"Kính gửi: {to[unit]}." in text
        assert "hết ngày 15/12/2022" in text  # the deadline, by hand from the plan (Q4 due 15/12)
        if r["status"] == "missing":
            assert left_text[3] == "V/v đôn đốc nộp báo cáo quý IV năm 2022"
            assert "chưa nhận được báo cáo quý IV năm 2022" in text and to[unit] in text
            assert "theo mẫu gửi kèm" in text and "BC_" not in text and (d / f"BC_{unit}_2022_Q4.xlsx").exists()
            assert "Công an thị xã (Cơ quan Thường trực Ban Chỉ đạo 138 thị xã)" in text
            assert "chậm nhất hết thứ Hai, ngày 26 tháng 12 năm 2022 (26/12/2022)" in text
            # the attached template gives the same new deadline
            form = load_workbook(d / f"BC_{unit}_2022_Q4.xlsx")["Số liệu"]   # the guide is on the printed form
            assert any("chậm nhất hết ngày 26/12/2022" in str(c.value) for c in form["A"])
        else:
            assert left_text[3] == "V/v nhắc nhở, chấn chỉnh việc nộp báo cáo trễ hạn quý IV năm 2022"
            local = dt.datetime.fromisoformat(r["received_at"]).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
            assert (f"được nhận lúc {local:%H} giờ {local:%M} ngày {local.day}/{local.month}/{local.year}, "
                    "sau hạn nộp báo cáo") in text
            assert "chấn chỉnh" in text and "mẫu" not in text   # nothing attached, no template named
            assert not (d / f"BC_{unit}_2022_Q4.xlsx").exists()
        sign = [p.text for p in doc.tables[-1].rows[0].cells[1].paragraphs if p.text]
        assert sign[:3] == ["TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN THƯỜNG TRỰC"]

    ws = load_workbook(d / "DanhSach_DonDoc_2022_Q4.xlsx").active
    assert ws["A1"].value.startswith("DANH SÁCH ĐƠN VỊ ĐƯỢC ĐÔN ĐỐC, NHẮC NHỞ VIỆC NỘP BÁO CÁO QUÝ IV NĂM 2022")
    header = [c.value for c in ws[3]]
    assert header[:8] == ["TT", "Đơn vị", "Quý", "Hạn nộp", "Ngày nhận", "Tình trạng", "Công văn", "Hạn nộp mới"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    names = {u.code: u.name for u in plan.units}
    assert sorted(r[1] for r in rows) == sorted(names[u] for u in chased)
    assert {r[1]: (r[2], r[5], r[6]) for r in rows} == {
        names[u]: ("IV", {"late": "Trễ hạn", "missing": "Chưa nộp"}[r["status"]],
                   {"late": "Nhắc nhở", "missing": "Đôn đốc"}[r["status"]]) for u, r in chased.items()}
    assert {r[1]: r[7] for r in rows} == {names[u]: dt.datetime(2022, 12, 26) if r["status"] == "missing" else None
                                          for u, r in chased.items()}
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 1


def test_no_letters_before_the_deadline(demo_store, tmp_path):
    # 15/12/2022 23:00 Đức Phổ time is before the Q4 deadline (end of 15/12): everyone is on time or pending.
    code, out = run("reminders", "--year", 2022, "--quarter", 4, "--as-of", "2022-12-15T23:00", "-o", tmp_path,
                    *store_options(demo_store))
    assert code == 0 and "không có công văn đôn đốc" in out
    assert not list(tmp_path.glob("DonDoc_*.docx"))
