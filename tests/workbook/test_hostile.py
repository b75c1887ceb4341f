"""Files that would stop the server (issue 8 §1): refused as `hostile` by sheet!cell before any grid
is built, and whatever a file does to the reader in the child process, the caller gets a Problem.

Bounds worked out by hand from extent.py: at most 2.000 rows and 100 columns (column 100 is CV:
C = 3, 3 × 26 + V (22) = 100; CW is 101)."""
import io
import re
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT, book, report

from pipelines.problems import CODES
from pipelines.store import load
from pipelines.workbook import sandbox
from pipelines.workbook.read import read_workbook

TARGETS = "tests.hostile_targets:"
ENGLISH = re.compile(r"\b(error|file|invalid|zip|not|bad|failed|cannot|calamine|exception|message)\b", re.I)


def refused(problems) -> list[tuple[str, str]]:
    return [(p.code, p.where) for p in problems if p.level == "error"]


# -- the files of the issue, written by the libraries units' programs use -----------------------------------
def xlsx_first_and_last_cell() -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.title = "Số liệu"
    wb.active["A1"] = "Mã chỉ tiêu"
    wb.active["XFD1048576"] = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xls_last_cell(style_only: bool = False) -> bytes:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Số liệu")
    ws.write(0, 0, "Mã chỉ tiêu")
    if style_only:
        ws.write(65535, 255, None, xlwt.easyxf("font: bold on"))   # declared by DIMENSIONS, no value
    else:
        ws.write(65535, 255, 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ODS_CELL = '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'


def ods(rows_xml: str, sheet: str = "Số liệu") -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{sheet}">{rows_xml}'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0"?><manifest:manifest xmlns:manifest='
                   '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def row(cells: str, repeat: int = 1) -> str:
    return f'<table:table-row table:number-rows-repeated="{repeat}">{cells}</table:table-row>'


def empty_cells(n: int) -> str:
    return f'<table:table-cell table:number-columns-repeated="{n}"/>'


def test_a_5_kb_xlsx_with_a1_and_xfd1048576_is_refused_by_sheet_and_cell():
    data = xlsx_first_and_last_cell()
    assert len(data) < 6_000
    raw, problems = sandbox.read_workbook(data, "BC_CA_2022_Q1.xlsx")
    assert raw is None
    assert refused(problems) == [("hostile", "Số liệu!XFD1048576")]
    msg = problems[0].message
    assert "“Số liệu”" in msg and "XFD1048576" in msg and "1.048.576 dòng × 16.384 cột" in msg
    assert "tối đa 2.000 dòng × 100 cột" in msg


def test_an_xls_with_a_value_in_iv65536_is_refused():
    raw, problems = sandbox.read_workbook(xls_last_cell(), "bc.xls")
    assert refused(problems) == [("hostile", "Số liệu!IV65536")]
    assert "65.536 dòng × 256 cột" in problems[0].message


def test_an_xls_declaring_its_last_cell_in_dimensions_is_refused():
    raw, problems = sandbox.read_workbook(xls_last_cell(style_only=True), "bc.xls")
    assert refused(problems) == [("hostile", "Số liệu!IV65536")]
    assert "khai báo vùng dữ liệu tới ô IV65536" in problems[0].message


def test_an_xlsx_declaring_a_huge_dimension_is_refused():
    src = zipfile.ZipFile(io.BytesIO(book(report())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":   # `Số liệu`
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:AMJ100000"', body)
            dst.writestr(info.filename, body)
    raw, problems = read_workbook(out.getvalue(), "bc.xlsx")
    assert refused(problems) == [("hostile", "Số liệu!AMJ100000")]
    assert "100.000 dòng × 1.024 cột" in problems[0].message


@pytest.mark.parametrize("rows_xml, where", [
    # one value, then a million empty rows, then a value in the last column
    (row(ODS_CELL) + row(empty_cells(16384), 1048574) + row(empty_cells(16383) + ODS_CELL), "Số liệu!XFD1048576"),
    # one value repeated over every cell of the sheet
    (row(ODS_CELL.replace("<table:table-cell", '<table:table-cell table:number-columns-repeated="16384"'), 1048576),
     "Số liệu!XFD1048576"),
    # a value in row 2.001 (one past the bound), column A
    (row(ODS_CELL) + row(empty_cells(5), 1999) + row(ODS_CELL), "Số liệu!A2001"),
    # a value in column 101 (CW)
    (row(empty_cells(100) + ODS_CELL), "Số liệu!CW1"),
])
def test_ods_with_huge_repeats_is_refused(rows_xml, where):
    data = ods(rows_xml)
    assert len(data) < 2_000
    raw, problems = sandbox.read_workbook(data, "bc.ods")
    assert refused(problems) == [("hostile", where)]


def test_trailing_empty_repeats_as_libreoffice_writes_them_are_not_a_used_range():
    data = ods(row(ODS_CELL) + row(empty_cells(16384), 1048575))
    raw, problems = read_workbook(data, "bc.ods")
    assert "hostile" not in [p.code for p in problems]
    assert [p.code for p in problems] == ["missing_sheet", "missing_field"]   # ordinary refusals


def test_the_last_cell_within_the_bound_is_read():
    grids = report()
    grids["Ghi chú"] = [[None] * 99 + ["góc"]] + [[] for _ in range(1998)] + [["cuối"]]   # CV1 and A2000
    raw, problems = read_workbook(book(grids), "bc.xlsx")
    assert refused(problems) == []
    assert raw is not None and raw.info["unit"].value == "CA"


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_a_value_one_past_the_bound_is_refused_in_every_format(fmt):
    grids = report()
    grids["Ghi chú"] = [[None] * 100 + ["ngoài"]]   # CW1
    raw, problems = read_workbook(book(grids, fmt), f"bc.{fmt}")
    assert refused(problems) == [("hostile", "Ghi chú!CW1")]


def test_ingest_from_the_command_line_refuses_without_a_traceback(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "a.xlsx").write_bytes(xlsx_first_and_last_cell())
    (inbox / "b.xls").write_bytes(xls_last_cell())
    out = subprocess.run([sys.executable, "-m", "pipelines", "ingest", str(inbox), "--data-dir", str(tmp_path / "d"),
                          "--json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    import json
    got = {r["file"]: [(e["code"], e["where"]) for e in r["errors"]] for r in json.loads(out.stdout)}
    assert got == {"a.xlsx": [("hostile", "Số liệu!XFD1048576")], "b.xls": [("hostile", "Số liệu!IV65536")]}


# -- the child process: whatever happens there, the caller gets a Problem ------------------------------------
def test_an_abort_in_native_code_is_a_hostile_refusal_and_the_next_file_is_read():
    raw, problems = sandbox.read_workbook(b"x" * 10, "a.xlsx", target=TARGETS + "abort")
    assert raw is None and refused(problems) == [("hostile", "a.xlsx")]
    assert "dừng đột ngột" in problems[0].message
    raw, problems = sandbox.read_workbook(book(report()), "b.xlsx")
    assert refused(problems) == [] and raw.info["unit"].value == "CA"


def test_the_readers_own_abort_on_the_issues_file_is_contained():
    """Without the guard, calamine asks for 1,7 × 10¹⁰ cells and aborts the process: in the child."""
    raw, problems = sandbox.read_workbook(xlsx_first_and_last_cell(), "a.xlsx", target=TARGETS + "calamine_unguarded")
    assert refused(problems) == [("hostile", "a.xlsx")]


FIXTURES = ROOT / "tests" / "fixtures"


def test_a_fuzzed_xls_that_makes_the_reader_allocate_171_gb_is_contained():
    """Found by the corpus's mutations: one record's length asks calamine for 171 GB and it aborts."""
    raw, problems = sandbox.read_workbook((FIXTURES / "fuzzed_calamine_oom.xls").read_bytes(), "bc.xls")
    assert refused(problems) == [("hostile", "bc.xls")]
    assert not ENGLISH.search(problems[0].message)


def test_a_fuzzed_xls_that_panics_the_reader_is_unreadable():
    """Found by the corpus's mutations: calamine panics (PanicException is not an Exception)."""
    raw, problems = sandbox.read_workbook((FIXTURES / "fuzzed_calamine_panic.xls").read_bytes(), "bc.xls")
    assert refused(problems) == [("unreadable", "bc.xls")]
    assert problems[0].message == "Không đọc được tệp: tệp hỏng hoặc không phải bảng tính."


def test_running_out_of_memory_is_a_hostile_refusal():
    raw, problems = sandbox.read_workbook(b"x", "a.xlsx", target=TARGETS + "hog", memory_mb=300)
    assert refused(problems) == [("hostile", "a.xlsx")]
    assert "300 MB bộ nhớ" in problems[0].message


def test_running_out_of_time_is_a_hostile_refusal():
    raw, problems = sandbox.read_workbook(b"x", "a.xlsx", target=TARGETS + "sleep", seconds=1)
    assert refused(problems) == [("hostile", "a.xlsx")]
    assert "hơn 1 giây" in problems[0].message


def test_an_unexpected_error_is_unreadable_in_vietnamese_only():
    raw, problems = sandbox.read_workbook(b"x", "a.xlsx", target=TARGETS + "fail")
    assert refused(problems) == [("unreadable", "a.xlsx")]
    assert not ENGLISH.search(problems[0].message)


def test_cells_cross_the_pipe_unchanged():
    import datetime as dt
    grids = report(values={"TIN_TON": 1, "TIN_MOI": "1.234", "TIN_PHAN_LOAI": 2.5, "TIN_DA_GQ": None})
    grids["Thông tin"].append(["Ngày lập", dt.datetime(2022, 3, 14, 9, 30)])
    data = book(grids)
    assert sandbox.read_workbook(data, "a.xlsx") == read_workbook(data, "a.xlsx")


# -- messages are Vietnamese: no library text ------------------------------------------------------------------
@pytest.mark.parametrize("data", [
    book(report())[:3000],                                  # truncated zip
    b"PK\x03\x04" + bytes(200),                             # a zip header and nothing
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),       # an OLE header and nothing
    book(report(), "xls")[:2000],                           # truncated .xls
    book(report(), "ods").replace(b"content.xml", b"contenu.xml"),
])
def test_broken_files_get_a_vietnamese_message_and_no_library_text(data):
    raw, problems = sandbox.read_workbook(data, "bc.xlsx")
    assert raw is None and problems and {p.code for p in problems} <= CODES
    for p in problems:
        assert not ENGLISH.search(p.message), p.message


def test_the_annotated_copy_of_a_broken_file_has_no_library_text():
    from openpyxl import load_workbook
    from pipelines.workbook import annotate
    data = book(report())[:3000]
    raw, problems = sandbox.read_workbook(data, "bc.xlsx")
    wb = load_workbook(io.BytesIO(annotate.annotate(data, "bc.xlsx", problems)))
    texts = [str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value is not None]
    assert any("hỏng" in t for t in texts)
    assert not [t for t in texts if ENGLISH.search(t) and t not in CODES], texts


def test_the_annotated_copy_is_made_in_the_child_and_survives_its_death():
    from openpyxl import load_workbook

    from pipelines.plan import load_plan
    from pipelines.workbook.annotate import LIST_SHEET
    from pipelines.workbook.validate import validate
    data = book(report(values={"TIN_TON": "mười", "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 4}))
    raw, problems = sandbox.read_workbook(data, "loi.xlsx")
    plan = load_plan(ROOT / "data" / "plans" / "duc_pho_2022.toml")
    problems = problems + validate(raw, {plan.year: plan})[1]
    where = next(p.where for p in problems if p.value == "mười")
    sheet, ref = where.split("!")
    wb = load_workbook(io.BytesIO(sandbox.annotate(data, "loi.xlsx", problems)))
    assert "LỖI" in wb[sheet][ref].comment.text
    wb = load_workbook(io.BytesIO(sandbox.annotate(data, "loi.xlsx", problems, target=TARGETS + "abort")))
    assert wb.sheetnames == [LIST_SHEET]   # the list of problems, without the original's sheets
    assert where in [c.value for c in wb[LIST_SHEET]["B"]]


# -- the archive -------------------------------------------------------------------------------------------------
def test_the_archives_temporary_name_is_unique_per_write(tmp_path, monkeypatch):
    """Two writes of the same bytes interleaved in one process (two dashboard sessions): the second
    write happens between the first's write and rename. Both must succeed, leaving one archive."""
    import os
    real_replace, nested = os.replace, []

    def replace(src, dst):
        if not nested:
            nested.append(src)
            assert load._archive(tmp_path / "raw" / "ab" / "x.xlsx", b"same bytes") is True
        real_replace(src, dst)

    monkeypatch.setattr(load.os, "replace", replace)
    assert load._archive(tmp_path / "raw" / "ab" / "x.xlsx", b"same bytes") is True
    assert (tmp_path / "raw" / "ab" / "x.xlsx").read_bytes() == b"same bytes"
    assert [p.name for p in (tmp_path / "raw" / "ab").iterdir()] == ["x.xlsx"]   # no temporary left


def test_a_write_in_progress_is_not_swept_as_a_leftover(store, monkeypatch):
    """`ingest` sweeps temporary files of dead processes: not the one this process is writing."""
    seen = []

    def replace(src, dst):
        seen.append(store.leftover_temp_files())
        os.rename(src, dst)

    import os
    monkeypatch.setattr(load.os, "replace", replace)
    assert load._archive(store.raw_dir / "ab" / "x.xlsx", b"bytes") is True
    assert seen == [[]]
