"""The command line starts instantly: `--help`, `init` and a one-file `ingest` import no pandas,
openpyxl, plotly or streamlit (each costs a few hundred ms). Checked in a fresh process through
sys.modules, not with a stopwatch."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import store_options
from pipelines.workbook.template import build_template

HEAVY = ("pandas", "openpyxl", "plotly", "streamlit", "numpy")

PROBE = """
import json, sys
from pipelines.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print(json.dumps({"code": code, "heavy": heavy}))
""" % (HEAVY,)


def probe(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["ingest", "--help"], ["attainment", "--help"], ["users", "--help"]])
def test_help_imports_nothing_heavy(args):
    out = probe(*args)
    assert out == {"code": 0, "heavy": []}


def test_init_of_a_new_store_imports_nothing_heavy(tmp_path):
    assert probe("init", "--data-dir", str(tmp_path / "new")) == {"code": 0, "heavy": []}


def test_init_and_one_file_ingest_import_nothing_heavy(store, plan, tmp_path):
    where = store_options(store)
    assert probe("init", *where) == {"code": 0, "heavy": []}
    path = tmp_path / "BC_CA_2022_Q1.xlsx"
    path.write_bytes(build_template(plan, "CA", 1, values={"TT_BUOI": 2, "TT_LUOT": 150}))
    out = probe("ingest", *where, "--received-at", "2022-03-14T09:00", str(path))
    assert out == {"code": 0, "heavy": []}
    assert store.query_df("SELECT count(*) AS n FROM submission")["n"][0] == 1  # it really loaded
