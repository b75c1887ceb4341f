"""The dashboard's server: `streamlit run dashboard/server.py -- --data-dir DIR` (what `make run` does).

Streamlit finds the `st.App` below and serves the page script dashboard/app.py through Starlette
with the project's own routes and middleware (dashboard/web/): the sign-in form and its POST,
which sets a lasting, HttpOnly session cookie, and the guard that refuses downloads and uploads
without a live session. `streamlit run dashboard/app.py` still works, but without these: the
sign-in then lasts only as long as the browser tab.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run dashboard/server.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from dashboard.web import config, guard, signin  # noqa: E402

config.SERVED = True
app = st.App("app.py", routes=signin.routes(), middleware=[Middleware(guard.Guard)])
