"""Reminder letters: one công văn đôn đốc per unit late or missing for a quarter, none for the others."""
from __future__ import annotations

import contextlib
import datetime as dt
import io

from docx import Document
from openpyxl import load_workbook

from conftest import store_options
from pipelines.cli import main


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in args])
    return code, out.getvalue()


# Worked by hand from the demo fixture (pipelines/demo.py, seed 138; plan duc_pho_2022.toml) and the spec
# (spec/plan-2022.md §2: Q4 due 15/12/2022, by 23:59:59 Asia/Ho_Chi_Minh, UTC+7; a unit is judged on its first
# accepted file: on time by then, late after, missing when none has arrived and the deadline has passed):
#   [demo] missing "4" = X_PHO_NHON, DTN: no Q4 file at all                                    → missing
#   drawn late for Q4: P_PHO_HOA received 16/12/2022 01:15 UTC = 08:15 on 16/12 in Đức Phổ     → late
#                      P_NGUYEN_NGHIEM received 19/12/2022 00:00 UTC = 07:00 on 19/12          → late
#   the last ones on time: P_PHO_MINH 15/12 07:30 UTC = 14:30 on 15/12, VKS 15/12 03:30 UTC = 10:30 on 15/12
#   so on 20/12/2022 08:00 four units are chased; the other 27 − 4 = 23 reported on time.
CHASED = {"X_PHO_NHON": ("missing", None), "DTN": ("missing", None),
          "P_PHO_HOA": ("late", "08 giờ 15 ngày 16/12/2022"), "P_NGUYEN_NGHIEM": ("late", "07 giờ 00 ngày 19/12/2022")}


def test_one_letter_per_late_or_missing_unit(demo_store, tmp_path, capsys):
    as_of = "2022-12-20T08:00"
    plan = demo_store.plan(2022)
    chased = CHASED
    on_time = {u.code for u in plan.units} - set(chased)
    assert len(on_time) == 23

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

    to = {u.code: u.addressee or u.name for u in plan.units}
    assert to["X_PHO_CHAU"] == "UBND xã Phổ Châu" and to["P_PHO_HOA"] == "UBND phường Phổ Hòa"
    for unit, (status, received) in chased.items():
        doc = Document(d / f"DonDoc_{unit}_2022_Q4.docx")
        text = "\n".join(p.text for p in doc.paragraphs)
        left, right = doc.tables[0].rows[0].cells
        left_text = [p.text for p in left.paragraphs if p.text]
        assert left_text[1] == "BAN CHỈ ĐẠO 138" and left_text[2].endswith("/BCĐ")
        assert any(p.text == "Đức Phổ, ngày 20 tháng 12 năm 2022" for p in right.paragraphs)
        assert f"Kính gửi: {to[unit]}." in text
        assert "hết ngày 15/12/2022" in text  # the deadline, by hand from the plan (Q4 due 15/12)
        if status == "missing":
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
            assert f"được nhận lúc {received}, sau hạn nộp báo cáo" in text
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
        names["X_PHO_NHON"]: ("IV", "Chưa nộp", "Đôn đốc"), names["DTN"]: ("IV", "Chưa nộp", "Đôn đốc"),
        names["P_PHO_HOA"]: ("IV", "Trễ hạn", "Nhắc nhở"), names["P_NGUYEN_NGHIEM"]: ("IV", "Trễ hạn", "Nhắc nhở")}
    assert {r[1]: r[7] for r in rows} == {names["X_PHO_NHON"]: dt.datetime(2022, 12, 26),
                                          names["DTN"]: dt.datetime(2022, 12, 26),
                                          names["P_PHO_HOA"]: None, names["P_NGUYEN_NGHIEM"]: None}
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 1


def test_no_letters_before_the_deadline(demo_store, tmp_path):
    # 15/12/2022 23:00 Đức Phổ time is before the Q4 deadline (end of 15/12): everyone is on time or pending.
    code, out = run("reminders", "--year", 2022, "--quarter", 4, "--as-of", "2022-12-15T23:00", "-o", tmp_path,
                    *store_options(demo_store))
    assert code == 0 and "không có công văn đôn đốc" in out
    assert not list(tmp_path.glob("DonDoc_*.docx"))


def test_the_signer_is_typed_under_every_letter(demo_store, tmp_path):
    d = tmp_path / "dd"
    code, _ = run("reminders", "--year", 2022, "--quarter", 4, "--as-of", "2022-12-20T08:00", "-o", d,
                  "--signer", " Lê  Văn Cường ", *store_options(demo_store))
    assert code == 0
    head = tmp_path / "head"
    code, _ = run("reminders", "--year", 2022, "--quarter", 4, "--as-of", "2022-12-20T08:00", "-o", head,
                  "--sign-as", "TM. Ban Chỉ đạo / Trưởng ban", "--signer", "Phạm Văn Dũng", *store_options(demo_store))
    sign = [p.text for p in Document(head / "DonDoc_DTN_2022_Q4.docx").tables[-1].rows[0].cells[1].paragraphs if p.text]
    assert sign == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN", "Phạm Văn Dũng"]
    assert code == 0
    for unit in CHASED:
        sign = [p for p in Document(d / f"DonDoc_{unit}_2022_Q4.docx").tables[-1].rows[0].cells[1].paragraphs if p.text]
        # the plan's authority for letters (the deputy for the head), then the name, bold
        assert [p.text for p in sign] == ["TM. BAN CHỈ ĐẠO", "KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN THƯỜNG TRỰC",
                                          "Lê Văn Cường"]
        assert sign[-1].runs[0].bold


def test_the_dashboards_choice_of_authority_reaches_the_letters(demo_store):
    import zipfile
    from pipelines.outputs import reminders
    data = reminders.reminders_zip(demo_store, 2022, 4, dt.datetime(2022, 12, 20, 8, 0),
                                   sign_as=["TM. Ban Chỉ đạo", "Trưởng ban"], signer="Phạm Văn Dũng")
    z = zipfile.ZipFile(io.BytesIO(data))
    letters = sorted(n for n in z.namelist() if n.startswith("DonDoc_"))
    assert letters == sorted(f"DonDoc_{u}_2022_Q4.docx" for u in CHASED)
    for name in letters:
        sign = [p.text for p in Document(io.BytesIO(z.read(name))).tables[-1].rows[0].cells[1].paragraphs if p.text]
        assert sign == ["TM. BAN CHỈ ĐẠO", "TRƯỞNG BAN", "Phạm Văn Dũng"]
