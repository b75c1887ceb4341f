"""`make mutate`: mutation testing of the rule-bearing modules, one module at a time, each with its
fast tests only (tests/mutate_py.py, `pytest -x`), in a copy of the checkout under build/mutate/ so
the checkout stays usable; then the SQL mutants of the views (tests/mutate_sql.py) in a copy too.
Prints the kill rate per module (the table kept in the README, "Mutation testing").

mutmut was tried first: 3.8 stayed on "Generating mutants" for 15 minutes, 2.5 stopped answering
after 15 mutants of numbers.py (no test running, its worker asleep). tests/mutate_py.py does the
same job in 100 lines: one token changed at a time, the module's fast tests run.

    python tests/mutate.py                 # every module below, smallest first, then the SQL
    python tests/mutate.py numbers fmt     # some modules (by the last part of their name)
    python tests/mutate.py sql             # only the SQL mutants
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "mutate"
PY = sys.executable

# The account tests that hold the rules of throttle.py and users.py, without test_users.py's slowest
# (2 min 16 s a run, real argon2id on every sign-in): the waits for throttle.py; for users.py all but the
# command line's subprocesses (test_cli_users: the same UserErrors through `python -m pipelines users`)
# and the `git grep` for demo passwords (a property of the repository, not of the code). Every test runs
# on DuckDB only: tests/mutate_py.py deselects the PostgreSQL parameter (`-m "not postgres"`).
_USERS = "tests/accounts/test_users.py::"
_WAITS = [_USERS + t for t in (
    "test_waits_grow_and_are_capped", "test_waits_after_five_failures_even_with_right_password",
    "test_wait_ends_by_itself_and_a_quiet_hour_starts_afresh", "test_unknown_and_real_names_are_treated_alike",
    "test_client_address_is_limited_across_names", "test_set_password_lifts_wait_and_ends_sessions")]
_ACCOUNTS = [_USERS + t for t in (
    "test_password_is_hashed_with_argon2id", "test_add_list_passwd_remove", "test_bad_accounts_refused",
    "test_duplicate_and_unknown_refused", "test_last_admin_cannot_be_removed", "test_list_users_never_shows_hashes",
    "test_unknown_user_returns_none_and_is_audited_without_the_typed_name", "test_same_argon2_work_for_every_failure",
    "test_hashing_is_bounded", "test_outdated_hash_is_upgraded_on_sign_in", "test_sign_in_is_audited_without_secrets",
    "test_role_order", "test_every_guarded_function_refuses_lower_roles",
    "test_uploads_restores_and_exports_are_audited_with_the_user", "test_demo_accounts_only_on_empty_table")]

# module → its fast tests (seconds each): what must kill the module's mutants
MODULES = {
    "pipelines/workbook/numbers.py": ["tests/workbook/test_numbers.py", "tests/workbook/test_numbers_bounds.py"],
    "pipelines/outputs/fmt.py": ["tests/outputs/test_fmt_num.py", "tests/outputs/test_fmt.py",
                                 "tests/outputs/test_verdict_digits.py"],
    "pipelines/accounts/sessions.py": ["tests/accounts/test_sessions.py"],
    "pipelines/accounts/throttle.py": ["tests/accounts/test_throttle.py", *_WAITS],
    "pipelines/workbook/guard.py": ["tests/workbook/test_guard_sizes.py", "tests/workbook/test_guard_sniffing.py",
                                    "tests/workbook/test_guard_bounds.py",
                                    "tests/workbook/test_guard.py",
                                    "tests/workbook/test_hostile.py"],
    "pipelines/outputs/publication.py": ["tests/outputs/test_publication_ranges.py",
                                         "tests/outputs/test_publication_threshold.py",
                                         "tests/outputs/test_publication_backlog.py",
                                         "tests/outputs/test_publication.py"],
    "pipelines/store/marts.py": ["tests/store/test_marts.py"],
    "pipelines/workbook/validate.py": ["tests/workbook/test_validate_edges.py", "tests/workbook/test_validate.py",
                                       "tests/workbook/test_contract.py"],
    "pipelines/accounts/users.py": ["tests/accounts/test_users_edges.py", "tests/accounts/test_users_mutants.py", "tests/accounts/test_roles.py", *_WAITS,
                                    *_ACCOUNTS, "tests/accounts/test_throttle.py"],
    "pipelines/store/load.py": ["tests/store/test_load_edges.py", "tests/store/test_load.py",
                                "tests/store/test_batch.py"],
}


def copy_checkout(dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for f in filter(None, files):
        src = ROOT / f.decode()
        if src.is_file():
            target = dest / f.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def mutate_module(module: str, tests: list[str]) -> tuple[int, int, list[str]]:
    work = BUILD / Path(module).stem
    copy_checkout(work)
    report = BUILD / f"{Path(module).stem}.json"
    subprocess.run([PY, "tests/mutate_py.py", module, *tests, "--json", str(report)], cwd=work)
    results = json.loads(report.read_text(encoding="utf-8"))
    survivors = [r["mutant"] for r in results if not r["killed"]]
    return sum(r["killed"] for r in results), len(results), survivors


def main(argv: list[str]) -> int:
    wanted = set(argv)
    rows = []
    for module, tests in sorted(MODULES.items(), key=lambda kv: (ROOT / kv[0]).stat().st_size):
        if wanted and Path(module).stem not in wanted:
            continue
        killed, total, survivors = mutate_module(module, tests)
        rows.append((module, killed, total))
        print(f"{module}: {killed}/{total} killed", flush=True)
        for name in survivors:
            print("  survived:", name, flush=True)
    if not wanted or "sql" in wanted:
        work = BUILD / "sql"
        copy_checkout(work)
        subprocess.run([PY, "tests/mutate_sql.py", "--no-baseline", "--json", str(BUILD / "sql.json")], cwd=work)
    print("\nmodule | killed | mutants | rate")
    for module, killed, total in rows:
        print(f"{module} | {killed} | {total} | {100 * killed / max(total, 1):.0f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
