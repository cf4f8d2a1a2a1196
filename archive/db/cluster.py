"""A throw-away PostgreSQL primary with streaming replicas, on loopback, for drills and load runs.

Built from the server binaries (``initdb``, ``pg_ctl``, ``pg_basebackup``; Debian's
postgresql-NN package) in a temporary directory, each cluster on a free port, never touching a
server that runs on the machine already. As root the clusters belong to the ``postgres`` user
(``initdb`` refuses root). ``pg_basebackup -R`` makes each replica: it copies the primary and
writes ``standby.signal`` and ``primary_conninfo``, so the replica streams from the primary from
its first start.

Used by ``manage.py failover_drill`` and ``manage.py loadcompare`` (archive/benchmark/stack.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DATABASE = "archive"
OS_USER = "postgres"


def server_binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin directory (``PG_BIN`` overrides), or None."""
    override = os.environ.get("PG_BIN")
    candidates = [Path(override)] if override else sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for path in candidates:
        if (path / "initdb").exists() and (path / "pg_basebackup").exists() and (path / "pg_ctl").exists():
            return path
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    data: Path
    running: bool = False

    @property
    def url(self) -> str:
        return f"postgres://{OS_USER}@127.0.0.1:{self.port}/{DATABASE}"


@dataclass
class LocalCluster:
    """``with LocalCluster(replicas=2) as cluster:`` — a primary and its replicas, removed on exit."""

    replicas: int = 1
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="archive-pg-")))
    servers: dict[str, Server] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.bin = server_binaries()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_basebackup) are not installed")
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, OS_USER, OS_USER)

    # ------------------------------------------------------------------ processes
    def _run(self, *args: str, timeout: int = 120) -> str:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", OS_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
        return done.stdout

    def psql(self, name: str, sql: str, params: tuple = (), database: str = DATABASE) -> str:
        """Run ``sql`` on one server with psycopg (autocommit); the first column of the first row."""
        import psycopg

        url = self.servers[name].url.rsplit("/", 1)[0] + f"/{database}"
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql, params or None)
            row = cursor.fetchone() if cursor.description else None
        return "" if row is None else str(row[0])

    def __enter__(self) -> LocalCluster:
        try:
            self._make_primary()
            for number in range(1, self.replicas + 1):
                self._make_replica(f"replica{number}")
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def _make_primary(self) -> None:
        primary = Server("primary", free_port(), self.root / "primary")
        self._run("initdb", "-D", str(primary.data), "-U", OS_USER, "--auth=trust", "-E", "UTF8", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "wal_level": "replica",
            "max_wal_senders": "10",
            "hot_standby": "on",
            "fsync": "off",  # a throw-away cluster: speed over durability
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "64MB",
            "max_connections": "100",
        }
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        with open(primary.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        self.servers["primary"] = primary
        self.start("primary")
        self.psql("primary", f"CREATE DATABASE {DATABASE}", database="postgres")

    def _make_replica(self, name: str) -> None:
        primary = self.servers["primary"]
        replica = Server(name, free_port(), self.root / name)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", OS_USER,
            "-D", str(replica.data), "-R", "-X", "stream", "--no-sync", "-c", "fast",
        )  # fmt: skip
        with open(replica.data / "postgresql.conf", "a") as conf:
            conf.write(f"port = {replica.port}\n")
        self.servers[name] = replica
        self.start(name)

    def start(self, name: str) -> None:
        server = self.servers[name]
        self._run(
            "pg_ctl", "-D", str(server.data), "-l", str(self.root / f"{name}.log"), "-w", "-t", "60",
            "-o", f"-p {server.port}", "start",
        )  # fmt: skip
        server.running = True

    def stop(self, name: str, mode: str = "fast") -> None:
        server = self.servers[name]
        self._run("pg_ctl", "-D", str(server.data), "-m", mode, "-w", "-t", "60", "stop")
        server.running = False

    def url(self, name: str) -> str:
        return self.servers[name].url

    def replica_names(self) -> list[str]:
        return [name for name in self.servers if name != "primary"]

    def wait_for_replay(self, timeout: float = 30) -> None:
        """Until every running replica has replayed all the primary has written so far."""
        target = self.psql("primary", "SELECT pg_current_wal_insert_lsn()")
        deadline = time.monotonic() + timeout
        for name in self.replica_names():
            if not self.servers[name].running:
                continue
            while self.psql(name, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)) != "True":
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} did not catch up with the primary in {timeout} s")
                time.sleep(0.1)

    def remove(self) -> None:
        for name, server in self.servers.items():
            if server.running:
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self.stop(name, mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)
