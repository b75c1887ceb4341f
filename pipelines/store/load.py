"""Loader: validated workbooks into the store, one transaction per file; versions and restore.

A file is archived under DATA/raw/ by content (sha256) and recorded as one submission row with its
values, task statuses and warnings — all in one transaction, or nothing at all. The same bytes
again are a duplicate (no-op). A different file for a unit and quarter already loaded becomes the
current version; earlier versions stay and can be restored.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.localtime import from_utc_naive, to_utc_naive, utcnow
from pipelines.problems import Problem, error, errors_of, warning, warnings_of
from pipelines.store import engine, marts
from pipelines.store.database import Store, insert_rows, private_dir
from pipelines.text import safe_file_name
from pipelines.workbook.read import PERSONAL_HEADINGS
from pipelines.workbook.sandbox import read_workbook  # in a child process with memory and time limits
from pipelines.workbook.validate import Submission, validate

SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass
class IngestResult:
    file: str
    status: str                      # accepted | duplicate | rejected
    submission_id: int | None = None
    unit: str | None = None
    year: int | None = None
    quarter: int | None = None
    received_at: dt.datetime | None = None   # aware, plan time zone
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    replaced: int | None = None      # the submission this one replaced as current
    duplicate_of: int | None = None

    def as_json(self) -> dict:
        return {
            "file": self.file, "status": self.status, "submission_id": self.submission_id,
            "unit": self.unit, "year": self.year, "quarter": self.quarter,
            "received_at": self.received_at.isoformat() if self.received_at else None,
            "errors": [p.as_json() for p in self.errors],
            "warnings": [p.as_json() for p in self.warnings],
        }


def check_file(store: Store, data: bytes, file_name: str, read: Read | None = None
               ) -> tuple[Submission | None, list[Problem], int | None]:
    """Read and validate without storing anything: (submission, problems, id of an identical file)."""
    sha = hashlib.sha256(data).hexdigest()
    with store.connect() as con:
        dup = con.execute("SELECT id FROM submission WHERE sha256 = ?", [sha]).fetchone()
    if dup:
        return None, [], dup[0]
    sub, problems = parse_file(store, data, file_name, read)
    return sub, problems, None


@dataclass(frozen=True)
class Read:
    """A workbook read in the sandbox, with the personal-data headings it was checked against."""
    raw: object
    problems: list[Problem]
    headings: tuple[str, ...]


def personal_headings(store: Store) -> tuple[str, ...]:
    plans = store.plans()
    return tuple(dict.fromkeys(h for p in plans.values() for h in p.confidentiality.personal_headings)) \
        or PERSONAL_HEADINGS


def read_file(store: Store, data: bytes, file_name: str, headings: tuple[str, ...] | None = None) -> Read:
    """The sandboxed read (the slow part of a load), which needs no connection to the store when
    the plans' personal-data headings are given."""
    headings = headings if headings is not None else personal_headings(store)
    raw, problems = read_workbook(data, file_name, headings)
    return Read(raw, problems, headings)


def parse_file(store: Store, data: bytes, file_name: str, read: Read | None = None
               ) -> tuple[Submission | None, list[Problem]]:
    """Read and validate with the store's plans (no duplicate look-up, nothing stored). A `read`
    made earlier is used when the plans' personal-data headings are still the ones it was checked
    against (a plan installed in between may add one)."""
    plans = store.plans()
    if read is None or read.headings != personal_headings(store):
        read = read_file(store, data, file_name)
    if read.raw is None:
        return None, list(read.problems)
    sub, more = validate(read.raw, plans, previous=lambda u, y, q: previous_values(store, u, y, q))
    return sub, list(read.problems) + more


def previous_values(store: Store, unit: str, year: int, quarter: int) -> dict[str, int | None] | None:
    if quarter <= 1:
        return None
    with store.connect() as con:
        rows = con.execute(
            "SELECT element, value FROM v_current_value WHERE unit = ? AND year = ? AND quarter = ?",
            [unit, year, quarter - 1]).fetchall()
    return dict(rows) if rows else None


def ingest_bytes(store: Store, data: bytes, file_name: str, received_at: dt.datetime | None = None,
                 loaded_by: str = "cli", is_demo: bool = False, read: Read | None = None) -> IngestResult:
    """Validate and load one file. The workbook is read first, without holding the store (DuckDB
    lets one process at a time hold the file: the dashboard or another loader can take turns while
    the sandbox parses); every later step shares one connection (one lock, one open). A `read` made
    earlier (read_file, with the same file name) saves reading again."""
    file_name = safe_file_name(file_name)
    read = read or read_file(store, data, file_name)
    with store.connect():
        return _ingest(store, data, file_name, received_at, loaded_by, is_demo, read)


def _ingest(store: Store, data: bytes, file_name: str, received_at: dt.datetime | None,
            loaded_by: str, is_demo: bool, read: Read | None = None) -> IngestResult:
    sub, problems, dup = check_file(store, data, file_name, read)
    if dup is not None:
        return _duplicate(store, file_name, dup)
    if sub is not None:
        problems += load_checks(store, sub, file_name, received_at, is_demo)
    result = IngestResult(file=file_name, status="rejected", errors=errors_of(problems),
                          warnings=warnings_of(problems))
    if sub is not None:
        result.unit, result.year, result.quarter = sub.unit, sub.year, sub.quarter
    if result.errors or sub is None:
        if not result.errors:  # defensive: a file with nothing usable is never silently accepted
            result.errors = [error("unreadable", file_name, "Không đọc được nội dung báo cáo.")]
        return result

    plan = store.plan(sub.year)
    tz = plan.tz  # type: ignore[union-attr]
    received_utc = to_utc_naive(received_at, tz) if received_at else utcnow()
    sha = hashlib.sha256(data).hexdigest()
    suffix = Path(file_name).suffix.lower() if Path(file_name).suffix.lower() in SUFFIXES else ".bin"
    relative = f"raw/{sha[:2]}/{sha}{suffix}"
    archive = store.raw_path(relative)
    created = _archive(archive, data)
    try:
        with store.transaction() as con:
            # PostgreSQL: writers of other units and quarters go on; one of this unit and quarter waits
            engine.serialise(con, "report", sub.unit, sub.year, sub.quarter)
            if con.execute("SELECT id FROM submission WHERE sha256 = ?", [sha]).fetchone():
                created = False  # another loader won the race with the same bytes
                raise _Duplicate()
            previous = con.execute(
                "SELECT id FROM submission WHERE unit = ? AND year = ? AND quarter = ? AND is_current",
                [sub.unit, sub.year, sub.quarter]).fetchone()
            con.execute("UPDATE submission SET is_current = FALSE WHERE unit = ? AND year = ? AND quarter = ?",
                        [sub.unit, sub.year, sub.quarter])
            sid = con.execute(
                """INSERT INTO submission (unit, year, quarter, file_name, sha256, size_bytes, raw_path,
                       received_at, loaded_at, loaded_by, is_current, is_demo, unit_name_given, prepared_on,
                       template_version, plan_sha)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?, ?,
                           (SELECT source_sha FROM plans WHERE year = ?)) RETURNING id""",
                [sub.unit, sub.year, sub.quarter, file_name, sha, len(data), relative, received_utc, utcnow(),
                 loaded_by, is_demo, sub.unit_name_given, sub.prepared_on, sub.template_version,
                 sub.year]).fetchone()[0]
            # one statement per table (executemany runs one INSERT per row: ~10 ms a file)
            insert_rows(con, "submission_value", [[sid, e, v, sub.cells[e]] for e, v in sub.values.items()])
            insert_rows(con, "submission_task", [[sid, t, s, note, cell] for t, (s, note, cell) in sub.tasks.items()])
            if result.warnings:  # few, and their values mix types (a cell's text or number)
                con.executemany("INSERT INTO submission_warning VALUES (?, ?, ?, ?, ?, ?)",
                                [[sid, i, w.where, w.code, w.message, w.value] for i, w in enumerate(result.warnings)])
            marts.refresh(con, sub.year, sub.unit)
            audit(con, loaded_by, "upload", f"{file_name}: {sub.unit} {sub.year} Q{sub.quarter} → #{sid}")
    except _Duplicate:
        return _duplicate(store, file_name, None, sha)
    except BaseException:
        if created:
            archive.unlink(missing_ok=True)  # nothing half-stored
        raise
    result.status = "accepted"
    result.submission_id = sid
    result.received_at = from_utc_naive(received_utc, tz)
    result.replaced = previous[0] if previous else None
    return result


CLOCK_SKEW = dt.timedelta(minutes=10)


def load_checks(store: Store, sub: Submission, file_name: str, received_at: dt.datetime | None,
                 is_demo: bool) -> list[Problem]:
    """What is known only when loading: the store's demo flag, the received-at, an empty report."""
    out: list[Problem] = []
    if not is_demo and store.is_demo_year(sub.year):
        out.append(error("demo_year", file_name,
                         f"Năm {sub.year} đang chứa DỮ LIỆU MẪU (demo); không nạp số liệu thật chồng lên.",
                         sub.year, hint=f"Quản trị viên xóa dữ liệu mẫu trước (trang Quản trị → Dữ liệu mẫu, hoặc lệnh "
                              f"python -m pipelines demo --remove --year {sub.year})."))
    plan = store.plan(sub.year)
    if received_at is not None and plan is not None and to_utc_naive(received_at, plan.tz) > utcnow() + CLOCK_SKEW:
        out.append(error("received_in_future", file_name,
                         f"Thời điểm nhận tệp {received_at:%d/%m/%Y %H:%M} ở tương lai.", received_at.isoformat(),
                         hint="Ghi thời điểm tệp đến Ban Chỉ đạo (không muộn hơn bây giờ)."))
    if sub.values and all(v is None for v in sub.values.values()):
        out.append(warning("empty_report", file_name, "Báo cáo không có số liệu nào (mọi ô Số liệu đều trống)."))
    return out


class _Duplicate(Exception):
    pass


def _duplicate(store: Store, file_name: str, sid: int | None, sha: str | None = None) -> IngestResult:
    with store.connect() as con:
        row = con.execute(
            "SELECT s.id, s.unit, s.year, s.quarter, s.received_at, p.source_text IS NOT NULL FROM submission s "
            "LEFT JOIN plans p ON p.year = s.year WHERE " + ("s.id = ?" if sid is not None else "s.sha256 = ?"),
            [sid if sid is not None else sha]).fetchone()
    plan = store.plan(row[2])
    tz = plan.tz if plan else dt.timezone.utc
    return IngestResult(file=file_name, status="duplicate", submission_id=row[0], unit=row[1], year=row[2],
                        quarter=row[3], received_at=from_utc_naive(row[4], tz), duplicate_of=row[0])


def _archive(path: Path, data: bytes) -> bool:
    """Write the raw bytes once (content-addressed, never overwritten). True when newly written."""
    if path.exists():
        return False
    private_dir(path.parent)  # the committee's files: owner only (mkstemp makes them 0600)
    # A name unique to this write (not to the process: the dashboard's threads write side by side),
    # still carrying the pid so that Store.leftover_temp_files leaves a live process's file alone.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given and folders searched (recursively) for workbooks, in file-modification order
    (then name): when a batch holds two files for one unit and quarter (`BC_CA_2022_Q1.xlsx` and the
    mail client's `BC_CA_2022_Q1 (1).xlsx`), the one saved last becomes current, whatever the names."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES
                    and not f.name.startswith(("~$", "."))]
        else:
            out.append(p)

    def modified(f: Path) -> tuple[int, str]:
        try:
            return f.stat().st_mtime_ns, str(f)
        except OSError:  # missing: reported by the caller
            return 0, str(f)
    return sorted(dict.fromkeys(out), key=modified)


def same_report_twice(items: list[tuple[str, str | None, int | None, int | None]]
                      ) -> list[tuple[str, int, int, list[str]]]:
    """Files of one batch, (name, unit, year, quarter) in load order, that are for the same unit,
    year and quarter: the last one becomes the current version. [(unit, year, quarter, [names])]."""
    seen: dict[tuple, list[str]] = {}
    for name, unit, year, quarter in items:
        if unit and year and quarter:
            seen.setdefault((unit, year, quarter), []).append(name)
    return [(u, y, q, names) for (u, y, q), names in seen.items() if len(names) > 1]


def warn_same_report_twice(results: list[IngestResult]) -> list[tuple[str, int, int, list[str]]]:
    """Adds to each accepted file of a batch that shares its unit and quarter with another a warning
    naming them all, in load order; returns the groups."""
    groups = same_report_twice([(r.file, r.unit, r.year, r.quarter) for r in results if r.status == "accepted"])
    for unit, year, quarter, names in groups:
        message = (f"{len(names)} tệp trong lần nạp này cùng là báo cáo của {unit} quý {quarter}/{year}: "
                   f"{', '.join(names)} (nạp theo thứ tự sửa tệp); bản hiện hành là tệp nạp sau cùng, {names[-1]}.")
        for r in results:
            if r.status == "accepted" and r.file in names and (r.unit, r.year, r.quarter) == (unit, year, quarter):
                r.warnings.append(warning("same_report_in_batch", r.file, message,
                                          hint="Kiểm tra đúng tệp nào là bản cuối; cần thì khôi phục bản kia (restore)."))
    return groups


# -- versions ------------------------------------------------------------------------------------
def list_versions(store: Store, unit: str | None = None, year: int | None = None, quarter: int | None = None):
    where, params = [], []
    for col, val in (("unit", unit), ("year", year), ("quarter", quarter)):
        if val is not None:
            where.append(f"{col} = ?")
            params.append(val)
    sql = ("SELECT id, unit, year, quarter, file_name, received_at, loaded_at, loaded_by, is_current, is_demo, "
           "sha256, raw_path, (SELECT count(*) FROM submission_warning w WHERE w.submission_id = s.id) AS warnings "
           "FROM submission s" + (" WHERE " + " AND ".join(where) if where else "") +
           " ORDER BY year, quarter, unit, loaded_at, id")
    return store.query_df(sql, params)


class RestoreError(ValueError):
    pass


def restore(store: Store, submission_id: int, actor: str = "cli") -> dict:
    """Make an earlier submission current again. Returns what changed."""
    with store.transaction() as con:
        row = con.execute("SELECT unit, year, quarter FROM submission WHERE id = ?", [submission_id]).fetchone()
        if row is None:
            raise RestoreError(f"Không có bản báo cáo số {submission_id}.")
        engine.serialise(con, "report", *row)
        unit, year, quarter = row
        is_current = con.execute("SELECT is_current FROM submission WHERE id = ?", [submission_id]).fetchone()[0]
        before = con.execute("SELECT id FROM submission WHERE unit = ? AND year = ? AND quarter = ? AND is_current",
                             [unit, year, quarter]).fetchone()
        if not is_current:
            con.execute("UPDATE submission SET is_current = FALSE WHERE unit = ? AND year = ? AND quarter = ?",
                        [unit, year, quarter])
            con.execute("UPDATE submission SET is_current = TRUE WHERE id = ?", [submission_id])
            marts.refresh(con, year, unit)
            audit(con, actor, "restore", f"{unit} {year} Q{quarter}: #{before[0] if before else '-'} → #{submission_id}")
    return {"submission_id": submission_id, "unit": unit, "year": year, "quarter": quarter,
            "previous_current": before[0] if before else None, "changed": not is_current}


def diff_versions(store: Store, a: int, b: int):
    """Values that differ between two submissions (element, value in a, value in b)."""
    return store.query_df(
        """WITH va AS (SELECT element, value FROM submission_value WHERE submission_id = ?),
                vb AS (SELECT element, value FROM submission_value WHERE submission_id = ?)
           SELECT coalesce(va.element, vb.element) AS element, va.value AS value_a, vb.value AS value_b
           FROM va FULL OUTER JOIN vb ON va.element = vb.element
           WHERE va.value IS DISTINCT FROM vb.value
           ORDER BY element""", [a, b])


def audit(con, actor: str, action: str, detail: str = "") -> None:
    con.execute("INSERT INTO audit_log (at_utc, actor, action, detail) VALUES (?, ?, ?, ?)",
                [utcnow(), actor, action, detail])
