"""Limits: upload size (Streamlit's server.maxUploadSize and the loader's own check) and count per
batch, with the limit in the message; a large folder is loaded within the memory of a few files."""
from __future__ import annotations

import re
import pytest
import subprocess
import sys
import tomllib

from conftest import ROOT
from peak_memory import VMHWM, peak_mib
from test_dashboard_auth import _upload_page, fresh_dir, fresh_template  # noqa: F401  (fixtures)

from dashboard.parts import upload as U
from pipelines.store.load import ingest_bytes
from pipelines.workbook import guard
from pipelines.workbook.template import build_template

MB = 1024 * 1024


def test_one_size_limit_everywhere_and_the_refusal_names_it(store):
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == 20 == guard.MAX_FILE_BYTES // MB
    page = (ROOT / "dashboard" / "views" / "tai_len.py").read_text(encoding="utf-8")
    assert re.search(r"max_upload_size=20\b", page)
    result = ingest_bytes(store, b"PK\x03\x04" + b"\0" * (20 * MB + 1), "qua_lon.xlsx")
    assert result.status == "rejected"
    assert any("tối đa 20 MB" in e.message for e in result.errors), [e.message for e in result.errors]


def test_a_batch_over_the_count_limit_is_refused_whole(fresh_dir, monkeypatch):  # noqa: F811
    from pipelines.outputs import metrics
    from pipelines.store import Store
    before = metrics.submission_count(Store(fresh_dir))
    at = _upload_page(fresh_dir, monkeypatch)
    n = U.MAX_FILES_PER_BATCH + 1
    at.file_uploader[0].set_value([(f"f{i}.xlsx", b"x", "application/octet-stream") for i in range(n)]).run()
    assert any("tối đa 60 tệp (đã chọn 61)" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "confirm_load"]
    assert metrics.submission_count(Store(fresh_dir)) == before
    assert U.too_many_files(60) is None


PEAK = """
import sys
from pipelines.cli import main
code = main(["ingest", sys.argv[2], "--data-dir", sys.argv[1], "--received-at", "2022-06-14T09:00"])
print(code)
"""


@pytest.mark.duckdb_only  # copies the data dir; the loader's memory does not depend on the engine
def test_a_large_folder_loads_within_the_memory_of_a_few_files(store, plan, tmp_path):
    """The shell ingest reads and loads one file at a time: 10 times the files, about the same peak."""
    def peak(count: int) -> int:
        folder = tmp_path / f"in{count}"
        folder.mkdir()
        units = [u.code for u in plan.units]
        for i in range(count):
            unit, quarter = units[i % len(units)], 1 + i // len(units)
            (folder / f"{i:03d}_{unit}.xlsx").write_bytes(build_template(plan, unit, quarter,
                                                                         values={"TT_BUOI": i + 1}))
        data = tmp_path / f"data{count}"
        import shutil
        shutil.copytree(store.data_dir, data)
        # the loading process's own peak (VmHWM: ru_maxrss would start from this pytest process's)
        done = subprocess.run([sys.executable, "-c", VMHWM + PEAK, str(data), str(folder)], cwd=ROOT,
                              capture_output=True, text=True)
        code = done.stdout.split()[-1]
        assert code == "0", done.stdout[-2000:] + done.stderr[-2000:]
        return round(peak_mib(done.stderr))
    few, many = peak(4), peak(40)
    print(f"peak RSS: 4 files {few} MB, 40 files {many} MB")
    assert many - few < 40, (few, many)
