"""restore-backup against archives made to hurt (issue 19 item 6): a gzip bomb behind a small
manifest, a huge manifest, and a database altered to hold an extra admin with the manifest's hashes
recomputed. Each attack prints what it measured (peak memory of the restoring process, bytes
written, the answer)."""
from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

import duckdb
import pytest
from conftest import run_cli as run
from conftest import ROOT, store_options
from peak_memory import cli_probe, peak_mib, strip_peak

from pipelines.store import backup
from pipelines.store.backup import BackupError, restore_backup
from pipelines.store.load import ingest_bytes
from pipelines.workbook.template import build_template


@pytest.fixture
def loaded(store, plan):
    ingest_bytes(store, build_template(plan, "VKS", 1, values={"VKS_TON": 0, "VKS_MOI": 2, "VKS_TRUY_TO": 2}),
                 "vks.xlsx", loaded_by="can_bo")
    return store


class Zeros(io.RawIOBase):
    """`size` zero bytes, read in chunks (never held whole)."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def _archive(path, members):
    """A .tar.gz of (name, size, stream) members, compressed fast (the bombs are mostly zeros)."""
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for name, size, stream in members:
            info = tarfile.TarInfo(name)
            info.size = size
            tar.addfile(info, stream)


def _manifest(files):
    return json.dumps({"format": backup.FORMAT, "format_version": 1, "files": files}).encode()


@pytest.fixture
def counting_reads(monkeypatch):
    """Bytes read out of archive members (other than the manifest) while restoring."""
    read = [0]
    original = tarfile.TarFile.extractfile

    def extractfile(self, member):
        f = original(self, member)
        if f is None or member.name == backup.MANIFEST:
            return f
        inner = f.read

        def counted(n=-1):
            chunk = inner(n)
            read[0] += len(chunk)
            return chunk
        f.read = counted
        return f
    monkeypatch.setattr(tarfile.TarFile, "extractfile", extractfile)
    return read


def _peak_rss_mib(archive, target) -> tuple[int, str, float]:
    """restore-backup in its own process: (exit code, stderr, its own peak memory: peak_memory.py)."""
    done = subprocess.run([sys.executable, *cli_probe("restore-backup", str(archive), "--data-dir", str(target))],
                          cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return done.returncode, strip_peak(done.stderr), peak_mib(done.stderr)


def test_a_gzip_bomb_behind_a_small_manifest_writes_nothing(tmp_path, counting_reads):
    archive = tmp_path / "bom.tar.gz"
    gib = 1 << 30
    _archive(archive, [(backup.MANIFEST, len(m := _manifest({backup.DB_MEMBER: {"sha256": "0" * 64, "size": 10}})),
                        io.BytesIO(m)),
                       (backup.DB_MEMBER, gib, io.BufferedReader(Zeros(gib), 1 << 20))])
    with pytest.raises(BackupError) as refused:
        restore_backup(archive, tmp_path / "moi")
    print(f"\n1 GiB of zeros in {archive.stat().st_size / 1048576:.1f} MiB, manifest says 10 bytes: "
          f"{counting_reads[0]} bytes read out of it, refused: {refused.value}")
    assert counting_reads[0] == 0 and f"dài {gib} byte, danh mục ghi 10 byte" in str(refused.value)
    assert not (tmp_path / "moi").exists() and [p.name for p in tmp_path.iterdir()] == ["bom.tar.gz"]
    code, err, peak = _peak_rss_mib(archive, tmp_path / "moi2")
    print(f"restore-backup in its own process: exit {code}, peak RSS {peak:.0f} MiB")
    assert code == 1 and "danh mục ghi 10 byte" in err and peak < 200


def test_a_huge_manifest_is_refused_unread(tmp_path):
    archive = tmp_path / "danh_muc_lon.tar.gz"
    size = 300 << 20
    head = b'{"format": "ducpho138-backup", "files": {"processed/ducpho138.duckdb": {"size": 1, "sha256": "'
    tail = b'"}}}'
    stream = io.BufferedReader(_Concat([head, Zeros(size - len(head) - len(tail)), tail]), 1 << 20)
    _archive(archive, [(backup.MANIFEST, size, stream)])
    code, err, peak = _peak_rss_mib(archive, tmp_path / "moi")
    print(f"\n300 MiB manifest in {archive.stat().st_size / 1048576:.1f} MiB: exit {code}, peak RSS {peak:.0f} MiB; {err.strip()}")
    assert code == 1 and "danh mục (manifest.json) quá lớn" in err and peak < 200
    assert not (tmp_path / "moi").exists()


class _Concat(io.RawIOBase):
    def __init__(self, parts):
        self.parts = [io.BytesIO(p) if isinstance(p, bytes) else p for p in parts]

    def readable(self):
        return True

    def readinto(self, b):
        while self.parts:
            n = self.parts[0].readinto(b)
            if n:
                return n
            self.parts.pop(0)
        return 0


def _tamper(archive, target, key_for_new_signature=None):
    """An archive whose database holds an extra admin, manifest hashes recomputed to match; the
    signature member kept as it was, or re-made with another key."""
    with tarfile.open(archive) as src:
        members = [(m.name, src.extractfile(m).read()) for m in src]
    data = dict(members)
    db = target.parent / "db.duckdb"
    db.write_bytes(data[backup.DB_MEMBER])
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO app_user (name, role, password_hash, created_at) VALUES "
                "('ke_gian', 'admin', 'x', now()::TIMESTAMP)")
    con.execute("CHECKPOINT")
    con.close()
    data[backup.DB_MEMBER] = db.read_bytes()
    manifest = json.loads(data[backup.MANIFEST])
    manifest["files"][backup.DB_MEMBER] = {"sha256": hashlib.sha256(data[backup.DB_MEMBER]).hexdigest(),
                                           "size": len(data[backup.DB_MEMBER])}
    data[backup.MANIFEST] = json.dumps(manifest).encode()
    if key_for_new_signature and backup.SIGNATURE in data:
        data[backup.SIGNATURE] = backup._sign(key_for_new_signature, data[backup.MANIFEST])
    _archive(target, [(name, len(data[name]), io.BytesIO(data[name])) for name, _ in members])


def test_a_signed_backup_refuses_tampering_that_the_manifest_alone_cannot_see(loaded, tmp_path, capsys):
    key = tmp_path / "khoa" / "sao-luu.key"
    key.parent.mkdir()
    key.write_text(os.urandom(32).hex() + "\n")
    plain, signed = tmp_path / "plain.tar.gz", tmp_path / "signed.tar.gz"
    assert run(capsys, "backup", "-o", plain, *store_options(loaded))[0] == 0
    code, out, err = run(capsys, "backup", "-o", signed, *store_options(loaded), "--sign-key", key)
    assert code == 0 and "Đã ký bằng khóa" in out, err
    with tarfile.open(signed) as tar:
        assert tar.getnames()[:2] == [backup.MANIFEST, backup.SIGNATURE]

    # unsigned: the manifest detects damage, not tampering — the extra admin gets through (README says so)
    _tamper(plain, tmp_path / "plain_x.tar.gz")
    code, out, err = run(capsys, "restore-backup", tmp_path / "plain_x.tar.gz", "--data-dir", tmp_path / "n1")
    with capsys.disabled():  # run() reads capsys: print past it
        print(f"\nunsigned, tampered: exit {code}: {out.strip()}")
    assert code == 0 and "không có chữ ký" in out
    # signed, verified with the key kept apart: refused, whether the signature was kept or re-made
    for label, tampered in (("signature kept", None), ("re-signed with another key", b"k" * 32)):
        name = tmp_path / f"signed_x_{bool(tampered)}.tar.gz"
        _tamper(signed, name, tampered)
        target = tmp_path / f"n_{bool(tampered)}"
        code, out, err = run(capsys, "restore-backup", name, "--data-dir", target, "--verify-key", key)
        with capsys.disabled():
            print(f"signed, tampered ({label}), --verify-key: exit {code}: {err.strip()}")
        assert code == 1 and "Chữ ký của tệp sao lưu" in err and "không khớp khóa" in err
        assert not target.exists()
    # an unsigned archive is refused when a key is given; the genuine signed one is restored
    code, out, err = run(capsys, "restore-backup", plain, "--data-dir", tmp_path / "n2", "--verify-key", key)
    assert code == 1 and "không có chữ ký" in err and not (tmp_path / "n2").exists()
    code, out, err = run(capsys, "restore-backup", signed, "--data-dir", tmp_path / "n3", "--verify-key", key)
    assert code == 0 and "Chữ ký khớp khóa" in out, err
    # a signed archive restored without the key still works (and says it was not checked)
    code, out, err = run(capsys, "restore-backup", signed, "--data-dir", tmp_path / "n4")
    assert code == 0 and "chưa được kiểm" in out
    # a key file too short is refused
    (tmp_path / "ngan.key").write_text("abc")
    code, out, err = run(capsys, "backup", "-o", tmp_path / "x.tar.gz", *store_options(loaded),
                         "--sign-key", tmp_path / "ngan.key")
    assert code == 1 and "quá ngắn" in err
