"""A throwaway PostgreSQL cluster for the tests (`--backend postgresql`), and a database schema
per state directory, so every test still gets a store of its own.

Debian's server binaries (`apt-get install postgresql`) are used from their folder; as root the
server runs as `nobody`. `INCIDENTCTL_TEST_DATABASE_URL` points the tests at a server of one's
own instead (a database they may create schemas in).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from itertools import count
from pathlib import Path

BIN_DIRS = (
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
)
HOW_TO_RUN = (
    "PostgreSQL tests need Debian's server (apt-get install postgresql) or "
    "INCIDENTCTL_TEST_DATABASE_URL; run them with: python -m pytest --backend postgresql"
)
DATABASE = "incidentctl_test"
PASSWORD_USER, PASSWORD = "responder", "s3cret-pw"
TLS_USER = "tls_only"


def server_binaries() -> Path | None:
    for folder in BIN_DIRS:
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


class Cluster:
    """A server in a temporary folder, on 127.0.0.1 and a Unix socket, with a test database."""

    def __init__(self, binaries: Path, *, durable: bool = False) -> None:
        # durable: a commit survives a killed server (the crash tests); otherwise the
        # server trades that for speed (a killed test server loses its last commits)
        self.durable = durable
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="incidentctl-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = "nobody" if os.geteuid() == 0 else None
        os.chmod(self.root, 0o777)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.binaries / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=True, cwd=self.root)

    def start(self) -> None:
        if not self.data.exists():
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-locale",
                "-E",
                "UTF8",
            )
            hba = self.data / "pg_hba.conf"
            # a user that needs its password, one refused without TLS; everyone else trusted
            hba.write_text(
                f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
                f"hostnossl all {TLS_USER} 127.0.0.1/32 reject\n" + hba.read_text()
            )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit={'on' if self.durable else 'off'} -c full_page_writes=off "
            "-c max_connections=200",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        """SIGKILL the postmaster (and so every backend): a crash, not a shutdown."""
        pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, 9)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # its backends exit when they notice the postmaster is gone
        time.sleep(0.5)

    def url(self, database: str = DATABASE, options: str = "") -> str:
        query = f"?options={options}" if options else ""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}{query}"

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_cluster(*, durable: bool = False) -> Iterator[Cluster]:
    binaries = server_binaries()
    if binaries is None:
        raise FileNotFoundError(HOW_TO_RUN)
    cluster = Cluster(binaries, durable=durable)
    try:
        cluster.start()
        import psycopg

        with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
            conn.execute(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'")
            conn.execute(f"CREATE ROLE {TLS_USER} LOGIN")
        yield cluster
    finally:
        cluster.remove()


_NUMBERS = count(1)
# the schemas of the test running now, when the suite runs on PostgreSQL
ACTIVE: Schemas | None = None


class Schemas:
    """One schema per state directory, migrated, in the test database `base` names."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.routes: dict[Path, str] = {}
        self.prefix = f"t{os.getpid()}_"

    def url_for(self, directory: Path) -> str:
        key = Path(directory).absolute()
        if key not in self.routes:
            self.routes[key] = self.new()
        return self.routes[key]

    def new(self) -> str:
        import psycopg

        from incidentctl.store.postgres import open_url

        name = f"{self.prefix}{next(_NUMBERS)}"
        with psycopg.connect(self.base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        separator = "&" if "?" in self.base else "?"
        url = f"{self.base}{separator}options=-csearch_path%3D{name}"
        with open_url(url, check_schema=False) as store:
            store.upgrade()
        return url
