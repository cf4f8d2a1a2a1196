"""Side-by-side load (one app server, no replica, against two app servers + a replica, both through
nginx) and the CPU cost of each page type, for docs/scaling.md's capacity model.

CPU is read from /proc: the user + system time of every process of an app server (gunicorn's
process group) and of a PostgreSQL server (the postmaster's children), before and after a fixed
number of requests to one page type. Divided by the requests, that is the CPU a request costs each
tier, independent of how loaded the shared machine is (the wall-clock figures are not).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from archive.benchmark.stack import Stack, request
from archive.management.commands.loadtest import LUA, parse_wrk

TICK = os.sysconf("SC_CLK_TCK")

#: Page types of the mix, and a path of each (the slugs are filled in from the loaded archive).
PAGE_TYPES = {
    "home": ["/"],
    "list with filters": ["/takes/", "/takes/?kind=analysis&sort=oldest", "/takes/?date_from=2019-02-01"],
    "detail": ["/takes/{take}/", "/experts/{expert}/", "/questions/"],
    "search": ["/search/?q=korea", "/quotes/?q=kim", "/search/?q=sanctions+relief"],
    "feed": ["/takes/feed/", "/experts/{expert}/feed/", "/quotes/feed/?q=kim"],
    "api": ["/api/v1/takes/", "/api/v1/takes/?kind=analysis", "/api/v1/experts/{expert}/"],
}


def mixed_paths(stack: Stack) -> dict[str, list[str]]:
    sql = stack.cluster.psql
    slugs = {
        "take": sql("primary", "SELECT slug FROM archive_take WHERE status = 'published' ORDER BY id LIMIT 1"),
        "expert": sql("primary", "SELECT slug FROM archive_expert ORDER BY id LIMIT 1"),
    }
    return {kind: [path.format(**slugs) for path in paths] for kind, paths in PAGE_TYPES.items()}


def _ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _children(parent: int) -> list[int]:
    found = [parent]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def app_pids(stack: Stack, name: str) -> list[int]:
    return _children(stack.processes[name].popen.pid)


def postgres_pids(stack: Stack, server: str) -> list[int]:
    pid = int((stack.cluster.servers[server].data / "postmaster.pid").read_text().split()[0])
    return _children(pid)


@dataclass
class Cost:
    page_type: str
    cached: bool
    app_ms: float
    database_ms: float


def cpu_costs(
    stack: Stack, name: str, port: int, paths: dict[str, list[str]], repeat: int, *, cached: bool
) -> list[Cost]:
    """CPU ms per request of each page type on app server ``name`` (and the database it reads)."""
    costs = []
    server = "replica1" if "replica1" in stack.cluster.servers else "primary"
    for kind, kind_paths in paths.items():
        for path in kind_paths:
            request(port, path)  # warm: connections open, page kept
        app_before, db_before = _ticks(app_pids(stack, name)), _ticks(postgres_pids(stack, server))
        count = 0
        for _ in range(repeat):
            for path in kind_paths:
                if request(port, path).status != 200:
                    raise RuntimeError(f"{path} failed while measuring its cost")
                count += 1
        app = (_ticks(app_pids(stack, name)) - app_before) * 1000 / TICK / count
        database = (_ticks(postgres_pids(stack, server)) - db_before) * 1000 / TICK / count
        costs.append(Cost(kind, cached, app, database))
    return costs


def wrk_run(port: int, paths: list[str], connections: int, seconds: int) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        raise FileNotFoundError("wrk is not installed (apt-get install wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % ", ".join(f'"{p}"' for p in paths))
    try:
        run = subprocess.run(
            [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
             "-s", script.name, f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=seconds + 120, check=True,
        )  # fmt: skip
    finally:
        os.unlink(script.name)
    figures = parse_wrk(run.stdout)
    figures["load"] = load_average()
    return figures


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def row(label: str, figures: dict) -> str:
    latency = figures["latency_ms"]
    errors = figures["non_2xx_3xx"] + figures["socket_errors"]
    return (
        f"| {label} | {figures['requests']:,} | {figures['requests_per_second']:,.0f} | "
        f"{latency.get('50', float('nan')):.0f} | {latency.get('99', float('nan')):.0f} | {errors} | "
        f"{figures['load']} |"
    )


LOAD_HEADER = "| set-up | requests | requests/s | p50 ms | p99 ms | errors | load average after (1/5/15 min) |"


def cost_table(costs: list[Cost]) -> str:
    lines = ["| page type | page cache | app CPU ms/request | database CPU ms/request |", "|---|---|---|---|"]
    lines += [
        f"| {c.page_type} | {'hit' if c.cached else 'off'} | {c.app_ms:.1f} | {c.database_ms:.1f} |" for c in costs
    ]
    return "\n".join(lines)
