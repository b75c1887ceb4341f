"""Schema versions: numbered migrations for the tables a store keeps for good, and a derived part
(plan tables, views) rebuilt whenever the code's SQL changes.

A store records in `meta` its `schema_version`: the number of the last migration applied (a store
of the release before migrations has none: version 0). Opening a store applies every later file of
`sql/migrations/` — named `NNNN_what.sql`, numbered 0001, 0002 … without gaps — each in a
transaction of its own, so a failed step leaves the store at the version before it. Then, when the
fingerprint of all the SQL differs from the one stored, `database.Store` rebuilds the derived part
(`sql/plan_tables.sql` refilled from the stored plan texts, `sql/views/*.sql`).

To change a kept table: add the next numbered file (ALTER TABLE …, CREATE TABLE …, INSERT … SELECT);
never edit a file that has shipped. A migration never deletes a row of PROTECTED_TABLES
(tests/store/test_migrations.py opens a store made by the first release and compares every row).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipelines.store import engine

SQL_DIR = Path(__file__).resolve().parent / "sql"
MIGRATIONS_DIR = SQL_DIR / "migrations"

# Rows no migration may remove: submissions, their values, tasks and warnings, plans, accounts, audit.
PROTECTED_TABLES = ("plans", "submission", "submission_value", "submission_task", "submission_warning",
                    "app_user", "audit_log")

_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class SchemaError(RuntimeError):
    """The store cannot be brought to this version of the code (too new, or a migration failed)."""


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    sql: str


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in order; refuses badly named files and gaps or repeats in the numbers."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.fullmatch(path.name)
        if not m:
            raise SchemaError(f"Tên tệp chuyển đổi lược đồ phải có dạng NNNN_ten.sql: {path.name}")
        found.append(Migration(int(m[1]), path.name, path.read_text(encoding="utf-8")))
    numbers = [m.number for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise SchemaError(f"Các tệp chuyển đổi lược đồ phải đánh số 0001, 0002 … liên tiếp: {numbers}")
    return found


def latest_version(directory: Path = MIGRATIONS_DIR) -> int:
    return len(migrations(directory))


def derived_sql() -> list[tuple[str, str]]:
    """Plan tables, then the views (in file order: later views use earlier ones)."""
    files = [SQL_DIR / "plan_tables.sql", *sorted((SQL_DIR / "views").glob("*.sql"))]
    return [(f.name, f.read_text(encoding="utf-8")) for f in files]


@lru_cache(maxsize=4)
def fingerprint(directory: Path = MIGRATIONS_DIR) -> str:
    """Changes with any SQL file: the cue to migrate and rebuild the derived part."""
    h = hashlib.sha256()
    for name, text in [*((m.name, m.sql) for m in migrations(directory)), *derived_sql()]:
        h.update(name.encode())
        h.update(text.encode())
    return h.hexdigest()[:16]


def schema_version(con) -> int:
    if not engine.table_exists(con, "meta"):  # an empty store: nothing applied yet
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def apply_migrations(con, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations the store has not had, one transaction each. Returns their names."""
    steps = migrations(directory)
    current = schema_version(con)
    if current > len(steps):
        raise SchemaError(
            f"Kho dữ liệu này do một phiên bản mới hơn của chương trình tạo (lược đồ số {current}; bản đang "
            f"chạy chỉ biết đến số {len(steps)}). Hãy cập nhật chương trình trước khi mở kho này.")
    done = []
    for step in steps[current:]:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(step.sql)
            con.execute("INSERT INTO meta VALUES ('schema_version', ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [str(step.number)])
            con.execute("COMMIT")
        except engine.db_errors() as exc:
            con.execute("ROLLBACK")
            raise SchemaError(
                f"Không nâng cấp được kho dữ liệu ở bước {step.name}: {' '.join(str(exc).split())}. Kho vẫn ở lược đồ số "
                f"{step.number - 1}; bước này không để lại thay đổi nào.") from None
        except BaseException:
            con.execute("ROLLBACK")
            raise
        done.append(step.name)
    return done
