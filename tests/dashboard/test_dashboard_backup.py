"""Quản trị → Sao lưu: an admin makes a backup and downloads it; the archive restores."""
from __future__ import annotations

import io
import tarfile

from test_dashboard_auth import _app, _audit, _ok, data_dir, accounts_template  # noqa: F401  (fixtures)

from pipelines.store.backup import restore_backup


def test_admin_downloads_a_backup_that_restores(data_dir, monkeypatch, tmp_path):  # noqa: F811
    at = _app(data_dir, monkeypatch, "quan_tri").run()
    at.switch_page("views/quan_tri.py").run()
    _ok(at)
    next(b for b in at.button if b.label == "Tạo bản sao lưu").click().run()
    _ok(at)
    assert any("Đã tạo bản sao lưu" in s.value for s in at.success)
    name, data, n, files = at.session_state["_backup"]
    assert name.startswith("SaoLuu_") and name.endswith(".tar.gz") and n > 0
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames()[:2] == ["manifest.json", "processed/ducpho138.duckdb"]
    archive = tmp_path / name
    archive.write_bytes(data)
    manifest = restore_backup(archive, tmp_path / "restored")
    assert manifest["submissions"] == n
    assert ("quan_tri", "backup") in [(a[0], a[1]) for a in _audit(data_dir)]
