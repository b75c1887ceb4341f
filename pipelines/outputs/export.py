"""Tables to CSV and XLSX, the same for the command line and the dashboard.

CSV: UTF-8 with a byte-order mark (so Excel on Windows shows Vietnamese), and any text cell that
starts with =, +, - or @ is prefixed with an apostrophe so no spreadsheet evaluates it.
XLSX: a header row, frozen panes, Vietnamese column titles, every column's number format chosen by
what it holds (counts "#,##0", rates with the decimals their verdict needs, targets as "95%",
years and quarters without a thousands separator, local date and time), A4 print set-up, and in a
publication copy a sheet that explains "≤10" and "x".
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from pipelines.outputs.fmt import rate_digits

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Vietnamese column titles for XLSX (and the dashboard's tables).
TITLES = {
    "unit": "Mã đơn vị", "unit_name": "Đơn vị", "kind_name": "Loại đơn vị", "year": "Năm", "quarter": "Quý",
    "period": "Kỳ báo cáo", "element": "Mã chỉ tiêu", "element_name": "Chỉ tiêu", "value": "Số liệu",
    "unit_of_measure": "Đơn vị tính", "indicator": "Mã tỷ lệ", "indicator_name": "Tỷ lệ", "numerator": "Tử số",
    "denominator": "Mẫu số", "target_op": "Phép so sánh", "target": "Mục tiêu", "status": "Tình trạng",
    "status_name": "Tình trạng", "needed": "Cần thêm", "deadline": "Hạn nộp", "received_at": "Ngày nhận",
    "task": "Mã nhiệm vụ", "task_name": "Nhiệm vụ", "role": "Vai trò", "note": "Kết quả / ghi chú",
    "submission_id": "Số bản báo cáo", "versions": "Số phiên bản",
    "follow_up": "Cần xác minh",
    "period_status": "Tình trạng của riêng kỳ", "period_status_name": "Tình trạng của riêng kỳ",
    "judged_period": "Kỳ đánh giá", "role_name": "Vai trò", "scope": "Mã địa bàn", "scope_name": "Địa bàn",
    "level": "Cấp", "units": "Số đơn vị", "on_time": "Đúng hạn", "late": "Trễ hạn", "missing": "Chưa gửi",
    "pending": "Chưa đến hạn", "on_time_rate": "Tỷ lệ đúng hạn", "units_reported": "Số đơn vị báo cáo",
}
# What a column holds decides its number format (see `column_format`).
COUNT_COLUMNS = {"numerator", "denominator", "needed", "versions", "units", "on_time", "late", "missing", "pending",
                 "units_reported", "units_concerned", "done", "in_progress", "not_started", "not_applicable",
                 "not_reported"}
PLAIN_INTEGER_COLUMNS = {"year", "quarter", "submission_id", "number"}     # 2022, not 2.022
TARGET_COLUMNS = {"target"}
PERCENT_COLUMNS = {"on_time_rate"}                               # a share with no verdict beside it
DATETIME_COLUMNS = {"deadline", "received_at", "loaded_at"}
DATE_COLUMNS = {"due", "new_due"}                                # a day, no time
RATE_PARTS = {"numerator", "denominator", "target_op", "target"}
COUNT_FORMAT, INTEGER_FORMAT, DATETIME_FORMAT, DATE_FORMAT = "#,##0", "0", "dd/mm/yyyy hh:mm", "dd/mm/yyyy"

PUBLICATION_SHEET = "Ghi chú"
PUBLICATION_NOTE = [
    "Bản công bố: một số ô được ẩn để không thể nhận biết người bị hại, bị can ở địa bàn nhỏ.",
    "“≤{threshold}”: số người từ 1 đến {threshold} (số 0 vẫn ghi là 0).",
    "“x”: ô được ẩn thêm để không thể suy ra các ô “≤{threshold}” từ tổng số hoặc từ các bảng khác.",
    "Tỷ lệ có tử số hoặc mẫu số bị ẩn cũng được ghi là “x”.",
]
DOCUMENT_FONT = "Times New Roman"
RULED = Border(*(Side(style="thin", color="999999"),) * 4)
_SMALL = re.compile(r"^≤(\d+)$")
# A code column beside its name column (`with_names`) is titled as the code, so no two titles repeat.
CODE_TITLES = {"status": ("status_name", "Mã tình trạng"), "role": ("role_name", "Mã vai trò"),
               "period_status": ("period_status_name", "Mã tình trạng của riêng kỳ")}


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_safe)
    return out


def plain(value: object) -> object:
    """A cell for CSV or JSON: missing (None, NaN, NaT, NA) as None, datetimes as ISO text with
    their offset, numpy scalars as Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    out = neutralise(df)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].map(plain).astype(object)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def is_rate_table(df: pd.DataFrame) -> bool:
    """An attainment table: its `value` is a rate (numerator ÷ denominator), not a count."""
    return RATE_PARTS <= set(df.columns)


def column_format(df: pd.DataFrame, col: str, rate_columns: set[str] = frozenset()) -> str | None:
    """The number format of a whole column, by what it holds; None for text (and for a rate, which
    is formatted row by row: see `to_xlsx_bytes`)."""
    if col in rate_columns or (col == "value" and is_rate_table(df)):
        return None
    if col in DATETIME_COLUMNS:
        return DATETIME_FORMAT
    if col in DATE_COLUMNS:
        return DATE_FORMAT
    if col in PLAIN_INTEGER_COLUMNS:
        return INTEGER_FORMAT
    if col in TARGET_COLUMNS:
        return target_format(df[col])
    if col in PERCENT_COLUMNS:
        return "0.0%"
    if col in COUNT_COLUMNS or col == "value" or pd.api.types.is_numeric_dtype(df[col]):
        return COUNT_FORMAT
    return None


def target_format(values) -> str:
    """'95%', or '92.5%' when a target has a decimal of a per cent."""
    nums = [float(v) for v in values if isinstance(v, (int, float)) and not pd.isna(v)]
    return "0.0%" if any(abs(v * 100 - round(v * 100)) > 1e-9 for v in nums) else "0%"


def rate_format(n, d, op, t) -> str:
    """A rate next to its verdict: as many decimals as keep the shown figure on the verdict's side."""
    return "0." + "0" * max(1, rate_digits(n, d, op, t)) + "%"


def publication_threshold(df: pd.DataFrame) -> int | None:
    """The threshold of a publication copy, read from its "≤10" cells (None: nothing hidden)."""
    hidden_x = False
    for col in df.columns:
        if pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_datetime64_any_dtype(df[col]):
            continue
        for v in df[col]:
            if isinstance(v, str):
                m = _SMALL.match(v)
                if m:
                    return int(m.group(1))
                hidden_x = hidden_x or v == "x"
    return 10 if hidden_x else None


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Dữ liệu", titles: dict[str, str] | None = None,
                  rate_columns: set[str] | None = None, *, title: str | None = None,
                  publication: int | bool | None = None, one_page: bool = False) -> bytes:
    """`rate_columns`: more columns holding a rate next to numerator, denominator, target_op and target
    (an attainment table's `value` always is). `title`: a line above the header (printed on every
    page with it). `publication`: the threshold of a publication copy (True: read it from the "≤10"
    cells); by default a note sheet is added whenever the table shows "≤N" or "x" cells. `one_page`:
    printed on a single page (a short list)."""
    titles = {**TITLES, **{c: t for c, (name, t) in CODE_TITLES.items() if name in df.columns},
              **({"value": "Giá trị tỷ lệ"} if is_rate_table(df) else {}), **(titles or {})}
    rate_columns = set(rate_columns or ())
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    header_row = 1
    if title:
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([])
        header_row = 3
    ws.append([titles.get(c, c) for c in df.columns])
    for cell in ws[header_row]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    safe = neutralise(df)
    for row in safe.itertuples(index=False):
        ws.append([_xlsx_value(v) for v in row])
    first = header_row + 1
    rate_table = is_rate_table(df)
    for i, col in enumerate(df.columns, start=1):
        letter = get_column_letter(i)
        cells = [ws.cell(r, i) for r in range(first, first + len(df))]
        if rate_table and (col in rate_columns or col == "value"):
            for cell, n, d, op, t in zip(cells, df["numerator"], df["denominator"], df["target_op"], df["target"]):
                cell.number_format = rate_format(n, d, op, t)
                cell.alignment = Alignment(horizontal="right")  # an "x" of a publication copy too
        else:
            fmt = column_format(df, col, rate_columns)
            if fmt:
                for cell in cells:
                    cell.number_format = fmt
                    if fmt != INTEGER_FORMAT:
                        cell.alignment = Alignment(horizontal="right")  # "≤10" and "x" beside numbers
        width = max([len(str(titles.get(col, col)))] + [len(str(v)) for v in df[col].head(200)]) + 2
        ws.column_dimensions[letter].width = min(max(width, 8), 60)
        if df[col].map(lambda v: isinstance(v, (dt.date, dt.datetime))).any() and col not in DATETIME_COLUMNS:
            ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width, 12)
    ws.freeze_panes = ws.cell(first, 1).coordinate
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(max(len(df.columns), 1))}{max(first - 1 + len(df), header_row)}"
    print_setup(ws, header_row, landscape=len(df.columns) > 6)
    if one_page:
        ws.page_setup.fitToHeight = 1
    if title:   # a document to print (the list of reminder letters): titled, one typeface, ruled
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(len(df.columns), 1))
        ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws["A1"].font = Font(name=DOCUMENT_FONT, bold=True, size=13)
        ws.row_dimensions[1].height = 36
        ws.row_dimensions[header_row].height = 32
        for row in ws.iter_rows(min_row=header_row, max_row=first - 1 + len(df)):
            if row[0].row != header_row:
                ws.row_dimensions[row[0].row].height = 19   # room for the marks of Vietnamese capitals
            for cell in row:
                cell.border = RULED
                cell.font = Font(name=DOCUMENT_FONT, size=12, bold=cell.row == header_row,
                                 color="FFFFFF" if cell.row == header_row else None)
    threshold = publication_threshold(df) if publication in (None, True) else publication
    if publication is True and threshold is None:
        threshold = 10
    if threshold:
        note = wb.create_sheet(PUBLICATION_SHEET)
        for line in PUBLICATION_NOTE:
            note.append([line.format(threshold=threshold)])
        note["A1"].font = Font(bold=True)
        note.column_dimensions["A"].width = 100
        print_setup(note, None, landscape=False)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def print_setup(ws, header_row: int | None, landscape: bool) -> None:
    """A4, fit to the page width, the header row printed on every page, page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if header_row:
        ws.print_title_rows = f"1:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    # as in the unit template (workbook/template.py): the footer sits between the page's edge + `footer`
    # and the bottom margin; at openpyxl's 0.5 in that left 0.1 in, and LibreOffice cut "Trang 1/11" in half
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = "Trang &P/&N"


def _xlsx_value(v: object) -> object:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        return v.replace(tzinfo=None)  # Excel has no time zones: shown in the plan's local time
    if hasattr(v, "item"):  # numpy scalars
        return v.item()
    return v


# -- Vietnamese names beside the codes (XLSX for people; CSV keeps the machine columns) -------------
ROLE_NAMES = {"lead": "Chủ trì", "participant": "Phối hợp"}


def with_names(df: pd.DataFrame, plan, what: str) -> pd.DataFrame:
    """`df` with a Vietnamese name column right after each code column (unit → unit_name, element →
    element_name, indicator → indicator_name, task → task_name, scope → scope_name, status →
    status_name, role → role_name), names from the year's plan."""
    from pipelines.outputs.metrics import COMPLIANCE_NAMES, STATUS_NAMES
    places = {u.code: u.name for u in plan.units} | {a.code: a.name for a in plan.areas} | {
        "ALL": plan.plan.scope_name or "Toàn địa bàn"}
    statuses = {"attainment": STATUS_NAMES, "compliance": COMPLIANCE_NAMES,
                "tasks": {s.code: s.name for s in plan.task_statuses}}.get(what, {})
    lookups = {
        "unit": ("unit_name", places), "scope": ("scope_name", places),
        "element": ("element_name", {e.code: e.name for e in plan.elements}),
        "indicator": ("indicator_name", {i.code: i.name for i in plan.indicators}),
        "task": ("task_name", {t.code: t.name for t in plan.tasks}),
        "status": ("status_name", statuses), "period_status": ("period_status_name", STATUS_NAMES),
        "role": ("role_name", ROLE_NAMES),
    }
    out = df.copy()
    for code_col, (name_col, names) in lookups.items():
        if code_col not in out.columns or name_col in out.columns or not names:
            continue
        at = list(out.columns).index(code_col) + 1
        out.insert(at, name_col, [names.get(v, v) if isinstance(v, str) else v for v in out[code_col]])
    return out
