"""Tables to CSV and XLSX, the same for the command line and the dashboard.

CSV: UTF-8 with a byte-order mark (so Excel on Windows shows Vietnamese), and any text cell that
starts with =, +, - or @ is prefixed with an apostrophe so no spreadsheet evaluates it.
XLSX: a header row, frozen panes, number formats, Vietnamese column titles.
"""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
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
}
PERCENT_COLUMNS = {"target"}
RATE_COLUMNS = {"value"}


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


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Dữ liệu", titles: dict[str, str] | None = None,
                  rate_columns: set[str] | None = None) -> bytes:
    titles = {**TITLES, **(titles or {})}
    rate_columns = RATE_COLUMNS if rate_columns is None else rate_columns
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([titles.get(c, c) for c in df.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    safe = neutralise(df)
    for row in safe.itertuples(index=False):
        ws.append([_xlsx_value(v) for v in row])
    for i, col in enumerate(df.columns, start=1):
        letter = get_column_letter(i)
        if col in PERCENT_COLUMNS or col in rate_columns:
            fmt = "0.0%"
        elif col in ("deadline", "received_at", "loaded_at"):
            fmt = "dd/mm/yyyy hh:mm"
        elif pd.api.types.is_numeric_dtype(df[col]) and col not in ("year", "quarter", "submission_id"):
            fmt = "#,##0"
        else:
            fmt = None
        if col in rate_columns and {"numerator", "denominator", "target_op", "target"} <= set(df.columns):
            # a rate next to its verdict: as many decimals as keep the figure on the verdict's side
            for cell, n, d, op, t in zip(ws[letter][1:], df["numerator"], df["denominator"], df["target_op"],
                                         df["target"]):
                digits = max(1, rate_digits(n, d, op, t))
                cell.number_format = "0." + "0" * digits + "%"
        elif fmt:
            for cell in ws[letter][1:]:
                cell.number_format = fmt
        width = max([len(str(titles.get(col, col)))] + [len(str(v)) for v in df[col].head(200)]) + 2
        ws.column_dimensions[letter].width = min(max(width, 8), 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


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
