"""The load balancer as ``make bench-cluster`` configures it, in front of two stand-in servers.

The benchmark itself (bench/cluster.py) runs Charter on two gunicorn servers for minutes; this
checks in seconds that the HAProxy configuration it writes is valid and does what the
benchmark relies on: both servers take turns, a dead server's share goes to the other one
without a failed request, and a server that comes back is taken into rotation again.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from bench import cluster, harness

pytestmark = pytest.mark.skipif(
    cluster.haproxy_binary() is None, reason="HAProxy is not installed (make system-deps)"
)


class _Handler(BaseHTTPRequestHandler):
    server: _Stub

    def do_GET(self) -> None:
        body = b'{"status": "ok"}' if self.path == "/healthz" else self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass  # health checks every second would fill the test output


class _Stub(ThreadingHTTPServer):
    """A stand-in app server on a loopback port: answers /healthz and says who it is."""

    daemon_threads = True

    def __init__(self, name: str, port: int = 0) -> None:
        self.name = name
        super().__init__(("127.0.0.1", port), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def _wait_for(balancer: cluster.Balancer, name: str, state: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cluster.haproxy_stats(balancer.socket)[name]["status"].startswith(state):
            return
        time.sleep(0.1)
    raise AssertionError(f"HAProxy did not mark {name} {state}")


def test_balancer_moves_traffic_off_a_dead_server_and_back(tmp_path: Path) -> None:
    app1, app2 = _Stub("app1"), _Stub("app2")
    balancer = cluster.Balancer(
        {"app1": app1.port, "app2": app2.port}, maxconn=2, work=tmp_path
    ).start()
    try:
        with httpx.Client(base_url=balancer.url, timeout=10) as client:

            def served_by(n: int) -> list[str]:
                responses = [client.get("/") for _ in range(n)]
                assert all(r.status_code == 200 for r in responses)
                assert all(r.headers[cluster.SERVER_HEADER] == r.text for r in responses)
                return [r.text for r in responses]

            assert set(served_by(6)) == {"app1", "app2"}
            app2.stop()
            # Before the health check notices, a refused connection is retried on app1.
            assert set(served_by(10)) == {"app1"}
            _wait_for(balancer, "app2", "DOWN")
            assert set(served_by(6)) == {"app1"}
            app2 = _Stub("app2", port=app2.port)
            _wait_for(balancer, "app2", "UP")
            assert set(served_by(6)) == {"app1", "app2"}
        stats = cluster.haproxy_stats(balancer.socket)
        assert int(stats["app2"]["chkdown"]) == 1
        assert int(stats["app2"]["wredis"]) >= 1
    finally:
        balancer.stop()
        app1.stop()
        app2.stop()


def test_config_names_health_check_and_one_request_per_worker() -> None:
    text = cluster.haproxy_config(
        port=harness.free_port(),
        servers={"app1": 8001, "app2": 8002},
        stats_socket=Path("/nonexistent/haproxy.sock"),
        maxconn=2,
        host="127.0.0.1",
    )
    assert "http-check send meth GET uri /healthz" in text
    assert "maxconn 2" in text
    assert "option redispatch 1" in text
    assert "option forwardfor" in text  # settings.TRUSTED_PROXY_COUNT = 1 behind it


def test_stats_rows_are_the_backend_servers() -> None:
    text = (
        "# pxname,svname,status,stot,\n"
        "web,FRONTEND,OPEN,10,\n"
        "charter,app1,UP,6,\n"
        "charter,app2,DOWN,4,\n"
        "charter,BACKEND,UP,10,\n"
    )
    stats = cluster.parse_stats(text)
    assert set(stats) == {"app1", "app2"}
    assert stats["app2"]["status"] == "DOWN"
    assert stats["app1"]["stot"] == "6"
