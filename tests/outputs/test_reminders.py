"""Reminder letters: one công văn đôn đốc per unit late or missing for a quarter, none for the others."""
from __future__ import annotations

import contextlib
import io
import json

from docx import Document
from openpyxl import load_workbook

from pipelines.cli import main


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in args])
    return code, out.getvalue()


def test_one_letter_per_late_or_missing_unit(demo_store, tmp_path):
    as_of = "2022-12-20T08:00"
    code, out = run("compliance", "--year", 2022, "--as-of", as_of, "--format", "json", "--data-dir",
                    demo_store.data_dir)
    q4 = [r for r in json.loads(out) if r["quarter"] == 4]
    chased = {r["unit"]: r for r in q4 if r["status"] in ("late", "missing")}
    on_time = {r["unit"] for r in q4 if r["status"] == "on_time"}
    assert chased and on_time

    d = tmp_path / "dd"
    code, out = run("reminders", "--year", 2022, "--quarter", 4, "--as-of", as_of, "-o", d,
                    "--data-dir", demo_store.data_dir)
    assert code == 0
    letters = sorted(p.name for p in d.glob("DonDoc_*.docx"))
    assert letters == sorted(f"DonDoc_{u}_2022_Q4.docx" for u in chased)
    assert not any((d / f"DonDoc_{u}_2022_Q4.docx").exists() for u in on_time)

    names = {u.code: u.name for u in demo_store.plan(2022).units}
    for unit, r in chased.items():
        doc = Document(d / f"DonDoc_{unit}_2022_Q4.docx")
        text = "\n".join(p.text for p in doc.paragraphs)
        left, right = doc.tables[0].rows[0].cells
        left_text = [p.text for p in left.paragraphs if p.text]
        assert left_text[1] == "BAN CHỈ ĐẠO 138" and left_text[2].endswith("/BCĐ")
        assert left_text[3] == "V/v đôn đốc gửi báo cáo quý IV năm 2022"
        assert any(p.text == "Đức Phổ, ngày 20 tháng 12 năm 2022" for p in right.paragraphs)
        assert f"Kính gửi: {names[unit]}." in text
        assert "hết ngày 15/12/2022" in text  # the deadline, by hand from the plan (Q4 due 15/12)
        if r["status"] == "missing":
            assert f"chưa nhận được báo cáo quý IV năm 2022" in text and names[unit] in text
            assert f"BC_{unit}_2022_Q4.xlsx" in text and (d / f"BC_{unit}_2022_Q4.xlsx").exists()
            assert "Công an thị xã (Cơ quan Thường trực Ban Chỉ đạo 138 thị xã)" in text
        else:
            received = r["received_at"][:10].split("-")
            assert f"được nhận ngày {received[2]}/{received[1]}/{received[0]}" in text
        sign = [p.text for p in doc.tables[-1].rows[0].cells[1].paragraphs if p.text]
        assert sign[:3] == ["TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN THƯỜNG TRỰC"]

    ws = load_workbook(d / "DanhSach_DonDoc_2022_Q4.xlsx").active
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert sorted(r[0] for r in rows) == sorted(chased)
    assert {r[0]: r[5] for r in rows} == {u: {"late": "Trễ hạn", "missing": "Chưa nộp"}[r["status"]]
                                          for u, r in chased.items()}


def test_no_letters_before_the_deadline(demo_store, tmp_path):
    # 15/12/2022 23:00 Đức Phổ time is before the Q4 deadline (end of 15/12): everyone is on time or pending.
    code, out = run("reminders", "--year", 2022, "--quarter", 4, "--as-of", "2022-12-15T23:00", "-o", tmp_path,
                    "--data-dir", demo_store.data_dir)
    assert code == 0 and "không có công văn đôn đốc" in out
    assert not list(tmp_path.glob("DonDoc_*.docx"))
