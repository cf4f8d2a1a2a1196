"""Debian's nginx with the shipped site config (deploy/nginx/hanoi-archive.conf), run on loopback.

The site file is used as shipped, with only its addresses rewritten: the upstream's ``server``
lines point at the app servers started for the run, ``listen`` at a free port, the static alias at
this checkout's ``staticfiles/``. A minimal main config around it keeps every file nginx writes
(pid, logs, temp files) in the run's temporary directory, so the machine's own nginx set-up is
never read or touched.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from django.conf import settings

SITE = Path(settings.BASE_DIR) / "deploy" / "nginx" / "hanoi-archive.conf"

MAIN = """worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/site.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render_site(port: int, app_ports: list[int], static_root: Path) -> str:
    """The shipped site config with its addresses rewritten for a loopback run."""
    text = SITE.read_text()
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=2 fail_timeout=5s;\n" for p in app_ports)
    text = re.sub(r"(?m)^    server 127\.0\.0\.1:\d+[^\n]*\n", "", text)
    text = text.replace("    least_conn;\n", f"    least_conn;\n{servers}", 1)
    text = re.sub(r"(?m)^    listen \[::\]:80;\n", "", text)
    text = re.sub(r"(?m)^    listen 80;", f"    listen 127.0.0.1:{port};", text)
    return text.replace("/srv/hanoi-archive/staticfiles/", f"{static_root}/")


def write_config(tmp: Path, port: int, app_ports: list[int], workers: int = 1) -> Path:
    """Write the main config and the rewritten site into ``tmp``; return the main config's path."""
    tmp.chmod(0o755)  # nginx's workers run as www-data when started by root
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / name).mkdir(exist_ok=True)
        (tmp / name).chmod(0o777)
    (tmp / "site.conf").write_text(render_site(port, app_ports, Path(settings.STATIC_ROOT)))
    user = "user www-data;" if os.geteuid() == 0 else ""
    main = tmp / "nginx.conf"
    main.write_text(MAIN.format(tmp=tmp, workers=workers, user=user))
    return main


def nginx_command(tmp: Path, port: int, app_ports: list[int], workers: int = 1) -> list[str]:
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (apt-get install nginx)")
    main = write_config(tmp, port, app_ports, workers)
    return [binary, "-c", str(main), "-p", str(tmp), "-g", "daemon off;"]
