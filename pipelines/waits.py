"""Waits for the store as data: with `$DUCPHO138_STORE_WAITS=FILE` set, the dashboard's server and
the command line append one JSON line to FILE for every record the store's logger writes
(`pipelines.store`: a wait of 1 s or more for another process's lock is logged as `store_wait`).

A wait is written with its figures taken from the record's arguments, not from the text:
`{"event": "store_wait", "wait_s": 1.23, "store": "…/ducpho138.duckdb", "pid": 4242, "at": …}`.
Any other record of that logger is written as `{"event": "other", "message": …}`, so a reader that
finds one knows the store said something this module does not understand (a changed wait message
among them) instead of silently finding no wait. The deadline-day test
(tests/e2e/test_deadline_load.py) reads this file, after first provoking a wait and checking that it
was recorded.

Standard library only: the command line imports this before anything heavy.
"""
from __future__ import annotations

import json
import logging
import os
import sys

STORE_WAITS_ENV = "DUCPHO138_STORE_WAITS"
STORE_LOGGER = "pipelines.store"
WAIT_PREFIX = "store_wait "   # pipelines/store/database.py: "store_wait %.2f s for %s (pid %d)"


class JsonLinesHandler(logging.Handler):
    """Appends one JSON object per record to a file (opened per record: several processes share it)."""

    def __init__(self, path: str):
        super().__init__(logging.DEBUG)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = json.dumps(as_data(record), ensure_ascii=False)
            with open(self.path, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        except Exception:  # logging must never break a load or a page
            self.handleError(record)


def as_data(record: logging.LogRecord) -> dict:
    """The record as data: a store wait with its figures, anything else as its text."""
    args = record.args if isinstance(record.args, tuple) else ()
    base = {"at": record.created, "logger": record.name, "level": record.levelname, "pid": record.process}
    waited = args[0] if args else None
    if str(record.msg).startswith(WAIT_PREFIX) and isinstance(waited, (int, float)) and not isinstance(waited, bool):
        return {**base, "event": "store_wait", "wait_s": round(float(waited), 3),
                "store": str(args[1]) if len(args) > 1 else None}
    return {**base, "event": "other", "message": record.getMessage()}


def install_from_env() -> str | None:
    """When $DUCPHO138_STORE_WAITS names a file, record the store's log there (once per process);
    the records still reach stderr as before. Returns the file, or None."""
    path = os.environ.get(STORE_WAITS_ENV)
    if not path:
        return None
    logger = logging.getLogger(STORE_LOGGER)
    if any(isinstance(h, JsonLinesHandler) for h in logger.handlers):
        return path
    if not logger.hasHandlers():
        # without a handler of its own the record went to logging's last resort (stderr, the bare
        # message); adding ours would silence that, so keep the same line on stderr
        echo = logging.StreamHandler(sys.stderr)
        echo.setLevel(logging.WARNING)
        logger.addHandler(echo)
    logger.addHandler(JsonLinesHandler(path))
    return path
