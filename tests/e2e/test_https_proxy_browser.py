"""Sign-in behind a real HTTPS reverse proxy (issue 19 item 4), in headless Chromium.

The test makes a self-signed certificate (openssl), starts Debian's nginx terminating TLS on a free
127.0.0.1 port in front of the real server (`streamlit run dashboard/server.py --
--trusted-proxies 127.0.0.2`; nginx connects to it *from* 127.0.0.2, so the proxy's address and
the browser's differ), signs in through it and checks that the session cookie is the `__Host-`
Secure one, that the pages and their websocket work through the proxy, and that the sign-in is
recorded with the browser's address, not the proxy's. The nginx configuration is the README's.

Without nginx, openssl or Chromium the test is skipped locally and fails in CI (env CI set).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from browser_kit import CHROMIUM, PASSWORD, add_accounts, settle, shot, sign_in
from server_kit import free_port, serve_process

from pipelines.store import Store

pytestmark = pytest.mark.e2e
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
OPENSSL = shutil.which("openssl")
PROXY_FROM = "127.0.0.2"     # the address nginx connects to the dashboard from

# The README's configuration ("Behind an HTTPS proxy"), with this test's paths and ports.
NGINX_CONF = """
{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;

    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}

    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        client_max_body_size 25m;                      # uploads: 20 MB per workbook

        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_bind {proxy_from};
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;   # replaced, not appended: a client cannot forge it
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;           # the websocket
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 1h;
            proxy_buffering off;
        }}
    }}
}}
"""


def _need(tool: str | None, what: str) -> None:
    if not tool:
        message = f"{what} is missing: the HTTPS proxy test needs it (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def chromium():
    _need(CHROMIUM, "Chromium")
    from playwright.sync_api import sync_playwright

    from browser_kit import ARGS
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    _need(NGINX, "nginx")
    _need(OPENSSL, "openssl")
    data = tmp_path_factory.mktemp("https-proxy") / "data"
    Store(data)
    add_accounts(data)
    tmp = tmp_path_factory.mktemp("nginx")
    subprocess.run([OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem")],
                   check=True, capture_output=True, timeout=60)
    with serve_process(data, tmp / "streamlit.log", "--trusted-proxies", PROXY_FROM) as (app_url, _):
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, app_port=app_url.rsplit(":", 1)[1],
                                          proxy_from=PROXY_FROM, user="user root;" if os.geteuid() == 0 else ""))
        proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=(tmp / "nginx.stderr").open("w"))
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"nginx did not start: {(tmp / 'nginx.stderr').read_text()}"
                                    f"{(tmp / 'error.log').read_text() if (tmp / 'error.log').exists() else ''}")
                    time.sleep(0.2)
            yield f"https://localhost:{port}", data
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_sign_in_through_an_https_proxy_sets_the_host_secure_cookie(chromium, proxied):
    url, data = proxied
    context = chromium.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(60000)
    page.goto(f"{url}/chi-tieu?period=9M")
    assert "/dang-nhap" in page.url and page.url.startswith("https://")
    sign_in(page, "xem")
    settle(page, "Chỉ tiêu")                       # the page and its websocket, through nginx
    shot(page, "https-proxy-chi-tieu")
    cookies = {c["name"]: c for c in context.cookies()}
    session = cookies.get("__Host-ducpho138_session")
    print(f"\nthrough nginx (TLS): cookies {sorted(cookies)}; session cookie "
          f"{ {k: session[k] for k in ('secure', 'httpOnly', 'sameSite', 'path')} if session else None}")
    assert session and session["secure"] and session["httpOnly"] and session["sameSite"] == "Strict"
    assert session["path"] == "/" and "ducpho138_session" not in cookies      # not the plain one
    assert cookies.get("__Host-ducpho138_device", {}).get("secure")
    context.close()
    rows = Store(data).query_df("SELECT actor, action, detail FROM audit_log WHERE action = 'sign_in'")
    print(f"sign-in audited as: {list(rows['detail'])}")
    assert list(rows["actor"]) == ["xem"] and rows["detail"][0].endswith("từ 127.0.0.1")   # the browser's, not 127.0.0.2
