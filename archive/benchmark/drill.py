"""Failure drill: real processes on loopback (archive/benchmark/stack.py), four failures, a table.

Each scenario sends a bounded stream of public page requests, alternating between two gunicorn app
servers, while it breaks one part of the set-up and mends it, and records every reply: its status,
which database it was read from (``X-Read-Database``) and whether it came from the page cache.

- replica stops: ``pg_ctl stop`` on one of two replicas, then start again;
- Redis stops: the drill's own redis-server is stopped, then started on the same port;
- primary stops: public pages go on from the replicas; a signed-in editor's admin pages and a save
  answer 503; after the restart nothing of the refused save exists and the admin answers again;
- replica lags: replay paused on one replica while a take is unpublished on the primary; every
  page's count must match its list (old state or new, never a mix).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from archive.benchmark.stack import Reply, Stack, request
from archive.pagination import PER_PAGE


@dataclass
class Sample:
    at: float
    path: str
    reply: Reply

    @property
    def ok(self) -> bool:
        return self.reply.status == 200

    @property
    def database(self) -> str:
        return self.reply.headers.get("x-read-database", "primary")

    @property
    def hit(self) -> bool:
        return self.reply.headers.get("x-page-cache") == "hit"


@dataclass
class Outcome:
    scenario: str
    requests: int
    errors: int
    recovery: str
    detail: str
    failures: list[str] = field(default_factory=list)


def traffic(stack: Stack, paths: list[str], seconds: float, events: list[tuple[float, Callable[[], None]]]):
    """Requests for ``seconds``, alternating app servers; ``events`` run at their times in another
    thread (stopping a server takes a moment: the requests go on meanwhile). Returns the samples
    and the times the events ran at."""
    ports = stack.app_ports()
    samples: list[Sample] = []
    ran: dict[int, float] = {}
    started = time.monotonic()

    def run_events() -> None:
        for index, (at, action) in enumerate(events):
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            ran[index] = time.monotonic() - started
            action()

    runner = threading.Thread(target=run_events)
    runner.start()
    count = 0
    while time.monotonic() - started < seconds or runner.is_alive():
        path, at = paths[count % len(paths)], time.monotonic() - started
        samples.append(Sample(at, path, request(ports[count % len(ports)], path)))
        count += 1
    runner.join()
    return samples, [ran[i] for i in range(len(events))]


def pick_paths(stack: Stack) -> tuple[list[str], str]:
    """A mixed set of public paths, and a theme page whose takes fit on one page."""
    sql = stack.cluster.psql
    take = sql("primary", "SELECT slug FROM archive_take WHERE status = 'published' ORDER BY id LIMIT 1")
    expert = sql("primary", "SELECT slug FROM archive_expert ORDER BY id LIMIT 1")
    theme = sql(
        "primary",
        "SELECT th.slug FROM archive_theme th JOIN archive_take_themes tt ON tt.theme_id = th.id "
        "JOIN archive_take t ON t.id = tt.take_id AND t.status = 'published' "
        "GROUP BY th.slug HAVING count(*) BETWEEN 2 AND %s ORDER BY count(*) DESC LIMIT 1",
        (PER_PAGE,),
    )
    paths = ["/", "/takes/", "/takes/?kind=analysis&sort=oldest", f"/takes/{take}/", "/search/?q=korea"]
    paths += ["/experts/", f"/experts/{expert}/", "/questions/", f"/themes/{theme}/"]
    return paths, theme


def _errors(samples: list[Sample]) -> int:
    return sum(not s.ok for s in samples)


def replica_stops(stack: Stack, paths: list[str]) -> Outcome:
    cluster = stack.cluster
    samples, (stopped, restarted) = traffic(
        stack, paths, 8.0, [(1.5, lambda: cluster.stop("replica1")), (4.0, lambda: cluster.start("replica1"))]
    )
    # Fast shutdown ends replica1's sessions first and its process after: from the moment it is
    # asked to stop, each request either reads it in full or fails over inside the request.
    during = [s for s in samples if stopped + 1.0 < s.at < restarted]
    failover = max((s.reply.seconds for s in samples if stopped <= s.at < restarted), default=0.0)
    back = next((s.at - restarted for s in samples if s.at > restarted and s.database == "replica1"), None)
    failures = [] if not any(s.database == "replica1" for s in during) else ["replica1 served while stopped"]
    return Outcome(
        "replica stops",
        len(samples),
        _errors(samples),
        f"within the request (slowest {failover * 1000:.0f} ms); back in use {_secs(back)} after restart",
        f"reads while down: {_share(during)}",
        failures,
    )


def redis_stops(stack: Stack, paths: list[str]) -> Outcome:
    redis = stack.processes["redis"]
    samples, (stopped, restarted) = traffic(
        stack, paths, 8.0, [(1.5, redis.stop), (4.0, stack.start_redis)]
    )  # fmt: skip
    down = [s for s in samples if stopped + 0.2 < s.at < restarted]
    first_hit = next((s.at - restarted for s in samples if s.at > restarted and s.hit), None)
    failures = ["a page came from the cache while Redis was down"] if any(s.hit for s in down) else []
    if first_hit is None:
        failures.append("the cache did not come back")
    return Outcome(
        "Redis stops",
        len(samples),
        _errors(samples),
        f"first cache hit {_secs(first_hit)} after restart",
        f"{len(down)} pages served uncached while down; hits before {_hits(samples, 0, stopped)}",
        failures,
    )


def primary_stops(stack: Stack, paths: list[str]) -> Outcome:
    cluster, app = stack.cluster, stack.app_ports()[0]
    cookies = sign_in(app, *stack.superuser)
    themes_before = cluster.psql("primary", "SELECT count(*) FROM archive_theme")
    admin: list[tuple[str, int]] = []
    recovered: list[float] = []

    def probe_admin() -> None:
        admin.append(("GET /admin/", request(app, "/admin/", cookies=cookies).status))
        form = {"csrfmiddlewaretoken": cookies["csrftoken"], "name": "Drill theme", "slug": "drill-theme"}
        admin.append(("POST add theme", request(app, "/admin/archive/theme/add/", "POST", cookies, form).status))

    def restart() -> None:
        cluster.start("primary")
        started = time.monotonic()
        while request(app, "/admin/", cookies=cookies).status != 200 and time.monotonic() - started < 30:
            time.sleep(0.1)
        recovered.append(time.monotonic() - started)

    samples, (stopped, _, _) = traffic(
        stack, paths, 7.0, [(1.5, lambda: cluster.stop("primary")), (2.5, probe_admin), (4.5, restart)]
    )
    failures = [f"{what} answered {status}, not 503" for what, status in admin if status != 503]
    themes_after = cluster.psql("primary", "SELECT count(*) FROM archive_theme")
    if themes_after != themes_before:
        failures.append(f"themes {themes_before} before, {themes_after} after: a refused save was written")
    admin_text = ", ".join(f"{what} {status}" for what, status in admin)
    return Outcome(
        "primary stops",
        len(samples),
        _errors(samples),
        f"admin answers again {_secs(recovered[0] if recovered else None)} after restart",
        f"public reads while down: {_share([s for s in samples if s.at > stopped + 0.5])}; {admin_text}; "
        f"themes {themes_before} -> {themes_after}",
        failures,
    )


def replica_lags(stack: Stack, theme: str) -> Outcome:
    cluster = stack.cluster
    cluster.psql("replica1", "SELECT pg_wal_replay_pause()")
    take = cluster.psql(
        "primary",
        "SELECT t.id FROM archive_take t JOIN archive_take_themes tt ON tt.take_id = t.id "
        "JOIN archive_theme th ON th.id = tt.theme_id WHERE th.slug = %s AND t.status = 'published' LIMIT 1",
        (theme,),
    )
    cluster.psql("primary", "UPDATE archive_take SET status = 'draft' WHERE id = %s", (int(take),))
    time.sleep(0.5)  # replica2 replays the change; replica1 does not
    samples, (resumed,) = traffic(
        stack, [f"/themes/{theme}/"], 5.0, [(2.5, lambda: cluster.psql("replica1", "SELECT pg_wal_replay_resume()"))]
    )
    states = [page_state(s.reply.body) for s in samples if s.ok]
    mixed = sum(1 for count, cards in states if count != cards)
    counts = sorted({count for count, _ in states})
    lagging = [s for s in samples if s.ok and s.at < resumed and s.database == "replica1"]
    stale_after = [
        s.at - resumed for s in samples if s.ok and s.at >= resumed and page_state(s.reply.body)[0] == max(counts)
    ]
    cluster.psql("primary", "UPDATE archive_take SET status = 'published' WHERE id = %s", (int(take),))
    failures = [f"{mixed} pages whose count does not match their list"] if mixed else []
    if len(counts) != 2 or not lagging:
        failures.append(f"expected an older and a newer page, saw counts {counts}")
    return Outcome(
        "replica lags",
        len(samples),
        _errors(samples) + mixed,
        f"lagging replica current {_secs(max(stale_after, default=0.0))} after replay resumed",
        f"{len(lagging)} older pages from the paused replica before resume, counts seen {counts}, mixed pages {mixed}",
        failures,
    )


def page_state(body: str) -> tuple[int, int]:
    """(the count a theme page states, the cards it lists)."""
    found = re.search(r'<h2 id="takes-title">(\d+) take', body)
    return (int(found.group(1)) if found else -1, body.count('<article class="take-card"'))


def sign_in(port: int, username: str, password: str) -> dict[str, str]:
    login = request(port, "/admin/login/")
    cookies = _cookies(login.headers.get("set-cookie", ""))
    form = {"csrfmiddlewaretoken": cookies["csrftoken"], "username": username, "password": password, "next": "/admin/"}
    reply = request(port, "/admin/login/", "POST", cookies, form)
    cookies.update(_cookies(reply.headers.get("set-cookie", "")))
    if reply.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"signing in failed: {reply.status}")
    return cookies


def _cookies(header: str) -> dict[str, str]:
    return dict(m.groups() for m in re.finditer(r"(?:^|\n)([^=\s]+)=([^;]*)", header))


def _share(samples: list[Sample]) -> str:
    counts: dict[str, int] = {}
    for sample in samples:
        counts[sample.database] = counts.get(sample.database, 0) + 1
    return ", ".join(f"{db} {n}" for db, n in sorted(counts.items())) or "none"


def _hits(samples: list[Sample], start: float, end: float) -> str:
    window = [s for s in samples if start <= s.at < end]
    return f"{sum(s.hit for s in window)}/{len(window)}"


def _secs(value: float | None) -> str:
    return "never" if value is None else f"{value:.2f} s"


def run(log: Callable[[str], None] = print) -> list[Outcome]:
    """The four scenarios on a fresh set-up; everything is torn down after."""
    with Stack(replicas=2, app_servers=2, workers=2, log=log) as stack:
        paths, theme = pick_paths(stack)
        for path in paths:  # warm: every worker has its connections and the cache its pages
            for port in stack.app_ports():
                request(port, path)
        outcomes = []
        for name, scenario in (
            ("replica stops", lambda: replica_stops(stack, paths)),
            ("Redis stops", lambda: redis_stops(stack, paths)),
            ("replica lags", lambda: replica_lags(stack, theme)),
            ("primary stops", lambda: primary_stops(stack, paths)),
        ):
            log(f"Scenario: {name}…")
            outcomes.append(scenario())
            stack.cluster.wait_for_replay()
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    lines = ["| scenario | requests | errors | time to recover | detail |", "|---|---|---|---|---|"]
    lines += [f"| {o.scenario} | {o.requests} | {o.errors} | {o.recovery} | {o.detail} |" for o in outcomes]
    return "\n".join(lines)
