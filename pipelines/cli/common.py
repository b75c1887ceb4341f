"""What every subcommand shares: exit codes, the two errors the edge turns into them, argument
types, look-ups that turn a user's words into plan codes, and plain-text/JSON/CSV output."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported for real only by the subcommands that open the store
    from pipelines.store import Store

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong usage discovered after parsing (unknown unit, year without a plan...)."""


class Refused(Exception):
    """The request was understood but refused (exit 1)."""


# -- helpers -------------------------------------------------------------------------------------
def iso_datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"thời điểm không hợp lệ: {text!r} (dạng ISO, ví dụ 2022-03-14T09:00)")


def quarter_arg(text: str) -> int:
    q = text.upper().removeprefix("Q")
    if q not in ("1", "2", "3", "4"):
        raise argparse.ArgumentTypeError(f"quý không hợp lệ: {text!r} (1, 2, 3 hoặc 4)")
    return int(q)


def year_of(store: Store, year: int | None) -> int:
    from pipelines.outputs import metrics
    years = metrics.years(store)
    if not years:
        raise UsageError("Kho chưa có kế hoạch nào; chạy `init --plan FILE`.")
    if year is None:  # the latest year that holds reports (as the dashboard opens), else the latest plan
        with_data = [y for y in years if metrics.submission_count(store, y)]
        return (with_data or years)[-1]
    if year not in years:
        raise UsageError(f"Không có kế hoạch năm {year} (có: {', '.join(map(str, years))}).")
    return year


def unit_of(store: Store, year: int, unit: str | None) -> str | None:
    if unit is None:
        return None
    code = unit.strip().upper()
    plan = store.plan(year)
    if code not in plan.unit_by_code:
        raise UsageError(f"Mã đơn vị không có trong kế hoạch năm {year}: {unit}")
    return code


def scope_of(store: Store, year: int, scope: str | None) -> str | None:
    """A place of the year's hierarchy: ALL, an area (district, province …) or a unit."""
    if scope is None:
        return None
    code = scope.strip().upper()
    plan = store.plan(year)
    if code != "ALL" and code not in plan.unit_by_code and code not in {a.code for a in plan.areas}:
        raise UsageError(f"Mã phạm vi (đơn vị hoặc địa bàn) không có trong kế hoạch năm {year}: {scope}")
    return code


def level_of(store: Store, year: int, level: str | None) -> str | None:
    """A level of the year's hierarchy (the plan's levels, or `unit`)."""
    if level is None:
        return None
    from pipelines.plan import UNIT_LEVEL
    codes = [lv.code for lv in store.plan(year).levels] + [UNIT_LEVEL]
    code = level.strip().lower()
    if code not in codes:
        raise UsageError(f"Cấp không có trong kế hoạch năm {year}: {level} (có: {', '.join(codes)})")
    return code


def period_of(store: Store, year: int, period: str | None) -> str | None:
    """A report period code of the year's plan (Q1..Q4, H1, 9M, Y in 2022's)."""
    if period is None:
        return None
    codes = [p.code for p in store.plan(year).periods]
    code = period.strip().upper()
    if code not in codes:
        raise UsageError(f"Kỳ báo cáo không có trong kế hoạch năm {year}: {period} (có: {', '.join(codes)})")
    return code


def text_table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def records(df, columns: list[str]) -> list[dict]:
    from pipelines.outputs.export import plain
    return [{c: plain(v) for c, v in zip(columns, row)} for row in df[columns].itertuples(index=False)]


def demo_banner(store: Store, year: int) -> None:
    if store.is_demo_year(year):
        print(f"*** DỮ LIỆU MẪU (DEMO) năm {year} — không phải số liệu thật ***", file=sys.stderr)


def emit(df, form: str, columns: list[str], table, store: Store, year: int) -> int:
    if form == "json":
        print(json.dumps(records(df, columns), ensure_ascii=False, indent=2))
    elif form == "csv":
        sys.stdout.flush()
        from pipelines.outputs.export import to_csv_bytes
        sys.stdout.buffer.write(to_csv_bytes(df[columns]))
        sys.stdout.buffer.flush()
    else:
        demo_banner(store, year)
        print(table())
    return EXIT_OK


