"""The command line speaks Vietnamese: every command and option has its help in the catalogs
(pipelines/cli/locale/{vi,en}/LC_MESSAGES/cli.po), argparse's own words are translated, and
DUCPHO138_LANG=en gives English. Checked on the real parser and on `--help` in a fresh process."""
from __future__ import annotations

import argparse
import os
import re
import string
import subprocess
import sys

import pytest

from pipelines.catalog import messages
from pipelines.cli import build_parser, words

# Words argparse prints in English when nobody translates them.
ARGPARSE_ENGLISH = ("usage:", "options:", "positional arguments", "show this help message", "error:",
                    "the following arguments are required", "invalid choice", "unrecognized arguments")


def _commands(parser: argparse.ArgumentParser, path: str = ""):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, f"{path} {name}".strip())


@pytest.fixture(params=["vi", "en"])
def lang(request, monkeypatch):
    monkeypatch.setenv(words.LANG_ENV, request.param)
    return request.param


def test_every_option_of_every_command_has_help(lang):
    commands = list(_commands(build_parser()))
    assert len(commands) > 20                              # 16 commands, 4 users subcommands, the program
    for path, parser in commands:
        assert parser.description, path
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
                continue   # hidden (--user), or the list of subcommands, each checked with its own parser
            assert action.help and action.help.strip(), f"{path}: {action.option_strings or action.dest}"
            if action.nargs != 0 and not action.choices:
                assert action.metavar, f"{path}: {action.dest} has no placeholder"


@pytest.mark.parametrize("args", [[], ["ingest"], ["export"], ["users", "add"], ["report"]])
def test_help_reads_in_vietnamese(args):
    done = subprocess.run([sys.executable, "-m", "pipelines", *args, "--help"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, words.LANG_ENV: ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Cách dùng: python -m pipelines")
    assert "tùy chọn:" in done.stdout and "in trợ giúp này rồi thoát" in done.stdout
    assert not [w for w in ARGPARSE_ENGLISH if w in done.stdout]
    assert not re.search(r"\b(PATH|NAME|FILE|LEVEL|CODE|YEAR|QUARTER|OUTPUT|UNIT)\b", done.stdout)


def test_a_usage_error_reads_in_vietnamese():
    done = subprocess.run([sys.executable, "-m", "pipelines", "report", "--year", "x", "--period", "Q1"],
                          capture_output=True, text=True, timeout=120, env={**os.environ, words.LANG_ENV: ""})
    assert done.returncode == 2
    assert "lỗi: tham số --year: giá trị 'x' không hợp lệ" in done.stderr
    assert not [w for w in ARGPARSE_ENGLISH if w in done.stderr]


def test_english_on_request():
    done = subprocess.run([sys.executable, "-m", "pipelines", "ingest", "--help"], capture_output=True, text=True,
                          timeout=120, env={**os.environ, words.LANG_ENV: "en"})
    assert done.stdout.startswith("usage: python -m pipelines ingest")
    assert "check and load reports" in done.stdout.lower() or "Checks each report file" in done.stdout


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


@pytest.mark.parametrize("domain", ["cli", "argparse"])
def test_catalogs_have_both_languages(domain):
    vi = messages(str(words.LOCALE), domain, "vi")
    en = messages(str(words.LOCALE), domain, "en")
    assert set(vi) == set(en), sorted(set(vi) ^ set(en))
    for key in vi:
        assert vi[key].strip() and en[key].strip(), key
        if domain == "cli":
            assert _fields(vi[key]) == _fields(en[key]), key
        else:   # %-style: the Vietnamese may leave out a field (the Python type name), never add one
            assert set(re.findall(r"%\((\w+)\)", vi[key])) <= set(re.findall(r"%\((\w+)\)", key)), key
