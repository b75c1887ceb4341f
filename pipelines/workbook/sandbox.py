"""Read untrusted workbook bytes in a child process with a memory and a time limit.

The guard (guard.py, extent.py) refuses what it can recognise as hostile before any grid is built;
this is the second wall, for what it cannot foresee: a reader's native code that aborts, allocates
without bound or loops on bytes nobody expected. Whatever happens in the child, the process that
serves the dashboard (or runs a scheduled ingest) gets a RawWorkbook or a list of Problems — a child
that dies, runs out of memory or time becomes a clean `hostile` / `unreadable` refusal.

The child is started once (`python -m pipelines.workbook.sandbox`), limits its own address space
(RLIMIT_AS; the parent bounds each file's wall time) and then serves one file after another over
its stdin/stdout, so a batch of a hundred files pays the start-up (~0.3 s) once. A child that died
is replaced on the next file. Annotated copies of refused files are made there too (`annotate`).
Only plain data crosses: JSON of the cells found and the problems (no pickle from the child).
Several threads (Streamlit sessions) may read at once: each takes an idle child or starts one.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import selectors
import struct
import subprocess
import sys
import threading
import time
from dataclasses import asdict

from pipelines.problems import Problem, error

log = logging.getLogger(__name__)

MEMORY_MB = 600          # address space of the child (the bound per file)
SECONDS = 20             # wall time for one file; the guard refuses hostile files in well under 1 s
START_SECONDS = 60       # first start-up, on a loaded machine (imports only, no untrusted bytes yet)
MAX_IDLE = 2             # children kept between files
READY = b"ready"
DEFAULT_TARGET = "pipelines.workbook.sandbox:read_job"
HINT = "Mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx theo mẫu báo cáo rồi gửi lại."


class Died(Exception):
    """The child did not answer: `why` is memory | time | crash."""

    def __init__(self, why: str, detail: str = ""):
        super().__init__(why)
        self.why, self.detail = why, detail


# -- values across the pipe ---------------------------------------------------------------------------
def _enc(v: object) -> object:
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, dt.datetime):
        return {"$": "datetime", "v": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$": "date", "v": v.isoformat()}
    if isinstance(v, dt.time):
        return {"$": "time", "v": v.isoformat()}
    if isinstance(v, dt.timedelta):
        return {"$": "timedelta", "v": v.total_seconds()}
    return str(v)


def _dec(v: object) -> object:
    if isinstance(v, dict):
        kind, x = v.get("$"), v.get("v")
        if kind == "datetime":
            return dt.datetime.fromisoformat(x)
        if kind == "date":
            return dt.date.fromisoformat(x)
        if kind == "time":
            return dt.time.fromisoformat(x)
        if kind == "timedelta":
            return dt.timedelta(seconds=x)
    return v


def encode_read(raw, problems: list[Problem]) -> dict:
    cell = lambda c: None if c is None else [_enc(c.value), c.where]  # noqa: E731
    wb = None
    if raw is not None:
        wb = {"file_name": raw.file_name, "format": raw.format, "sheet_names": raw.sheet_names,
              "info": {k: cell(c) for k, c in raw.info.items()},
              "values": [[cell(a), cell(b)] for a, b in raw.values],
              "tasks": None if raw.tasks is None else [[cell(a), cell(b), cell(c)] for a, b, c in raw.tasks]}
    return {"workbook": wb, "problems": [asdict(p) for p in problems]}


def decode_read(msg: dict):
    from pipelines.workbook.read import Cell, RawWorkbook
    cell = lambda c: None if c is None else Cell(_dec(c[0]), c[1])  # noqa: E731
    problems = [Problem(**p) for p in msg["problems"]]
    w = msg["workbook"]
    if w is None:
        return None, problems
    raw = RawWorkbook(file_name=w["file_name"], format=w["format"], sheet_names=w["sheet_names"],
                      info={k: cell(c) for k, c in w["info"].items()},
                      values=[(cell(a), cell(b)) for a, b in w["values"]],
                      tasks=None if w["tasks"] is None else [(cell(a), cell(b), cell(c)) for a, b, c in w["tasks"]])
    return raw, problems


def read_job(data: bytes, request: dict) -> dict:
    """In the child: the guard and the reader on the bytes, as plain data."""
    from pipelines.workbook.read import read_workbook as read_here
    raw, problems = read_here(data, request["file_name"], tuple(request["headings"]))
    return encode_read(raw, problems)


# -- the parent's side --------------------------------------------------------------------------------
def _frame(payload: bytes) -> bytes:
    return struct.pack("<Q", len(payload)) + payload


class Worker:
    def __init__(self, target: str = DEFAULT_TARGET, memory_mb: int = MEMORY_MB):
        env = dict(os.environ, RUST_BACKTRACE="0", PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.workbook.sandbox", "--target", target, "--memory-mb", str(memory_mb)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            cwd=_project_root(), close_fds=True)
        self.started = False

    def call(self, request: dict, data: bytes, seconds: float) -> dict:
        if not self.started:  # the child says when its imports are done: they are not the file's time
            if self._read_frame(time.monotonic() + START_SECONDS) != READY:
                raise self._death("")
            self.started = True
        try:
            self.proc.stdin.write(_frame(json.dumps(request).encode()) + _frame(data))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._death("") from None
        msg = json.loads(self._read_frame(time.monotonic() + seconds))
        if "died" in msg:  # the child caught its own MemoryError or an unexpected error, and exits
            self.close()
            raise Died(msg["died"], msg.get("detail", ""))
        return msg

    def _read_frame(self, deadline: float) -> bytes:
        head = self._read_exact(8, deadline)
        return self._read_exact(struct.unpack("<Q", head)[0], deadline)

    def _read_exact(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        parts, got = [], 0
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while got < n:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.kill()
                    raise Died("time")
                chunk = os.read(fd, min(n - got, 1 << 20))
                if not chunk:
                    raise self._death("")
                parts.append(chunk)
                got += len(chunk)
        return b"".join(parts)

    def _death(self, detail: str) -> Died:
        try:
            rc = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        return Died("crash", f"exit status {rc}{detail}")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._close_pipes()

    def close(self) -> None:
        self._close_pipes()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()

    def _close_pipes(self) -> None:
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


def _project_root() -> str:
    # pipelines/workbook/sandbox.py → the folder holding `pipelines`, so `-m` finds it from anywhere
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Pool:
    """Idle children per target, shared by the threads of one process."""

    def __init__(self):
        self._idle: dict[tuple, list[Worker]] = {}
        self._lock = threading.Lock()

    def run(self, request: dict, data: bytes, target: str = DEFAULT_TARGET, memory_mb: int = MEMORY_MB,
            seconds: float = SECONDS) -> dict:
        key = (target, memory_mb)
        with self._lock:
            idle = self._idle.setdefault(key, [])
            worker = idle.pop() if idle else None
        if worker is not None and not worker.alive:
            worker.kill()  # reaps it and closes its pipes
            worker = None
        if worker is None:
            worker = Worker(target, memory_mb)
        try:
            msg = worker.call(request, data, seconds)
        except Died:
            worker.kill()
            raise
        except BaseException:  # interrupted mid-answer: the child's state is unknown
            worker.kill()
            raise
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE:
                idle.append(worker)
                worker = None
        if worker is not None:
            worker.close()
        return msg

    def close(self) -> None:
        with self._lock:
            workers = [w for ws in self._idle.values() for w in ws]
            self._idle.clear()
        for w in workers:
            w.close()


POOL = Pool()


def read_workbook(data: bytes, file_name: str, personal_headings: tuple[str, ...] | None = None,
                  *, target: str = DEFAULT_TARGET, memory_mb: int = MEMORY_MB, seconds: float = SECONDS):
    """read.read_workbook, run in a child: (RawWorkbook or None, problems). Never raises for
    anything the bytes can do."""
    from pipelines.workbook.read import PERSONAL_HEADINGS
    request = {"file_name": file_name, "headings": list(personal_headings or PERSONAL_HEADINGS)}
    try:
        return decode_read(POOL.run(request, data, target, memory_mb, seconds))
    except Died as d:
        log.info("reading %s in the child failed: %s %s", file_name, d.why, d.detail)
        return None, [died_problem(file_name, d.why, memory_mb, seconds)]


ANNOTATE_TARGET = "pipelines.workbook.sandbox:annotate_job"


def annotate_job(data: bytes, request: dict) -> dict:
    """In the child: the annotated copy of a refused file (opening it parses the untrusted bytes)."""
    from pipelines.workbook.annotate import annotate as annotate_here
    problems = [Problem(**p) for p in request["problems"]]
    return {"xlsx": base64.b64encode(annotate_here(data, request["file_name"], problems)).decode("ascii")}


def annotate(data: bytes, file_name: str, problems: list[Problem], *, target: str = ANNOTATE_TARGET) -> bytes:
    """annotate.annotate, run in a child; when the child dies, the copy holds the list of problems
    without the original's sheets."""
    request = {"file_name": file_name, "problems": [asdict(p) for p in problems]}
    try:
        return base64.b64decode(POOL.run(request, data, target)["xlsx"])
    except Died as d:
        log.info("annotating %s in the child failed: %s %s", file_name, d.why, d.detail)
        from pipelines.workbook.annotate import annotate as annotate_here
        return annotate_here(b"", file_name, problems, open_original=False)


def died_problem(file_name: str, why: str, memory_mb: int = MEMORY_MB, seconds: float = SECONDS) -> Problem:
    if why == "memory":
        return error("hostile", file_name,
                     f"Tệp bị từ chối vì lý do an toàn: đọc tệp cần hơn {memory_mb} MB bộ nhớ, "
                     "quá xa so với một báo cáo vài chục KB.", hint=HINT)
    if why == "time":
        return error("hostile", file_name,
                     f"Tệp bị từ chối vì lý do an toàn: đọc tệp mất hơn {seconds:g} giây, "
                     "quá xa so với một báo cáo thông thường.", hint=HINT)
    if why == "error":
        return error("unreadable", file_name, "Không đọc được tệp: tệp hỏng hoặc có cấu trúc lạ.", hint=HINT)
    return error("hostile", file_name,
                 "Tệp bị từ chối vì lý do an toàn: chương trình đọc bảng tính bị dừng đột ngột khi mở tệp "
                 "(tệp hỏng hoặc được tạo có chủ ý).", hint=HINT)


# -- the child's side ---------------------------------------------------------------------------------
def _limit(memory_mb: int) -> None:
    """The child's address space. Time is the parent's to bound (wall clock per file): a CPU limit
    would count the child's whole life, many files long."""
    try:
        import resource
    except ImportError:  # not on POSIX: the parent's time limit still holds
        return
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _read_frame_from(stream) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    n = struct.unpack("<Q", head)[0]
    body = stream.read(n)
    return body if len(body) == n else None


def main(argv: list[str] | None = None) -> int:
    import argparse
    import importlib
    p = argparse.ArgumentParser(prog="python -m pipelines.workbook.sandbox")
    p.add_argument("--target", default=DEFAULT_TARGET)
    p.add_argument("--memory-mb", type=int, default=MEMORY_MB)
    args = p.parse_args(argv)
    module, _, name = args.target.partition(":")
    job = getattr(importlib.import_module(module), name)
    import pipelines.workbook.read  # noqa: F401  (imported before the limit: not the file's cost)
    _limit(args.memory_mb)
    # The answers go to the parent through a copy of fd 1; anything a library prints goes to stderr.
    stdin, stdout = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    stdout.write(_frame(READY))
    stdout.flush()
    while True:
        head = _read_frame_from(stdin)
        data = _read_frame_from(stdin) if head is not None else None
        if data is None:
            return 0
        try:
            answer = job(data, json.loads(head))
        except MemoryError:
            answer, code = {"died": "memory"}, 3
        except Exception as exc:  # a bug or a reader error the reader did not turn into a Problem
            answer, code = {"died": "error", "detail": f"{type(exc).__name__}: {exc}"[:2000]}, 4
        else:
            code = None
        stdout.write(_frame(json.dumps(answer).encode()))
        stdout.flush()
        if code is not None:
            return code


if __name__ == "__main__":
    sys.exit(main())
