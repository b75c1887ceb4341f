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

from dashboard import i18n
from dashboard.parts import blocks
from dashboard.state import filters
from pipelines.accounts import users
from pipelines.outputs import fmt
from pipelines.store import Store
from pipelines.store.backup import BackupError, make_backup


def render(store: Store, admin: users.User) -> None:
    st.subheader(filters.t("backup_heading"), anchor=False)
    st.caption(filters.t("backup_help"))
    if st.button(filters.t("backup_make"), icon=":material/backup:", key="backup_make"):
        try:
            users.require(users.get_user(store, admin.name), "admin")
            with tempfile.TemporaryDirectory(prefix="sao-luu-") as tmp:
                name = f"SaoLuu_{dt.datetime.now():%Y%m%d_%H%M}.tar.gz"
                info = make_backup(store, Path(tmp) / name)
                st.session_state["_backup"] = (name, info.path.read_bytes(), info.submissions, info.raw_files)
            users.record_event(store, admin.name, "backup", i18n.t("audit_backup_detail", name=name, n=info.submissions))
        except (BackupError, users.PermissionDenied) as exc:
            st.error(blocks.md(exc), icon=":material/error:")
    made = st.session_state.get("_backup")
    if made:
        name, data, n, files = made
        st.success(filters.t("backup_made", n=fmt.num(n), files=fmt.num(files), kb=fmt.num(len(data) / 1024)),
                   icon=":material/check_circle:")
        st.download_button(filters.t("backup_download"), data, file_name=name, mime="application/gzip",
                           icon=":material/download:", key="backup_download")
