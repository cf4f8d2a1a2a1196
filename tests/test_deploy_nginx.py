"""deploy/nginx/hanoi-archive.conf: valid for Debian's nginx (`nginx -t`), and it spreads requests
over two app servers and passes a GET on when one of them is down."""

import http.client
import subprocess
import sys
import time

import pytest

from archive.benchmark import proxy
from archive.benchmark.stack import wait_for_port
from archive.db.cluster import free_port


@pytest.fixture
def nginx():
    binary = proxy.nginx_binary()
    if binary is None:
        pytest.fail("nginx is not installed: apt-get install nginx (make system-tools does it as root)")
    return binary


def test_the_shipped_site_passes_nginx_t(nginx, tmp_path):
    main = proxy.write_config(tmp_path, free_port(), [8001, 8002])
    site = (tmp_path / "site.conf").read_text()
    assert "server 127.0.0.1:8001" in site and "server 127.0.0.1:8002" in site
    run = subprocess.run([nginx, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "test is successful" in run.stderr


def test_requests_reach_both_app_servers_and_skip_one_that_is_down(nginx, tmp_path):
    apps = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(name)
        port = free_port()
        apps.append((port, subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                             "-d", str(tmp_path / name)], stderr=subprocess.DEVNULL)))  # fmt: skip
    port = free_port()
    server = subprocess.Popen(proxy.nginx_command(tmp_path, port, [p for p, _ in apps]), stderr=subprocess.DEVNULL)
    try:
        for app_port, _ in apps:
            wait_for_port(app_port)
        wait_for_port(port, server)
        assert {get(port) for _ in range(6)} == {"one", "two"}
        apps[0][1].terminate()
        apps[0][1].wait(timeout=10)
        time.sleep(0.2)
        assert [get(port) for _ in range(4)] == ["two"] * 4
    finally:
        server.terminate()
        server.wait(timeout=10)
        for _, app in apps:
            app.terminate()
            app.wait(timeout=10)


def get(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.status == 200
        return response.read().decode()
    finally:
        connection.close()
