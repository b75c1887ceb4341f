"""Subcommands that read the store for people: attainment, compliance, export, report."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.cli.common import (
    EXIT_OK,
    UsageError,
    demo_banner,
    emit,
    iso_datetime,
    level_of,
    period_of,
    quarter_arg,
    scope_of,
    text_table,
    unit_of,
    year_of,
)

if TYPE_CHECKING:
    import pandas as pd

    from pipelines.store import Store

ATTAINMENT_COLUMNS = ["indicator", "unit", "year", "period", "numerator", "denominator", "value", "target_op",
                      "target", "status", "period_status", "judged_period"]


def date_arg(text: str) -> dt.date:
    """--date: the day written under the national motto ("Đức Phổ, ngày … tháng … năm …")."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {text!r} (dạng YYYY-MM-DD, ví dụ 2022-06-20)")




def _hierarchy(args, store: Store, year: int) -> tuple[str | None, str | None]:
    """(--scope, --by-level) checked against the year's plan; --scope and --unit exclude each other."""
    if getattr(args, "scope", None) and getattr(args, "unit", None):
        raise UsageError("Dùng --unit hoặc --scope, không dùng cả hai.")
    return scope_of(store, year, args.scope), level_of(store, year, args.by_level)


def cmd_attainment(args, store: Store) -> int:
    from pipelines.outputs import metrics
    year = year_of(store, args.year)
    unit = unit_of(store, year, args.unit)
    scope, level = _hierarchy(args, store, year)
    df = metrics.attainment(store, year, period_of(store, year, args.period), unit=unit, by_unit=args.by_unit,
                            level=level, within=scope)
    return emit(df, args.format, ATTAINMENT_COLUMNS, lambda: _attainment_table(df), store, year)


def _status_text(r) -> str:
    """The verdict; for a yearly target judged on the cumulative period, a period without data of its
    own says so first ("Chưa có số liệu"), then what the cumulative rate says."""
    from pipelines.outputs import metrics
    if r.judged_period == r.period:
        return metrics.STATUS_NAMES[r.status]
    if r.period_status == "no_data":
        return f"{metrics.STATUS_NAMES['no_data']} (lũy kế {r.judged_period}: {metrics.STATUS_NAMES[r.status]})"
    return f"{metrics.STATUS_NAMES[r.status]} (theo {r.judged_period})"


def _attainment_table(df: pd.DataFrame) -> str:
    import pandas as pd

    from pipelines.outputs import fmt
    rows = [[r.indicator, r.period, r.unit, f"{fmt.num(r.numerator)}/{fmt.num(r.denominator)}"
             if r.period_status != "no_data" else "—", fmt.rate(r.numerator, r.denominator, r.target_op, r.target),
             fmt.target(r.target_op, r.target), _status_text(r),
             "" if pd.isna(r.needed) else f"+{int(r.needed)}"]
            for r in df.itertuples()]
    table = text_table(rows, ["Tỷ lệ", "Kỳ", "Đơn vị", "Tử/Mẫu", "Giá trị", "Mục tiêu", "Tình trạng", "Cần thêm"])
    if (df["judged_period"] != df["period"]).any():
        table += "\n(theo H1/9M/Y: chỉ tiêu năm, đánh giá trên số lũy kế từ đầu năm)"
    return table


COMPLIANCE_COLUMNS = ["unit", "year", "quarter", "deadline", "received_at", "status"]
ROLLUP_COLUMNS = ["scope", "level", "year", "quarter", "units", "on_time", "late", "missing", "pending",
                  "on_time_rate"]
SCOPE_VALUE_COLUMNS = ["scope", "level", "year", "quarter", "element", "value", "units_reported"]


def cmd_compliance(args, store: Store) -> int:
    from pipelines.outputs import fmt, metrics
    year = year_of(store, args.year)
    scope, level = _hierarchy(args, store, year)
    if level:
        return _compliance_rollup(args, store, year, scope, level)
    df = metrics.compliance(store, year, args.as_of, within=scope)  # a naive --as-of is the plan's local time

    def table() -> str:
        rows = [[r.unit, f"Q{r.quarter}", fmt.date(r.deadline), fmt.datetime(r.received_at),
                 metrics.COMPLIANCE_NAMES[r.status]] for r in df.itertuples()]
        counts = df.groupby(["quarter", "status"]).size()
        summary = "\n".join(
            f"Quý {q}: " + ", ".join(f"{metrics.COMPLIANCE_NAMES[s]} {int(counts.get((q, s), 0))}"
                                     for s in metrics.COMPLIANCE_NAMES) for q in sorted(df["quarter"].unique()))
        return text_table(rows, ["Đơn vị", "Quý", "Hạn nộp", "Ngày nhận", "Tình trạng"]) + "\n\n" + summary

    return emit(df, args.format, COMPLIANCE_COLUMNS, table, store, year)


def _compliance_rollup(args, store: Store, year: int, scope: str | None, level: str) -> int:
    from pipelines.outputs import fmt, metrics
    df = metrics.compliance_rollup(store, year, args.as_of, level=level, within=scope)

    def table() -> str:
        rows = [[r.scope, r.scope_name, f"Q{r.quarter}", fmt.num(r.units), fmt.num(r.on_time), fmt.num(r.late),
                 fmt.num(r.missing), fmt.num(r.pending), fmt.pct(r.on_time_rate)] for r in df.itertuples()]
        return text_table(rows, ["Mã", "Phạm vi", "Quý", "Số đơn vị", "Đúng hạn", "Trễ hạn", "Chưa nộp",
                                 "Chưa đến hạn", "Tỷ lệ đúng hạn"])

    return emit(df, args.format, ROLLUP_COLUMNS, table, store, year)


EXPORT_COLUMNS = {
    "values": ["unit", "year", "quarter", "element", "value"],
    "attainment": ATTAINMENT_COLUMNS,
    "compliance": COMPLIANCE_COLUMNS,
    "tasks": ["unit", "year", "quarter", "task", "role", "status", "note"],
}


def export_frame(store: Store, what: str, year: int, quarter: int | None, unit: str | None,
                 element: str | None, scope: str | None = None, level: str | None = None) -> pd.DataFrame:
    """The rows `export --what` writes (machine column names). `scope` keeps the units (or, with
    `level`, the places of that level) under it; `level` rolls values, rates and timeliness up."""
    from pipelines.outputs import metrics
    if level and what == "tasks":
        raise UsageError("--by-level không áp dụng cho --what tasks (trạng thái nhiệm vụ là của từng đơn vị).")
    if what == "values" and level:
        return metrics.level_values(store, year, level, scope, quarter, element)[SCOPE_VALUE_COLUMNS]
    if what == "compliance" and level:
        df = metrics.compliance_rollup(store, year, level=level, within=scope)
        return df[df["quarter"] == quarter].reset_index(drop=True)[ROLLUP_COLUMNS] if quarter else df[ROLLUP_COLUMNS]
    if what == "values":
        df = metrics.current_values(store, year, quarter, [unit] if unit else None, [element] if element else None,
                                    within=scope)
    elif what == "attainment":
        df = metrics.attainment(store, year, f"Q{quarter}" if quarter else None, unit=unit, level=level, within=scope)
    elif what == "compliance":
        df = metrics.compliance(store, year, within=scope)
        if quarter:
            df = df[df["quarter"] == quarter]
        if unit:
            df = df[df["unit"] == unit]
    else:
        df = metrics.task_units(store, year, quarter, unit=unit, within=scope)
        df["year"] = year
    return df[EXPORT_COLUMNS[what]].reset_index(drop=True)


def cmd_export(args, store: Store) -> int:
    from pipelines.outputs.export import to_csv_bytes, to_xlsx_bytes, with_names
    year = year_of(store, args.year)
    unit = unit_of(store, year, args.unit)
    element = args.element.strip().upper() if args.element else None
    if element and element not in store.plan(year).element_by_code:
        raise UsageError(f"Mã chỉ tiêu không có trong kế hoạch năm {year}: {args.element}")
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageError(f"Không biết định dạng của {out.name}: dùng đuôi .csv hoặc .xlsx")
    scope, level = _hierarchy(args, store, year)
    df = export_frame(store, args.what, year, args.quarter, unit, element, scope, level)
    if args.publication:
        from pipelines.outputs.publication import publication_frame
        df = publication_frame(store, year, args.what, df)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        out.write_bytes(to_csv_bytes(df))
    else:
        # people read the XLSX: Vietnamese names beside the codes; a publication copy explains ≤10 and x
        plan = store.plan(year)
        out.write_bytes(to_xlsx_bytes(with_names(df, plan, args.what),
                                      sheet={"values": "Số liệu", "attainment": "Tỷ lệ", "compliance": "Hạn nộp",
                                             "tasks": "Nhiệm vụ"}[args.what],
                                      publication=plan.publication.threshold if args.publication else False))
    demo_banner(store, year)
    print(f"Đã xuất {len(df)} dòng ra {out}")
    return EXIT_OK


def cmd_report(args, store: Store) -> int:
    from pipelines.outputs.annex import build_annex
    from pipelines.outputs.report import build_report, proposal_paragraphs, report_file_name
    year = year_of(store, args.year)
    period = period_of(store, year, args.period)
    out = Path(args.output) if args.output else Path(report_file_name(year, period, publication_copy=args.publication))
    suffix = out.suffix.lower()
    if suffix not in (".docx", ".xlsx"):
        raise UsageError(f"Báo cáo xuất ra tệp .docx (Word) hoặc phụ lục .xlsx (Excel): {out.name}")
    as_of = args.as_of
    signed = [o for o, v in (("--signer", args.signer), ("--sign-as", args.sign_as), ("--proposals", args.proposals))
              if v is not None]
    if suffix == ".xlsx" and signed:
        raise UsageError(f"{', '.join(signed)}: chỉ dùng cho báo cáo .docx (phụ lục .xlsx không có chữ ký, mục V)")
    proposals = proposal_paragraphs(_text_file(args.proposals, "--proposals")) if args.proposals else None
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".docx":
        out.write_bytes(build_report(store, year, period, as_of, number=args.number, publication_copy=args.publication,
                                     day=args.date, sign_as=args.sign_as, signer=args.signer, proposals=proposals))
    else:
        out.write_bytes(build_annex(store, year, period, as_of, publication_copy=args.publication, number=args.number,
                                    day=args.date))
    demo_banner(store, year)
    kind = "phụ lục" if suffix == ".xlsx" else "báo cáo"
    print(f"Đã tạo {kind} {period}/{year}{' (bản công bố)' if args.publication else ''}: {out}")
    return EXIT_OK


def sign_as_arg(text: str) -> list[str]:
    from pipelines.outputs.docform import authority_lines
    lines = authority_lines(text)
    if not lines:
        raise argparse.ArgumentTypeError("cần ít nhất một dòng, ví dụ \"TM. Ban Chỉ đạo / Trưởng ban\"")
    return lines


def _text_file(path: Path, option: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{option}: không có tệp {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{option}: {path} là thư mục, cần một tệp văn bản") from None
    except OSError:
        raise UsageError(f"{option}: không đọc được tệp {path}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{option}: tệp {path} không phải văn bản UTF-8 (lưu lại với mã UTF-8)") from None


def cmd_reminders(args, store: Store) -> int:
    from pipelines.outputs.reminders import write_reminders
    year = year_of(store, args.year)
    out = Path(args.output)
    result = write_reminders(store, year, args.quarter, out, as_of=args.as_of, number=args.number, day=args.date,
                             sign_as=args.sign_as, signer=args.signer)
    demo_banner(store, year)
    for warning in result.warnings:   # the letters go out anyway; the plan file should be completed
        print(f"Cảnh báo: {warning}", file=sys.stderr)
    if not result.letters:
        print(f"Quý {args.quarter}/{year}: không có đơn vị trễ hạn hoặc chưa nộp — không có công văn đôn đốc.")
    for path, row in zip(result.letters, result.rows):
        print(f"{row['unit']}: {row['status_name']} ({row['kind'].lower()}) → {path.name}")
    print(f"Danh sách: {result.summary}")
    return EXIT_OK




def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("attainment", parents=[common])
    p.add_argument("--year", type=int)
    p.add_argument("--period")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--unit")
    g.add_argument("--by-unit", action="store_true")
    g.add_argument("--by-level")
    p.add_argument("--scope")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_attainment)

    p = sub.add_parser("compliance", parents=[common])
    p.add_argument("--year", type=int)
    p.add_argument("--as-of", type=iso_datetime)
    p.add_argument("--scope")
    p.add_argument("--by-level")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_compliance)

    p = sub.add_parser("export", parents=[common])
    p.add_argument("--what", choices=list(EXPORT_COLUMNS), required=True)
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=quarter_arg)
    p.add_argument("--unit")
    p.add_argument("--element")
    p.add_argument("--publication", action="store_true")
    p.add_argument("--scope")
    p.add_argument("--by-level")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", parents=[common])
    p.add_argument("--year", type=int)
    p.add_argument("--period", required=True)
    p.add_argument("--number")
    p.add_argument("--as-of", type=iso_datetime)
    p.add_argument("--publication", action="store_true")
    p.add_argument("--date", type=date_arg)
    p.add_argument("--signer")
    p.add_argument("--sign-as", type=sign_as_arg)
    p.add_argument("--proposals", type=Path)
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("reminders", parents=[common])
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=quarter_arg, required=True)
    p.add_argument("--as-of", type=iso_datetime)
    p.add_argument("--number")
    p.add_argument("--date", type=date_arg)
    p.add_argument("--signer")
    p.add_argument("--sign-as", type=sign_as_arg)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_reminders)

