"""A throwaway PostgreSQL server for tests: ``initdb`` in a temporary folder, ``pg_ctl start`` on a free port of
127.0.0.1 (no Unix socket elsewhere, trust authentication, fsync off), stopped and removed after the session.

The binaries are PostgreSQL's own (Debian: ``/usr/lib/postgresql/<version>/bin``, package ``postgresql``; or on
PATH). ``initdb`` refuses to run as root, so as root the server runs as the ``postgres`` user (created by the
Debian package) through ``runuser``. Without the binaries the tests that use the fixture skip with the reason
(fail under CI, where .ci/run installs them as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import throwaway_server


def pg_bin() -> Path | None:
    """The folder with initdb and pg_ctl (the newest Debian version, else PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    bin: Path
    data: Path
    port: int
    user: str  # the database superuser (the OS user the server runs as)
    run_as: str | None  # runuser -u <this>, when the tests run as root

    def cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.run_as, "--"] if self.run_as else []) + list(args)

    def conninfo(self, dbname: str = "postgres") -> str:
        """A libpq connection string (what DuckDB's postgres extension and DuckLake's catalog take)."""
        return f"dbname={dbname} host=127.0.0.1 port={self.port} user={self.user}"

    def createdb(self, name: str) -> str:
        subprocess.run(self.cmd(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                                name), check=True, capture_output=True, text=True, timeout=60)
        return self.conninfo(name)

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        return subprocess.run(self.cmd(str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                                       "-d", dbname, "-At", "-c", sql),
                              check=True, capture_output=True, text=True, timeout=60).stdout

    def stop(self) -> None:
        subprocess.run(self.cmd(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"),
                       capture_output=True, timeout=60)


def start_server(root: Path) -> PgServer:
    bin_dir = pg_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        raise FileNotFoundError("PostgreSQL's initdb and pg_ctl are not installed (Debian: apt-get install postgresql)")
    run_as = None
    user = os.environ.get("USER") or "postgres"
    if os.geteuid() == 0:
        run_as = user = "postgres"  # initdb refuses root; the Debian package creates this user
        subprocess.run(["id", "-u", run_as], check=True, capture_output=True)
        root.chmod(0o755)
    data = root / "pgdata"
    data.mkdir()
    if run_as:
        shutil.chown(data, run_as)
    port = free_port()
    server = PgServer(bin_dir, data, port, user, run_as)
    subprocess.run(server.cmd(str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8",
                              "--no-sync"), check=True, capture_output=True, text=True, timeout=120)
    options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='' -c fsync=off " \
              "-c max_connections=200 -c full_page_writes=off"
    started = subprocess.run(server.cmd(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"),
                                        "-o", options, "-w", "-t", "60", "start"),
                             capture_output=True, text=True, timeout=90)
    if started.returncode != 0:
        log = (data / "server.log").read_text(errors="replace") if (data / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {started.stdout}{started.stderr}\n{log}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    return server


@pytest.fixture(scope="session")
def pg_server():
    """A running throwaway PostgreSQL (``PgServer``); skipped with the reason when PostgreSQL is not installed."""
    def reason(exc: BaseException) -> str:
        return f"no throwaway PostgreSQL: {exc} {getattr(exc, 'stderr', '') or ''}".strip()

    yield from throwaway_server("monitor-pg-", start_server, (FileNotFoundError, subprocess.CalledProcessError), reason)
