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

What the manifest protects, and what it does not: its SHA-256 list detects *damage* (a truncated
copy, a flipped bit, a file swapped or added by mistake). It does not detect *tampering*: whoever
can change the archive can change the manifest's hashes with it. `make_backup(sign_key=…)` adds a
second member, `manifest.sig`, an HMAC-SHA256 of the manifest's bytes under a secret key; with
`restore_backup(verify_key=…)` an archive whose signature is missing or does not match is refused
before anything is written. That holds only while the key is kept apart from the archives.

Restoring an archive from elsewhere must not cost unbounded disk or memory: the manifest is read
only when under MAX_MANIFEST_BYTES; each member's size, from its header and again while it is
streamed, must equal the manifest's and stay under a fixed bound; the whole is checked against the
free disk space before anything is written.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
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
from pipelines.workbook.guard import MAX_FILE_BYTES

FORMAT = "ducpho138-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_MANIFEST_BYTES = 8 << 20      # a year's store lists a few hundred files (~150 bytes each)
MAX_MANIFEST_FILES = 100_000
MAX_DB_BYTES = 64 << 30           # a national store of ten years is far below this
MIN_KEY_BYTES = 16
DB_MEMBER = f"processed/{DB_NAME}"
_RAW_MEMBER = re.compile(r"raw/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}")
MAX_RAW_BYTES = MAX_FILE_BYTES    # a raw file is an accepted upload: never over the upload bound
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
    schema version, seconds the store was held). A PostgreSQL store is not held at all: its rows
    are read in one snapshot (REPEATABLE READ) into a new DuckDB file, so the archive has the same
    form whatever the engine and restores onto either (see `_pg_snapshot`)."""
    if store.engine == "postgresql":
        return _pg_snapshot(store, target)
    with database._WRITE_LOCK, store.connect() as con:  # waits politely for other processes
        start = time.monotonic()
        con.execute("CHECKPOINT")
        shutil.copyfile(store.db_path, target)
        refs = con.execute("SELECT DISTINCT raw_path, sha256 FROM submission ORDER BY raw_path").fetchall()
        count = con.execute("SELECT count(*) FROM submission").fetchone()[0]
        version = migrate.schema_version(con)
        held = time.monotonic() - start
    return refs, count, version, held


def _pg_snapshot(store: Store, target: Path) -> tuple[list[tuple[str, str]], int, int, float]:
    """The project's own archive rather than pg_dump's: one format for both engines (a town restores a
    province's backup, a server restores a town's), the same manifest, signature and hostile-archive
    checks, and no dependence on the server's pg_dump version. Writers go on meanwhile."""
    from pipelines.store.move import copy_store
    with tempfile.TemporaryDirectory(prefix=".anh-chup-", dir=target.parent) as tmp:
        copy = Store(Path(tmp) / "data")
        copy_store(store, copy, copy_raw=False)
        with copy.connect() as con:
            con.execute("CHECKPOINT")
            refs = con.execute("SELECT DISTINCT raw_path, sha256 FROM submission ORDER BY raw_path").fetchall()
            count = con.execute("SELECT count(*) FROM submission").fetchone()[0]
            version = migrate.schema_version(con)
        shutil.copyfile(copy.db_path, target)
    return refs, count, version, 0.0


def read_key(path: Path | str) -> bytes:
    """A signing key from its file (any bytes; at least MIN_KEY_BYTES, surrounding blanks ignored)."""
    try:
        key = Path(path).read_bytes().strip()
    except OSError as exc:
        raise BackupError(f"Không đọc được tệp khóa {path}: {exc.strerror or exc}.") from None
    if len(key) < MIN_KEY_BYTES:
        raise BackupError(f"Tệp khóa {path} quá ngắn ({len(key)} byte; cần ít nhất {MIN_KEY_BYTES}). "
                          "Tạo khóa bằng: openssl rand -hex 32 > TỆP_KHÓA")
    return key


def _sign(key: bytes, manifest: bytes) -> bytes:
    return hmac.new(key, manifest, hashlib.sha256).hexdigest().encode()


def make_backup(store: Store, out: Path | str, attempts: int = 3, sign_key: bytes | None = None) -> BackupInfo:
    """Write the archive to `out` (replaced whole at the end: never a half-written archive); with
    `sign_key`, signed (see the module's docstring)."""
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
                if sign_key is not None:
                    sig = _sign(sign_key, body)
                    info = tarfile.TarInfo(SIGNATURE)
                    info.size, info.mtime = len(sig), int(time.time())
                    tar.addfile(info, io.BytesIO(sig))
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


def restore_backup(archive: Path | str, target: Path | str, verify_key: bytes | None = None) -> dict:
    """Unpack an archive into a new data dir, every file checked against the manifest as it is
    streamed; with `verify_key`, only an archive signed with that key."""
    archive, target = Path(archive), Path(target)
    if not archive.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {archive}.")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"Thư mục {target} đã có dữ liệu; hãy khôi phục vào một thư mục mới "
                          "(không ghi đè một kho đang có).")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.khoi-phuc-", dir=target.parent))
    try:
        manifest = _unpack(archive, staging, verify_key)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _unpack(archive: Path, staging: Path, verify_key: bytes | None = None) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise _damaged(archive, "không có danh mục (manifest.json) ở đầu tệp")
            if first.size > MAX_MANIFEST_BYTES:  # before reading it: a huge manifest would fill memory
                raise _damaged(archive, f"danh mục (manifest.json) quá lớn ({first.size} byte; "
                                        f"tối đa {MAX_MANIFEST_BYTES} byte)")
            body = tar.extractfile(first).read(MAX_MANIFEST_BYTES + 1)
            manifest = _manifest(archive, body)
            files: dict[str, dict] = manifest["files"]
            member = tar.next()
            if member is not None and member.name == SIGNATURE:
                signature = tar.extractfile(member).read(256) if member.isfile() and member.size <= 256 else b""
                member = tar.next()
            else:
                signature = None
            if verify_key is not None:
                if signature is None:
                    raise BackupError(f"Tệp sao lưu {archive.name} không có chữ ký (manifest.sig) nên không kiểm "
                                      "được bằng khóa đã cho; không khôi phục gì.")
                if not hmac.compare_digest(signature.strip(), _sign(verify_key, body)):
                    raise BackupError(f"Chữ ký của tệp sao lưu {archive.name} không khớp khóa đã cho: tệp đã bị "
                                      "thay đổi hoặc được ký bằng khóa khác. Không khôi phục gì.")
            need = sum(entry["size"] for entry in files.values())
            free = shutil.disk_usage(staging).free
            if need > free:
                raise BackupError(f"Không đủ chỗ trống để khôi phục {archive.name}: cần {need // 1048576} MB, "
                                  f"còn {free // 1048576} MB. Không khôi phục gì.")
            seen: set[str] = set()
            while member is not None:
                name = member.name
                if name not in files or name in seen or not member.isfile():
                    raise _damaged(archive, f"có mục không nằm trong danh mục: {name}")
                expected = files[name]["size"]
                if member.size != expected:  # before writing a byte of it
                    raise _damaged(archive, f"{name} dài {member.size} byte, danh mục ghi {expected} byte")
                seen.add(name)
                dest = staging / name
                dest.parent.mkdir(parents=True, exist_ok=True)
                h, size = hashlib.sha256(), 0
                src = tar.extractfile(member)
                with open(dest, "wb") as f:
                    while chunk := src.read(_CHUNK):
                        size += len(chunk)
                        if size > expected:  # cannot happen with tarfile today; the bound must not rely on it
                            raise _damaged(archive, f"{name} dài hơn danh mục ghi ({expected} byte)")
                        h.update(chunk)
                        f.write(chunk)
                if h.hexdigest() != files[name].get("sha256") or size != expected:
                    raise _damaged(archive, f"{name} không khớp mã băm SHA-256 ghi trong danh mục")
                member = tar.next()
            missing = set(files) - seen
            if missing:
                raise _damaged(archive, f"thiếu {len(missing)} tệp ghi trong danh mục (ví dụ {sorted(missing)[0]})")
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise _damaged(archive, f"không đọc được ({type(exc).__name__}: {exc})") from None
    if verify_key is None and signature is not None:
        manifest["_unverified_signature"] = True
    return manifest


def _manifest(archive: Path, body: bytes) -> dict:
    """The manifest, checked: known format, sane names, and every size an integer within the
    fixed bounds (a raw file is never bigger than an upload may be)."""
    try:
        manifest = json.loads(body)
        files = manifest["files"]
        ok = (manifest.get("format") == FORMAT and isinstance(files, dict) and DB_MEMBER in files
              and len(files) <= MAX_MANIFEST_FILES)
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
    for name, entry in files.items():
        size = entry.get("size") if isinstance(entry, dict) else None
        bound = MAX_DB_BYTES if name == DB_MEMBER else MAX_RAW_BYTES
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= bound:
            raise _damaged(archive, f"{name}: kích thước ghi trong danh mục không hợp lệ ({size!r}; tối đa {bound} byte)")
    return manifest


def describe(manifest: dict) -> str:
    created = manifest.get("created_at_utc", "?")
    try:
        created = dt.datetime.fromisoformat(created).strftime("%d/%m/%Y %H:%M UTC")
    except ValueError:
        pass
    return (f"bản sao lưu lúc {created}: {manifest.get('submissions', '?')} bản báo cáo, "
            f"{len(manifest.get('files', {})) - 1} tệp gốc, lược đồ số {manifest.get('schema_version', '?')}")
