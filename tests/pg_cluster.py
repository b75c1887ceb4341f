"""A private PostgreSQL cluster for the tests and benchmarks: its own data directory and port, started
with pg_ctl and stopped at the end — no system service, nothing outside a temporary folder.

PostgreSQL refuses to run as root; under root (CI containers) the server runs as the `postgres`
account the Debian package creates, which then owns the temporary folder.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

USER = "ducpho"


def pg_bin(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, base: Path | None = None):
        # its own folder right under the temporary dir: the server's account must reach it, and
        # pytest's folders are private to root
        self.base = Path(base) if base else Path(tempfile.mkdtemp(prefix="ducpho-pg-"))
        self.data = self.base / "pgdata"
        self.sockets = self.base / "sock"
        self.log = self.base / "server.log"
        self.port = _free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *cmd: str) -> None:
        done = subprocess.run([*self._as, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd[:1])} failed: {done.stderr.strip()}")

    def start(self) -> "Cluster":
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError("PostgreSQL (initdb, pg_ctl) is not installed")
        self.base.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if self._as:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sockets, "postgres")
            os.chmod(self.base, 0o755)
        self._run(initdb, "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        opts = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB")
        self._run(pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.log), "-w", "-t", "60", "start")
        return self

    def stop(self) -> None:
        pg_ctl = pg_bin("pg_ctl")
        if pg_ctl and self.data.exists():
            subprocess.run([*self._as, pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg
        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_ready(cluster: Cluster, timeout: float = 30) -> None:
    import psycopg
    end = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(cluster.url(), connect_timeout=2).close()
            return
        except Exception:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)
