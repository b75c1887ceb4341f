"""backup / restore-backup / check: one consistent archive, refused when damaged or altered, and a
check that reports (never repairs). Exit codes per spec/commands.md: 0 done, 1 refused, 2 usage."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile

import duckdb
import pytest
from conftest import run_cli as run, store_options
from conftest import ROOT

from pipelines.store import Store
from pipelines.store.load import ingest_bytes, restore
from pipelines.workbook.template import build_template

CA = {"TIN_TON": 1, "TIN_MOI": 9, "TIN_PHAN_LOAI": 9, "TIN_DA_GQ": 9, "AN_KHOI_TO": 2, "AN_KHAM_PHA": 2}


@pytest.fixture
def loaded(store, plan):
    """CA Q1 loaded twice (#2 replaces #1), #1 restored; VKS Q1; an audit trail."""
    ingest_bytes(store, build_template(plan, "CA", 1, values=CA), "ca.xlsx", loaded_by="can_bo")
    ingest_bytes(store, build_template(plan, "CA", 1, values={**CA, "TIN_DA_GQ": 10}), "ca2.xlsx", loaded_by="can_bo")
    restore(store, 1, actor="can_bo")
    ingest_bytes(store, build_template(plan, "VKS", 1, values={"VKS_TON": 0, "VKS_MOI": 2, "VKS_TRUY_TO": 2}),
                 "vks.xlsx", loaded_by="can_bo")
    return store


def answers(capsys, data_dir) -> dict:
    """What the store answers: versions, attainment, compliance, values export, audit log."""
    out = {}
    for name, args in {"versions": ["versions", "--json"],
                       "attainment": ["attainment", "--year", 2022, "--period", "Q1", "--by-unit", "--format", "json"],
                       "compliance": ["compliance", "--year", 2022, "--as-of", "2022-04-01T00:00", "--format", "json"],
                       "values": ["export", "--what", "values", "--year", 2022, "-o", data_dir.parent / "v.csv"]}.items():
        code, stdout, err = run(capsys, *args, "--data-dir", data_dir)
        assert code == 0, err
        out[name] = stdout if name != "values" else (data_dir.parent / "v.csv").read_bytes()
    con = duckdb.connect(str(data_dir / "processed" / "ducpho138.duckdb"), read_only=True)
    out["audit"] = con.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    out["users"] = con.execute("SELECT * FROM app_user ORDER BY name").fetchall()
    con.close()
    return out


@pytest.mark.duckdb_only  # reads the DuckDB file itself; PostgreSQL backups: tests/store/test_pg_store.py
def test_backup_and_restore_answer_every_query_as_the_original(loaded, tmp_path, capsys):
    archive = tmp_path / "sao_luu.tar.gz"
    code, out, err = run(capsys, "backup", "-o", archive, "--data-dir", loaded.data_dir)
    assert code == 0, err
    assert "3 bản báo cáo, 3 tệp gốc" in out
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[0] == "manifest.json" and len(names) == 1 + 1 + 3  # manifest, database, 3 raw files
    assert set(manifest["files"]) == set(names[1:])

    new = tmp_path / "may_moi" / "data"
    code, out, err = run(capsys, "restore-backup", archive, "--data-dir", new)
    assert code == 0, err
    assert "Đã khôi phục" in out and "ổn" in out
    original, restored = answers(capsys, loaded.data_dir), answers(capsys, new)
    assert restored == original
    versions = json.loads(restored["versions"])
    assert [(v["id"], v["unit"], v["is_current"]) for v in versions] == [(1, "CA", True), (2, "CA", False),
                                                                        (3, "VKS", True)]


def _rewrite(archive, target, change):
    """Copy an archive member by member, letting `change(name, bytes)` alter contents."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for m in src:
            data = change(m.name, src.extractfile(m).read())
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


@pytest.mark.duckdb_only  # a data dir's archive; PostgreSQL backups: tests/store/test_pg_store.py
def test_an_altered_or_damaged_archive_is_refused_and_nothing_is_restored(loaded, tmp_path, capsys):
    archive = tmp_path / "a.tar.gz"
    assert run(capsys, "backup", "-o", archive, "--data-dir", loaded.data_dir)[0] == 0
    altered = tmp_path / "altered.tar.gz"
    _rewrite(archive, altered, lambda name, data: data[:-1] + b"x" if name.startswith("raw/") else data)
    code, out, err = run(capsys, "restore-backup", altered, "--data-dir", tmp_path / "n1")
    assert code == 1
    assert "bị hỏng hoặc đã bị thay đổi" in err and "không khớp mã băm SHA-256" in err
    assert not (tmp_path / "n1").exists()

    sneaky = tmp_path / "sneaky.tar.gz"  # a member outside the manifest (here: a path out of the folder)
    with tarfile.open(archive) as src, tarfile.open(sneaky, "w:gz") as dst:
        for m in src:
            dst.addfile(m, src.extractfile(m))
        info = tarfile.TarInfo("../../evil.sh")
        info.size = 2
        dst.addfile(info, io.BytesIO(b"hi"))
    code, out, err = run(capsys, "restore-backup", sneaky, "--data-dir", tmp_path / "n0")
    assert code == 1 and "không nằm trong danh mục: ../../evil.sh" in err
    assert not (tmp_path / "n0").exists() and not (tmp_path.parent / "evil.sh").exists()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, out, err = run(capsys, "restore-backup", truncated, "--data-dir", tmp_path / "n2")
    assert code == 1 and "bị hỏng" in err and "Traceback" not in err
    assert not (tmp_path / "n2").exists()

    not_archive = tmp_path / "khong_phai.tar.gz"
    not_archive.write_bytes(b"hello")
    assert run(capsys, "restore-backup", not_archive, "--data-dir", tmp_path / "n3")[0] == 1


@pytest.mark.duckdb_only  # a data dir's archive; PostgreSQL backups: tests/store/test_pg_store.py
def test_restore_needs_a_new_place(loaded, tmp_path, capsys):
    archive = tmp_path / "a.tar.gz"
    assert run(capsys, "backup", "-o", archive, "--data-dir", loaded.data_dir)[0] == 0
    code, _, err = run(capsys, "restore-backup", archive)
    assert code == 2 and "--data-dir" in err
    code, _, err = run(capsys, "restore-backup", archive, "--data-dir", loaded.data_dir)
    assert code == 1 and "đã có dữ liệu" in err


@pytest.mark.duckdb_only  # reads the DuckDB file itself; PostgreSQL backups: tests/store/test_pg_store.py
def test_check_finds_what_is_wrong_and_repairs_nothing(loaded, capsys):
    d = loaded.data_dir
    assert run(capsys, "check", "--data-dir", d)[0] == 0
    with loaded.connect() as con:
        raw_vks = con.execute("SELECT raw_path FROM submission WHERE id = 3").fetchone()[0]
        raw_old = con.execute("SELECT raw_path FROM submission WHERE id = 2").fetchone()[0]
        con.execute("UPDATE submission_value SET value = 7 WHERE submission_id = 1 AND element = 'TIN_DA_GQ'")
        con.execute("INSERT INTO submission_value VALUES (99, 'TIN_MOI', 1, 'Số liệu!E5')")
    (d / raw_old).unlink()
    (d / raw_vks).write_bytes((d / raw_vks).read_bytes() + b"\0")
    code, out, err = run(capsys, "check", "--data-dir", d)
    assert code == 1
    assert "Bản #1" in out and "khác số liệu đọc lại từ tệp gốc (TIN_DA_GQ)" in out
    assert "Bản #2" in out and "thiếu tệp gốc" in out
    assert "Bản #3" in out and "không khớp mã băm" in out
    assert "1 dòng trong bảng submission_value không thuộc bản báo cáo nào" in out
    # the value changed behind the loader's back: the pages' mart no longer matches the ledger either
    assert "Bảng tổng hợp mart_unit_period_value lệch" in out
    assert "5 lỗi" in err
    with loaded.connect() as con:  # reported, not repaired
        assert con.execute("SELECT value FROM submission_value WHERE submission_id = 1 AND element = 'TIN_DA_GQ'"
                           ).fetchone() == (7,)


@pytest.mark.duckdb_only  # reads the DuckDB file itself; PostgreSQL backups: tests/store/test_pg_store.py
def test_backup_refuses_a_store_whose_raw_file_is_gone(loaded, tmp_path, capsys):
    with loaded.connect() as con:
        raw = con.execute("SELECT raw_path FROM submission WHERE id = 3").fetchone()[0]
    (loaded.data_dir / raw).unlink()
    code, _, err = run(capsys, "backup", "-o", tmp_path / "a.tar.gz", "--data-dir", loaded.data_dir)
    assert code == 1 and "Thiếu 1 tệp gốc" in err
    assert not (tmp_path / "a.tar.gz").exists()
    assert not list(tmp_path.glob(".*"))  # no half-written archive, no staging folder


WRITER = """
import sys
from pathlib import Path
from pipelines.store import Store
from pipelines.store.load import ingest_bytes
store = Store(sys.argv[1])
for n, f in enumerate(sorted(Path(sys.argv[2]).iterdir()), start=1):
    ingest_bytes(store, f.read_bytes(), f.name)
    print("loaded", n, flush=True)
    if n == 6:          # halfway: wait until the test has taken a backup, then load the rest
        sys.stdin.readline()
"""


@pytest.mark.duckdb_only  # reads the DuckDB file itself; PostgreSQL backups: tests/store/test_pg_store.py
def test_backups_taken_while_files_load_hold_whole_submissions(store, plan, tmp_path, capsys):
    """A loader in another process commits 12 files while backups are taken: every archive restores
    to a store that passes check, each submission with all its values (a CA report: 6 reported).

    The loader stops halfway until the first backup is taken, so at least one archive is taken in
    the middle of the batch whatever the machine's speed (6 submissions, by construction); the
    others run while the second half commits. Before the pause the archives held e.g. [0, 0, 3, 9],
    and [0, 0, 0, 0] — no backup during the load at all — passed too; now `counts[0] == 6` fails
    unless a backup is taken with half the batch committed and the loader alive."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    for q in (1, 2, 3):
        for n in range(4):
            values = {**CA, "TIN_MOI": 9 + n, "TIN_PHAN_LOAI": 9 + n, "TIN_DA_GQ": 9 + n}
            (inbox / f"ca_q{q}_{n}.xlsx").write_bytes(build_template(plan, "CA", q, values=values))
    loader = subprocess.Popen([sys.executable, "-c", WRITER, str(store.data_dir), str(inbox)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    counts = []

    def backup_and_count(i: int) -> int:
        archive = tmp_path / f"b{i}.tar.gz"
        code, _, err = run(capsys, "backup", "-o", archive, *store_options(store))
        assert code == 0, err
        new = tmp_path / f"r{i}"
        code, out, err = run(capsys, "restore-backup", archive, "--data-dir", new)
        assert code == 0, out + err
        con = duckdb.connect(str(new / "processed" / "ducpho138.duckdb"), read_only=True)
        per_sub = con.execute("SELECT s.id, count(v.value) FROM submission s LEFT JOIN submission_value v "
                              "ON v.submission_id = s.id GROUP BY s.id").fetchall()
        con.close()
        assert all(n == 6 for _, n in per_sub), per_sub
        return len(per_sub)

    try:
        for n in range(1, 7):
            assert loader.stdout.readline().split() == ["loaded", str(n)]
        counts.append(backup_and_count(0))       # the loader is alive, halfway through its batch
        loader.stdin.write("go\n")
        loader.stdin.flush()
        for i in range(1, 4):
            counts.append(backup_and_count(i))   # while the second half commits
        rest = loader.stdout.read().split()
    finally:
        loader.stdin.close()
        loader.wait(timeout=120)
    assert loader.returncode == 0
    assert rest[-2:] == ["loaded", "12"]
    assert counts[0] == 6
    assert counts == sorted(counts) and counts[-1] <= 12
    assert backup_and_count(4) == 12             # and once the batch is done, all of it
