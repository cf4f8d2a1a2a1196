"""Drive the archive under gunicorn with wrk on loopback and report throughput, latency and errors."""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive.benchmark import hostile
from archive.models import Expert, Status, Take

LUA = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_paths() -> list[str]:
    take = Take.objects.filter(status=Status.PUBLISHED).order_by("-id").values_list("slug", flat=True).first()
    expert = Expert.objects.filter(authorships__isnull=False).values_list("slug", flat=True).first()
    paths = [
        "/",
        "/takes/",
        "/takes/?kind=analysis&sort=oldest",
        "/takes/?date_from=2019-02-01&date_to=2019-12-31",
        "/search/?q=korea",
        "/quotes/?q=kim",
        "/quotes/?q=%22self-preservation%22",
        "/experts/",
        "/questions/",
    ]
    if take:
        paths.append(f"/takes/{take}/")
    if expert:
        paths.append(f"/experts/{expert}/")
    return paths


def parse_wrk(output: str) -> dict:
    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    latency = {
        pct: ms(value, unit) for pct, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    }
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests": int(number(r"(\d+) requests in")),
        "requests_per_second": number(r"Requests/sec:\s+([\d.]+)"),
        "latency_ms": latency,
        "non_2xx_3xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": sum(int(g) for g in socket_errors.groups()) if socket_errors else 0,
    }


class Command(BaseCommand):
    help = (
        "Start gunicorn on 127.0.0.1 (production settings, DEBUG off) and drive it with wrk for a bounded "
        "time across home, filtered lists, search and detail pages; print throughput, latency percentiles "
        "and error counts. Exits non-zero on any error response."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--connections", type=int, default=32)
        parser.add_argument("--duration", type=int, default=60, help="seconds (at most 600)")
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
        parser.add_argument("--path", action="append", dest="paths", help="a path to request (repeatable)")
        parser.add_argument(
            "--worker-threads",
            type=int,
            default=None,
            help="threads per gunicorn worker (gunicorn --threads; default: deploy/gunicorn.conf.py's)",
        )
        parser.add_argument(
            "--hostile",
            action="store_true",
            help="instead of wrk: --attackers concurrent clients send hostile searches (archive/benchmark/hostile.py; "
            "a corpus from generate_corpus --hostile-repeats) while a probe times /about/; exits non-zero on a 5xx "
            "or /about/ p95 over 100 ms",
        )
        parser.add_argument("--attackers", type=int, default=8, help="concurrent hostile searchers (with --hostile)")
        parser.add_argument(
            "--warmup", type=int, default=10, help="seconds of unmeasured attack first, to warm the workers (--hostile)"
        )

    def handle(self, *args, **options) -> None:
        wrk = shutil.which("wrk")
        if not wrk and not options["hostile"]:
            raise CommandError("wrk is not installed: apt-get install wrk")
        duration = options["duration"]
        if not 1 <= duration <= 600:
            raise CommandError("--duration must be between 1 and 600 seconds.")
        paths = options["paths"] or default_paths()
        port = free_port()
        base = Path(settings.BASE_DIR)
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
        }
        self.stderr.write("Collecting static files for the production storage…")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=base, env=env, check=True
        )
        gunicorn = [
            sys.executable, "-m", "gunicorn", "archive.wsgi",
            "--config", str(base / "deploy" / "gunicorn.conf.py"),
            "--bind", f"127.0.0.1:{port}", "--workers", str(options["workers"]),
            *(["--threads", str(max(1, options["worker_threads"]))] if options["worker_threads"] else []),
            "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning",
        ]  # fmt: skip
        server = subprocess.Popen(gunicorn, cwd=base, env=env, start_new_session=True)
        try:
            self._wait_until_up(port, server)
            if options["hostile"]:
                self._hostile(port, options)
                return
            for path in paths:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:  # noqa: S310
                    self.stderr.write(f"  {response.status} {path}")
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(LUA % ", ".join(f'"{p}"' for p in paths))
            self.stderr.write(
                f"wrk: {options['connections']} connections, {duration}s, {len(paths)} paths, "
                f"{options['workers']} gunicorn workers…"
            )
            run = subprocess.run(
                [wrk, "-t", str(options["threads"]), "-c", str(options["connections"]), "-d", f"{duration}s",
                 "--latency", "--timeout", "10s", "-s", script.name, f"http://127.0.0.1:{port}"],
                capture_output=True, text=True, timeout=duration + 120, check=False,
            )  # fmt: skip
            os.unlink(script.name)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if run.returncode != 0:
            raise CommandError(f"wrk failed: {run.stderr.strip()}")
        figures = parse_wrk(run.stdout)
        latency = figures["latency_ms"]
        self.stdout.write(
            f"requests: {figures['requests']:,} in {duration}s at {options['connections']} connections\n"
            f"throughput: {figures['requests_per_second']:,.1f} requests/s\n"
            f"latency ms: p50 {latency.get('50', float('nan')):.1f}  p75 {latency.get('75', float('nan')):.1f}  "
            f"p90 {latency.get('90', float('nan')):.1f}  p99 {latency.get('99', float('nan')):.1f}\n"
            f"errors: {figures['non_2xx_3xx']} non-2xx/3xx responses, {figures['socket_errors']} socket errors"
        )
        if figures["non_2xx_3xx"] or figures["socket_errors"] or not figures["requests"]:
            raise CommandError("The load test saw errors.")

    def _hostile(self, port: int, options: dict) -> None:
        attackers, duration = options["attackers"], options["duration"]
        self.stderr.write(
            f"{attackers} hostile searchers and an /about/ probe for {duration}s against {options['workers']} "
            f"gunicorn workers × {options['worker_threads'] or "deploy/gunicorn.conf.py's"} threads…"
        )
        base = f"http://127.0.0.1:{port}"
        # Workers that have not yet served a page compile its templates and open their connections
        # on the first requests: seconds each on a loaded machine, not what a running site does.
        hostile.warm(base, attackers, options["warmup"])
        result = hostile.attack(base, attackers, duration)
        self.stdout.write(result.summary(attackers, duration))
        if not result.met:
            raise CommandError("The hostile load test missed its targets.")

    def _wait_until_up(self, port: int, server: subprocess.Popen) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn exited during start-up.")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError("gunicorn did not start within 30 s.")
