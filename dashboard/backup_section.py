"""Quản trị → Sao lưu: an admin makes a backup of the store (the same archive as
`python -m pipelines backup`) and downloads it. One call from the admin page: `render(store, admin)`.

The archive holds the whole store, password hashes included: admins only, re-checked against the
store at the click, and every backup is written to the audit log.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import streamlit as st

from dashboard import ui
from pipelines.accounts import users
from pipelines.outputs import fmt
from pipelines.store import Store
from pipelines.store.backup import BackupError, make_backup

TEXT = {
    "heading": ("Sao lưu dữ liệu", "Backup"),
    "help": ("Một tệp .tar.gz chứa toàn bộ kho (cơ sở dữ liệu và các tệp báo cáo gốc, kèm mã băm SHA-256). "
             "Tạo được cả khi mọi người đang dùng trang. Khôi phục trên máy khác bằng lệnh "
             "`python -m pipelines restore-backup TỆP --data-dir THƯ_MỤC_MỚI`. Tệp có cả mã băm mật khẩu: "
             "cất giữ như tài liệu mật.",
             "One .tar.gz holding the whole store (database and original report files, with SHA-256 hashes). "
             "Safe while others use the dashboard. Restore elsewhere with "
             "`python -m pipelines restore-backup FILE --data-dir NEW_DIR`. It contains password hashes: keep it safe."),
    "make": ("Tạo bản sao lưu", "Make a backup"),
    "made": ("Đã tạo bản sao lưu: {n} bản báo cáo, {files} tệp gốc, {kb} KB.",
             "Backup made: {n} reports, {files} original files, {kb} KB."),
    "download": ("Tải bản sao lưu", "Download the backup"),
}


def _t(key: str, **kw) -> str:
    vi, en = TEXT[key]
    return (en if ui.lang() == "en" else vi).format(**kw)


def render(store: Store, admin: users.User) -> None:
    st.subheader(_t("heading"), anchor=False)
    st.caption(_t("help"))
    if st.button(_t("make"), icon=":material/backup:", key="backup_make"):
        try:
            users.require(users.get_user(store, admin.name), "admin")
            with tempfile.TemporaryDirectory(prefix="sao-luu-") as tmp:
                name = f"SaoLuu_{dt.datetime.now():%Y%m%d_%H%M}.tar.gz"
                info = make_backup(store, Path(tmp) / name)
                st.session_state["_backup"] = (name, info.path.read_bytes(), info.submissions, info.raw_files)
            users.record_event(store, admin.name, "backup", f"{name}: {info.submissions} bản báo cáo")
        except (BackupError, users.PermissionDenied) as exc:
            st.error(ui.md(exc), icon=":material/error:")
    made = st.session_state.get("_backup")
    if made:
        name, data, n, files = made
        st.success(_t("made", n=fmt.num(n), files=fmt.num(files), kb=fmt.num(len(data) / 1024)),
                   icon=":material/check_circle:")
        st.download_button(_t("download"), data, file_name=name, mime="application/gzip",
                           icon=":material/download:", key="backup_download")
