"""The command line's words, from gettext catalogs beside this file (locale/{vi,en}/LC_MESSAGES/):
`cli.po` holds the help of every command and option and `argparse.po` argparse's own words
("usage:", "options", "the following arguments are required: …"), so `--help` and a usage error
read in Vietnamese. English with DUCPHO138_LANG=en.

The parsers are built in code without help text; `localise(parser)` fills in each (sub)command's
summary and description and each option's help and placeholder from the catalog, the most
specific key first: `opt.<command>.<option>`, then `opt.<option>` for options that mean the same
everywhere (--year, --data-dir …). tests/cli/test_cli_words.py checks that every option of every
command has its help in both languages.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from pipelines.catalog import Catalog

LOCALE = Path(__file__).resolve().parent / "locale"
CLI = Catalog(LOCALE, "cli")
ARGPARSE = Catalog(LOCALE, "argparse")
LANG_ENV = "DUCPHO138_LANG"


def lang() -> str:
    return "en" if os.environ.get(LANG_ENV, "").strip().lower().startswith("en") else "vi"


def t(key: str, **fields) -> str:
    return CLI.text(key, lang(), **fields)


def _argparse_gettext(message: str) -> str:
    found = ARGPARSE.lookup(message, lang())
    return message if found is None else found


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return _argparse_gettext(singular if n == 1 else plural)


def speak_to_argparse() -> None:
    """argparse looks its words up through its module globals `_` and `ngettext` (gettext's) each
    time it uses them, some when a parser is built ("options"), so call this before building one."""
    argparse._ = _argparse_gettext
    argparse.ngettext = _argparse_ngettext


def _option_help(path: str, dest: str) -> str:
    found = CLI.lookup(f"opt.{path}.{dest}", lang()) or CLI.lookup(f"opt.{dest}", lang())
    if found is None:
        raise KeyError(f"no help for {dest!r} of {path!r} in the cli catalog (add opt.{path}.{dest} or opt.{dest})")
    return found


def localise(parser: argparse.ArgumentParser, path: str = "") -> argparse.ArgumentParser:
    """Every summary, description, help and placeholder of parser and its subcommands, from the catalog."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            action.help = t("opt.help")
        elif isinstance(action, argparse._SubParsersAction):
            action.metavar = CLI.lookup(f"meta.{action.dest}", lang()) or action.metavar
            summaries = {a.dest: a for a in action._choices_actions}
            for name, sub in action.choices.items():
                sub_path = f"{path}.{name}" if path else name
                summary = t(f"cmd.{sub_path}")
                if name in summaries:
                    summaries[name].help = summary
                else:  # argparse lists a subcommand in its parent's help only when add_parser had help=
                    action._choices_actions.append(action._ChoicesPseudoAction(name, (), summary))
                sub.description = CLI.lookup(f"desc.{sub_path}", lang()) or summary
                localise(sub, sub_path)
        elif action.help != argparse.SUPPRESS:   # hidden options (--user) stay hidden
            action.help = _option_help(path or "prog", action.dest)
            metavar = CLI.lookup(f"meta.{action.dest}", lang())
            if metavar and not action.choices and action.nargs != 0:
                action.metavar = metavar
    return parser
