"""Copying a whole store to another engine: `move-store` (a town's DuckDB file up to PostgreSQL) and
a PostgreSQL store's backup (its rows written into a DuckDB file, so one archive format serves both).

What is copied is what the store keeps for good — the tables the migrations create (plans and their
history, the ledger and its values, tasks and warnings, accounts, sessions, sign-in waits, the audit
log, follow-up marks, demo flags) — and the raw files. What is derived (plan tables, marts, views)
is rebuilt on the target from the copied plans and ledger, by the same code that rebuilds it after
a schema change, so no rule is copied as data. Sequences continue after the highest id copied.

The source is read in one snapshot (PostgreSQL: a REPEATABLE READ READ ONLY transaction, so writers
go on; DuckDB: one connection, its single writer at a time) and the target is written in one
transaction: an interrupted move leaves the target as empty as it was.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass

from pipelines.store import engine, migrate
from pipelines.store.database import Store

BATCH = 20_000
# ids drawn from sequences: after copying, each sequence continues after the highest id copied
SEQUENCES = {"submission_id_seq": ("submission", "id"), "audit_id_seq": ("audit_log", "id"),
             "follow_up_id_seq": ("follow_up_mark", "id"), "app_session_id_seq": ("app_session", "id")}
# meta rows that describe the target itself, not the data: never copied
OWN_META = ("schema", "schema_version")


class MoveError(RuntimeError):
    """The target is not empty, or a copy did not arrive whole (message in Vietnamese)."""


def kept_tables() -> list[str]:
    """The tables the migrations create, in creation order (parents before children)."""
    texts = [m.sql for m in migrate.migrations()]
    return [name for kind, name in engine.derived_objects(texts) if kind == "TABLE"]


@dataclass
class MoveReport:
    rows: dict[str, int]
    raw_files: int


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = current_schema() "
        "ORDER BY ordinal_position", [table]).fetchall()]


def target_is_empty(con) -> list[str]:
    """What the target already holds that a move would mix with (empty list: nothing)."""
    held = []
    for table in ("submission", "app_user", "app_session", "follow_up_mark"):
        n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if n:
            held.append(f"{n} dòng trong bảng {table}")
    return held


def copy_store(source: Store, target: Store, copy_raw: bool = True) -> MoveReport:
    """Every kept row of `source` into `target` (which must hold no submissions, accounts, sessions
    or marks; the plans it installed on creation are replaced by the source's), then the derived
    part rebuilt on the target, then the raw files copied."""
    rows: dict[str, int] = {}
    with source.connect() as src, target.connect() as dst:
        if held := target_is_empty(dst):
            raise MoveError(f"Kho đích {target.label} không trống ({', '.join(held)}); chỉ chuyển vào một kho mới.")
        src.execute("BEGIN TRANSACTION" + (" ISOLATION LEVEL REPEATABLE READ READ ONLY" if engine.is_pg(src) else ""))
        dst.execute("BEGIN TRANSACTION")
        try:
            for table in reversed(kept_tables()):
                dst.execute(f"DELETE FROM {table}" + (" WHERE key NOT IN ('schema', 'schema_version')"
                                                      if table == "meta" else ""))
            for table in kept_tables():
                columns = [c for c in _columns(src, table) if c in set(_columns(dst, table))]
                listed = ", ".join(f'"{c}"' for c in columns)
                where = " WHERE key NOT IN ('schema', 'schema_version')" if table == "meta" else ""
                cur = src.execute(f"SELECT {listed} FROM {table}{where}")
                n = 0
                while batch := cur.fetchmany(BATCH):
                    insert_columns(dst, table, columns, [list(r) for r in batch])
                    n += len(batch)
                rows[table] = n
            engine.analyze(dst, kept_tables())
            for seq, (table, column) in SEQUENCES.items():
                top = dst.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()[0]
                set_sequence(dst, seq, int(top) + 1)
            target.rebuild_derived(dst)
            dst.execute("COMMIT")
        except BaseException:
            dst.execute("ROLLBACK")
            raise
        finally:
            src.execute("ROLLBACK")
        refs = [r[0] for r in dst.execute("SELECT DISTINCT raw_path FROM submission ORDER BY 1").fetchall()]
    target._bump_version()
    copied = 0
    if copy_raw:
        for rel in refs:
            src_file, dst_file = source.raw_path(rel), target.raw_path(rel)
            if not dst_file.exists():
                dst_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                shutil.copyfile(src_file, dst_file)
                copied += 1
    return MoveReport(rows, copied)


def insert_columns(con, table: str, columns: list[str], rows: list[list]) -> None:
    if not rows:
        return
    if engine.is_pg(con):
        # rows as the source's driver gave them: plain Python values (no pandas NaN or numpy scalars
        # for engine._adapt_one to translate; calling it on every value made the copy 4× slower)
        listed = ", ".join(f'"{c}"' for c in columns)
        with con.raw.cursor() as cur, cur.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    listed = ", ".join(f'"{c}"' for c in columns)
    con.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", rows)


def set_sequence(con, name: str, next_value: int) -> None:
    """The next value `name` gives is `next_value`."""
    if engine.is_pg(con):
        con.execute("SELECT setval(?, ?, false)", [name, next_value])
        return
    # DuckDB cannot restart a sequence: draw values until the next one is `next_value`
    current = con.execute(f"SELECT nextval('{name}')").fetchone()[0]
    if current < next_value - 1:
        con.execute(f"SELECT max(nextval('{name}')) FROM range({next_value - 1 - current})")


def same_answers(a: Store, b: Store) -> list[str]:
    """Where two stores answer differently (empty: the same): every version of every report, the
    values, attainment and compliance of every year, the audit log and the accounts."""
    from pipelines.outputs import metrics
    queries = {
        "phiên bản báo cáo": "SELECT id, unit, year, quarter, file_name, sha256, received_at, is_current, is_demo "
                             "FROM submission ORDER BY id",
        "số liệu": "SELECT submission_id, element, value, cell FROM submission_value ORDER BY submission_id, element",
        "nhiệm vụ": "SELECT submission_id, task, status, note FROM submission_task ORDER BY submission_id, task",
        "mức đạt": "SELECT year, scope, period, indicator, numerator, denominator, status, needed "
                   "FROM mart_attainment ORDER BY year, scope, period, indicator",
        "nhật ký": "SELECT id, at_utc, actor, action, detail FROM audit_log ORDER BY id",
        "tài khoản": "SELECT name, role, password_hash FROM app_user ORDER BY name",
    }
    out = []
    with a.connect() as ca, b.connect() as cb:
        for what, sql in queries.items():
            if ca.execute(sql).fetchall() != cb.execute(sql).fetchall():
                out.append(what)
    for year in metrics.years(a):
        ca, cb = (metrics.compliance(s, year, as_of=None) for s in (a, b))
        keep = ["unit", "quarter", "status", "versions"]
        rows = [[tuple(str(v) for v in r) for r in df[keep].itertuples(index=False)] for df in (ca, cb)]
        if rows[0] != rows[1]:
            out.append(f"nộp báo cáo năm {year}")
    return out
