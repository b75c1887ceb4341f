"""`quality`: the data-quality checks of a year (or one quarter) — completeness, backlog consistency,
outliers, follow-up marks — the same findings the *Chất lượng số liệu* page shows."""
from __future__ import annotations

import argparse

from pipelines.cli.common import emit, quarter_arg, text_table, year_of
from pipelines.store import Store


def cmd_quality(args, store: Store) -> int:
    import pandas as pd

    from pipelines.outputs import fmt, quality
    year = year_of(store, args.year)
    found = quality.findings(store, year, args.quarter)

    def table() -> str:
        def text(v) -> str:
            return "" if pd.isna(v) else str(v)

        rows = [[quality.CHECK_NAMES[r.check], r.unit, "" if pd.isna(r.quarter) else f"Q{r.quarter}", text(r.element),
                 "" if pd.isna(r.value) else fmt.num(r.value),
                 r.detail + ("" if pd.isna(r.follow_up) else f" [cần xác minh: {r.follow_up}]")]
                for r in found.itertuples()]
        counts = quality.summary(store, year, args.quarter, found)
        tail = "\n".join(f"{r.name}: {r.count}" for r in counts.itertuples())
        head = text_table(rows, ["Kiểm tra", "Đơn vị", "Quý", "Chỉ tiêu", "Số liệu", "Chi tiết"]) if rows \
            else "Không có số liệu nào cần xem lại."
        return head + "\n\n" + tail

    return emit(found, args.format, quality.FINDING_COLUMNS, table, store, year)


def add_parsers(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("quality", parents=[common])
    p.add_argument("--year", type=int)
    p.add_argument("--quarter", type=quarter_arg)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.set_defaults(func=cmd_quality)
