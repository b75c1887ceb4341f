"""`python -m pipelines users add|list|passwd|remove`: dashboard accounts from the shell.

Whoever can run this command can already open the store file, so these subcommands need no
sign-in; they are audited with actor "cli". A password never appears on the command line (it
would land in shell history and `ps`): it is read from standard input when that is a pipe or a
file (first line), otherwise typed twice at a hidden prompt.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys

from typing import TYPE_CHECKING

from pipelines.accounts import ROLE_NAMES, ROLES
from pipelines.cli.common import EXIT_OK, Refused, UsageError, text_table

if TYPE_CHECKING:
    from pipelines.store import Store

ACTOR = "cli"


def _read_password() -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    try:
        first = getpass.getpass("Mật khẩu: ")
        second = getpass.getpass("Nhập lại mật khẩu: ")
    except EOFError:
        raise UsageError("Không đọc được mật khẩu.") from None
    if first != second:
        raise Refused("Hai lần nhập mật khẩu không khớp.")
    return first


def cmd_add(args, store: Store) -> int:
    from pipelines.accounts.users import UserError, add_user
    password = _read_password()
    try:
        user = add_user(store, args.name, args.role, password, actor=ACTOR)
    except UserError as exc:
        raise Refused(str(exc)) from None
    print(f"Đã tạo tài khoản {user.name} ({ROLE_NAMES[user.role]}).")
    return EXIT_OK


def cmd_passwd(args, store: Store) -> int:
    from pipelines.accounts.users import UserError, set_password
    password = _read_password()
    try:
        set_password(store, args.name, password, actor=ACTOR)
    except UserError as exc:
        raise Refused(str(exc)) from None
    print(f"Đã đổi mật khẩu của {args.name.strip().lower()} (tài khoản được mở khóa nếu đang bị khóa).")
    return EXIT_OK


def cmd_remove(args, store: Store) -> int:
    from pipelines.accounts.users import UserError, remove_user
    try:
        remove_user(store, args.name, actor=ACTOR)
    except UserError as exc:
        raise Refused(str(exc)) from None
    print(f"Đã xóa tài khoản {args.name.strip().lower()}.")
    return EXIT_OK


def _iso(t) -> str | None:
    import pandas as pd
    return None if pd.isna(t) else t.isoformat()


def cmd_list(args, store: Store) -> int:
    from pipelines.accounts.users import list_users
    df = list_users(store)
    if args.json:
        rows = [{"name": r.name, "role": r.role, "created_at": _iso(r.created_at), "locked_until": _iso(r.locked_until)}
                for r in df.itertuples()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if df.empty:
        print("Chưa có tài khoản nào. Tạo bằng: python -m pipelines users add TÊN --role admin")
        return EXIT_OK
    import pandas as pd
    when = lambda t: "" if pd.isna(t) else t.strftime("%Y-%m-%d %H:%M")
    rows = [[r.name, f"{ROLE_NAMES[r.role]} ({r.role})", when(r.created_at), when(r.locked_until)]
            for r in df.itertuples()]
    print(text_table(rows, ["Tên", "Vai trò", "Ngày tạo (UTC)", "Khóa đến (UTC)"]))
    return EXIT_OK


def add_parsers(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("users", parents=[common])
    sub = p.add_subparsers(dest="users_command", required=True)

    q = sub.add_parser("add", parents=[common])
    q.add_argument("name")
    q.add_argument("--role", choices=ROLES, required=True)
    q.set_defaults(func=cmd_add)

    q = sub.add_parser("list", parents=[common])
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)

    q = sub.add_parser("passwd", parents=[common])
    q.add_argument("name")
    q.set_defaults(func=cmd_passwd)

    q = sub.add_parser("remove", parents=[common])
    q.add_argument("name")
    q.set_defaults(func=cmd_remove)
