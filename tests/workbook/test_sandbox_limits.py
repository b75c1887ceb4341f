"""The sandbox child runs under the memory limit the README promises (RLIMIT_AS 600 MB), read from
the child process itself — not from the constant, not from the parent.

How this was seen to fail: with `limit = memory_mb * 1024 * 1024 * 8` in sandbox._limit, the test
read 4.800 MB in the child and failed; with `_limit(args.memory_mb)` removed from sandbox.main, it
read "unlimited" and failed. The hostile tests had stayed green: their memory hog is refused at any
limit the machine can give.
"""
from __future__ import annotations

import resource

from conftest import book, report

from pipelines.workbook import sandbox
from pipelines.workbook.read import PERSONAL_HEADINGS

MB = 1024 * 1024


def _child_limit(worker: sandbox.Worker) -> tuple[int, int]:
    # prlimit(pid, resource) reads another process's limit (Linux): the child's, as the kernel holds it
    return resource.prlimit(worker.proc.pid, resource.RLIMIT_AS)


def test_the_child_that_reads_has_600_mb_of_address_space():
    assert sandbox.MEMORY_MB == 600  # the README's figure
    worker = sandbox.Worker()
    try:
        # One real file read: the child has started, set its limit and answered.
        data = book(report(), "xlsx")
        msg = worker.call({"file_name": "bc.xlsx", "headings": list(PERSONAL_HEADINGS)}, data, sandbox.SECONDS)
        raw, problems = sandbox.decode_read(msg)
        assert raw is not None and not [p for p in problems if p.level == "error"], problems
        assert worker.alive
        assert _child_limit(worker) == (600 * MB, 600 * MB)
    finally:
        worker.close()


def test_the_pool_gives_each_child_the_limit_asked_for():
    """read_workbook's children (the pool the dashboard and the shell use) carry `memory_mb`."""
    pool = sandbox.Pool()
    try:
        pool.run({"file_name": "bc.xlsx", "headings": list(PERSONAL_HEADINGS)}, book(report(), "xlsx"), memory_mb=300)
        (worker,) = pool._idle[(sandbox.DEFAULT_TARGET, 300)]
        assert _child_limit(worker) == (300 * MB, 300 * MB)
    finally:
        pool.close()
