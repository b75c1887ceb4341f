"""The used range of every sheet, measured from the file's own structure before any reader builds a
grid, so that a tiny file with one value in the last cell of a sheet (XFD1048576, IV65536, an ODS
row repeated a million times) is refused instead of asking the reader for a dense grid of 10¹⁰
cells.

Only cells that hold something count (a value, a formula, text); empty styled cells do not, since
no reader allocates for them. The declared bounds count too (the .xlsx `<dimension ref>`, the .xls
DIMENSIONS record): a writer that declares a sheet of a million rows did not write a unit report.

A unit report needs far less than the bounds below: the plan's template (template.py) has about 50
rows on its largest sheet (31 elements and section titles on `Số liệu`, 18 tasks on `Nhiệm vụ`) and
6 columns. MAX_ROWS leaves room for title rows, notes and plans several times larger; MAX_COLS for
a unit's own extra columns; MAX_CELLS bounds the dense grids of all sheets together (a grid cell
costs ~40 bytes in the reader and ~8 in Python lists, so the bound keeps a file far below 100 MB).
"""
from __future__ import annotations

import io
import posixpath
import struct
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

from pipelines.workbook.cells import a1, parse_a1

MAX_ROWS = 2_000
MAX_COLS = 100
MAX_CELLS = 1_000_000
MAX_SHEETS = 100


@dataclass
class SheetExtent:
    name: str
    rows: int = 0            # 1 + the last row holding something (0: empty)
    cols: int = 0
    last: str = ""           # the cell that set the larger bound, e.g. "XFD1048576"
    declared: str = ""       # the declared used range's last cell, when declared
    declared_rows: int = 0
    declared_cols: int = 0

    def note(self, row: int, col: int) -> None:
        """A cell (0-based) holds something."""
        if row + 1 > self.rows or col + 1 > self.cols:
            if row + 1 > MAX_ROWS or col + 1 > MAX_COLS or not self.last:
                self.last = a1(row, col)
            self.rows, self.cols = max(self.rows, row + 1), max(self.cols, col + 1)


@dataclass
class Extents:
    sheets: list[SheetExtent] = field(default_factory=list)
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# -- .xlsx -------------------------------------------------------------------------------------------
def xlsx_sheet(body: bytes, name: str, out: Extents) -> SheetExtent:
    """One worksheet part, streamed: the rows are dropped as soon as they are measured."""
    ext = SheetExtent(name)
    row, col = -1, -1
    stack: list = []
    for event, el in SafeET.iterparse(io.BytesIO(body), events=("start", "end")):
        tag = _local(el.tag)
        if event == "start":
            stack.append(el)
            if tag == "row":
                r = el.get("r")
                row = int(r) - 1 if r and r.isdigit() and len(r) < 10 else row + 1
                col = -1
            elif tag == "dimension":
                end = parse_a1((el.get("ref") or "").split(":")[-1])
                if end:
                    ext.declared, ext.declared_rows, ext.declared_cols = a1(*end), end[0] + 1, end[1] + 1
            continue
        stack.pop()
        if tag == "c":
            ref = parse_a1(el.get("r") or "")
            if ref:
                row, col = ref
            else:
                col += 1
            kids = {_local(k.tag): k for k in el}
            if kids:
                ext.note(max(row, 0), col)
            if "f" in kids and el.get("t") != "str" and not ((kids.get("v") is not None) and (kids["v"].text or "")):
                out.formulas_without_value.append((name, a1(max(row, 0), col)))
            el.clear()
        elif tag == "row" and stack:
            stack[-1].remove(el)  # keep memory flat on sheets with many rows
    return ext


def xlsx(members: dict[str, bytes], out: Extents) -> None:
    for path, name in xlsx_sheet_paths(members).items():
        body = members.get(path)
        if body is None:
            continue
        try:
            out.sheets.append(xlsx_sheet(body, name, out))
        except SafeET.ParseError as exc:
            exc.part = name  # the guard names the sheet in its message
            raise


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}


def xlsx_sheet_paths(members: dict[str, bytes]) -> dict[str, str]:
    """Zip path of each sheet → the sheet's name as the user sees it. Any worksheet part the
    workbook does not name is measured too, under its path (a reader could still open it)."""
    out: dict[str, str] = {}
    try:
        book = SafeET.fromstring(members["xl/workbook.xml"])
        rels = SafeET.fromstring(members["xl/_rels/workbook.xml.rels"])
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"}
        for s in book.iter():
            if _local(s.tag) != "sheet":
                continue
            target = targets.get(s.get(f"{{{_NS['r']}}}id"), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
            out[path] = s.get("name", "")
    except (KeyError, SafeET.ParseError, ValueError):
        pass
    for path in members:
        if path.startswith("xl/worksheets/") and path.endswith(".xml") and path not in out:
            out[path] = path.rsplit("/", 1)[-1].removesuffix(".xml")
    return out


# -- .ods --------------------------------------------------------------------------------------------
_T = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_O = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ROWS_CAP = 1 << 40  # a repeat count beyond any sheet: kept as a number, never iterated


def _repeat(el, attr: str) -> int:
    try:
        return max(1, min(int(el.get(_T + attr, "1")), _ROWS_CAP))
    except ValueError:
        return 1


def ods(content: bytes, out: Extents) -> None:
    """content.xml, streamed: repeated rows and columns count by their repeat numbers, and only
    rows and cells that hold something move the bound."""
    ext = SheetExtent("")
    depth = row = col = 0
    row_last = -1            # the last column holding something in the current row
    stack: list = []
    for event, el in SafeET.iterparse(io.BytesIO(content), events=("start", "end")):
        tag = el.tag
        if event == "start":
            stack.append(el)
            if tag == _T + "table":
                depth += 1
                if depth == 1:
                    ext, row = SheetExtent(el.get(_T + "name", "")), 0
            elif tag == _T + "table-row" and depth == 1:
                col, row_last = 0, -1
            continue
        stack.pop()
        if tag == _T + "table":
            if depth == 1:
                out.sheets.append(ext)
            depth -= 1
        elif depth != 1:
            continue  # outside any sheet, or a table nested in a cell
        elif tag in (_T + "table-cell", _T + "covered-table-cell"):
            span = _repeat(el, "number-columns-repeated")
            if el.get(_O + "value-type") is not None or el.get(_T + "formula") or len(el):
                row_last = col + span - 1
                ext.note(row, row_last)
                if el.get(_T + "formula") and el.get(_O + "value-type") is None:
                    out.formulas_without_value.append((ext.name, a1(row, col)))
            col += span
            el.clear()
        elif tag == _T + "table-row":
            span = _repeat(el, "number-rows-repeated")
            if row_last >= 0 and span > 1:
                ext.note(row + span - 1, row_last)
            row += span
            el.clear()
            if stack:
                stack[-1].remove(el)


# -- .xls --------------------------------------------------------------------------------------------
_BOF, _EOF, _BOUNDSHEET, _DIMENSIONS, _MULRK = 0x0809, 0x000A, 0x0085, 0x0200, 0x00BD
# Records of a cell that holds something: FORMULA, LABELSST, NUMBER, RK, LABEL, BOOLERR, RSTRING.
_CELLS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0204, 0x0205, 0x00D6}


def xls(data: bytes, out: Extents) -> None:
    """The BIFF records of the workbook stream: sheet names from BOUNDSHEET, the declared range
    from DIMENSIONS and each cell record's row and column. Raises ValueError on a broken file."""
    import olefile
    try:
        ole = olefile.OleFileIO(data)
        stream = "Workbook" if ole.exists("Workbook") else "Book"
        biff = ole.openstream(stream).read()
    except Exception as exc:  # olefile raises many kinds of error for a damaged container
        raise ValueError("ole") from exc
    names: dict[int, str] = {}
    substreams: list[SheetExtent | None] = []   # BOF … EOF nest (a chart inside a sheet)
    pos = 0
    while pos + 4 <= len(biff):
        rtype, size = struct.unpack_from("<HH", biff, pos)
        body = biff[pos + 4: pos + 4 + size]
        if rtype == _BOUNDSHEET and len(body) >= 8:
            names[struct.unpack_from("<I", body)[0]] = _biff_name(body[6:])
        ext = substreams[-1] if substreams else None
        if rtype == _BOF:
            # a sheet BOUNDSHEET names; None for the globals, a chart's substream or an unnamed one
            substreams.append(SheetExtent(names[pos]) if pos in names else None)
            if substreams[-1] is not None:
                out.sheets.append(substreams[-1])
        elif rtype == _EOF:
            if substreams:
                substreams.pop()
        elif ext is None:
            pass
        elif rtype in _CELLS and len(body) >= 4:
            ext.note(*struct.unpack_from("<HH", body))
        elif rtype == _MULRK and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            ext.note(row, max(first, struct.unpack_from("<H", body, len(body) - 2)[0]))
        elif rtype == _DIMENSIONS and len(body) in (10, 14):
            rows, cols = struct.unpack_from("<4xI2xH", body) if len(body) == 14 else struct.unpack_from("<2xH2xH", body)
            if rows and cols:
                ext.declared, ext.declared_rows, ext.declared_cols = a1(rows - 1, cols - 1), rows, cols
        pos += 4 + size


def _biff_name(raw: bytes) -> str:
    """ShortXLUnicodeString (BIFF8: length, flags, chars) or a BIFF5 byte string."""
    if len(raw) < 2:
        return ""
    n, flags = raw[0], raw[1]
    if flags in (0, 1) and len(raw) >= 2 + n * (2 if flags else 1):
        chars = raw[2:2 + n * (2 if flags else 1)]
        return chars.decode("utf-16-le" if flags else "latin-1", "replace")
    return raw[1:1 + n].decode("cp1258", "replace")
