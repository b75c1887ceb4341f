"""Shared fixtures: a fresh store in a temp data dir, and real workbooks in .xlsx, .xls and .ods.

`book(sheets, fmt)` writes a grid of cells ({sheet name: [[cell, ...], ...]}) as a real file with
openpyxl (.xlsx), xlwt (.xls) or odfpy (.ods); `report(...)` builds the grids of a unit's report the
way units really fill them in (title rows, any column order, any sheet-name spelling).
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.store import Store

ROOT = Path(__file__).resolve().parent.parent
pytest_plugins = ["pytester"]  # tests/test_ci_never_skips.py runs small suites under this conftest

# Tests mirror the tree (tests/workbook, tests/store, …, as pipelines/ and dashboard/). A few share
# fixtures and writers across folders (`from test_dashboard_auth import _app`): every folder is on
# the path, whatever order pytest collects them in.
for _folder in sorted(p for p in Path(__file__).parent.iterdir() if p.is_dir() and p.name not in ("fixtures", "__pycache__")):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))


# -- CI never skips -----------------------------------------------------------------------------------
# A test that needs a system tool carries the tool's marker. Locally a missing tool skips those tests
# (with the reason); in CI (env CI set, as `.ci/run` and every CI service set it) a missing tool is an
# ERROR before the test runs, and any skip at all is turned into a failure: a green CI run has run
# everything it collected.
TOOLS = {
    "e2e": ["chromium"],                    # headless Chromium driven by Playwright
    "office": ["soffice", "pdftotext"],     # LibreOffice renders and converts; poppler reads the PDF back
    "proxy": ["nginx"],                     # the dashboard behind a reverse proxy
    "postgres": ["pg_ctl", "initdb"],       # a private PostgreSQL cluster started for the tests
}


def which(tool: str) -> str | None:
    found = shutil.which(tool)
    if not found and tool == "chromium" and Path("/usr/bin/chromium").is_file():
        found = "/usr/bin/chromium"
    if not found and tool in ("pg_ctl", "initdb"):  # Debian keeps them in /usr/lib/postgresql/NN/bin
        from pg_cluster import pg_bin
        found = pg_bin(tool)
    return found


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_tools(item) -> list[str]:
    return [t for marker, tools in TOOLS.items() if item.get_closest_marker(marker) for t in tools if not which(t)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if in_ci() and (missing := missing_tools(item)):
        pytest.fail(f"CI: {', '.join(missing)} not installed, needed by marker(s) "
                    f"{', '.join(m for m in TOOLS if item.get_closest_marker(m))}; `.ci/run` must install it",
                    pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if in_ci() and rep.skipped and not hasattr(rep, "wasxfail"):
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        rep.outcome = "failed"
        rep.longrepr = f"CI: skipped tests count as failures ({reason})"


# -- tests write under their own temporary folders, never into the checkout -------------------------
# (a PostgreSQL store has no data dir: a test that passed `--data-dir` of one made a DuckDB store
# named "None" beside the code, and tested an empty store instead of the one it meant). Nor do they
# change a tracked file, save the measurements the load tests keep for the README by design.
MEASURED = {"benchmarks/results.json"}


def _changed() -> dict[str, str]:
    """Paths of the checkout the tests run from that are untracked (not ignored) or modified, each with
    its git status and, for a modified one, its content's hash (a file already modified before the run
    and changed again counts too); nothing when ROOT is not the top of a git checkout (make mutate's
    copies under build/ sit inside one, whose other files are not theirs)."""
    try:  # no git (a copy of this file run with an empty PATH, as test_ci_never_skips does): nothing to check
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True, text=True)
        if top.returncode or Path(top.stdout.strip()).resolve() != ROOT:
            return {}
        done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=normal"], cwd=ROOT,
                              capture_output=True, text=True)
    except OSError:
        return {}
    if done.returncode:
        return {}
    changed = {}
    for line in done.stdout.splitlines():
        status, path = line[:2], line[3:]
        if path in MEASURED:
            continue
        target = ROOT / path
        digest = hashlib.sha256(target.read_bytes()).hexdigest() if target.is_file() and status != "??" else ""
        changed[path] = f"{status}{digest}"
    return changed


def pytest_sessionstart(session):
    session.config._changed_before = _changed()


def pytest_sessionfinish(session, exitstatus):
    before = getattr(session.config, "_changed_before", {})
    left = sorted(path for path, state in _changed().items() if before.get(path) != state)
    if left:
        print(f"\nTests left files in the checkout or changed tracked ones (not under a temporary folder): "
              f"{', '.join(left)}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# -- the store, on both engines ---------------------------------------------------------------------
# Tests of the store, outputs, accounts and command line run once on the embedded DuckDB file and once
# on PostgreSQL (a private cluster started for the session, a fresh database per test); elsewhere the
# `store` fixture is DuckDB only. Ask for `engine_name` to know which one a test runs on.
BOTH_ENGINES = ("store", "outputs", "accounts", "cli")


def pytest_generate_tests(metafunc):
    folder = Path(str(metafunc.definition.fspath)).parent.name
    uses = {"store", "demo_store", "engine_name", "store_args"} & set(metafunc.fixturenames)
    if folder in BOTH_ENGINES and uses and not metafunc.definition.get_closest_marker("duckdb_only"):
        metafunc.parametrize("engine_name", ["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)],
                             indirect=True)


@pytest.fixture
def engine_name(request) -> str:
    return getattr(request, "param", "duckdb")


@pytest.fixture(scope="session")
def pg_cluster():
    from pg_cluster import Cluster, pg_bin
    if not pg_bin("pg_ctl"):
        pytest.skip("PostgreSQL (pg_ctl) is not installed")
    cluster = Cluster().start()
    yield cluster
    from pipelines.store import engine
    engine.close_pools()
    cluster.stop()


_DB_COUNTER = iter(range(1, 1 << 30))


def new_pg_store(request, tmp_path: Path, template: str | None = None, raw_from: Path | None = None) -> Store:
    """A fresh database on the session's cluster (a copy of `template` when given) and a raw dir."""
    cluster = request.getfixturevalue("pg_cluster")
    name = f"t{os.getpid()}_{next(_DB_COUNTER)}"
    import psycopg
    with psycopg.connect(cluster.url(), autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    raw = tmp_path / "raw"
    if raw_from is not None and raw_from.exists():
        shutil.copytree(raw_from, raw)

    def drop():
        from pipelines.store import engine
        engine.close_pool(cluster.url(name))
        cluster.drop_database(name)
    request.addfinalizer(drop)
    return Store(cluster.url(name), raw_dir=raw)


def make_store(request, tmp_path: Path, engine_name: str) -> Store:
    if engine_name == "postgresql":
        return new_pg_store(request, tmp_path)
    return Store(tmp_path / "data")


@pytest.fixture
def store(request, tmp_path, engine_name) -> Store:
    s = make_store(request, tmp_path, engine_name)
    with s.connect():
        pass
    return s


@pytest.fixture
def store_args(store) -> list[str]:
    """The command line's options that name `store`."""
    return store_options(store)


def store_options(store: Store) -> list[str]:
    if store.engine == "postgresql":
        return ["--store", store.key, "--raw-dir", str(store.raw_dir)]
    return ["--data-dir", str(store.data_dir)]


@pytest.fixture
def plan(store):
    return store.plan(2022)


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory) -> Path:
    """The demo year loaded once per session; copy it with `demo_store` before writing."""
    from pipelines.demo import load_demo
    data = tmp_path_factory.mktemp("demo") / "data"
    load_demo(Store(data))
    return data


@pytest.fixture(scope="session")
def demo_pg_template(pg_cluster, tmp_path_factory) -> tuple[str, Path]:
    """The demo year loaded once into a PostgreSQL database used as a template: (name, raw dir)."""
    from pipelines.demo import load_demo
    from pipelines.store import engine
    raw = tmp_path_factory.mktemp("demo-pg") / "raw"
    url = pg_cluster.create_database("demo_template")
    load_demo(Store(url, raw_dir=raw))
    engine.close_pool(url)  # a template database must have no connection open
    return "demo_template", raw


@pytest.fixture
def demo_store(request, tmp_path, engine_name) -> Store:
    if engine_name == "postgresql":
        name, raw = request.getfixturevalue("demo_pg_template")
        return new_pg_store(request, tmp_path, template=name, raw_from=raw)
    target = tmp_path / "demo-data"
    shutil.copytree(request.getfixturevalue("demo_store_template"), target)
    return Store(target)


# -- workbook writers ------------------------------------------------------------------------------
def _xlsx(sheets: dict[str, list[list]]) -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xls(sheets: dict[str, list[list]]) -> bytes:
    import xlwt
    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = wb.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _ods(sheets: dict[str, list[list]]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P
    doc = OpenDocumentSpreadsheet()
    for name, rows in sheets.items():
        table = Table(name=name)
        for row in rows:
            tr = TableRow()
            for value in row:
                if value is None:
                    tr.addElement(TableCell())
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell = TableCell(valuetype="float", value=value)
                    cell.addElement(P(text=str(value)))
                    tr.addElement(cell)
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=str(value)))
                    tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


WRITERS = {"xlsx": _xlsx, "xls": _xls, "ods": _ods}


def book(sheets: dict[str, list[list]], fmt: str = "xlsx") -> bytes:
    return WRITERS[fmt](sheets)


def report(unit: str = "CA", year: object = 2022, quarter: object = 1, values: dict | None = None,
           tasks: dict | None = None, *, info_sheet: str = "Thông tin", data_sheet: str = "Số liệu",
           task_sheet: str | None = "Nhiệm vụ", title_rows: int = 0, columns=("STT", "Mã chỉ tiêu", "Chỉ tiêu", "Số liệu"),
           extra_rows: list[list] | None = None, extra_sheets: dict | None = None) -> dict[str, list[list]]:
    """The grids of a report. `values` {code: cell value} in the given column order."""
    values = {"TIN_TON": 1, "TIN_MOI": 4, "TIN_PHAN_LOAI": 4, "TIN_DA_GQ": 4} if values is None else values
    info = [["BÁO CÁO KẾT QUẢ"], [], ["Mã đơn vị", unit], ["Năm", year], ["Quý", quarter]]
    data: list[list] = [[f"Tiêu đề {i + 1}"] for i in range(title_rows)]
    data.append(list(columns))
    data.append([None] * len(columns))
    data[-1][0] = "I. TỐ GIÁC, TIN BÁO"  # a section title: no code, skipped
    for n, (code, value) in enumerate(values.items(), start=1):
        row = []
        for col in columns:
            row.append({"STT": n, "Mã chỉ tiêu": code, "Chỉ tiêu": f"chỉ tiêu {code}", "Số liệu": value,
                        "Ghi chú": None, "Đơn vị tính": "tin"}.get(col))
        data.append(row)
    data += extra_rows or []
    data += [[], [None, "NGƯỜI LẬP BIỂU"], [None, "(Ký, ghi rõ họ tên)"]]
    sheets = {info_sheet: info, data_sheet: data}
    if task_sheet:
        sheets[task_sheet] = [["Mã nhiệm vụ", "Tình trạng"],
                              *([k, v] for k, v in (tasks if tasks is not None else {"T1A": "Hoàn thành"}).items())]
    sheets.update(extra_sheets or {})
    return sheets


def data_cell(sheets: dict, code: str, data_sheet: str = "Số liệu") -> str:
    """The address ("Số liệu!D7") where `report` put the value of `code`."""
    from pipelines.workbook.read import address
    rows = sheets[data_sheet]
    header = next(r for r, row in enumerate(rows) if "Mã chỉ tiêu" in row)
    code_col, value_col = rows[header].index("Mã chỉ tiêu"), rows[header].index("Số liệu")
    r = next(r for r, row in enumerate(rows) if len(row) > code_col and row[code_col] == code)
    return address(data_sheet, r, value_col)


def write_ledger(store: Store, reports: dict, year: int = 2022) -> None:
    """Replace the ledger with `reports` {(unit, quarter): {element: value}}, written straight into the
    tables (for property tests of the SQL; the loader has its own tests), marts refilled as a load does."""
    from pipelines.store import marts
    with store.transaction() as con:
        for t in ("submission_value", "submission"):
            con.execute(f"DELETE FROM {t}")
        for n, ((unit, quarter), counts) in enumerate(sorted(reports.items()), start=1):
            con.execute("INSERT INTO submission (id, unit, year, quarter, file_name, sha256, size_bytes, raw_path, "
                        "received_at, loaded_at, loaded_by, is_current) VALUES (?, ?, ?, ?, 'x', ?, 1, 'x', "
                        "now(), now(), 'test', TRUE)", [n, unit, year, quarter, f"sha{n}"])
            for element, value in counts.items():
                con.execute("INSERT INTO submission_value VALUES (?, ?, ?, 'x')", [n, element, value])
        marts.refresh(con, year)



def run_cli(capsys, *args) -> tuple[int, str, str]:
    """`python -m pipelines ARGS` in this process: (exit code, stdout, stderr); argparse's usage
    errors (SystemExit) give their code too."""
    from pipelines.cli import main
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err
