"""The guard itself refuses a sheet used beyond 2.000 rows or 100 columns, in each format, before any
reader builds a grid (README "Hostile and broken files": `guard.py` + `extent.py`).

The reader (python-calamine) refuses such a file later with the same address, so a test that goes
through `read_workbook` cannot tell the guard stopped doing it. These call `guard.check` alone.

How this was seen to fail: with `s.rows > extent.MAX_ROWS or` removed from guard._bounds,
`test_guard_bounds_rows_and_columns[rows-2001-*]` failed for .ods (no problem at all) and for .xlsx
and .xls (refused only by the declared-range branch, "khai báo vùng dữ liệu", not from the cells);
with `s.cols > extent.MAX_COLS` removed, the `cols-101` cases failed; with `>` made `>=`, the
2.000-row and 100-column cases (at the bound, accepted) failed.
"""
from __future__ import annotations

import pytest
from conftest import book

from pipelines.workbook import extent, guard


def tall(rows: int) -> list[list]:
    return [["đầu"]] + [[None]] * (rows - 2) + [["cuối"]]


def wide(cols: int) -> list[list]:
    return [["đầu"] + [None] * (cols - 2) + ["cuối"]]


def test_bounds_are_the_documented_ones():
    assert (extent.MAX_ROWS, extent.MAX_COLS) == (2000, 100)


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
@pytest.mark.parametrize("what,n,refused_at", [
    ("rows", 2000, None), ("rows", 2001, "Số liệu!A2001"),
    ("cols", 100, None), ("cols", 101, "Số liệu!CW1"),
])
def test_guard_bounds_rows_and_columns(fmt, what, n, refused_at):
    grid = tall(n) if what == "rows" else wide(n)
    result = guard.check(book({"Số liệu": grid}, fmt), f"bc.{fmt}")
    errors = [(p.code, p.where) for p in result.problems if p.level == "error"]
    if refused_at is None:
        assert errors == []
    else:
        assert errors == [("hostile", refused_at)]
        # the used range, measured from the cells (not only the range the file declares about itself)
        cell = refused_at.split("!")[1]
        message = result.problems[0].message
        assert f"có dữ liệu ở ô {cell}" in message and "tối đa 2.000 dòng × 100 cột" in message, message


def _sheet_moved_to(data: bytes, part: str) -> bytes:
    """The same .xlsx with its one sheet stored at `part` and the workbook's relation pointing there."""
    import io
    import zipfile
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body, name = src.read(info.filename), info.filename
            if name == "xl/worksheets/sheet1.xml":
                name = part
            elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                assert body.count(b"/xl/worksheets/sheet1.xml") == 1, name
                body = body.replace(b"/xl/worksheets/sheet1.xml", f"/{part}".encode())
            z.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize("part", ["sheets/sheet1.xml", "xl/worksheets/sheet1.dat", "xl/media/sheet1.png"])
def test_a_sheet_stored_where_the_workbook_says_is_measured_too(part):
    """A sheet may be stored under any name the workbook's relations give it (outside xl/, without .xml),
    and python-calamine reads it there (its 3.001 rows, asserted first). The guard used to keep only the
    xl/*.xml and *.rels parts, so it measured nothing and such a sheet passed it; it failed here for each
    of the three names. Found by the mutation run of guard.py: `keep = xlsx and under xl/ and .xml` →
    `… or …` kept more parts, and no test saw a difference."""
    from python_calamine import CalamineWorkbook
    import io
    data = _sheet_moved_to(book({"Số liệu": tall(3001)}, "xlsx"), part)
    assert len(CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()) == 3001
    result = guard.check(data, "bc.xlsx")
    assert [(p.code, p.where) for p in result.problems if p.level == "error"] == [("hostile", "Số liệu!A3001")]
