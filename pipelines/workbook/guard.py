"""Refuse hostile or broken files before they cost anything.

A unit's workbook is tens of KB. Anything far beyond that is refused from its headers, without
inflating it: files over MAX_FILE_BYTES, zip archives declaring more than MAX_INFLATED_BYTES or
MAX_MEMBERS, members whose real inflated size exceeds what they declare (streamed in chunks, never
held whole beyond the bound), XML with a DTD or entity declarations (billion laughs, external
entities), encrypted workbooks. What passes is known to inflate within the bound, so the reader
(python-calamine) can be given it safely.

For .xlsx it also lists formula cells without a cached value (they would read as blank).
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

from pipelines.problems import Problem, error
from pipelines.workbook.cells import col_letter

MAX_FILE_BYTES = 20 * 1024 * 1024        # an upload over this is refused unread
MAX_INFLATED_BYTES = 64 * 1024 * 1024    # the whole archive, inflated
MAX_MEMBERS = 2_000
CHUNK = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_OOXML_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
             "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
             "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_CACHED = re.compile(rb"<v(?:\s[^>]*)?>[^<]+</v>")  # a non-empty cached value

HINT_RESAVE = "Mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi gửi lại."


@dataclass
class GuardResult:
    format: str = ""
    problems: list[Problem] = field(default_factory=list)   # errors: the file is refused
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)  # (sheet, "D14")


def check(data: bytes, file_name: str) -> GuardResult:
    out = GuardResult()
    if len(data) > MAX_FILE_BYTES:
        out.problems.append(error("too_large", file_name,
                                  f"Tệp quá lớn ({len(data) / 1048576:.1f} MB; tối đa {MAX_FILE_BYTES // 1048576} MB). "
                                  "Báo cáo quý của một đơn vị thường chỉ vài chục KB.", hint=HINT_RESAVE))
        return out
    if data.startswith(OLE_MAGIC):
        # An encrypted .xlsx is an OLE container holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data:
            out.problems.append(_encrypted(file_name))
        else:
            out.format = "xls"
        return out
    if not data.startswith(ZIP_MAGIC):
        what = "Tệp là PDF, không phải bảng tính" if data.startswith(b"%PDF") else \
            "Tệp không phải bảng tính Excel hay LibreOffice"
        out.problems.append(error("unreadable", file_name, f"{what} (dù tên tệp có đuôi bảng tính).",
                                  hint="Gửi tệp .xlsx, .xlsm, .xls hoặc .ods theo mẫu báo cáo."))
        return out
    _check_zip(data, file_name, out)
    return out


def _encrypted(file_name: str) -> Problem:
    return error("encrypted", file_name, "Tệp được đặt mật khẩu (mã hóa); không thể đọc.",
                 hint="Gỡ mật khẩu trong Excel (Tệp → Thông tin → Bảo vệ sổ làm việc) rồi gửi lại.")


def _hostile(file_name: str, why: str) -> Problem:
    return error("hostile", file_name, f"Tệp bị từ chối vì lý do an toàn: {why}.", hint=HINT_RESAVE)


def _check_zip(data: bytes, file_name: str, out: GuardResult) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        out.problems.append(error("unreadable", file_name, f"Tệp bị hỏng hoặc không đầy đủ ({exc}).",
                                  hint=HINT_RESAVE))
        return
    if len(infos) > MAX_MEMBERS:
        out.problems.append(_hostile(file_name, f"quá nhiều thành phần ({len(infos)})"))
        return
    declared = sum(i.file_size for i in infos)
    if declared > MAX_INFLATED_BYTES:
        out.problems.append(_hostile(file_name, f"giải nén ra {declared / 1048576:,.0f} MB, vượt giới hạn "
                                                f"{MAX_INFLATED_BYTES // 1048576} MB (nghi là bom nén)"))
        return
    if any(i.flag_bits & 0x1 for i in infos):
        out.problems.append(_encrypted(file_name))
        return
    names = {i.filename for i in infos}
    if "mimetype" in names and zf.read("mimetype")[:100].startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        out.format = "ods"
    elif "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        out.format = "xlsx"
    else:
        out.problems.append(error("unreadable", file_name, "Tệp nén không phải bảng tính Excel hay LibreOffice.",
                                  hint=HINT_RESAVE))
        return
    sheets: dict[str, bytes] = {}
    total = 0
    for info in infos:
        keep = out.format == "xlsx" and info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        keep = keep or info.filename in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "content.xml")
        try:
            size, body, dtd = _inflate_bounded(zf, info, MAX_INFLATED_BYTES - total, keep)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            out.problems.append(error("unreadable", file_name, f"Tệp bị hỏng hoặc không đầy đủ ({exc}).",
                                      hint=HINT_RESAVE))
            return
        if size is None:
            out.problems.append(_hostile(file_name, f"thành phần {info.filename} giải nén vượt kích thước khai báo "
                                                    "hoặc vượt giới hạn (nghi là bom nén)"))
            return
        if dtd:
            out.problems.append(_hostile(file_name, f"thành phần {info.filename} khai báo DTD/thực thể XML"))
            return
        total += size
        if body is not None:
            sheets[info.filename] = body
    if out.format == "xlsx":
        _formulas_without_value(sheets, out)
    elif "content.xml" in sheets:
        _ods_formulas_without_value(sheets["content.xml"], out)


def _inflate_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, keep: bool
                     ) -> tuple[int | None, bytes | None, bool]:
    """Inflate one member in chunks, stopping as soon as it passes its declared size or the budget.
    Returns (size or None when over, the bytes when `keep`, whether a DTD/entity was seen)."""
    limit = min(info.file_size, budget)
    size, tail, dtd = 0, b"", False
    parts: list[bytes] = []
    is_xml = info.filename.endswith((".xml", ".rels", ".vml")) or info.filename == "[Content_Types].xml"
    with zf.open(info) as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            if size > limit:
                return None, None, False
            if is_xml and _DTD.search(tail + chunk):
                dtd = True
                break
            tail = chunk[-32:]
            if keep:
                parts.append(chunk)
    return size, (b"".join(parts) if keep else None), dtd


def _formulas_without_value(parts: dict[str, bytes], out: GuardResult) -> None:
    sheet_paths = _sheet_paths(parts)
    for path, sheet in sheet_paths.items():
        body = parts.get(path)
        if not body or b"<f" not in body:
            continue
        for m in _CELL.finditer(body):
            inner = m.group(2) or b""
            # Excel caches a formula's empty-text result as t="str" with <v></v>; that is a value.
            if b"<f" in inner and not _CACHED.search(inner) and b't="str"' not in m.group(1):
                ref = _REF.search(m.group(1))
                out.formulas_without_value.append((sheet, ref.group(1).decode() if ref else "?"))


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods_formulas_without_value(content: bytes, out: GuardResult) -> None:
    """ODS cells with table:formula but no office:value-type: a formula never calculated."""
    sheet, row = "", 0
    try:
        for event, el in SafeET.iterparse(io.BytesIO(content), events=("start", "end")):
            tag = el.tag
            if event == "start" and tag == _ODS_TABLE + "table":
                sheet, row = el.get(_ODS_TABLE + "name", ""), 0
            elif event == "start" and tag == _ODS_TABLE + "table-row":
                col = 0
            elif event == "end" and tag in (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell"):
                span = int(el.get(_ODS_TABLE + "number-columns-repeated", "1"))
                if el.get(_ODS_TABLE + "formula") and el.get(_ODS_OFFICE + "value-type") is None:
                    out.formulas_without_value.append((sheet, f"{col_letter(col)}{row + 1}"))
                col += span
                el.clear()
            elif event == "end" and tag == _ODS_TABLE + "table-row":
                row += int(el.get(_ODS_TABLE + "number-rows-repeated", "1"))
                el.clear()
    except SafeET.ParseError:
        pass  # calamine reports a broken file itself


def _sheet_paths(parts: dict[str, bytes]) -> dict[str, str]:
    """xl/worksheets/sheetN.xml → the sheet's name as the user sees it."""
    try:
        book = SafeET.fromstring(parts["xl/workbook.xml"])
        rels = SafeET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    except Exception:  # the reader will say what is wrong with the workbook itself
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _OOXML_NS)}
    out = {}
    for s in book.findall("m:sheets/m:sheet", _OOXML_NS):
        target = targets.get(s.get(f"{{{_OOXML_NS['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out[path] = s.get("name", "")
    return out
