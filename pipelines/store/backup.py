"""Backups: one archive (.tar.gz) holding the DuckDB file, the raw files its submissions reference
and a manifest of their SHA-256; restore into a new data dir, refusing a damaged or altered archive.

Consistency: the database is copied while this process holds the store (DuckDB's file lock keeps
other processes out; the in-process write lock keeps this process's writers out) after a CHECKPOINT,
so the copy holds whole transactions only — a submission is in it with all its values or not at all.
The lock is held only for the CHECKPOINT and the file copy (milliseconds for a year's store; the
manifest says how long); a dashboard waiting meanwhile retries with back-off. Raw files are
content-addressed and written before their submission commits, so every file the copy references
already exists; they are read, checked against the ledger's hash and archived after the lock is
released.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from pipelines.localtime import utcnow
from pipelines.store import database, migrate
from pipelines.store.database import DB_NAME, Store

FORMAT = "ducpho138-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = f"processed/{DB_NAME}"
_RAW_MEMBER = re.compile(r"raw/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}")
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup that cannot be made, or an archive that cannot be restored (message in Vietnamese)."""


@dataclass
class BackupInfo:
    path: Path
    submissions: int
    raw_files: int
    size_bytes: int
    lock_held_seconds: float
    schema_version: int


def _sha256(path: Path) -> tuple[str, int]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _snapshot(store: Store, target: Path) -> tuple[list[tuple[str, str]], int, int, float]:
    """Copy the database file while holding the store: (raw files referenced, submissions,
    schema version, seconds the store was held)."""
    with database._WRITE_LOCK, store.connect() as con:  # waits politely for other processes
        start = time.monotonic()
        con.execute("CHECKPOINT")
        shutil.copyfile(store.db_path, target)
        refs = con.execute("SELECT DISTINCT raw_path, sha256 FROM submission ORDER BY raw_path").fetchall()
        count = con.execute("SELECT count(*) FROM submission").fetchone()[0]
        version = migrate.schema_version(con)
        held = time.monotonic() - start
    return refs, count, version, held


def make_backup(store: Store, out: Path | str, attempts: int = 3) -> BackupInfo:
    """Write the archive to `out` (replaced whole at the end: never a half-written archive)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".sao-luu-", dir=out.parent) as tmp:
        snap = Path(tmp) / DB_NAME
        for _ in range(attempts):
            refs, count, version, held = _snapshot(store, snap)
            # A raw file can vanish only when a demo year is removed after the copy: take a new copy.
            if all(store.raw_path(rel).is_file() for rel, _ in refs):
                break
        else:
            missing = [rel for rel, _ in refs if not store.raw_path(rel).is_file()]
            raise BackupError(f"Thiếu {len(missing)} tệp gốc mà kho dữ liệu tham chiếu (ví dụ {missing[0]}); "
                              "chạy `python -m pipelines check` để xem chi tiết.")
        files: dict[str, dict] = {}
        sha, size = _sha256(snap)
        files[DB_MEMBER] = {"sha256": sha, "size": size}
        for rel, expected in refs:
            sha, size = _sha256(store.raw_path(rel))
            if sha != expected:
                raise BackupError(f"Tệp gốc {rel} không khớp mã băm đã ghi trong sổ (tệp bị thay đổi?); "
                                  "chạy `python -m pipelines check`.")
            files[rel] = {"sha256": sha, "size": size}
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "created_at_utc": utcnow().isoformat(timespec="seconds"),
            "schema_version": version, "submissions": count, "lock_held_seconds": round(held, 4), "files": files,
        }
        partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        try:
            with tarfile.open(partial, "w:gz") as tar:
                body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(body), int(time.time())
                tar.addfile(info, io.BytesIO(body))
                tar.add(snap, arcname=DB_MEMBER, recursive=False)
                for rel, _ in refs:
                    tar.add(store.raw_path(rel), arcname=rel, recursive=False)
            with open(partial, "rb") as f:
                os.fsync(f.fileno())
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return BackupInfo(out, count, len(refs), out.stat().st_size, held, version)


def _damaged(archive: Path, detail: str) -> BackupError:
    return BackupError(f"Tệp sao lưu {archive.name} bị hỏng hoặc đã bị thay đổi: {detail}. Không khôi phục gì.")


def restore_backup(archive: Path | str, target: Path | str) -> dict:
    """Unpack an archive into a new data dir, every file checked against the manifest first."""
    archive, target = Path(archive), Path(target)
    if not archive.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {archive}.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"Thư mục {target} đã có dữ liệu; hãy khôi phục vào một thư mục mới "
                          "(không ghi đè một kho đang có).")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.khoi-phuc-", dir=target.parent))
    try:
        manifest = _unpack(archive, staging)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _unpack(archive: Path, staging: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise _damaged(archive, "không có danh mục (manifest.json) ở đầu tệp")
            try:
                manifest = json.loads(tar.extractfile(first).read())
                files: dict[str, dict] = manifest["files"]
                ok = manifest.get("format") == FORMAT and DB_MEMBER in files
            except (ValueError, KeyError, TypeError, AttributeError):
                ok = False
            if not ok:
                raise _damaged(archive, "danh mục (manifest.json) không đọc được")
            if manifest.get("format_version", 0) > FORMAT_VERSION:
                raise BackupError(f"Tệp sao lưu {archive.name} do phiên bản mới hơn của chương trình tạo; "
                                  "hãy cập nhật chương trình trước.")
            bad = [n for n in files if n != DB_MEMBER and not _RAW_MEMBER.fullmatch(n)]
            if bad:
                raise _damaged(archive, f"tên tệp không hợp lệ trong danh mục: {bad[0]}")
            seen: set[str] = set()
            for member in tar:
                if member is first:
                    continue
                name = member.name
                if name not in files or name in seen or not member.isfile():
                    raise _damaged(archive, f"có mục không nằm trong danh mục: {name}")
                seen.add(name)
                dest = staging / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                h, size = hashlib.sha256(), 0
                src = tar.extractfile(member)
                with open(dest, "wb") as f:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        size += len(chunk)
                        f.write(chunk)
                if h.hexdigest() != files[name].get("sha256") or size != files[name].get("size"):
                    raise _damaged(archive, f"{name} không khớp mã băm SHA-256 ghi trong danh mục")
            missing = set(files) - seen
            if missing:
                raise _damaged(archive, f"thiếu {len(missing)} tệp ghi trong danh mục (ví dụ {sorted(missing)[0]})")
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _damaged(archive, f"không đọc được ({type(exc).__name__}: {exc})") from None
    return manifest


def describe(manifest: dict) -> str:
    created = manifest.get("created_at_utc", "?")
    try:
        created = dt.datetime.fromisoformat(created).strftime("%d/%m/%Y %H:%M UTC")
    except ValueError:
        pass
    return (f"bản sao lưu lúc {created}: {manifest.get('submissions', '?')} bản báo cáo, "
            f"{len(manifest.get('files', {})) - 1} tệp gốc, lược đồ số {manifest.get('schema_version', '?')}")
