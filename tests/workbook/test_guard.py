"""Hostile and broken files are refused cheaply, before they are inflated (spec/workbook.md)."""
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import ROOT, book, report
from peak_memory import VMHWM, peak_mib

from pipelines.workbook.guard import MAX_FILE_BYTES
from pipelines.workbook.read import read_workbook

MB = 1 << 20


def codes(problems):
    return [p.code for p in problems if p.level == "error"]


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip built by hand from raw deflate payloads: (name, payload, crc32, declared size).
    Lets a test declare any size, honest or not, without inflating anything itself."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, payload, crc, size in members:
        offset = out.tell()
        n = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(payload), size, len(n), 0) + n)
        out.write(payload)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(payload), size,
                                  len(n), 0, 0, 0, 0, 0, offset) + n)
    cd = central.getvalue()
    start = out.tell()
    out.write(cd)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), start, 0))
    return out.getvalue()


def _deflate(data: bytes) -> tuple[bytes, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(), zlib.crc32(data), len(data)


def _zeros_member(name: str, megabytes: int, declared: int | None = None) -> tuple[str, bytes, int, int]:
    """`megabytes` MB of zeros as ~1 KB of deflate per MB (identical flushed blocks, repeated)."""
    chunk = bytes(MB)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return name, block * megabytes + c.flush(), crc, megabytes * MB if declared is None else declared


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A 1 MB file that inflates to 2 GB, dressed as a workbook."""
    members = [(n, *_deflate(b)) for n, b in ((
        "[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>"))]
    members.append(_zeros_member("xl/worksheets/sheet1.xml", 2048))
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    path.write_bytes(_zip(members))
    return path


def test_zip_bomb_is_refused_from_its_headers_within_600_mb(zip_bomb):
    """Refused by what it declares, before any member is inflated; how fast is `make bench`'s
    (benchmarks/hostile.py), not asserted here. The probe counts the members opened for inflating
    (the real zipfile, counted): with the declared-size check removed from guard._check_zip_parts,
    this failed (refused only after inflating the sheet up to the 64 MB budget). It also found the
    size written "2,048 MB" (2,048 reads as two in Vietnamese): now "2.048 MB"."""
    assert zip_bomb.stat().st_size < 4 * MB
    probe = (
        "import json, sys, zipfile; from pipelines.workbook.read import read_workbook\n"
        "opened = []; real_open = zipfile.ZipFile.open\n"
        "def counting_open(self, name, *a, **k):\n"
        "    opened.append(getattr(name, 'filename', name)); return real_open(self, name, *a, **k)\n"
        "zipfile.ZipFile.open = counting_open\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "raw, problems = read_workbook(data, 'bomb.xlsx')\n"
        "print(json.dumps({'codes': [p.code for p in problems], 'messages': [p.message for p in problems],\n"
        "                  'opened': opened}))\n")
    out = subprocess.run([sys.executable, "-c", VMHWM + probe, str(zip_bomb)], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    got = json.loads(out.stdout)
    assert got["codes"] == ["hostile"]
    assert "giải nén ra 2.048 MB" in got["messages"][0], got["messages"]   # 2 GB declared, by hand
    assert got["opened"] == []                                             # nothing inflated
    assert peak_mib(out.stderr) < 600                    # the child's own peak (tests/peak_memory.py)


def test_zip_bomb_lying_about_its_size_is_refused_without_inflating_past_the_lie():
    members = [(n, *_deflate(b)) for n, b in (("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>"))]
    members.append(_zeros_member("xl/worksheets/sheet1.xml", 512, declared=10_000))
    raw, problems = read_workbook(_zip(members), "liar.xlsx")
    assert raw is None
    assert codes(problems) in (["hostile"], ["unreadable"])


def _xlsx_with(replace: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(book(report())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            for old, new in replace.items():
                if info.filename.startswith(old):
                    body = new(body) if callable(new) else new
            dst.writestr(info.filename, body)
    return out.getvalue()


def test_xml_entities_are_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b'<lolz>&lol2;</lolz>')
    raw, problems = read_workbook(_xlsx_with({"xl/workbook.xml": laughs}), "laughs.xlsx")
    assert raw is None and codes(problems) == ["hostile"]
    assert "DTD" in problems[0].message


def test_external_entity_in_a_sheet_is_refused():
    xxe = lambda body: b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body
    raw, problems = read_workbook(_xlsx_with({"xl/worksheets/sheet2.xml": xxe}), "xxe.xlsx")
    assert codes(problems) == ["hostile"]


def test_not_a_workbook():
    raw, problems = read_workbook(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj", "bao_cao.xlsx")
    assert raw is None and codes(problems) == ["unreadable"]
    assert "PDF" in problems[0].message


def test_truncated_workbook():
    data = book(report())
    raw, problems = read_workbook(data[: len(data) // 2], "cut.xlsx")
    assert raw is None and codes(problems) == ["unreadable"]


def test_corrupt_member_is_unreadable():
    data = bytearray(book(report()))
    # flip bytes in the middle of the compressed data: the CRC check catches it
    mid = len(data) // 3
    data[mid:mid + 40] = bytes(40)
    raw, problems = read_workbook(bytes(data), "corrupt.xlsx")
    assert raw is None and codes(problems) == ["unreadable"]


def test_encrypted_workbook():
    from msoffcrypto.format.ooxml import OOXMLFile
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(book(report()))).encrypt("mat-khau", out)
    raw, problems = read_workbook(out.getvalue(), "khoa.xlsx")
    assert raw is None and codes(problems) == ["encrypted"]
    assert "mật khẩu" in problems[0].message


def test_huge_file_is_refused_unread():
    raw, problems = read_workbook(b"PK\x03\x04" + bytes(MAX_FILE_BYTES), "huge.xlsx")
    assert raw is None and codes(problems) == ["too_large"]


def test_formula_without_cached_value_is_an_error_at_its_cell(store):
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(book(report(values={"TT_BUOI": 2, "TT_LUOT": 50}))))
    wb["Số liệu"]["D5"] = "=2+3"  # openpyxl saves formulas without a cached value
    buf = io.BytesIO()
    wb.save(buf)
    raw, problems = read_workbook(buf.getvalue(), "formula.xlsx")
    assert codes(problems) == ["formula_without_value"]
    assert problems[0].where == "Số liệu!D5"
    assert "Excel" in problems[0].hint


def _ods_with_formula(cached: bool) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P
    sheets = report(values={"TT_BUOI": 3, "TT_LUOT": 30})
    data = book(sheets, "ods")
    # rebuild the data sheet's TT_LUOT cell as a formula, with or without its calculated value
    src = zipfile.ZipFile(io.BytesIO(data))
    content = src.read("content.xml").decode()
    old = 'office:value-type="float" office:value="30"'
    new = ('table:formula="of:=10*3" office:value-type="float" office:value="30"' if cached
           else 'table:formula="of:=10*3"')
    assert old in content
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = content.replace(old, new, 1).encode() if info.filename == "content.xml" else src.read(info)
            dst.writestr(info.filename, body)
    return out.getvalue()


def test_ods_formula_without_value_is_an_error_at_its_cell(store):
    from conftest import data_cell
    raw, problems = read_workbook(_ods_with_formula(cached=False), "f.ods")
    assert codes(problems) == ["formula_without_value"]
    assert problems[0].where == data_cell(report(values={"TT_BUOI": 3, "TT_LUOT": 30}), "TT_LUOT")


def test_ods_formula_with_its_value_reads_the_value(store):
    from pipelines.workbook.validate import validate
    raw, problems = read_workbook(_ods_with_formula(cached=True), "f.ods")
    sub, more = validate(raw, store.plans())
    assert codes(problems + more) == [] and sub.values["TT_LUOT"] == 30


def test_xlsx_formula_cached_as_empty_text_is_a_value_not_missing():
    src = zipfile.ZipFile(io.BytesIO(book(report(values={"TT_BUOI": 3}))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                body = body.replace(b"</sheetData>", b'<row r="40"><c r="F40" t="str"><f>IF(1,"","x")</f><v></v></c></row></sheetData>')
            dst.writestr(info.filename, body)
    raw, problems = read_workbook(out.getvalue(), "empty-text.xlsx")
    assert codes(problems) == []
