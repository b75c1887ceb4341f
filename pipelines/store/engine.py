"""Where a store lives: the embedded DuckDB file (the default, for the town) or a PostgreSQL server
(for those who outgrow one machine: several dashboard replicas and many writers at once).

A store is named by a URL:

    duckdb:///srv/ducpho/data            the data dir: processed/ducpho138.duckdb and raw/ (today's layout)
    postgresql://user@host:5432/db       a PostgreSQL database; raw files in a directory the replicas
                                         share (`--raw-dir`, default the data dir's raw/)

A plain path is a DuckDB data dir. Everything else in the code sees one connection interface — DuckDB's
own (`execute(sql, params)` returning something with `fetchone()`, `fetchall()`, `df()`, `?`
placeholders) — which `PgConnection` provides over psycopg 3, so the SQL files and the queries in
Python are written once, in the subset both engines run (docs/architecture.md lists the few places
where the engines need different words, and why).
"""
from __future__ import annotations

import decimal
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

STORE_ENV = "DUCPHO138_STORE"        # a service's store URL (the command line's --store wins)
RAW_DIR_ENV = "DUCPHO138_RAW_DIR"    # where a PostgreSQL store keeps raw files (--raw-dir wins)


class StoreURLError(ValueError):
    pass


@dataclass(frozen=True)
class StoreURL:
    engine: str                    # "duckdb" | "postgresql"
    data_dir: Path | None = None   # duckdb: the data dir
    dsn: str | None = None         # postgresql: the libpq URL
    raw_dir: Path | None = None    # where raw files go (postgresql: shared by the replicas)

    @property
    def label(self) -> str:
        """For messages: the data dir, or the database URL without its password."""
        if self.engine == "duckdb":
            return str(self.data_dir)
        parts = urlsplit(self.dsn or "")
        host = parts.hostname or ""
        user = f"{parts.username}@" if parts.username else ""
        port = f":{parts.port}" if parts.port else ""
        return f"postgresql://{user}{host}{port}{parts.path}"


def parse(url: str | os.PathLike | None, raw_dir: str | os.PathLike | None = None,
          default_data_dir: Path | None = None) -> StoreURL:
    """`duckdb:///path`, `postgresql://…` (or `postgres://…`), or a plain path (a DuckDB data dir)."""
    text = os.fspath(url) if url is not None else ""
    if not text:
        return StoreURL("duckdb", data_dir=Path(default_data_dir or "data"))
    if text.startswith(("postgresql://", "postgres://")):
        if raw_dir is None:
            raise StoreURLError(
                "Kho PostgreSQL cần thư mục chung cho các tệp gốc: thêm --raw-dir THƯ_MỤC (hoặc biến môi "
                f"trường {RAW_DIR_ENV}); mọi bản sao của bảng điều khiển phải dùng cùng thư mục đó.")
        return StoreURL("postgresql", dsn=text, raw_dir=Path(raw_dir))
    if text.startswith("duckdb:"):
        path = text[len("duckdb:"):]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise StoreURLError("Địa chỉ kho duckdb: phải có đường dẫn thư mục dữ liệu, ví dụ duckdb:///srv/ducpho/data.")
        return StoreURL("duckdb", data_dir=Path(path))
    if "://" in text:
        raise StoreURLError(f"Không hiểu địa chỉ kho {text!r}: dùng duckdb:///đường/dẫn hoặc postgresql://người_dùng@máy:cổng/csdl.")
    return StoreURL("duckdb", data_dir=Path(text))


# -- placeholders ------------------------------------------------------------------------------------
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\$\d+|\?|%")


@lru_cache(maxsize=2048)
def pg_placeholders(sql: str) -> str:
    """DuckDB's `?` and `$n` placeholders as psycopg's `%s` / `%(n)s`-free positional form, leaving
    string literals, quoted names and comments alone; a literal `%` is doubled (psycopg reads `%`)."""
    def swap(m: re.Match) -> str:
        tok = m.group(0)
        if tok == "?":
            return "%s"
        if tok == "%":
            return "%%"
        if tok.startswith("$"):
            raise ValueError("$n placeholders: use ? (PostgreSQL's driver numbers them itself)")
        if tok.startswith("'"):
            return tok.replace("%", "%%")
        return tok
    return _TOKEN.sub(swap, sql)


# -- a PostgreSQL connection that answers like DuckDB's ------------------------------------------------
class PgResult:
    """The cursor of one statement: fetchone / fetchall / df / description."""

    def __init__(self, cursor):
        self._cur = cursor

    @property
    def description(self):
        return self._cur.description

    def fetchone(self):
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self):
        return self._cur.fetchall() if self._cur.description else []

    def fetchmany(self, size: int):
        return self._cur.fetchmany(size) if self._cur.description else []

    def df(self):
        return frame(self._cur)

    fetchdf = df


class PgConnection:
    """psycopg 3 in autocommit mode: `BEGIN TRANSACTION` / `COMMIT` / `ROLLBACK` are sent as the
    DuckDB code sends them, so a transaction is what the caller says it is."""

    engine = "postgresql"

    def __init__(self, raw):
        self.raw = raw

    def execute(self, sql: str, params=None) -> PgResult:
        cur = self.raw.cursor()
        if not params and "?" not in sql:  # no parameters: sent as it is (several statements allowed)
            cur.execute(sql)
        else:
            cur.execute(pg_placeholders(sql), _adapt(params))
        return PgResult(cur)

    def executemany(self, sql: str, rows) -> None:
        with self.raw.cursor() as cur:
            cur.executemany(pg_placeholders(sql), [_adapt(r) for r in rows])

    def cursor(self) -> "PgConnection":
        return self

    def close(self) -> None:
        self.raw.close()


def _adapt(params):
    return [_adapt_one(p) for p in params]


def _adapt_one(value):
    if isinstance(value, float) and value != value:  # NaN from pandas: a missing value
        return None
    if type(value).__module__ == "numpy" and hasattr(value, "item"):  # numpy scalars from pandas
        return value.item()   # (without importing numpy: `init` and `ingest` stay light)
    return value


def frame(cursor):
    """A pandas DataFrame with the dtypes DuckDB's `.df()` gives, so pages and exports cannot tell
    the engines apart: nullable integers as Int64, dates and times as datetime64, NUMERIC as float."""
    import pandas as pd
    if not cursor.description:
        return pd.DataFrame()
    names = [d.name for d in cursor.description]
    rows = cursor.fetchall()
    df = pd.DataFrame.from_records(rows, columns=names, coerce_float=True)
    for d in cursor.description:
        col = df[d.name]
        kind = _PG_KIND.get(d.type_code)
        if kind == "int":
            df[d.name] = col.astype("Int64") if col.isna().any() else col.astype("int64")
        elif kind == "float":
            df[d.name] = pd.to_numeric(col.map(lambda v: float(v) if isinstance(v, decimal.Decimal) else v),
                                       errors="coerce").astype("float64")
        elif kind == "time":
            df[d.name] = pd.to_datetime(col).astype("datetime64[us]") if len(col) else col.astype("datetime64[us]")
        elif kind == "bool" and not col.isna().any():
            df[d.name] = col.astype(bool)
    return df


# PostgreSQL type OIDs: int2 21, int4 23, int8 20, float4 700, float8 701, numeric 1700, date 1082,
# timestamp 1114, timestamptz 1184, bool 16.
_PG_KIND = {20: "int", 21: "int", 23: "int", 700: "float", 701: "float", 1700: "float",
            1082: "time", 1114: "time", 1184: "time", 16: "bool"}


# -- the pool --------------------------------------------------------------------------------------
_POOLS: dict[str, object] = {}
_POOLS_LOCK = threading.Lock()
POOL_MAX = int(os.environ.get("DUCPHO138_PG_POOL", "8"))


def pg_pool(dsn: str):
    """One small pool per database and process (psycopg_pool): a page run borrows a connection for
    its unit of work and gives it back, instead of opening one each time."""
    with _POOLS_LOCK:
        pool = _POOLS.get(dsn)
        if pool is None or getattr(pool, "_pid", None) != os.getpid():  # a forked child opens its own
            from psycopg_pool import ConnectionPool
            pool = ConnectionPool(dsn, min_size=1, max_size=POOL_MAX, open=True, timeout=60,
                                  kwargs={"autocommit": True}, check=ConnectionPool.check_connection)
            pool._pid = os.getpid()
            _POOLS[dsn] = pool
        return pool


def close_pools() -> None:
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            try:
                pool.close()
            except Exception:
                pass
        _POOLS.clear()


# -- table functions -----------------------------------------------------------------------------
# A view that takes an argument (compliance judged at a moment) is written once, as DuckDB's table
# macro; for PostgreSQL the same body becomes a SQL function whose result columns are read from a
# throw-away view of the body (so they are not written a second time by hand).
MACRO = re.compile(r"CREATE\s+OR\s+REPLACE\s+MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+TABLE\s+(.*?);?\s*$",
                   re.IGNORECASE | re.DOTALL)
MACRO_ARG_TYPE = "TIMESTAMP"  # every table function of the store takes a moment (UTC)


def pg_function(con: PgConnection, sql: str) -> None:
    m = MACRO.search(sql)
    name, args, body = m[1], [a.strip() for a in m[2].split(",") if a.strip()], m[3].rstrip().rstrip(";")
    probe = body
    for a in args:
        probe = re.sub(rf"\b{a}\b", f"CAST(NULL AS {MACRO_ARG_TYPE})", probe)
    con.execute(f"CREATE TEMPORARY VIEW _probe_{name} AS {probe}")
    cols = con.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
        "WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        [f"_probe_{name}"]).fetchall()
    con.execute(f"DROP VIEW _probe_{name}")
    returns = ", ".join(f'"{c}" {t}' for c, t in cols)
    params = ", ".join(f"{a} {MACRO_ARG_TYPE}" for a in args)
    con.execute(f"DROP FUNCTION IF EXISTS {name} CASCADE")
    con.execute(f"CREATE FUNCTION {name}({params}) RETURNS TABLE ({returns}) LANGUAGE sql STABLE AS $body$ {body} $body$")


_CREATED = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(VIEW|TABLE|MACRO)\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)


def derived_objects(sql_texts: list[str]) -> list[tuple[str, str]]:
    """(kind, name) of every view, table and table function the derived SQL creates, in order."""
    return [(m[1].upper(), m[2]) for text in sql_texts for m in _CREATED.finditer(_strip_comments(text))]


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


# -- what differs between the engines, in one place ----------------------------------------------------
def is_pg(con) -> bool:
    return getattr(con, "engine", "duckdb") == "postgresql"


def table_exists(con, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
        [name]).fetchone()[0])


def _lock_key(*parts) -> str:
    return "ducpho138:" + ":".join(str(p) for p in parts)


def serialise(con, *key) -> None:
    """Inside a write transaction: wait for any other writer holding the same key, until this
    transaction ends (PostgreSQL advisory lock). DuckDB needs nothing: it has one writer at a time."""
    if is_pg(con):
        con.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [_lock_key(*key)])


class server_lock:
    """Outside a transaction: a session-level advisory lock on PostgreSQL (replicas that start at
    once migrate one after the other); nothing on DuckDB."""

    def __init__(self, con, *key):
        self.con, self.key = con, _lock_key(*key)

    def __enter__(self):
        if is_pg(self.con):
            self.con.execute("SELECT pg_advisory_lock(hashtextextended(?, 0))", [self.key])
        return self

    def __exit__(self, *exc):
        if is_pg(self.con):
            self.con.execute("SELECT pg_advisory_unlock(hashtextextended(?, 0))", [self.key])
        return False


def analyze(con, tables) -> None:
    """PostgreSQL plans a query from table statistics; tables filled inside the running transaction
    (a plan's tables, a moved store's rows) have none yet, and a mart refresh planned without them
    took minutes instead of milliseconds. DuckDB needs nothing."""
    if is_pg(con):
        for table in tables:
            con.execute(f"ANALYZE {table}")


def drop_derived(con, sql_texts: list[str], tables: tuple[str, ...]) -> None:
    """Drop what the derived SQL creates (views, marts, table functions) and the plan tables,
    last created first. PostgreSQL tracks what depends on what, hence CASCADE there."""
    cascade = " CASCADE" if is_pg(con) else ""
    for kind, name in reversed(derived_objects(sql_texts)):
        if kind == "MACRO":
            con.execute(f"DROP FUNCTION IF EXISTS {name}{cascade}" if is_pg(con) else f"DROP MACRO TABLE IF EXISTS {name}")
        elif kind == "VIEW":
            con.execute(f"DROP VIEW IF EXISTS {name}{cascade}")
        else:
            con.execute(f"DROP TABLE IF EXISTS {name}{cascade}")
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS {table}{cascade}")


def create_derived(con, sql: str) -> None:
    if is_pg(con) and MACRO.search(sql):
        pg_function(con, sql)
    else:
        con.execute(sql)


def pg_copy(con, table: str, rows: list[list]) -> None:
    with con.raw.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row([_adapt_one(v) for v in row])


def db_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a statement may raise on either engine (a failed migration step, a constraint)."""
    import duckdb
    out: tuple[type[BaseException], ...] = (duckdb.Error,)
    try:
        import psycopg
        out += (psycopg.Error,)
    except ImportError:  # pragma: no cover
        pass
    return out


def close_pool(dsn: str) -> None:
    with _POOLS_LOCK:
        pool = _POOLS.pop(dsn, None)
    if pool is not None:
        pool.close()
