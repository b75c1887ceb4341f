"""The dashboard's server: `streamlit run dashboard/server.py -- --data-dir DIR` (what `make run` does).

Streamlit finds the `st.App` below and serves the page script dashboard/app.py through Starlette
with the project's own routes and middleware (dashboard/web/): the sign-in form and its POST,
which sets a lasting, HttpOnly session cookie, and the guard that checks the Host header and binds
downloads and uploads to the session that made them. Behind a reverse proxy, name it with
`--trusted-proxies ADDR` (README, "Behind an HTTPS proxy") so the real client address and scheme
are used. `streamlit run dashboard/app.py` still works, but without these: the
sign-in then lasts only as long as the browser tab.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/server.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
import uvicorn.config  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from dashboard.web import config, guard, media, signin  # noqa: E402
from pipelines import waits  # noqa: E402

config.SERVED = True
media.install()
waits.install_from_env()  # $DUCPHO138_STORE_WAITS=FILE: the store's waits as JSON lines (pipelines/waits.py)


def _proxy_headers(app, trusted_hosts=None):
    """uvicorn's X-Forwarded-For/-Proto handling, believing only our trusted proxies. uvicorn's own
    default (127.0.0.1, ::1, or $FORWARDED_ALLOW_IPS read before this file is imported) would let
    any local process claim any client address and scheme, and would not trust a proxy on another
    machine. uvicorn imports this file inside Config.load(), just before it wraps the app with the
    class named here."""
    return _UvicornProxyHeaders(app, trusted_hosts=config.trusted_proxies())


_UvicornProxyHeaders = uvicorn.config.ProxyHeadersMiddleware
uvicorn.config.ProxyHeadersMiddleware = _proxy_headers
app = st.App("app.py", routes=signin.routes(), middleware=[Middleware(guard.Guard)])
