"""The real server and scripted clients, without a browser: `streamlit run dashboard/server.py` on a
free 127.0.0.1 port (with its process, to read its memory), plain HTTP requests from a chosen
source address (Linux answers on all of 127.0.0.0/8, so 127.0.0.2 … are distinct clients), the
sign-in form posted like a browser would, and a websocket client speaking Streamlit's protocol
(run a page, click a button, collect what the server sends)."""
from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVER = "dashboard/server.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_process(data_dir: Path | None, log_path: Path, *extra: str, env: dict | None = None
                  ) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run dashboard/server.py` on a free port against data_dir (extra: the app's own
    options after `--`); yields (URL, process)."""
    port = free_port()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", SERVER, "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--", *(["--data-dir", str(data_dir)] if data_dir is not None else []), *extra],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start; see {log_path}")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS), or its peak so far (field="VmHWM"), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def request(url: str, method: str = "GET", path: str = "/", body: bytes | None = None, headers: dict | None = None,
            source: str | None = None, timeout: float = 60) -> tuple[int, dict, bytes, list[str]]:
    """(status, headers lower-cased, body, Set-Cookie lines); `source` picks the client address."""
    parts = urllib.parse.urlsplit(url)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                     source_address=(source, 0) if source else None)
    try:
        con.request(method, path, body=body, headers=headers or {})
        r = con.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read(), r.headers.get_all("set-cookie") or []
    finally:
        con.close()


def cookie(set_cookies: list[str], name: str) -> str | None:
    for line in set_cookies:
        if line.startswith(name + "="):
            return line.split(";", 1)[0].split("=", 1)[1]
    return None


def form_post(url: str, name: str, password: str, origin: str | None = "self", csrf: str | None = "fresh",
              next_path: str = "/", source: str | None = None, cookies: dict | None = None,
              headers: dict | None = None) -> tuple[int, dict, bytes, list[str]]:
    """GET the sign-in form (its CSRF cookie and field), then POST it like a browser."""
    _, _, page, set_cookies = request(url, path="/dang-nhap", source=source, headers=headers)
    field = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
    jar = {"ducpho138_csrf": cookie(set_cookies, "ducpho138_csrf"), **(cookies or {})}
    form = urllib.parse.urlencode({"csrf": field if csrf == "fresh" else (csrf or ""), "next": next_path,
                                   "name": name, "password": password}).encode()
    sent = {"Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items() if v), **(headers or {})}
    if origin:
        sent["Origin"] = url if origin == "self" else origin
    return request(url, "POST", "/dang-nhap", form, sent, source=source)


def failure_text(body: bytes) -> str:
    found = re.search(rb'<div class="error" role="alert">(.*?)</div>', body, re.S)
    return found.group(1).decode() if found else ""


def run_async(coroutine):
    """asyncio.run in a thread of its own (a caller may already run a loop, e.g. Playwright)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Session:
    """One Streamlit websocket session, as the browser opens it (optionally with cookies)."""

    def __init__(self, url: str, cookies: dict | None = None, host: str | None = None, origin: str | None = None):
        self.url, self.cookies = url, dict(cookies or {})
        self.host, self.origin = host, origin or url
        self.messages: list = []          # ForwardMsg, parsed
        self.raw: list[bytes] = []
        self.session_id: str | None = None
        self.ws = None

    async def __aenter__(self):
        import websockets
        _, _, _, set_cookies = await asyncio.to_thread(request, self.url, "GET", "/_stcore/health")
        self.xsrf = cookie(set_cookies, "_streamlit_xsrf") or ""
        jar = {**self.cookies, **({"_streamlit_xsrf": self.xsrf} if self.xsrf else {})}
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        extra = {}
        if self.host:   # another name in the Host header, the same server (as DNS rebinding does)
            parts = urllib.parse.urlsplit(self.url)
            extra["sock"] = socket.create_connection((parts.hostname, parts.port), timeout=30)
            ws_url = f"ws://{self.host}/_stcore/stream"
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit", self.xsrf or "x"], origin=self.origin,
                                           additional_headers=headers, max_size=None, open_timeout=30, **extra)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def run(self, page_name: str = "", widgets: list | None = None, query: str = "", timeout: float = 30) -> list:
        """Ask for a rerun of `page_name` (with widget states) and collect the messages until the
        script finishes (a run the page itself cut short for a rerun, e.g. st.rerun, is followed to
        the end of the next one) or nothing comes for `timeout` seconds; returns them."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page_name
        for w in widgets or []:
            msg.rerun_script.widget_states.widgets.append(w)
        await self.ws.send(msg.SerializeToString())
        got = []
        for _ in range(2000):
            try:
                data = await asyncio.wait_for(self.ws.recv(), timeout=timeout)
            except asyncio.TimeoutError:
                break
            self.raw.append(data)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            got.append(fm)
            if fm.HasField("new_session"):
                self.session_id = fm.new_session.initialize.session_id
            if fm.HasField("script_finished") and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                break
        self.messages += got
        return got

    def find(self, label: str, kind: str = "button"):
        """The last element of `kind` (button, download_button) whose label is `label`."""
        found = None
        for fm in self.messages:
            if fm.HasField("delta") and fm.delta.HasField("new_element"):
                el = fm.delta.new_element
                if el.WhichOneof("type") == kind and getattr(el, kind).label == label:
                    found = getattr(el, kind)
        return found

    async def click(self, label: str, page_name: str = "") -> list:
        from streamlit.proto.WidgetStates_pb2 import WidgetState
        button = self.find(label)
        assert button is not None, f"no button {label!r}"
        state = WidgetState(id=button.id, trigger_value=True)
        return await self.run(page_name, [state])


def strings(message) -> list[str]:
    """Every string in a protobuf message, recursively (for looking for names in what was sent)."""
    out = []
    for field, value in message.ListFields():
        repeated = not isinstance(value, (str, bytes)) and not hasattr(value, "ListFields") and hasattr(value, "__len__")
        values = value if repeated else [value]
        for v in values:
            if isinstance(v, str):
                out.append(v)
            elif hasattr(v, "ListFields"):
                out += strings(v)
    return out
