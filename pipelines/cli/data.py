"""Subcommands that put data in the store or take it back: init, template, ingest, versions,
restore, demo."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    Refused,
    UsageError,
    iso_datetime,
    quarter_arg,
    records,
    text_table,
    unit_of,
    year_of,
)

if TYPE_CHECKING:
    from pipelines.store import Store

log = logging.getLogger(__name__)


def cmd_init(args, store: Store) -> int:
    from pipelines.plan import load_plan
    from pipelines.store.plan_history import PlanChangeRefused, changes
    if args.plan:
        new = load_plan(args.plan)
        old = store.plan(new.year)
        changed = changes(old, new) if old else []
        try:
            installed, held = [store.install_plan(args.plan, replace=args.replace, actor=args.user)], []
        except PlanChangeRefused as exc:
            _print_held(exc)
            raise Refused(f"chưa thay kế hoạch năm {exc.year} (thêm --replace để thay).") from None
        if old is not None and old != new and changed:
            print(f"Đã thay kế hoạch năm {new.year}; thay đổi:")
            for line in changed:
                print(f"  - {line}")
    else:
        installed, held = store.install_default_plans(replace=args.replace, actor=args.user)
    for plan in installed:
        print(f"Đã nạp kế hoạch {plan.plan.code} (năm {plan.year}): {len(plan.units)} đơn vị, "
              f"{len(plan.elements)} chỉ tiêu, {len(plan.indicators)} tỷ lệ, {len(plan.tasks)} nhiệm vụ.")
    for exc in held:  # `make run`: the dashboard keeps the plan in force; the shell says why
        _print_held(exc)
    with store.connect() as con:
        rows = con.execute("SELECT year, code, source_file FROM plans ORDER BY year").fetchall()
    print(f"Kho dữ liệu: {store.db_path or store.label}")
    for year, code, source in rows:
        print(f"  Kế hoạch {year}: {code} ({source})")
    return EXIT_OK


def _print_held(exc) -> None:
    print(f"CẢNH BÁO: tệp kế hoạch năm {exc.year} đã đổi nhưng KHÔNG được nạp: {exc.submissions} bản báo cáo "
          f"đã chấm theo kế hoạch đang dùng, và tệp mới sẽ chấm lại tất cả. Thay đổi:", file=sys.stderr)
    for line in exc.changes or ["chỉ khác phần chữ"]:
        print(f"  - {line}", file=sys.stderr)
    print("  Muốn dùng kế hoạch mới: python -m pipelines init --plan TỆP --replace (được ghi nhật ký).",
          file=sys.stderr)


def cmd_template(args, store: Store) -> int:
    from pipelines.workbook.template import (
        build_template,
        template_file_name,
        write_templates,
    )
    year = year_of(store, args.year)
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
    unit = unit_of(store, year, args.unit)
    out = Path(args.output) if args.output else Path(template_file_name(plan, unit, args.quarter))
    if out.is_dir():
        out = out / template_file_name(plan, unit, args.quarter)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build_template(plan, unit, args.quarter))
    print(f"Đã tạo mẫu báo cáo: {out}")
    return EXIT_OK


def cmd_ingest(args, store: Store) -> int:
    from pipelines.problems import error
    from pipelines.store import StoreBusy
    from pipelines.store.load import IngestResult, expand_paths, ingest_bytes, warn_same_report_twice
    paths = expand_paths([Path(p) for p in args.paths])
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise UsageError("Không tìm thấy tệp: " + ", ".join(map(str, missing)))
    if not paths:
        raise UsageError("Không có tệp bảng tính nào trong đường dẫn đã cho.")
    store.remove_leftover_temp_files()  # what a killed earlier load left half-written
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
            log.debug("loading %s failed", path.name, exc_info=exc)  # library text: for the log, not the user
            results.append(IngestResult(file=path.name, status="rejected", errors=[error(
                "internal_error", path.name, "Lỗi không mong đợi khi nạp tệp; tệp chưa được lưu.",
                hint="Báo cho quản trị hệ thống; các tệp khác vẫn được nạp.")]))
        if progress:
            progress.update(1)
    if progress:
        progress.close()
    twice = warn_same_report_twice(results)
    if args.json:
        print(json.dumps([r.as_json() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            _print_result(r)
        counts = {s: sum(r.status == s for r in results) for s in ("accepted", "duplicate", "rejected")}
        print(f"\nTổng: {counts['accepted']} tệp được nhận, {counts['duplicate']} tệp trùng, "
              f"{counts['rejected']} tệp bị từ chối.")
    for unit, year, quarter, names in twice:
        print(f"CẢNH BÁO: {unit} quý {quarter}/{year} có {len(names)} tệp trong lần nạp này ({', '.join(names)}), "
              f"nạp theo thứ tự sửa tệp; bản hiện hành là {names[-1]}.", file=sys.stderr)
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
    from pipelines.localtime import from_utc_naive
    from pipelines.outputs import fmt
    from pipelines.store.load import list_versions
    year = year_of(store, args.year) if args.year else None
    unit = unit_of(store, year or year_of(store, None), args.unit) if args.unit else None
    df = list_versions(store, unit, year, args.quarter)
    plans = store.plans()
    for col in ("received_at", "loaded_at"):  # naive UTC in the store → aware, the plan's time zone
        df[col] = [from_utc_naive(t, plans[y].tz) for t, y in zip(df[col], df["year"])]
    if args.json:
        print(json.dumps(records(df, ["id", "unit", "year", "quarter", "file_name", "received_at", "loaded_at",
                                       "loaded_by", "is_current"]), ensure_ascii=False, indent=2))
        return EXIT_OK
    if df.empty:
        print("Chưa có bản báo cáo nào.")
        return EXIT_OK
    rows = [["*" if r.is_current else "", str(r.id), r.unit, f"Q{r.quarter}/{r.year}", fmt.datetime(r.received_at),
             fmt.datetime(r.loaded_at), r.loaded_by, r.file_name] for r in df.itertuples()]
    print(text_table(rows, ["HT", "Số", "Đơn vị", "Kỳ", "Ngày nhận", "Ngày nạp", "Người nạp", "Tệp"]))
    print("(* = bản hiện hành)")
    return EXIT_OK


def cmd_restore(args, store: Store) -> int:
    from pipelines.store.load import RestoreError, restore
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


def cmd_demo(args, store: Store) -> int:
    from tqdm import tqdm

    from pipelines.demo import DemoError, load_demo, remove_demo
    year = year_of(store, args.year)
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


def cmd_backup(args, store: Store) -> int:
    from pipelines.outputs import fmt
    from pipelines.store.backup import BackupError, make_backup, read_key
    try:
        key = read_key(args.sign_key) if args.sign_key else None
        info = make_backup(store, args.output, sign_key=key)
    except BackupError as exc:
        raise Refused(str(exc))
    signed = (" Đã ký bằng khóa; khi khôi phục, dùng --verify-key với cùng tệp khóa (cất khóa riêng, không để "
              "cạnh tệp sao lưu).") if key else ""
    print(f"Đã sao lưu kho {store.label} vào {info.path}: {info.submissions} bản báo cáo, {info.raw_files} tệp gốc, "
          f"{fmt.num(info.size_bytes / 1024, 0)} KB (kho bị giữ {info.lock_held_seconds * 1000:.0f} ms).{signed}")
    return EXIT_OK


def cmd_restore_backup(args, store: Store) -> int:
    from pipelines.store import Store
    from pipelines.store.backup import BackupError, describe, read_key, restore_backup
    if getattr(args, "data_dir", None) is None and store.engine != "postgresql":
        raise UsageError("Cần --data-dir THƯ_MỤC_MỚI: nơi dựng lại kho (một thư mục mới hoặc trống), "
                         "hoặc --store postgresql://… --raw-dir THƯ_MỤC (một cơ sở dữ liệu trống).")
    try:
        key = read_key(args.verify_key) if args.verify_key else None
        if store.engine == "postgresql":  # unpacked and checked beside, then copied into the empty database
            import tempfile

            from pipelines.store.move import MoveError, copy_store
            with tempfile.TemporaryDirectory(prefix=".khoi-phuc-") as tmp:
                manifest = restore_backup(args.file, Path(tmp) / "data", verify_key=key)
                try:
                    copy_store(Store(Path(tmp) / "data"), store)
                except MoveError as exc:
                    raise Refused(str(exc))
        else:
            manifest = restore_backup(args.file, args.data_dir, verify_key=key)
    except BackupError as exc:
        raise Refused(str(exc))
    if key:
        note = " Chữ ký khớp khóa đã cho."
    elif manifest.get("_unverified_signature"):
        note = " Tệp có chữ ký nhưng chưa được kiểm (không có --verify-key)."
    else:
        note = (" Tệp không có chữ ký: mã băm trong danh mục chỉ phát hiện hỏng hóc, không phát hiện tệp bị sửa "
                "có chủ ý.")
    print(f"Đã khôi phục {describe(manifest)} vào {store.label}.{note}")
    return _report_check(store)  # `store` was opened on --data-dir: the restored one


def cmd_check(args, store: Store) -> int:
    if store.engine == "duckdb" and not store.db_path.exists():
        raise Refused(f"Không có kho dữ liệu ở {store.db_path}.")
    return _report_check(store)


def cmd_move_store(args, store: Store) -> int:
    """Copy every kept row and raw file of this store into an empty one (a town's DuckDB file up to
    PostgreSQL), check both, and say whether they answer the same."""
    from pipelines.store import Store
    from pipelines.store.engine import StoreURLError
    from pipelines.store.move import MoveError, copy_store, same_answers
    try:
        target = Store(args.to, raw_dir=args.to_raw_dir)
    except StoreURLError as exc:
        raise UsageError(str(exc)) from None
    if target.key == store.key:
        raise UsageError("Kho đích trùng kho nguồn.")
    try:
        report = copy_store(store, target)
    except MoveError as exc:
        raise Refused(str(exc))
    copied = ", ".join(f"{table} {n}" for table, n in report.rows.items() if n)
    print(f"Đã chép kho {store.label} sang {target.label}: {copied}; {report.raw_files} tệp gốc.")
    codes = [_report_check(s) for s in (store, target)]
    differ = same_answers(store, target)
    if differ:
        print(f"Hai kho trả lời KHÁC nhau ở: {', '.join(differ)}.", file=sys.stderr)
        return EXIT_REFUSED
    print("Hai kho trả lời như nhau: các bản báo cáo, số liệu, nhiệm vụ, mức đạt, nộp báo cáo, nhật ký, tài khoản.")
    return EXIT_REFUSED if any(codes) else EXIT_OK


def _report_check(store: Store) -> int:
    from pipelines.store.check import check_store
    report = check_store(store)
    for line in report.errors:
        print(f"  LỖI: {line}")
    for line in report.notes:
        print(f"  GHI CHÚ: {line}")
    c = report.counts
    summary = (f"{c['submissions']} bản báo cáo ({c['current']} hiện hành), {c['raw_files']} tệp gốc, "
               f"{c['plans']} kế hoạch")
    if report.ok:
        print(f"Kiểm tra kho {store.label}: ổn — {summary}.")
        return EXIT_OK
    print(f"Kiểm tra kho {store.label}: {len(report.errors)} lỗi — {summary}. Không sửa gì; "
          "xem README, mục Running it.", file=sys.stderr)
    return EXIT_REFUSED


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common])
    p.add_argument("--replace", action="store_true")
    p.add_argument("--user", default="cli", help=argparse.SUPPRESS)
    p.add_argument("--plan", type=Path)
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("template", parents=[common])
    p.add_argument("--unit")
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=quarter_arg, required=True)
    p.add_argument("--all", action="store_true")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("ingest", parents=[common])
    p.add_argument("paths", nargs="+")
    p.add_argument("--received-at", type=iso_datetime)
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", default="cli", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("versions", parents=[common])
    p.add_argument("--unit")
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=quarter_arg)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser("restore", parents=[common])
    p.add_argument("--submission", type=int, required=True)
    p.add_argument("--user", default="cli", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("demo", parents=[common])
    p.add_argument("--year", type=int, default=2022)
    p.add_argument("--seed", type=int, default=138)
    p.add_argument("--remove", action="store_true")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("backup", parents=[common])
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--sign-key", type=Path)
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore-backup", parents=[common])
    p.add_argument("file", type=Path)
    p.add_argument("--verify-key", type=Path)
    p.set_defaults(func=cmd_restore_backup)

    p = sub.add_parser("check", parents=[common])
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("move-store", parents=[common])
    p.add_argument("--to", required=True, dest="to")
    p.add_argument("--to-raw-dir", type=Path, required=True)
    p.set_defaults(func=cmd_move_store)
