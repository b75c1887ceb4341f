"""The number format of every column of every XLSX the project writes, checked against what the
column holds (issue 18; the values export once showed every count as a percentage: "TT_LUOT 10200.0%").

Files: the four exports (and a values publication copy), the annex of a period, the list of reminder
letters, a blank template and the marked-up copy of a refused file, made from the demo year. A cell's
expected format follows from its column's title and its value:
counts "#,##0"; years, quarters and row numbers "0"; a rate shown next to a verdict with at least the
decimals its verdict needs (fmt.rate_digits); targets as a percentage; dates dd/mm/yyyy (with hh:mm
when the time matters); text as text."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shutil

import pytest
from openpyxl import load_workbook

from pipelines.cli import main

COUNT = "#,##0"
PLAIN = {"Năm", "Quý", "TT", "STT", "Số bản báo cáo"}
RATE = {"Tỷ lệ", "Giá trị tỷ lệ"}
TARGET = {"Mục tiêu"}
SHARE = {"Tỷ lệ đúng hạn"}
OPS = {"≥": ">=", ">": ">", "=": "="}


def cli(*args) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main([str(a) for a in args])


@pytest.fixture(scope="module")
def books(demo_store_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("xlsx")
    data = root / "data"
    shutil.copytree(demo_store_template, data)
    d = ["--data-dir", data]
    out = {}
    for what in ("values", "attainment", "compliance", "tasks"):
        out[f"export_{what}"] = root / f"{what}.xlsx"
        assert cli("export", "--what", what, "--year", 2022, "-o", out[f"export_{what}"], *d) == 0
    out["export_values_pub"] = root / "values_pub.xlsx"
    assert cli("export", "--what", "values", "--year", 2022, "--publication", "-o", out["export_values_pub"], *d) == 0
    out["export_attainment_pub"] = root / "attainment_pub.xlsx"
    assert cli("export", "--what", "attainment", "--year", 2022, "--publication", "-o", out["export_attainment_pub"],
               *d) == 0
    for period in ("Q2", "Y"):
        out[f"annex_{period}"] = root / f"annex_{period}.xlsx"
        assert cli("report", "--year", 2022, "--period", period, "-o", out[f"annex_{period}"], *d) == 0
    assert cli("reminders", "--year", 2022, "--quarter", 4, "--as-of", "2022-12-20T08:00", "-o", root / "dd", *d) == 0
    out["reminder_list"] = root / "dd" / "DanhSach_DonDoc_2022_Q4.xlsx"
    out["attached_template"] = next((root / "dd").glob("BC_*.xlsx"))
    out["template"] = root / "template.xlsx"
    assert cli("template", "--unit", "CA", "--year", 2022, "--quarter", 1, "-o", out["template"], *d) == 0
    from conftest import book, report

    from pipelines.store import Store
    from pipelines.store.load import ingest_bytes
    from pipelines.workbook.annotate import annotate
    sheets = report(values={"TT_BUOI": 4, "TT_LUOT": "nhiều"})
    r = ingest_bytes(Store(data), book(sheets), "bad.xlsx")
    out["refused_copy"] = root / "bad_can_sua.xlsx"
    out["refused_copy"].write_bytes(annotate(book(sheets), "bad.xlsx", r.errors + r.warnings))
    return out


def header_row(ws) -> int:
    """The row of column titles: the first row whose cells are all filled text, across the table."""
    width = ws.max_column
    for row in ws.iter_rows(min_row=1, max_row=12):
        values = [c.value for c in row]
        if sum(isinstance(v, str) for v in values) >= max(2, width - 1) and all(v is not None for v in values[:2]):
            return row[0].row
    return 1


def decimals(number_format: str) -> int:
    m = re.search(r"0\.(0+)", number_format)
    return len(m.group(1)) if m else 0


def check_sheet(name: str, ws) -> list[str]:
    wrong = []
    labels = name == "Thông tin"       # label | value rows, not a table: the label says what the value is
    hr = 0 if labels else header_row(ws)
    titles = {} if labels else {c.column: str(c.value or "") for c in ws[hr]}
    for row in ws.iter_rows(min_row=hr + 1):
        cells = {c.column: c for c in row}
        for col, c in cells.items():
            v, f = c.value, c.number_format
            title = str(cells[1].value or "") if labels else titles.get(col, "")
            where = f"{name}!{c.coordinate} ({title!r} = {v!r}, {f!r})"
            if v is None:
                continue
            if isinstance(v, bool):
                continue
            if isinstance(v, dt.datetime):
                if "dd/mm/yyyy" not in f or (v.time() != dt.time() and "hh:mm" not in f):
                    wrong.append(where)
            elif isinstance(v, (int, float)):
                if title in RATE:
                    n, d, op, t = rate_parts(ws, titles, cells)
                    if "%" not in f or not verdict_kept(n, d, op, t, decimals(f)):
                        wrong.append(where)
                elif title in TARGET or title in SHARE:
                    if "%" not in f:
                        wrong.append(where)
                elif title in PLAIN:
                    if f not in ("0", "General"):
                        wrong.append(where)
                elif f != COUNT:      # every other number is a count of something
                    wrong.append(where)
            elif isinstance(v, str) and f not in ("General", "@") and v not in ("x", "—") and not v.startswith("≤"):
                wrong.append(where)
    return wrong


def verdict_kept(n, d, op, t, digits: int) -> bool:
    """The rate as printed with `digits` decimals sits on the same side of the target as the exact
    fraction (181/201 > 90 % must not print "90 %"; 189/199 ≥ 95 % must not print "95 %")."""
    from fractions import Fraction
    exact = Fraction(int(n), int(d))
    target = Fraction(str(t))
    scale = 100 * 10 ** digits
    shown = Fraction(int(exact * scale * 2 + 1) // 2, scale)       # rounded half up, as a spreadsheet
    cmp = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "=": lambda a, b: a == b}[op]
    return cmp(shown, target) == cmp(exact, target)


def rate_parts(ws, titles, cells):
    by = {t: cells[c].value for c, t in titles.items() if c in cells}
    op = by.get("Phép so sánh")
    target = by.get("Mục tiêu")
    if op is None:   # the annex writes the sign into the target's format ("≥ "0 %)
        fmt = cells[next(c for c, t in titles.items() if t == "Mục tiêu")].number_format
        sign = re.match(r'^"(\S+) "', fmt)
        op = OPS[sign.group(1)] if sign else ">="
    return by.get("Tử số"), by.get("Mẫu số"), op, target


@pytest.mark.parametrize("kind", ["export_values", "export_attainment", "export_compliance", "export_tasks",
                                  "export_values_pub", "export_attainment_pub", "annex_Q2", "annex_Y",
                                  "reminder_list", "template", "attached_template", "refused_copy"])
def test_every_column_is_formatted_by_what_it_holds(books, kind):
    wb = load_workbook(books[kind])
    # the refused copy keeps the unit's own sheets as they came; the project writes the list of problems
    sheets = [wb["Danh sách lỗi"]] if kind == "refused_copy" else wb.worksheets
    wrong = [w for ws in sheets for w in check_sheet(ws.title, ws)]
    assert not wrong, wrong[:10]


def test_a_count_is_never_a_percentage(books):
    # the bug itself, by hand: CA's Q1 TT_LUOT of the demo is a count of listeners
    ws = load_workbook(books["export_values"]).active
    header = [c.value for c in ws[1]]
    col = header.index("Số liệu") + 1
    cells = [ws.cell(r, col) for r in range(2, ws.max_row + 1) if ws.cell(r, col).value is not None]
    assert cells and {c.number_format for c in cells} == {COUNT}
