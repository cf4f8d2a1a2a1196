"""One app server and no replica against two app servers + a replica, through nginx, side by side."""

from django.core.management.base import BaseCommand, CommandError

from archive.benchmark import capacity
from archive.benchmark.stack import Stack, request
from archive.db.cluster import server_binaries


class Command(BaseCommand):
    help = (
        "Build the serving set-up on loopback twice (PostgreSQL primary from initdb, Redis, gunicorn, "
        "Debian's nginx with deploy/nginx/hanoi-archive.conf): one app server and no replica, then two "
        "app servers and a streaming replica. Drive each with wrk (a mix of home, filtered lists, "
        "details and searches) and print requests/s, p50/p99, errors and the load average; then the "
        "CPU cost per request of each page type, for docs/scaling.md's capacity model."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--duration", type=int, default=60, help="seconds of load per set-up (at most 600)")
        parser.add_argument("--connections", type=int, default=64)
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers per app server")
        parser.add_argument("--repeat", type=int, default=20, help="requests per path when measuring CPU cost")

    def handle(self, *args, **options) -> None:
        if server_binaries() is None:
            raise CommandError("PostgreSQL server binaries (initdb, pg_basebackup) are not installed.")
        if not 1 <= options["duration"] <= 600:
            raise CommandError("--duration must be between 1 and 600 seconds.")
        rows, costs = [], []
        for label, replicas, servers in (("1 app server, no replica", 0, 1), ("2 app servers + 1 replica", 1, 2)):
            self.stderr.write(f"== {label}: building…")
            with Stack(replicas=replicas, app_servers=servers, workers=options["workers"], nginx=True,
                       log=self.stderr.write) as stack:  # fmt: skip
                paths = capacity.mixed_paths(stack)
                flat = [path for kind in paths.values() for path in kind]
                for path in flat:
                    for port in stack.app_ports():
                        request(port, path)
                self.stderr.write(
                    f"   wrk: {options['connections']} connections, {options['duration']} s, {len(flat)} paths, "
                    f"load average before {capacity.load_average()}"
                )
                nginx = stack.processes["nginx"].port
                figures = capacity.wrk_run(nginx, flat, options["connections"], options["duration"])
                rows.append(capacity.row(label, figures))
                self.stderr.write(rows[-1])
                self.stderr.write("   CPU cost per page type…")
                costs += self._costs(stack, paths, options["repeat"], replicas)
        self.stdout.write(capacity.LOAD_HEADER + "\n|---|---|---|---|---|---|---|\n" + "\n".join(rows))
        self.stdout.write("")
        self.stdout.write(capacity.cost_table(costs))

    @staticmethod
    def _costs(stack, paths, repeat: int, replicas: int):
        if not replicas:  # page cache hits, the steady state: app server 1 against the primary
            return capacity.cpu_costs(stack, "app1", stack.app_ports()[0], paths, repeat, cached=True)
        # Every page built: an app server of its own with the page cache off, reading the replica.
        uncached = stack.start_app("uncached", PAGE_CACHE="0")
        return capacity.cpu_costs(stack, "uncached", uncached.port, paths, max(3, repeat // 4), cached=False)
