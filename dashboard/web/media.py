"""Download links and uploads bound to the sign-in that made them.

Streamlit serves every file a page hands out (a download button's bytes, a deferred download once
built, the favicon) at `/media/<id>.<ext>`, to anyone who has the address, until the websocket
session that made it ends — minutes after its owner signed out, and to another account's cookie
too. `install()` wraps Streamlit's MediaFileManager so that each file remembers the session cookies
(their sha256) of the page runs that made it; the guard (guard.py) then serves a file only to one
of those sessions while it is live, backups (`ADMIN_ONLY`) only to an admin, and writes every fetch
of a download, served or refused, to the audit log with who.

Uploads: Streamlit files an upload under the websocket session id in its address
(`/_stcore/upload_file/<session>/<file>`); `session_token_of` finds the sign-in cookie that
websocket was opened with, so an analyst's cookie cannot upload into another browser's session.
"""
from __future__ import annotations

import inspect
import os
import threading
from dataclasses import dataclass, field

from dashboard.web.config import session_token
from pipelines.accounts import sessions

ADMIN_ONLY = ("SaoLuu_",)   # file names only an admin session may fetch (backups hold password hashes)
MAX_FILES = 20_000          # remembered files; Streamlit drops a session's files when it ends


@dataclass
class Owned:
    download: bool
    owners: dict[str, str] = field(default_factory=dict)   # sha256 of a session token → file name


_FILES: dict[str, Owned] = {}
_DEFERRED: dict[str, tuple[str, str]] = {}    # a deferred download's placeholder → (owner, file name)
_LOCK = threading.Lock()


def file_id(url_or_name: str) -> str:
    """The id in `/media/<id>.<ext>` (what Streamlit's storage keys the file by)."""
    return os.path.splitext(url_or_name.rsplit("/", 1)[-1])[0]


def owned(fid: str) -> Owned | None:
    with _LOCK:
        return _FILES.get(fid)


def admin_only(name: str) -> bool:
    return name.startswith(ADMIN_ONLY)


def _current_owner() -> str | None:
    """sha256 of the session cookie of the page run that is making a file (None: nobody signed in,
    or not inside a page run)."""
    try:
        import streamlit as st
        token = session_token(st.context.cookies)
    except Exception:
        return None
    return sessions.token_hash(token) if token else None


def _own(fid: str, owner: str | None, name: str | None, download: bool) -> None:
    if not owner:
        return
    with _LOCK:
        if fid not in _FILES and len(_FILES) >= MAX_FILES:
            _FILES.pop(next(iter(_FILES)))           # the oldest
        entry = _FILES.setdefault(fid, Owned(download))
        entry.download = entry.download or download
        entry.owners[owner] = name or ""


def session_token_of(streamlit_session_id: str) -> str | None:
    """The sign-in token the websocket of a Streamlit session was opened with (None: none, or no
    such session)."""
    try:
        from streamlit.runtime import Runtime
        client = Runtime.instance().get_client(streamlit_session_id)
        return session_token(client.client_context.cookies) if client is not None else None
    except Exception:
        return None


def install() -> None:
    """Wrap MediaFileManager.add / add_deferred / execute_deferred (once per process)."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    if getattr(MediaFileManager, "_ducpho138_bound", False):
        return
    add, add_deferred, execute_deferred = (MediaFileManager.add, MediaFileManager.add_deferred,
                                           MediaFileManager.execute_deferred)
    add_sig, deferred_sig = inspect.signature(add), inspect.signature(add_deferred)

    def bound_add(self, *args, **kwargs):
        url = add(self, *args, **kwargs)
        given = add_sig.bind(self, *args, **kwargs).arguments
        _own(file_id(url), _current_owner(), given.get("file_name"), bool(given.get("is_for_static_download")))
        return url

    def bound_add_deferred(self, *args, **kwargs):
        placeholder = add_deferred(self, *args, **kwargs)
        owner = _current_owner()
        if owner:
            with _LOCK:
                if len(_DEFERRED) >= MAX_FILES:
                    _DEFERRED.pop(next(iter(_DEFERRED)))
                _DEFERRED[placeholder] = (owner, deferred_sig.bind(self, *args, **kwargs).arguments.get("file_name") or "")
        return placeholder

    def bound_execute_deferred(self, placeholder, *args, **kwargs):
        url = execute_deferred(self, placeholder, *args, **kwargs)
        with _LOCK:
            made = _DEFERRED.get(placeholder)
        if made:
            _own(file_id(url), made[0], made[1], True)
        return url

    MediaFileManager.add = bound_add
    MediaFileManager.add_deferred = bound_add_deferred
    MediaFileManager.execute_deferred = bound_execute_deferred
    MediaFileManager._ducpho138_bound = True
