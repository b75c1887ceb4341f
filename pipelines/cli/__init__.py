"""Command line: argument parsing and output only; every subcommand calls one pipeline function.

Exit codes (spec/commands.md): 0 all done; 1 something was refused; 2 wrong usage.
Bad input never shows a traceback: errors go to stderr as plain Vietnamese. Subcommands live in
one module per group (`data`, `outputs`, `accounts`), each adding its parsers here.

The command line starts instantly: `--help`, `init` and `ingest` import neither pandas, openpyxl,
plotly nor streamlit. So a group module imports at its top only the standard library and
`pipelines.cli.common`; everything else (the store, metrics, pandas...) is imported inside the
`cmd_*` function that needs it. tests/cli/test_cli_imports.py guards this.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines import waits
from pipelines.cli import accounts, data, outputs, quality, words
from pipelines.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, Refused, UsageError


def build_parser() -> argparse.ArgumentParser:
    words.speak_to_argparse()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    common.add_argument("--store", default=argparse.SUPPRESS)
    common.add_argument("--raw-dir", type=Path, default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="python -m pipelines", parents=[common],
                                     epilog=words.t("prog.epilog"))
    sub = parser.add_subparsers(dest="command", required=True)
    for group in (data, outputs, accounts, quality):
        group.add_parsers(sub, common)
    parser.description = words.t("prog.description")
    return words.localise(parser)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    waits.install_from_env()  # $DUCPHO138_STORE_WAITS=FILE: the store's waits as JSON lines
    from pipelines.plan import PlanError  # after parsing: `--help` needs neither (see the docstring)
    from pipelines.store import SchemaError, StoreBusy
    try:
        store = open_store(args)
    except UsageError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args, store)
    except UsageError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (Refused, PlanError) as exc:
        print(f"Bị từ chối: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (StoreBusy, SchemaError) as exc:
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


def open_store(args):
    """The store the options name: --store URL (or $DUCPHO138_STORE), else --data-dir, else data/."""
    import os

    from pipelines.store import Store
    from pipelines.store.engine import RAW_DIR_ENV, STORE_ENV, StoreURLError
    url = getattr(args, "store", None) or (None if getattr(args, "data_dir", None) else os.environ.get(STORE_ENV))
    if url and getattr(args, "data_dir", None) is not None:
        raise UsageError("Chỉ dùng một trong hai: --store hoặc --data-dir.")
    raw = getattr(args, "raw_dir", None) or os.environ.get(RAW_DIR_ENV)
    try:
        return Store(url or getattr(args, "data_dir", None), raw_dir=raw)
    except StoreURLError as exc:
        raise UsageError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
