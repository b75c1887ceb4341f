"""Upgrades: a store made by an older release opens with this code and answers as it did.

tests/fixtures/store_v1/ was made by the release before numbered migrations (see
make_store_v1.py beside it); its DuckDB file is kept gzipped (69 KB instead of 12 MB of mostly
empty blocks) and unpacked here as is. Expected numbers are worked out by hand from its content:
CA Q1 #1 (current after a restore): TIN_TON 1, TIN_MOI 9, TIN_PHAN_LOAI 9, TIN_DA_GQ 9,
AN_KHOI_TO 2, AN_KHAM_PHA 2, received 14/03 09:00; CA Q1 #2 (TIN_DA_GQ 10), received 20/03;
VKS Q1 #3: VKS_TON 0, VKS_MOI 2, VKS_TRUY_TO 2, received 16/03 08:00 (the deadline is 15/03).
"""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.store import SchemaError, Store
from pipelines.store import migrate

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "store_v1"


def unpack_v1(target: Path) -> Store:
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("*.gz"))
    db = target / "processed" / "ducpho138.duckdb"
    with gzip.open(FIXTURE / "processed" / "ducpho138.duckdb.gz") as src, open(db, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return Store(target)


def rows(db: Path, table: str, columns: list[str] | None = None) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = columns or [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall()]
        quoted = ", ".join(f'"{c}"' for c in cols)
        return cols, sorted(con.execute(f"SELECT {quoted} FROM {table}").fetchall(), key=repr)
    finally:
        con.close()


def test_a_store_of_the_first_release_opens_and_answers_as_before(tmp_path):
    from pipelines.outputs import metrics
    from pipelines.store.load import list_versions
    store = unpack_v1(tmp_path / "data")

    versions = list_versions(store, "CA", 2022, 1)
    assert list(versions["id"]) == [1, 2]
    assert list(versions["is_current"]) == [True, False]  # the restore of #1 survived

    att = metrics.attainment(store, 2022, "Q1").set_index("indicator")
    assert (att.loc["KPI_GIAI_QUYET", "numerator"], att.loc["KPI_GIAI_QUYET", "denominator"]) == (9, 10)
    assert att.loc["KPI_GIAI_QUYET", "status"] == "not_met"      # 90 % is not > 90 %
    assert att.loc["KPI_TIEP_NHAN", "status"] == "met"           # 9/9 ≥ 100 %
    assert (att.loc["KPI_TRUY_TO", "numerator"], att.loc["KPI_TRUY_TO", "denominator"]) == (2, 2)

    comp = metrics.compliance(store, 2022).set_index(["unit", "quarter"])
    assert comp.loc[("CA", 1), "status"] == "on_time"
    assert comp.loc[("VKS", 1), "status"] == "late"

    from pipelines.accounts import users
    assert users.authenticate(store, "quan_tri", "mat-khau-rat-dai-138").role == "admin"
    with store.connect() as con:
        assert migrate.schema_version(con) == migrate.latest_version()
        assert con.execute("SELECT count(*) FROM dim_unit WHERE year = 2022").fetchone()[0] == 27


def test_the_upgraded_store_takes_new_files_and_numbers_them_on(tmp_path):
    from pipelines.store.load import ingest_bytes
    from pipelines.workbook.template import build_template
    store = unpack_v1(tmp_path / "data")
    data = build_template(store.plan(2022), "CA", 1, values={"TIN_TON": 1, "TIN_MOI": 9, "TIN_PHAN_LOAI": 9,
                                                             "TIN_DA_GQ": 10})
    result = ingest_bytes(store, data, "ca_moi.xlsx")
    assert (result.status, result.submission_id, result.replaced) == ("accepted", 4, 1)


def test_no_migration_drops_a_submission_value_version_or_audit_row(tmp_path):
    """Every row of a protected table before the upgrade is still there after it, unchanged in
    every column it had (new columns may be added)."""
    store = unpack_v1(tmp_path / "data")
    before = {t: rows(store.db_path, t) for t in migrate.PROTECTED_TABLES}
    assert len(before["submission"][1]) == 3
    assert sum(r[2] is not None for r in before["submission_value"][1]) == 6 + 6 + 3  # blanks are NULL rows
    assert len(before["audit_log"][1]) >= 5  # 3 uploads, the restore, the account, the sign-in
    with store.connect():
        pass
    for table, (cols, old) in before.items():
        assert rows(store.db_path, table, cols)[1] == old, table


def test_migration_files_are_numbered_without_gaps_and_never_delete_protected_rows():
    steps = migrate.migrations()
    assert [m.number for m in steps] == list(range(1, len(steps) + 1))
    assert steps[0].name == "0001_initial.sql"
    tables = "|".join(migrate.PROTECTED_TABLES)
    import re
    forbidden = re.compile(rf"(DROP\s+TABLE(\s+IF\s+EXISTS)?|DELETE\s+FROM|TRUNCATE(\s+TABLE)?)\s+({tables})\b",
                           re.IGNORECASE)
    for m in steps:
        assert not forbidden.search(m.sql), m.name


def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(migrate.MIGRATIONS_DIR / "0001_initial.sql", folder)
    (folder / "0002_broken.sql").write_text(
        "ALTER TABLE submission ADD COLUMN note VARCHAR;\nINSERT INTO no_such_table VALUES (1);\n")
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    try:
        with pytest.raises(SchemaError, match="0002_broken.sql.*lược đồ số 1"):
            migrate.apply_migrations(con, folder)
        assert migrate.schema_version(con) == 1
        assert "note" not in [c[0] for c in con.execute("DESCRIBE submission").fetchall()]
        (folder / "0002_broken.sql").write_text("ALTER TABLE submission ADD COLUMN note VARCHAR;\n")
        assert migrate.apply_migrations(con, folder) == ["0002_broken.sql"]
        assert migrate.schema_version(con) == 2
    finally:
        con.close()


def test_badly_numbered_migrations_are_refused(tmp_path):
    shutil.copy(migrate.MIGRATIONS_DIR / "0001_initial.sql", tmp_path)
    (tmp_path / "0003_skip.sql").write_text("SELECT 1;")
    with pytest.raises(SchemaError, match="liên tiếp"):
        migrate.migrations(tmp_path)


def test_a_store_from_a_newer_release_is_refused_plainly(tmp_path):
    store = unpack_v1(tmp_path / "data")
    with store.connect() as con:
        con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
        con.execute("UPDATE meta SET value = 'newer' WHERE key = 'schema'")
    with pytest.raises(SchemaError, match="phiên bản mới hơn"):
        with store.connect():
            pass


def test_plan_tables_sql_holds_only_the_rebuilt_plan_dimensions():
    """A kept table (sessions, plan versions …) belongs in a new numbered migration, not in
    plan_tables.sql, whose tables are dropped and refilled from the plan texts."""
    import re
    from pipelines.store.database import DIM_TABLES
    text = (migrate.SQL_DIR / "plan_tables.sql").read_text(encoding="utf-8")
    created = re.findall(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", text, re.IGNORECASE)
    assert sorted(created) == sorted(DIM_TABLES), "put new kept tables in sql/migrations/NNNN_*.sql"
