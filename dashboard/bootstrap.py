"""First-run setup for `make run`: `python -m dashboard.bootstrap --data-dir DIR`.

If the store holds no submission at all, load the labelled demo years — 2022 and 2023, each from
its own plan file, so a new user sees a living dashboard and a comparison with the previous year —
and say so. If the accounts module is present and no user exists yet, create the demo
accounts and print their generated passwords once. Running it again changes nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard import i18n
from dashboard.i18n import t
from pipelines.accounts import users
from pipelines.demo import DemoError, load_demo
from pipelines.outputs import metrics
from pipelines.store import DEFAULT_DATA_DIR, Store, StoreBusy

DEMO_YEARS = (2022, 2023)


def bootstrap(store: Store, years: tuple[int, ...] = DEMO_YEARS, out=sys.stdout) -> dict:
    """Returns what was done: {'demo_loaded': int (reports) or 0, 'accounts': {name: (role, password)}}."""
    done = {"demo_loaded": 0, "accounts": {}}
    if metrics.submission_count(store) == 0:
        planned = metrics.years(store)
        print(t("boot_empty_store"), file=out)
        for year in years:  # in order: a later demo year goes on from the earlier one's backlogs
            if year not in planned:
                print(t("boot_no_plan", year=year), file=out)
                continue
            print(t("boot_loading", year=year), file=out, flush=True)
            results = load_demo(store, year)
            loaded = sum(r.status == "accepted" for r in results)
            done["demo_loaded"] += loaded
            print(t("boot_loaded", year=year, n=loaded), file=out)
    accounts = users.create_demo_accounts(store) or {}
    done["accounts"] = accounts
    if accounts:
        print(t("boot_accounts"), file=out)
        for name, (role, password) in accounts.items():
            print(t("boot_account_line", name=name, role=i18n.user_role_name(role), password=password), file=out)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bootstrap",
                                     description=t("boot_description"))
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=t("boot_data_dir_help"))
    parser.add_argument("--year", type=int, action="append", help=t("boot_year_help"))
    args = parser.parse_args(argv)
    try:
        bootstrap(Store(args.data_dir), tuple(args.year) if args.year else DEMO_YEARS)
    except (DemoError, StoreBusy) as exc:
        print(t("error_prefix", message=exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
