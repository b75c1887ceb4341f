"""The embedded store: one DuckDB file under DATA/processed/ and archived uploads under DATA/raw/.

Connection life: DuckDB lets only one process open a database file at a time (not even read-only
beside a writer). The dashboard and the command line must work side by side, so nobody keeps the
file open: every unit of work opens a connection, does its queries (a cursor per query), and closes.
Opening waits, with back-off, while another process holds the lock, and gives up with a clear
message only after `lock_timeout` seconds. Readers cache results keyed by `data_version()`, a
counter bumped after every committed write, so a change from any process shows on the next read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import threading
import time
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import duckdb

from pipelines.localtime import utcnow
from pipelines.store import engine, marts, migrate, plan_history
from pipelines.store.plan_history import PlanChangeRefused
from pipelines.plan import Plan, PlanError, default_plan_files, load_plan

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DB_NAME = "ducpho138.duckdb"
VERSION_NAME = "data_version"

WAIT_LOG_SECONDS = 1.0  # a wait for another process's lock at least this long is logged
_log = logging.getLogger("pipelines.store")

# One writer at a time inside this process (DuckDB's file lock covers other processes).
_WRITE_LOCK = threading.RLock()


# Tables derived from plan files (sql/plan_tables.sql): rebuilt from the stored plan texts when the SQL changes.
DIM_TABLES = ("dim_unit", "dim_element", "dim_unit_element", "dim_indicator", "dim_indicator_term", "dim_quarter",
              "dim_period", "dim_period_quarter", "dim_task", "dim_task_unit", "dim_task_status", "dim_event",
              "dim_scope", "dim_scope_tree", "dim_carry_over")

# Connections open in this thread, by store (see Store.connect).
_LOCAL = threading.local()
_SCHEMA_READY: set[str] = set()   # PostgreSQL stores whose schema this process has checked


class StoreBusy(RuntimeError):
    """Another process kept the store locked for longer than we were willing to wait."""


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) readable by the owner only (0700), and make an existing
    one so: the store holds the committee's data."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    for p in (path, *[q for q in path.parents if q.name in ("raw", "processed")]):
        if p.stat().st_mode & 0o077:
            os.chmod(p, 0o700)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


class Store:
    """A store: `Store(data_dir)` (the embedded DuckDB file, as `make run` uses) or
    `Store("postgresql://…", raw_dir=…)`; any URL `engine.parse` reads (`duckdb:///path` too)."""

    def __init__(self, data_dir: Path | str | None = None, lock_timeout: float = 30.0,
                 raw_dir: Path | str | None = None):
        self.where = engine.parse(data_dir, raw_dir, DEFAULT_DATA_DIR)
        self.engine = self.where.engine
        self.lock_timeout = lock_timeout
        self._private = False
        if self.engine == "duckdb":
            self.data_dir = self.where.data_dir
            self.raw_dir = self.data_dir / "raw"
            self.processed_dir = self.data_dir / "processed"
            self.db_path = self.processed_dir / DB_NAME
            self.version_path = self.processed_dir / VERSION_NAME
            self.key = f"duckdb://{self.data_dir.resolve()}"
        else:
            self.data_dir = None
            self.raw_dir = self.where.raw_dir
            self.processed_dir = self.db_path = self.version_path = None
            self.key = self.where.dsn

    @property
    def label(self) -> str:
        """Where the store is, for messages (a PostgreSQL URL without its password)."""
        return self.where.label

    @property
    def is_server(self) -> bool:
        return self.engine == "postgresql"

    @property
    def spec(self) -> str:
        """A string `from_spec` turns back into this store: the caches of the dashboard key on it."""
        return str(self.data_dir) if self.engine == "duckdb" else f"{self.where.dsn}\n{self.raw_dir}"

    @classmethod
    def from_spec(cls, spec: str) -> "Store":
        if "\n" in spec:
            url, raw = spec.split("\n", 1)
            return cls(url, raw_dir=raw)
        return cls(spec)

    # -- connections -----------------------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        if not self._private:  # the store and its journal: owner only (other local users read nothing)
            private_dir(self.processed_dir)
            self._private = True
        start = time.monotonic()
        deadline = start + self.lock_timeout
        delay = 0.02
        while True:
            try:
                con = duckdb.connect(str(self.db_path))
                waited = time.monotonic() - start
                if waited >= WAIT_LOG_SECONDS:  # the operator (and the load test) can see long waits
                    _log.log(logging.WARNING, "store_wait %.2f s for %s (pid %d)", waited, self.db_path, os.getpid())
                if self.db_path.stat().st_mode & 0o077:
                    os.chmod(self.db_path, 0o600)
                return con
            except duckdb.IOException as exc:
                if not _is_lock_error(exc) or time.monotonic() >= deadline:
                    if _is_lock_error(exc):
                        raise StoreBusy(
                            f"Kho dữ liệu {self.db_path} đang bị một tiến trình khác giữ quá "
                            f"{self.lock_timeout:.0f} giây; hãy thử lại sau."
                        ) from exc
                    raise
                time.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 2, 0.1)  # poll often: another process's hold ends between two files

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection; the store is initialised on first use. Nested calls in one
        thread share the outer connection (opening costs ~30 ms), so a batch can hold one.
        PostgreSQL: a connection borrowed from the process's pool and given back."""
        open_here = _LOCAL.__dict__.setdefault("open", {})
        if self.key in open_here:
            yield open_here[self.key]
            return
        with self._borrow() as con:
            open_here[self.key] = con
            try:
                if self.engine == "postgresql":
                    self._ensure_schema_once(con)
                else:
                    self._ensure_schema(con)
                yield con
            finally:
                del open_here[self.key]

    @contextmanager
    def _borrow(self):
        """A connection for one unit of work: DuckDB opens the file (and closes it after), PostgreSQL
        takes one from the process's pool (and gives it back)."""
        if self.engine == "postgresql":
            with engine.pg_pool(self.where.dsn).connection() as raw:
                yield engine.PgConnection(raw)
            return
        con = self._open()
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self, bump: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write: one transaction, committed whole or not at all. It bumps the data version (so
        readers' caches refresh) unless `bump=False`: audit-only writes change nothing they show.
        DuckDB: one writer at a time in this process (the file lock keeps other processes out).
        PostgreSQL: writers run side by side; they wait for each other only where they must
        (`serialise`: one unit and quarter, the marts of one year)."""
        with (_WRITE_LOCK if self.engine == "duckdb" else nullcontext()):
            with self.connect() as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            if bump:
                self._bump_version()

    def query_df(self, sql: str, params: list | tuple | None = None):
        with self.connect() as con:
            return con.cursor().execute(sql, params or []).df()

    def query_rows(self, sql: str, params: list | tuple | None = None) -> list[tuple]:
        """Rows as tuples: for a short list a query needs next (a DataFrame costs ~1 ms more)."""
        with self.connect() as con:
            return con.cursor().execute(sql, params or []).fetchall()

    # -- change tracking -------------------------------------------------------------------------
    def data_version(self) -> str:
        """Changes after every committed write, from any process (or replica): caches key on it."""
        if self.engine == "postgresql":
            with self.connect() as con:
                return str(con.execute("SELECT last_value FROM data_version_seq").fetchone()[0])
        try:
            return self.version_path.read_text().strip()
        except FileNotFoundError:
            return "0"

    def _bump_version(self) -> None:
        if self.engine == "postgresql":  # a sequence: no row lock, so writers do not queue on it
            with self.connect() as con:
                con.execute("SELECT nextval('data_version_seq')")
            return
        self.processed_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.version_path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(f"{time.time_ns()}-{os.getpid()}")
        os.replace(tmp, self.version_path)

    # -- schema and plans ------------------------------------------------------------------------
    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        """Bring the store to this code's schema: pending migrations (sql/migrations/, one transaction
        each; see migrate.py), then, when any SQL changed, the plan tables and views rebuilt in one
        transaction from the plan texts the store keeps. The ledger, facts, accounts and audit rows
        are only ever touched by migrations."""
        fingerprint = migrate.fingerprint()
        if self._schema_is(con, fingerprint):
            return
        with _WRITE_LOCK, engine.server_lock(con, "schema"):  # replicas starting together: one migrates
            if self._schema_is(con, fingerprint):
                return
            migrate.apply_migrations(con)
            con.execute("BEGIN TRANSACTION")
            try:
                stored = self.rebuild_derived(con)
                set_meta(con, "schema", fingerprint)
                if not stored:
                    for path in default_plan_files():
                        _install_plan(con, load_plan(path), path.name, path.read_text(encoding="utf-8"))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        self._bump_version()

    @staticmethod
    def rebuild_derived(con) -> list:
        """Inside a transaction: the plan tables, views and marts made anew from the SQL files and
        refilled from the stored plan texts and the ledger. Returns the stored plans' rows."""
        stored = con.execute("SELECT source_file, source_text, loaded_at FROM plans ORDER BY year").fetchall()
        engine.drop_derived(con, [text for _, text in migrate.derived_sql()], DIM_TABLES)
        for _, text in migrate.derived_sql():
            engine.create_derived(con, text)
        marts.create_indexes(con)  # PostgreSQL only
        for source_file, text, loaded_at in stored:
            plan, name, used = _stored_or_current_plan(source_file, text)
            _install_plan(con, plan, name, used, loaded_at=loaded_at if used == text else None)
        return stored

    def _ensure_schema_once(self, con) -> None:
        """PostgreSQL: checked once per process and database (the schema changes only with the code)."""
        if self.key not in _SCHEMA_READY:
            self._ensure_schema(con)
            _SCHEMA_READY.add(self.key)

    @staticmethod
    def _schema_is(con, fingerprint: str) -> bool:
        if not engine.table_exists(con, "meta"):
            return False
        row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        return bool(row) and row[0] == fingerprint

    def install_default_plans(self, replace: bool = False, actor: str = "cli"
                              ) -> tuple[list[Plan], list[PlanChangeRefused]]:
        """Install each plan file under data/plans/ that is new or changed since it was installed.
        A changed plan for a year that holds data is installed only with `replace`; otherwise it is
        left out and returned with what it would change (`make run` never re-judges silently)."""
        with self.connect() as con:
            installed = dict(con.execute("SELECT source_file, source_sha FROM plans").fetchall())
        done, held = [], []
        for path in default_plan_files():
            sha = hashlib.sha256(path.read_text(encoding="utf-8").encode()).hexdigest()
            if installed.get(path.name) != sha:
                try:
                    done.append(self.install_plan(path, replace=replace, actor=actor))
                except PlanChangeRefused as exc:
                    held.append(exc)
        return done, held

    def install_plan(self, path: Path | str, replace: bool = False, actor: str = "cli") -> Plan:
        """Install a plan file for its year. The same text again changes nothing. A different plan for
        a year that holds submissions needs `replace` (else PlanChangeRefused, saying what would change);
        every install is kept in `plan_version` and written to the audit log with its changes."""
        plan = load_plan(path)
        text = Path(path).read_text(encoding="utf-8")
        sha = hashlib.sha256(text.encode()).hexdigest()
        with self.transaction() as con:
            row = con.execute("SELECT source_sha, source_text FROM plans WHERE year = ?", [plan.year]).fetchone()
            if row and row[0] == sha:
                return plan
            changed = plan_history.changes(_plan_from_text(row[1], row[0]), plan) if row else []
            held = con.execute("SELECT count(*) FROM submission WHERE year = ?", [plan.year]).fetchone()[0]
            if row and held and not replace:
                raise PlanChangeRefused(plan.year, changed, held)
            _install_plan(con, plan, Path(path).name, text, installed_by=actor)
            detail = f"{Path(path).name} ({sha[:12]}) năm {plan.year}"
            if row:
                detail += f", thay {row[0][:12]}, {held} bản báo cáo chấm lại: " + "; ".join(changed or ["chỉ khác phần chữ"])
            con.execute("INSERT INTO audit_log (at_utc, actor, action, detail) VALUES (?, ?, ?, ?)",
                        [utcnow(), actor, "plan_replace" if row else "plan_install", detail])
        return plan

    def plan_versions(self, year: int) -> list[tuple]:
        """(sha, source_file, installed_at UTC, installed_by, in force, submissions validated with it)."""
        with self.connect() as con:
            return con.execute(
                """SELECT v.sha, v.source_file, v.installed_at, v.installed_by,
                          v.sha = (SELECT source_sha FROM plans p WHERE p.year = v.year) AS in_force,
                          (SELECT count(*) FROM submission s WHERE s.year = v.year AND s.plan_sha = v.sha) AS used
                   FROM plan_version v WHERE v.year = ? ORDER BY v.installed_at, v.sha""", [year]).fetchall()

    def plans(self) -> dict[int, Plan]:
        version = self.data_version()
        cached = getattr(self, "_plans_cache", None)
        if cached and cached[0] == version:
            return cached[1]
        with self.connect() as con:
            rows = con.execute("SELECT year, source_text, source_sha FROM plans ORDER BY year").fetchall()
        plans = {year: _plan_from_text(text, sha) for year, text, sha in rows}
        self._plans_cache = (version, plans)
        return plans

    def plan(self, year: int) -> Plan | None:
        return self.plans().get(year)

    def is_demo_year(self, year: int) -> bool:
        with self.connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", [f"demo:{year}"]).fetchone()
        return bool(row)

    def raw_path(self, relative: str) -> Path:
        """The file of a submission's `raw_path` ("raw/ab/abcd….xlsx"): under the data dir, or under a
        PostgreSQL store's shared raw dir."""
        return self.raw_dir / Path(relative).relative_to("raw")

    # -- leftovers of killed processes -------------------------------------------------------------
    def leftover_temp_files(self) -> list[Path]:
        """Our temporary files (`*.<pid>[.<thread>].tmp`: raw archives being written, the data-version
        file being replaced) whose process has ended — what a killed load leaves behind."""
        out = []
        for folder in (self.processed_dir, self.raw_dir):
            if folder is not None and folder.exists():
                out += [p for p in folder.rglob("*.tmp") if p.is_file() and not _pid_alive(_pid_of(p.name))]
        return sorted(out)

    def remove_leftover_temp_files(self) -> int:
        found = self.leftover_temp_files()
        for path in found:
            path.unlink(missing_ok=True)
        return len(found)


def _pid_of(name: str) -> int | None:
    return next((int(part) for part in name.split(".") if part.isdigit()), None)


def _pid_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@lru_cache(maxsize=16)
def _plan_from_text(text: str, sha: str) -> Plan:  # sha keys the cache; text is the content
    import tomllib

    from pipelines.plan import Plan as _Plan
    try:
        return _Plan.model_validate(tomllib.loads(text))
    except Exception as exc:  # the file was valid when installed; a code change may have broken it
        raise PlanError(f"Kế hoạch trong kho không còn hợp lệ: {exc}") from None


def _stored_or_current_plan(source_file: str, text: str) -> tuple[Plan, str, str]:
    """The plan a store was loaded with; if this version of the code can no longer read it, the
    plan file of the same name under data/plans/ (the plan the code now ships)."""
    try:
        return _plan_from_text(text, hashlib.sha256(text.encode()).hexdigest()), source_file, text
    except PlanError:
        current = next((p for p in default_plan_files() if p.name == source_file), None)
        if current is None:
            raise
        return load_plan(current), source_file, current.read_text(encoding="utf-8")


def set_meta(con, key: str, value: str) -> None:
    con.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[list]) -> None:
    """Bulk insert, one list parameter per column (executemany goes row by row and costs ~1 s per
    plan; this is as fast as a DataFrame and keeps pandas out of `init` and `ingest`).
    PostgreSQL: COPY, its own bulk path."""
    if not rows:
        return
    if getattr(con, "engine", "duckdb") == "postgresql":
        engine.pg_copy(con, table, rows)
        return
    columns = [list(c) for c in zip(*rows)]
    unnest = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    con.execute(f"INSERT INTO {table} SELECT * FROM (SELECT {unnest})", columns)


def _insert_scopes(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """The hierarchy: dim_scope (ALL, areas, units) and its closure dim_scope_tree."""
    from pipelines.plan import SCOPE_ALL, UNIT_LEVEL
    year = plan.year
    depth = {lv.code: i + 1 for i, lv in enumerate(plan.levels)}
    level_name = {lv.code: lv.name for lv in plan.levels}
    rows = [[year, SCOPE_ALL, plan.plan.scope_name or plan.plan.name, "all", plan.plan.scope_name or "", 0, None, 0]]
    rows += [[year, a.code, a.name, a.level, level_name[a.level], depth[a.level], a.parent or SCOPE_ALL, i + 1]
             for i, a in enumerate(plan.areas)]
    rows += [[year, u.code, u.name, UNIT_LEVEL, "Đơn vị", len(depth) + 1, u.parent or SCOPE_ALL,
              len(plan.areas) + i + 1] for i, u in enumerate(plan.units)]
    insert_rows(con, "dim_scope", rows)
    insert_rows(con, "dim_scope_tree", [[year, a, d, level, kind == "unit"] for a, d, level, kind in plan.scope_tree()])


def _install_plan(con: duckdb.DuckDBPyConnection, plan: Plan, source_file: str, text: str,
                  loaded_at: dt.datetime | None = None, installed_by: str = "init") -> None:
    """Replace every plan dimension of the plan's year with the plan's content; keep the version."""
    year = plan.year
    sha = hashlib.sha256(text.encode()).hexdigest()
    for table in (*DIM_TABLES, "plans"):
        con.execute(f"DELETE FROM {table} WHERE year = ?", [year])
    con.execute("INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?, ?)",
                [year, plan.plan.code, plan.plan.name, source_file, text, sha, loaded_at or utcnow()])
    con.execute("INSERT INTO plan_version VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [year, sha, source_file, text, loaded_at or utcnow(), installed_by])
    insert_rows(con, "dim_unit", [
        [year, u.code, u.name, u.kind, plan.kinds[u.kind].name, u.parent, i] for i, u in enumerate(plan.units)])
    _insert_scopes(con, plan)
    insert_rows(con, "dim_element", [
        [year, e.code, e.section, e.name, e.unit_of_measure, e.over_time, e.key, i]
        for i, e in enumerate(plan.elements)])
    insert_rows(con, "dim_unit_element", [
        [year, u.code, e] for u in plan.units for e in plan.unit_elements(u.code)])
    insert_rows(con, "dim_indicator", [
        [year, i.code, i.name, i.short_name, i.op, i.target, i.owner, i.judged_on, i.action, n]
        for n, i in enumerate(plan.indicators)])
    insert_rows(con, "dim_indicator_term", [
        [year, i.code, role, e] for i in plan.indicators
        for role, elements in (("numerator", i.numerator), ("denominator", i.denominator)) for e in elements])
    insert_rows(con, "dim_quarter", [
        [year, q.quarter, q.data_from, q.data_to, q.due, plan.due_end_utc(q.quarter).replace(tzinfo=None)]
        for q in plan.quarters])
    insert_rows(con, "dim_period", [
        [year, p.code, p.name, i] for i, p in enumerate(plan.periods)])
    insert_rows(con, "dim_period_quarter", [
        [year, p.code, q] for p in plan.periods for q in p.quarters])
    insert_rows(con, "dim_task", [
        [year, t.code, t.section, t.name, "Tất cả đơn vị" if t.lead == "all" else ", ".join(t.lead), i]
        for i, t in enumerate(plan.tasks)])
    insert_rows(con, "dim_task_unit", [
        [year, t.code, u.code, role] for t in plan.tasks for u in plan.units
        if (role := plan.task_role(t, u.code))])
    insert_rows(con, "dim_task_status", [
        [year, s.code, s.name, i] for i, s in enumerate(plan.task_statuses)])
    if plan.events:
        insert_rows(con, "dim_event", [
            [year, e.code, e.name, e.start, e.end, e.task] for e in plan.events])
    insert_rows(con, "dim_carry_over", [
        [year, r.backlog, r.inflow, r.outflow] for r in plan.rules if r.kind == "carry_over"])
    engine.analyze(con, DIM_TABLES)
    marts.refresh(con, year)  # the plan decides every number: the year's marts are recomputed under it
    marts.refresh_plan_changes(con)
