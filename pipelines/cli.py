"""Command line: argument parsing and output only; every subcommand calls one pipeline function.

Exit codes (spec/commands.md): 0 all done; 1 something was refused; 2 wrong usage.
Bad input never shows a traceback: errors go to stderr as plain Vietnamese.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

from . import fmt, metrics
from .export import plain, to_csv_bytes, to_xlsx_bytes
from .plan import PlanError
from .store import Store, StoreBusy

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Wrong usage discovered after parsing (unknown unit, year without a plan...)."""


class Refused(Exception):
    """The request was understood but refused (exit 1)."""


# -- helpers -------------------------------------------------------------------------------------
def _iso_datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"thời điểm không hợp lệ: {text!r} (dạng ISO, ví dụ 2022-03-14T09:00)")


def _quarter(text: str) -> int:
    q = text.upper().removeprefix("Q")
    if q not in ("1", "2", "3", "4"):
        raise argparse.ArgumentTypeError(f"quý không hợp lệ: {text!r} (1, 2, 3 hoặc 4)")
    return int(q)


def _year(store: Store, year: int | None) -> int:
    years = metrics.years(store)
    if not years:
        raise UsageError("Kho chưa có kế hoạch nào; chạy `init --plan FILE`.")
    if year is None:
        return years[-1]
    if year not in years:
        raise UsageError(f"Không có kế hoạch năm {year} (có: {', '.join(map(str, years))}).")
    return year


def _unit(store: Store, year: int, unit: str | None) -> str | None:
    if unit is None:
        return None
    code = unit.strip().upper()
    plan = store.plan(year)
    if code not in plan.unit_by_code:
        raise UsageError(f"Mã đơn vị không có trong kế hoạch năm {year}: {unit}")
    return code


def _period(store: Store, year: int, period: str | None) -> str | None:
    """A report period code of the year's plan (Q1..Q4, H1, 9M, Y in 2022's)."""
    if period is None:
        return None
    codes = [p.code for p in store.plan(year).periods]
    code = period.strip().upper()
    if code not in codes:
        raise UsageError(f"Kỳ báo cáo không có trong kế hoạch năm {year}: {period} (có: {', '.join(codes)})")
    return code


def _table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _records(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [{c: plain(v) for c, v in zip(columns, row)} for row in df[columns].itertuples(index=False)]


def _demo_banner(store: Store, year: int) -> None:
    if store.is_demo_year(year):
        print(f"*** DỮ LIỆU MẪU (DEMO) năm {year} — không phải số liệu thật ***", file=sys.stderr)


# -- subcommands ---------------------------------------------------------------------------------
def cmd_init(args, store: Store) -> int:
    for plan in [store.install_plan(args.plan)] if args.plan else store.install_default_plans():
        print(f"Đã nạp kế hoạch {plan.plan.code} (năm {plan.year}): {len(plan.units)} đơn vị, "
              f"{len(plan.elements)} chỉ tiêu, {len(plan.indicators)} tỷ lệ, {len(plan.tasks)} nhiệm vụ.")
    with store.connect() as con:
        rows = con.execute("SELECT year, code, source_file FROM plans ORDER BY year").fetchall()
    print(f"Kho dữ liệu: {store.db_path}")
    for year, code, source in rows:
        print(f"  Kế hoạch {year}: {code} ({source})")
    return EXIT_OK


def cmd_template(args, store: Store) -> int:
    from .template import build_template, template_file_name, write_templates
    year = _year(store, args.year)
    plan = store.plan(year)
    if args.quarter not in plan.quarter_by_number:
        raise UsageError(f"Kế hoạch năm {year} không có quý {args.quarter}.")
    if args.all:
        if not args.output:
            raise UsageError("--all cần -o THƯ_MỤC (nơi ghi các mẫu).")
        paths = write_templates(plan, args.quarter, Path(args.output))
        print(f"Đã tạo {len(paths)} mẫu báo cáo quý {args.quarter}/{year} trong {args.output}")
        return EXIT_OK
    if not args.unit:
        raise UsageError("Cần --unit CODE (hoặc --all).")
    unit = _unit(store, year, args.unit)
    out = Path(args.output) if args.output else Path(template_file_name(plan, unit, args.quarter))
    if out.is_dir():
        out = out / template_file_name(plan, unit, args.quarter)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_template(plan, unit, args.quarter))
    print(f"Đã tạo mẫu báo cáo: {out}")
    return EXIT_OK


def cmd_ingest(args, store: Store) -> int:
    from .load import IngestResult, expand_paths, ingest_bytes
    from .problems import error
    paths = expand_paths([Path(p) for p in args.paths])
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise UsageError("Không tìm thấy tệp: " + ", ".join(map(str, missing)))
    if not paths:
        raise UsageError("Không có tệp bảng tính nào trong đường dẫn đã cho.")
    progress = None
    if len(paths) > 1:
        from tqdm import tqdm
        progress = tqdm(total=len(paths), desc="Đang nạp", unit="tệp", file=sys.stderr,
                        disable=None if not args.json else not sys.stderr.isatty())
    results = []
    for path in paths:
        try:
            results.append(ingest_bytes(store, path.read_bytes(), path.name, args.received_at, loaded_by=args.user))
        except (StoreBusy, KeyboardInterrupt):
            raise
        except Exception as exc:  # one broken file must not stop the batch; nothing of it was stored
            results.append(IngestResult(file=path.name, status="rejected", errors=[error(
                "internal_error", path.name, f"Lỗi không mong đợi khi nạp tệp: {type(exc).__name__}: {exc}",
                hint="Báo cho quản trị hệ thống; các tệp khác vẫn được nạp.")]))
        if progress:
            progress.update(1)
    if progress:
        progress.close()
    if args.json:
        print(json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            _print_result(r)
        counts = {s: sum(r.status == s for r in results) for s in ("accepted", "duplicate", "rejected")}
        print(f"\nTổng: {counts['accepted']} tệp được nhận, {counts['duplicate']} tệp trùng, "
              f"{counts['rejected']} tệp bị từ chối.")
    return EXIT_REFUSED if any(r.status == "rejected" for r in results) else EXIT_OK


def _print_result(r) -> None:
    label = {"accepted": "ĐÃ NHẬN", "duplicate": "TRÙNG (đã nạp trước đó)", "rejected": "BỊ TỪ CHỐI"}[r.status]
    who = f" — {r.unit} quý {r.quarter}/{r.year}" if r.unit and r.year else ""
    extra = f" — bản #{r.submission_id}" if r.submission_id else ""
    if r.status == "accepted" and r.replaced:
        extra += f" (thay bản #{r.replaced})"
    print(f"{r.file}: {label}{who}{extra}")
    for p in r.errors:
        print(f"  LỖI [{p.code}] {p.where}: {p.message}" + (f" → {p.hint}" if p.hint else ""))
    for p in r.warnings:
        print(f"  CẢNH BÁO [{p.code}] {p.where}: {p.message}")


def cmd_versions(args, store: Store) -> int:
    from .load import list_versions
    year = _year(store, args.year) if args.year else None
    unit = _unit(store, year or _year(store, None), args.unit) if args.unit else None
    df = list_versions(store, unit, year, args.quarter)
    plans = store.plans()
    for col in ("received_at", "loaded_at"):  # naive UTC in the store → aware, the plan's time zone
        df[col] = [t.to_pydatetime().replace(tzinfo=dt.timezone.utc).astimezone(plans[y].tz)
                   for t, y in zip(df[col], df["year"])]
    if args.json:
        print(json.dumps(_records(df, ["id", "unit", "year", "quarter", "file_name", "received_at", "loaded_at",
                                       "loaded_by", "is_current"]), ensure_ascii=False, indent=2))
        return EXIT_OK
    if df.empty:
        print("Chưa có bản báo cáo nào.")
        return EXIT_OK
    rows = [["*" if r.is_current else "", str(r.id), r.unit, f"Q{r.quarter}/{r.year}", fmt.datetime(r.received_at),
             fmt.datetime(r.loaded_at), r.loaded_by, r.file_name] for r in df.itertuples()]
    print(_table(rows, ["HT", "Số", "Đơn vị", "Kỳ", "Ngày nhận", "Ngày nạp", "Người nạp", "Tệp"]))
    print("(* = bản hiện hành)")
    return EXIT_OK


def cmd_restore(args, store: Store) -> int:
    from .load import RestoreError, restore
    try:
        out = restore(store, args.submission, actor=args.user)
    except RestoreError as exc:
        raise Refused(str(exc))
    if out["changed"]:
        print(f"Đã khôi phục bản #{out['submission_id']} làm bản hiện hành của {out['unit']} quý "
              f"{out['quarter']}/{out['year']} (thay bản #{out['previous_current']}).")
    else:
        print(f"Bản #{out['submission_id']} đã là bản hiện hành; không có gì thay đổi.")
    return EXIT_OK


ATTAINMENT_COLUMNS = ["indicator", "unit", "year", "period", "numerator", "denominator", "value", "target_op",
                      "target", "status", "period_status", "judged_period"]


def cmd_attainment(args, store: Store) -> int:
    year = _year(store, args.year)
    unit = _unit(store, year, args.unit)
    df = metrics.attainment(store, year, _period(store, year, args.period), unit=unit, by_unit=args.by_unit)
    return _emit(df, args.format, ATTAINMENT_COLUMNS, lambda: _attainment_table(df), store, year)


def _attainment_table(df: pd.DataFrame) -> str:
    rows = [[r.indicator, r.period, r.unit, f"{fmt.num(r.numerator)}/{fmt.num(r.denominator)}"
             if r.status != "no_data" else "—", fmt.pct(r.value), fmt.target(r.target_op, r.target),
             metrics.STATUS_NAMES[r.status] + ("" if r.judged_period == r.period else f" (theo {r.judged_period})"),
             "" if pd.isna(r.needed) else f"+{int(r.needed)}"]
            for r in df.itertuples()]
    table = _table(rows, ["Tỷ lệ", "Kỳ", "Đơn vị", "Tử/Mẫu", "Giá trị", "Mục tiêu", "Tình trạng", "Cần thêm"])
    if (df["judged_period"] != df["period"]).any():
        table += "\n(theo H1/9M/Y: chỉ tiêu năm, đánh giá trên số lũy kế từ đầu năm)"
    return table


COMPLIANCE_COLUMNS = ["unit", "year", "quarter", "deadline", "received_at", "status"]


def cmd_compliance(args, store: Store) -> int:
    year = _year(store, args.year)
    as_of = args.as_of
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=store.plan(year).tz)
    df = metrics.compliance(store, year, as_of)

    def table() -> str:
        rows = [[r.unit, f"Q{r.quarter}", fmt.date(r.deadline), fmt.datetime(r.received_at),
                 metrics.COMPLIANCE_NAMES[r.status]] for r in df.itertuples()]
        counts = df.groupby(["quarter", "status"]).size()
        summary = "\n".join(
            f"Quý {q}: " + ", ".join(f"{metrics.COMPLIANCE_NAMES[s]} {int(counts.get((q, s), 0))}"
                                     for s in metrics.COMPLIANCE_NAMES) for q in sorted(df["quarter"].unique()))
        return _table(rows, ["Đơn vị", "Quý", "Hạn nộp", "Ngày nhận", "Tình trạng"]) + "\n\n" + summary

    return _emit(df, args.format, COMPLIANCE_COLUMNS, table, store, year)


def _emit(df: pd.DataFrame, form: str, columns: list[str], table, store: Store, year: int) -> int:
    if form == "json":
        print(json.dumps(_records(df, columns), ensure_ascii=False, indent=2))
    elif form == "csv":
        sys.stdout.flush()
        sys.stdout.buffer.write(to_csv_bytes(df[columns]))
        sys.stdout.buffer.flush()
    else:
        _demo_banner(store, year)
        print(table())
    return EXIT_OK


EXPORT_COLUMNS = {
    "values": ["unit", "year", "quarter", "element", "value"],
    "attainment": ATTAINMENT_COLUMNS,
    "compliance": COMPLIANCE_COLUMNS,
    "tasks": ["unit", "year", "quarter", "task", "role", "status", "note"],
}


def export_frame(store: Store, what: str, year: int, quarter: int | None, unit: str | None,
                 element: str | None) -> pd.DataFrame:
    """The rows `export --what` writes (machine column names)."""
    if what == "values":
        df = metrics.current_values(store, year, quarter, [unit] if unit else None, [element] if element else None)
    elif what == "attainment":
        df = metrics.attainment(store, year, f"Q{quarter}" if quarter else None, unit=unit)
    elif what == "compliance":
        df = metrics.compliance(store, year)
        if quarter:
            df = df[df["quarter"] == quarter]
        if unit:
            df = df[df["unit"] == unit]
    else:
        df = metrics.task_units(store, year, quarter, unit=unit)
        df["year"] = year
    return df[EXPORT_COLUMNS[what]].reset_index(drop=True)


def cmd_export(args, store: Store) -> int:
    year = _year(store, args.year)
    unit = _unit(store, year, args.unit)
    element = args.element.strip().upper() if args.element else None
    if element and element not in store.plan(year).element_by_code:
        raise UsageError(f"Mã chỉ tiêu không có trong kế hoạch năm {year}: {args.element}")
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageError(f"Không biết định dạng của {out.name}: dùng đuôi .csv hoặc .xlsx")
    df = export_frame(store, args.what, year, args.quarter, unit, element)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        out.write_bytes(to_csv_bytes(df))
    else:
        out.write_bytes(to_xlsx_bytes(df, sheet={"values": "Số liệu", "attainment": "Tỷ lệ",
                                                  "compliance": "Hạn nộp", "tasks": "Nhiệm vụ"}[args.what]))
    _demo_banner(store, year)
    print(f"Đã xuất {len(df)} dòng ra {out}")
    return EXIT_OK


def cmd_report(args, store: Store) -> int:
    from .report import build_report, report_file_name
    year = _year(store, args.year)
    period = _period(store, year, args.period)
    out = Path(args.output) if args.output else Path(report_file_name(year, period))
    if out.suffix.lower() != ".docx":
        raise UsageError(f"Báo cáo xuất ra tệp .docx (Word): {out.name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_report(store, year, period))
    print(f"Đã tạo báo cáo {period}/{year}: {out}")
    return EXIT_OK


def cmd_demo(args, store: Store) -> int:
    from tqdm import tqdm
    from .demo import DemoError, load_demo, remove_demo
    year = _year(store, args.year)
    if args.remove:
        n = remove_demo(store, year)
        print(f"Đã xóa DỮ LIỆU MẪU năm {year}: {n} báo cáo mẫu. Năm {year} sẵn sàng nhận số liệu thật.")
        return EXIT_OK
    bar = tqdm(desc="Nạp dữ liệu mẫu", unit="tệp", file=sys.stderr, disable=None)
    def progress(n, total):
        bar.total = total
        bar.update(n - bar.n)
    try:
        results = load_demo(store, year, args.seed, progress)
    except DemoError as exc:
        raise Refused(str(exc))
    finally:
        bar.close()
    print(f"Đã nạp DỮ LIỆU MẪU (DEMO) năm {year}: {sum(r.status == 'accepted' for r in results)} báo cáo "
          f"(seed {args.seed}). Đây không phải số liệu thật.")
    return EXIT_OK


# -- parser --------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="thư mục kho dữ liệu (mặc định: data/ của dự án)")
    parser = argparse.ArgumentParser(
        prog="python -m pipelines", parents=[common],
        description="Theo dõi Kế hoạch phòng, chống mua bán người — Ban Chỉ đạo 138 thị xã Đức Phổ.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    p = sub.add_parser("init", parents=[common], help="tạo/cập nhật kho dữ liệu và nạp kế hoạch")
    p.add_argument("--plan", type=Path, help="tệp kế hoạch (.toml)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("template", parents=[common], help="tạo mẫu báo cáo cho đơn vị và quý")
    p.add_argument("--unit")
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=_quarter, required=True)
    p.add_argument("--all", action="store_true", help="mẫu cho mọi đơn vị (-o là thư mục)")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("ingest", parents=[common], help="kiểm tra và nạp báo cáo (tệp hoặc thư mục)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--received-at", type=_iso_datetime, help="thời điểm nhận tệp (ISO; mặc định: bây giờ)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", default="cli", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("versions", parents=[common], help="các bản báo cáo đã nạp")
    p.add_argument("--unit")
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=_quarter)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser("restore", parents=[common], help="khôi phục một bản báo cáo cũ làm bản hiện hành")
    p.add_argument("--submission", type=int, required=True)
    p.add_argument("--user", default="cli", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("attainment", parents=[common], help="giá trị và tình trạng các tỷ lệ")
    p.add_argument("--year", type=int)
    p.add_argument("--period", help="kỳ báo cáo của kế hoạch: Q1, Q2, Q3, Q4, H1 (6 tháng), 9M, Y (năm)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--unit")
    g.add_argument("--by-unit", action="store_true")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_attainment)

    p = sub.add_parser("compliance", parents=[common], help="tình hình nộp báo cáo đúng hạn")
    p.add_argument("--year", type=int)
    p.add_argument("--as-of", type=_iso_datetime)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_compliance)

    p = sub.add_parser("export", parents=[common], help="xuất bảng ra CSV hoặc XLSX")
    p.add_argument("--what", choices=list(EXPORT_COLUMNS), required=True)
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=_quarter)
    p.add_argument("--unit")
    p.add_argument("--element")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("report", parents=[common], help="báo cáo quý gửi Ban Chỉ đạo 138 tỉnh (.docx)")
    p.add_argument("--year", type=int)
    p.add_argument("--period", required=True, help="kỳ báo cáo: Q1, Q2, Q3, Q4, H1, 9M, Y")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo", parents=[common], help="nạp một năm DỮ LIỆU MẪU")
    p.add_argument("--year", type=int, default=2022)
    p.add_argument("--seed", type=int, default=138)
    p.add_argument("--remove", action="store_true", help="xóa dữ liệu mẫu của năm (trước khi nạp số liệu thật)")
    p.set_defaults(func=cmd_demo)

    try:
        from .users_cli import add_users_parser
    except ImportError:  # the users module is optional until the dashboard's sign-in lands
        pass
    else:
        add_users_parser(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    store = Store(getattr(args, "data_dir", None))
    try:
        return args.func(args, store)
    except UsageError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (Refused, PlanError) as exc:
        print(f"Bị từ chối: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except StoreBusy as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:  # `... | head` closed the pipe: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        print(f"Lỗi: không đọc/ghi được {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
