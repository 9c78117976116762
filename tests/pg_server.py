"""A real PostgreSQL server for tests and benchmarks: initdb in a temporary directory, a free port on
127.0.0.1, trust authentication, stopped and removed at the end.

It uses the Debian `postgresql` package's binaries (`make test` installs the package when missing).
PostgreSQL refuses to run as root, so as root (CI) the cluster is created and run as the `postgres`
system user that the package creates.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def pg_bin_dir() -> Path | None:
    """The newest installed server's bin directory (Debian keeps them in /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    def __init__(self, bin_dir: Path, base: Path, port: int, durable: bool = False) -> None:
        self.durable = durable
        self.bin_dir = bin_dir
        self.base = base
        self.data = base / "data"
        self.port = port
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.base, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", self.user, "--no-sync", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as f:
            # Tests: crash-safe against `pg_ctl stop -m immediate` (WAL replay) but not against a power cut,
            # which no test makes; benchmarks ask for a durable server, as a plant would run it.
            sync = "" if self.durable else "fsync = off\nfull_page_writes = off\n"
            f.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.base}'\n{sync}"
                "max_connections = 50\nshared_buffers = 64MB\n"
            )

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5):
                return
            time.sleep(0.1)
        raise TimeoutError(f"PostgreSQL on port {self.port} did not come up")


@contextlib.contextmanager
def running_postgres(durable: bool = False) -> Iterator[PostgresServer]:
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise RuntimeError(
            "PostgreSQL server binaries not found: apt-get install postgresql (make test does)"
        )
    base = Path(tempfile.mkdtemp(prefix="linehmi-pg-"))
    server = PostgresServer(bin_dir, base, _free_port(), durable)
    try:
        server.init()
        server.start()
        server.wait_ready()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(base, ignore_errors=True)
