"""What the guard tells apart before anything is read (README "Hostile and broken files",
spec/workbook.md): which zip is a spreadsheet, which OLE file is an encrypted workbook, where a DTD is
looked for and where it is not, and the bounds on members and sheets at their edges.

Found untested by the mutation run of guard.py (`make mutate`, README "Mutation testing"): each case
below failed on the mutant named in its docstring (applied by hand, run, reverted).
"""
from __future__ import annotations

import io
import zipfile

from conftest import book, report

from pipelines.workbook import extent, guard

MB = 1 << 20


def errors(result) -> list[str]:
    return [p.code for p in result.problems if p.level == "error"]


def _rezip(data: bytes, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None,
           drop: tuple[str, ...] = (), level: int = 6) -> bytes:
    """A copy of the zip `data`, members replaced, dropped or added (deflated)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info)))
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


REPORT = book(report())


def test_a_plain_report_passes_the_guard():
    result = guard.check(REPORT, "bc.xlsx")
    assert (result.format, errors(result)) == ("xlsx", [])


# -- which zip is a spreadsheet ----------------------------------------------------------------------
def test_an_xlsb_is_refused_as_binary_excel():
    """[Content_Types].xml and parts under xl/ but no xl/workbook.xml (an .xlsb keeps xl/workbook.bin).
    Mutant `… in names and "xl/workbook.xml" in names` → `or`: taken for an .xlsx and passed."""
    xlsb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00",
                 "xl/worksheets/sheet1.bin": b"\x00"})
    result = guard.check(xlsb, "bc.xlsx")
    assert errors(result) == ["unreadable"]
    assert ".xlsb" in result.problems[0].message


def test_a_word_document_is_not_a_spreadsheet():
    """A .docx: [Content_Types].xml but nothing under xl/ and no mimetype. Mutants: `"[Content_Types].xml"
    in names and any(… "xl/" …)` → `or` (called an .xlsb), `"mimetype" in names and …` → `or` (reads a
    mimetype that is not there: "broken")."""
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
    result = guard.check(docx, "bc.xlsx")
    assert errors(result) == ["unreadable"]
    assert result.problems[0].message == "Tệp nén không phải bảng tính Excel hay LibreOffice."


def test_an_ods_text_document_is_not_a_spreadsheet():
    odt = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
    result = guard.check(odt, "bc.ods")
    assert result.problems[0].message == "Tệp nén không phải bảng tính Excel hay LibreOffice."


def test_an_ole_file_naming_an_encrypted_package_is_encrypted():
    """An OLE container names its streams in UTF-16: "EncryptedPackage" alone (no "EncryptionInfo"
    written in ASCII) is an encrypted workbook. Mutant `… in data or b"EncryptionInfo" in data` →
    `and`: read as a broken .xls."""
    ole = guard.OLE_MAGIC + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(64)
    assert b"EncryptionInfo" not in ole
    assert errors(guard.check(ole, "khoa.xlsx")) == ["encrypted"]
    info_only = guard.OLE_MAGIC + bytes(504) + b"EncryptionInfo" + bytes(64)
    assert errors(guard.check(info_only, "khoa.xlsx")) == ["encrypted"]


# -- where a DTD is looked for ---------------------------------------------------------------------------
DTD = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'


def test_a_dtd_in_a_part_no_reader_parses_is_refused():
    """docProps/core.xml is never parsed by the guard's measuring (only sheets are), so the raw scan of
    every XML part is what refuses it. Mutants: `is_xml = … or name == "[Content_Types].xml"` → `and`
    (only [Content_Types].xml scanned), `dtd = True` → `False` (scan result dropped)."""
    result = guard.check(_rezip(REPORT, replace={"docProps/core.xml": DTD}), "bc.xlsx")
    assert errors(result) == ["hostile"]
    assert "docProps/core.xml khai báo DTD/thực thể XML" in result.problems[0].message


def test_dtd_like_bytes_in_a_picture_are_not_a_dtd():
    """A picture (not XML) may hold any bytes, "<!ENTITY" included: not scanned, the report passes.
    Mutants: `is_xml and _DTD.search(…)` → `or`, `name == "[Content_Types].xml"` → `!=` (every part
    scanned as XML)."""
    picture = b"\x89PNG\r\n\x1a\n" + bytes(100) + b"<!ENTITY lol>" + bytes(100)
    result = guard.check(_rezip(REPORT, add={"xl/media/image1.png": picture}), "bc.xlsx")
    assert errors(result) == []


def test_a_dtd_cut_by_the_chunk_boundary_is_still_found():
    """Parts are inflated a chunk (1 MB) at a time; "<!DOCTYPE" split across two chunks is still found
    (the scan keeps the previous chunk's last 32 bytes)."""
    assert guard.CHUNK == MB
    core = b" " * (guard.CHUNK - 4) + DTD.removeprefix(b'<?xml version="1.0"?>')
    assert core[guard.CHUNK - 4:guard.CHUNK] == b"<!DO"
    result = guard.check(_rezip(REPORT, replace={"docProps/core.xml": core}), "bc.xlsx")
    assert errors(result) == ["hostile"]


# -- members: how many, how large, all together ----------------------------------------------------
def test_two_thousand_members_are_read_one_more_is_not():
    """At most 2.000 members (guard.MAX_MEMBERS). Mutant `len(infos) > MAX_MEMBERS` → `>=`."""
    assert guard.MAX_MEMBERS == 2000
    have = len(zipfile.ZipFile(io.BytesIO(REPORT)).infolist())
    at = _rezip(REPORT, add={f"docProps/pad{i}.txt": b"" for i in range(2000 - have)})
    assert errors(guard.check(at, "bc.xlsx")) == []
    over = _rezip(REPORT, add={f"docProps/pad{i}.txt": b"" for i in range(2001 - have)})
    result = guard.check(over, "bc.xlsx")
    assert errors(result) == ["hostile"]
    assert "quá nhiều thành phần (2001)" in result.problems[0].message


def test_an_honest_archive_of_exactly_64_mb_is_read():
    """Every member inflates to what it declares and all together to exactly 64 MB: read. Each member
    is inflated within what is left of the 64 MB; mutant `total = 0` → `1` (one byte of budget lost)
    refused it as a bomb."""
    have = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(REPORT)).infolist())
    pad = bytes(64 * MB - have)
    at = _rezip(REPORT, add={"xl/media/pad.bin": pad}, level=1)
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(at)).infolist()) == 64 * MB
    assert errors(guard.check(at, "bc.xlsx")) == []


# -- sheets: how many, how many cells together -------------------------------------------------------
def test_one_hundred_sheets_are_read_one_more_is_not():
    """At most 100 sheets (extent.MAX_SHEETS). Mutant `len(extents.sheets) > MAX_SHEETS` → `>=`."""
    assert extent.MAX_SHEETS == 100
    assert errors(guard.check(book({f"T{i}": [["x"]] for i in range(100)}), "bc.xlsx")) == []
    result = guard.check(book({f"T{i}": [["x"]] for i in range(101)}), "bc.xlsx")
    assert errors(result) == ["hostile"]
    assert "có 101 trang tính" in result.problems[0].message


def _full_sheet() -> list[list]:
    """A used range of 2.000 rows × 100 columns (A1 and CV2000 hold something): 200.000 cells."""
    return [["đầu"]] + [[None]] * 1998 + [[None] * 99 + ["cuối"]]


def test_one_million_cells_together_are_read_one_more_sheet_is_not():
    """README: at most 1.000.000 cells over all sheets. Five sheets of 2.000 × 100 = 1.000.000: read;
    six = 1.200.000: refused. Mutant `total > extent.MAX_CELLS` → `>=`."""
    assert extent.MAX_CELLS == 1_000_000
    assert errors(guard.check(book({f"T{i}": _full_sheet() for i in range(5)}), "bc.xlsx")) == []
    result = guard.check(book({f"T{i}": _full_sheet() for i in range(6)}), "bc.xlsx")
    assert errors(result) == ["hostile"]
    assert "1.200.000 ô" in result.problems[0].message


def test_a_sheet_that_is_not_well_formed_xml_is_broken_and_named():
    """Mutant `"…không đúng cấu trúc XML" + (f" (trang “{part}”)." …)` → `-`."""
    result = guard.check(_rezip(REPORT, replace={"xl/worksheets/sheet2.xml": b"<worksheet><sheetData><row>"}),
                         "bc.xlsx")
    assert errors(result) == ["unreadable"]
    assert result.problems[0].message == ("Tệp bị hỏng: nội dung bảng tính không đúng cấu trúc XML "
                                          "(trang “Số liệu”).")


def test_a_declared_range_too_wide_but_not_too_tall_is_refused():
    """A sheet whose cells are within bounds but whose <dimension> declares 101 columns on 5 rows: refused
    at the declared last cell. Mutant `declared_rows > MAX_ROWS or declared_cols > MAX_COLS` → `and`."""
    import re
    src = zipfile.ZipFile(io.BytesIO(REPORT))
    sheet = src.read("xl/worksheets/sheet2.xml")
    assert len(re.findall(rb'<dimension ref="[^"]*"/>', sheet)) == 1
    wide = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:CW5"/>', sheet)
    result = guard.check(_rezip(REPORT, replace={"xl/worksheets/sheet2.xml": wide}), "bc.xlsx")
    assert [(p.code, p.where) for p in result.problems] == [("hostile", "Số liệu!CW5")]
    assert "khai báo vùng dữ liệu tới ô CW5 (5 dòng × 101 cột)" in result.problems[0].message
