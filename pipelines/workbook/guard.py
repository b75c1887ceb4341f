"""Refuse hostile or broken files before they cost anything.

A unit's workbook is tens of KB. Anything far beyond that is refused from its headers, without
inflating it: files over MAX_FILE_BYTES, zip archives declaring more than MAX_INFLATED_BYTES or
MAX_MEMBERS, members whose real inflated size exceeds what they declare (streamed in chunks, never
held whole beyond the bound), XML with a DTD or entity declarations (billion laughs, external
entities), encrypted workbooks. What passes is known to inflate within the bound.

Then every sheet's used range is measured from the file's structure (extent.py: the `<dimension>`
and cell references of .xlsx, the repeat counts of .ods, the BIFF records of .xls) and a sheet far
larger than a unit report is refused as `hostile`, before the reader (python-calamine, which builds
a dense grid of the used range) sees it. On the way it lists formula cells without a cached value
(they would read as blank). Messages never carry a library's (English) error text.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from pipelines.problems import Problem, error
from pipelines.workbook import extent

MAX_FILE_BYTES = 20 * 1024 * 1024        # an upload over this is refused unread
MAX_INFLATED_BYTES = 64 * 1024 * 1024    # the whole archive, inflated
MAX_MEMBERS = 2_000
CHUNK = 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)

HINT_RESAVE = "Mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi gửi lại."
HINT_TRIM = ("Xóa các ô, dòng, cột thừa ngoài bảng báo cáo (hoặc chép số liệu sang mẫu báo cáo mới) "
             "rồi gửi lại.")
BROKEN = "Tệp bị hỏng hoặc không đầy đủ (không giải nén được)."


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
            _check_xls(data, file_name, out)
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


# What zipfile and zlib raise on damaged archives (a lying header, a bad CRC, a cut file).
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            ValueError, KeyError, IndexError)


def _check_zip(data: bytes, file_name: str, out: GuardResult) -> None:
    try:
        _check_zip_parts(data, file_name, out)
    except _DAMAGED:
        out.problems.append(error("unreadable", file_name, BROKEN, hint=HINT_RESAVE))


def _check_zip_parts(data: bytes, file_name: str, out: GuardResult) -> None:
    zf = zipfile.ZipFile(io.BytesIO(data))
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        out.problems.append(_hostile(file_name, f"quá nhiều thành phần ({len(infos)})"))
        return
    declared = sum(i.file_size for i in infos)
    if declared > MAX_INFLATED_BYTES:
        out.problems.append(_hostile(file_name, f"giải nén ra {_n(round(declared / 1048576))} MB, vượt giới hạn "
                                                f"{MAX_INFLATED_BYTES // 1048576} MB (nghi là bom nén)"))
        return
    if any(i.flag_bits & 0x1 for i in infos):
        out.problems.append(_encrypted(file_name))
        return
    names = {i.filename for i in infos}
    if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        out.format = "ods"
    elif "[Content_Types].xml" in names and "xl/workbook.xml" in names:
        out.format = "xlsx"
    elif "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        out.problems.append(error("unreadable", file_name,
                                  "Tệp Excel dạng nhị phân (.xlsb) hoặc thiếu phần sổ làm việc; không đọc được.",
                                  hint=HINT_RESAVE))
        return
    else:
        out.problems.append(error("unreadable", file_name, "Tệp nén không phải bảng tính Excel hay LibreOffice.",
                                  hint=HINT_RESAVE))
        return
    sheets: dict[str, bytes] = {}
    total = 0
    for info in infos:
        # Every part of an .xlsx is kept: a sheet may be stored under any name the workbook's relations
        # give it (outside xl/, without .xml) and the reader follows them; all parts together are
        # within MAX_INFLATED_BYTES. An .ods keeps its content.xml.
        keep = out.format == "xlsx" or info.filename == "content.xml"
        size, body, dtd = _inflate_bounded(zf, info, MAX_INFLATED_BYTES - total, keep)
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
    extents = extent.Extents()
    try:
        if out.format == "xlsx":
            extent.xlsx(sheets, extents)
        elif "content.xml" in sheets:
            extent.ods(sheets["content.xml"], extents)
    except SafeET.ParseError as exc:
        part = getattr(exc, "part", "")
        out.problems.append(error("unreadable", file_name, "Tệp bị hỏng: nội dung bảng tính không đúng cấu trúc XML"
                                  + (f" (trang “{part}”)." if part else "."), hint=HINT_RESAVE))
        return
    except DefusedXmlException:
        out.problems.append(_hostile(file_name, "nội dung bảng tính khai báo DTD/thực thể XML"))
        return
    _bounds(extents, file_name, out)


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


def _check_xls(data: bytes, file_name: str, out: GuardResult) -> None:
    extents = extent.Extents()
    try:
        extent.xls(data, extents)
    except ValueError:
        out.problems.append(error("unreadable", file_name, "Tệp .xls bị hỏng hoặc không đầy đủ.", hint=HINT_RESAVE))
        return
    _bounds(extents, file_name, out)


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")   # Vietnamese thousands: 1.048.576


def _bounds(extents: extent.Extents, file_name: str, out: GuardResult) -> None:
    """Sheets whose used range (or declared range) is far beyond a unit report: refused by sheet!cell."""
    limit = f"tối đa {_n(extent.MAX_ROWS)} dòng × {_n(extent.MAX_COLS)} cột"
    if len(extents.sheets) > extent.MAX_SHEETS:
        out.problems.append(error(
            "hostile", file_name, f"Tệp bị từ chối vì lý do an toàn: có {_n(len(extents.sheets))} trang tính, vượt xa "
            f"một báo cáo đơn vị (tối đa {extent.MAX_SHEETS} trang).", hint=HINT_TRIM))
        return
    for s in extents.sheets:
        if s.rows > extent.MAX_ROWS or s.cols > extent.MAX_COLS:
            out.problems.append(error(
                "hostile", f"{s.name}!{s.last}",
                f"Tệp bị từ chối vì lý do an toàn: trang “{s.name}” có dữ liệu ở ô {s.last} (vùng dữ liệu "
                f"{_n(s.rows)} dòng × {_n(s.cols)} cột), vượt xa kích thước một báo cáo đơn vị ({limit}).",
                hint=HINT_TRIM))
        elif s.declared_rows > extent.MAX_ROWS or s.declared_cols > extent.MAX_COLS:
            out.problems.append(error(
                "hostile", f"{s.name}!{s.declared}",
                f"Tệp bị từ chối vì lý do an toàn: trang “{s.name}” khai báo vùng dữ liệu tới ô {s.declared} "
                f"({_n(s.declared_rows)} dòng × {_n(s.declared_cols)} cột), vượt xa kích thước một báo cáo đơn vị "
                f"({limit}).", hint=HINT_TRIM))
    total = sum(s.rows * s.cols for s in extents.sheets)
    if not out.problems and total > extent.MAX_CELLS:
        out.problems.append(error(
            "hostile", file_name,
            f"Tệp bị từ chối vì lý do an toàn: các trang tính cộng lại có vùng dữ liệu {_n(total)} ô, vượt xa một "
            f"báo cáo đơn vị (tối đa {_n(extent.MAX_CELLS)} ô).", hint=HINT_TRIM))
    if not out.problems:
        out.formulas_without_value = extents.formulas_without_value
