"""First-run setup for `make run`: `python -m dashboard.bootstrap --data-dir DIR`.

If the store holds no submission at all, load the labelled demo year (so a new user sees a living
dashboard), and say so. If the accounts module is present and no user exists yet, create the demo
accounts and print their generated passwords once. Running it again changes nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.accounts import users
from pipelines.demo import DemoError, load_demo
from pipelines.outputs import metrics
from pipelines.store import DEFAULT_DATA_DIR, Store, StoreBusy

DEMO_YEAR = 2022


def bootstrap(store: Store, year: int = DEMO_YEAR, out=sys.stdout) -> dict:
    """Returns what was done: {'demo_loaded': int (reports) or 0, 'accounts': {name: (role, password)}}."""
    done = {"demo_loaded": 0, "accounts": {}}
    if metrics.submission_count(store) == 0:
        years = metrics.years(store)
        if year not in years:
            print(f"Không có kế hoạch năm {year} trong kho; bỏ qua dữ liệu mẫu.", file=out)
        else:
            print(f"Kho chưa có báo cáo nào: đang nạp DỮ LIỆU MẪU (DEMO) năm {year}...", file=out, flush=True)
            results = load_demo(store, year)
            done["demo_loaded"] = sum(r.status == "accepted" for r in results)
            print(f"Đã nạp DỮ LIỆU MẪU (DEMO) năm {year}: {done['demo_loaded']} báo cáo. "
                  "Đây không phải số liệu thật; bảng điều khiển ghi rõ nhãn DEMO.", file=out)
    accounts = users.create_demo_accounts(store) or {}
    done["accounts"] = accounts
    if accounts:
        print("Đã tạo tài khoản dùng thử (mật khẩu chỉ hiện một lần — hãy lưu lại):", file=out)
        for name, (role, password) in accounts.items():
            print(f"  {name:<12} vai trò {role:<10} mật khẩu {password}", file=out)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bootstrap",
                                     description="Nạp dữ liệu mẫu cho lần chạy đầu tiên nếu kho còn trống.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--year", type=int, default=DEMO_YEAR)
    args = parser.parse_args(argv)
    try:
        bootstrap(Store(args.data_dir), args.year)
    except (DemoError, StoreBusy) as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
