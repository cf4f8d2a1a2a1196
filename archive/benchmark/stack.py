"""The whole serving set-up on loopback, as real processes: app servers, Redis, nginx, PostgreSQL.

A drill or load run builds it with ``Stack`` (a context manager that tears everything down): a
primary and streaming replicas (archive/db/cluster.py), the archive migrated and loaded on the
primary, a Redis of its own on a free port, gunicorn app servers started with production settings,
and optionally Debian's nginx in front of them with the config shipped in deploy/. Every port is
free when taken; nothing already running on the machine is touched.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from archive.db.cluster import LocalCluster, free_port

BASE = Path(settings.BASE_DIR)
GUNICORN_CONFIG = BASE / "deploy" / "gunicorn.conf.py"


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process {process.args[:3]} exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def production_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LOG_LEVEL": "ERROR",
    }
    env.pop("DATABASE_REPLICA_URLS", None)
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return done.stdout


@dataclass
class Process:
    name: str
    port: int
    popen: subprocess.Popen

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=20)


@dataclass
class Stack:
    """``with Stack(replicas=2, app_servers=2) as stack:`` — see the module's docstring."""

    replicas: int = 1
    app_servers: int = 2
    workers: int = 2
    nginx: bool = False
    app_env: dict[str, str] = field(default_factory=dict)
    log: object = print
    superuser: tuple[str, str] = ("drill", secrets.token_urlsafe(12))
    processes: dict[str, Process] = field(default_factory=dict)
    key_prefix: str = field(default_factory=lambda: f"stack-{secrets.token_hex(4)}")

    def __enter__(self) -> Stack:
        self.cluster = LocalCluster(replicas=0)
        self.tmp = Path(tempfile.mkdtemp(prefix="archive-stack-"))
        try:
            self.cluster.__enter__()
            self._load_archive()
            for number in range(1, self.replicas + 1):
                self.cluster._make_replica(f"replica{number}")
            self.log(f"PostgreSQL: primary + {self.replicas} streaming replica(s) made by pg_basebackup -R")
            self.start_redis()
            manage("collectstatic", "--noinput", "-v0", env=self.env())
            for number in range(1, self.app_servers + 1):
                self.start_app(f"app{number}")
            if self.nginx:
                self.start_nginx()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        self.cluster.remove()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _load_archive(self) -> None:
        env = production_env(DATABASE_URL=self.cluster.url("primary"), DJANGO_SUPERUSER_PASSWORD=self.superuser[1])
        self.log("Loading the archive into the primary (migrate, load_fixtures)…")
        manage("migrate", "--noinput", "-v0", env=env)
        manage("load_fixtures", env=env)
        manage("createsuperuser", "--noinput", "--username", self.superuser[0], "--email", "d@example.org", env=env)

    def env(self) -> dict[str, str]:
        replicas = ",".join(self.cluster.url(name) for name in self.cluster.replica_names())
        extra = {
            "DATABASE_URL": self.cluster.url("primary"),
            "REDIS_URL": f"redis://127.0.0.1:{self.processes['redis'].port}/0",
            "CACHE_KEY_PREFIX": self.key_prefix,
            "REPLICA_DOWN_SECONDS": "2",
            **self.app_env,
        }
        if replicas:
            extra["DATABASE_REPLICA_URLS"] = replicas
        return production_env(**extra)

    # ------------------------------------------------------------------ processes
    def _spawn(self, name: str, port: int, command: list[str], env: dict | None = None) -> Process:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the process writes it until stopped
        popen = subprocess.Popen(command, cwd=BASE, env=env, stdout=log, stderr=log, start_new_session=True)
        wait_for_port(port, popen)
        self.processes[name] = process = Process(name, port, popen)
        return process

    def start_redis(self) -> Process:
        port = self.processes["redis"].port if "redis" in self.processes else free_port()
        redis = shutil.which("redis-server")
        if not redis:
            raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
        command = [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        return self._spawn("redis", port, command + ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])

    def start_app(self, name: str, **extra_env: str) -> Process:
        port = free_port()
        command = [
            sys.executable, "-m", "gunicorn", "archive.wsgi", "--config", str(GUNICORN_CONFIG),
            "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
            "--access-logfile", "/dev/null", "--error-logfile", "-",
        ]  # fmt: skip
        return self._spawn(name, port, command, env={**self.env(), **extra_env})

    def start_nginx(self) -> Process:
        from archive.benchmark.proxy import nginx_command

        port = free_port()
        apps = [p.port for name, p in self.processes.items() if name.startswith("app")]
        return self._spawn("nginx", port, nginx_command(self.tmp, port, apps))

    def app_ports(self) -> list[int]:
        return [p.port for name, p in self.processes.items() if name.startswith("app")]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str
    seconds: float


def request(port: int, path: str, method: str = "GET", cookies: dict | None = None, form: dict | None = None) -> Reply:
    """One HTTP request on loopback (a status 0 reply when the connection failed)."""
    headers = {"Host": "127.0.0.1"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Referer"] = f"http://127.0.0.1:{port}{path}"
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        found = {k.lower(): v for k, v in response.getheaders()}
        found["set-cookie"] = "\n".join(v for k, v in response.getheaders() if k.lower() == "set-cookie")
        return Reply(response.status, found, text, time.monotonic() - started)
    except OSError as exc:
        return Reply(0, {}, str(exc), time.monotonic() - started)
    finally:
        connection.close()
