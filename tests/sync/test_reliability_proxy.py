"""The fault-injecting proxy itself, against a small real HTTP/1.1 server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support.faultproxy import Fault, FaultProxy

BIG = bytes(range(256)) * 400  # 102,400 bytes


class Upstream(ThreadingHTTPServer):
    """Records every request body it received in full or in part."""

    daemon_threads = True

    def __init__(self, name: str) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.name = name
        self.received: list[tuple[str, bytes, bool]] = []  # (path, body, complete)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _read_body(self) -> tuple[bytes, bool]:
        length = int(self.headers.get("Content-Length") or 0)
        parts: list[bytes] = []
        got = 0
        while got < length:
            chunk = self.rfile.read1(length - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        return b"".join(parts), got == length

    def _send(self, body: bytes, *, chunked: bool = False) -> None:
        self.send_response(200)
        self.send_header("X-Server", self.server.name)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), 7000):
                part = body[start : start + 7000]
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def do_POST(self) -> None:
        body, complete = self._read_body()
        with self.server.lock:
            self.server.received.append((self.path, body, complete))
        if not complete:
            self.close_connection = True
            return
        self._send(body[::-1])

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.received.append((self.path, b"", True))
        if self.path == "/big":
            self._send(BIG)
        elif self.path == "/chunked":
            self._send(BIG, chunked=True)
        else:
            self._send(self.path.encode())


def _serve(name: str) -> Upstream:
    server = Upstream(name)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = _serve("A")
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[FaultProxy]:
    with FaultProxy(upstream.url) as running:
        yield running


def _wait_received(upstream: Upstream, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(upstream.received) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def test_forwards_bodies_exactly_on_keep_alive_connections(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    with httpx.Client(base_url=proxy.url, timeout=5) as http:
        for i in range(5):
            assert (
                http.post("/echo", content=f"hello {i}".encode()).content == f"{i} olleh".encode()
            )
        assert http.get("/big").content == BIG
        assert http.get("/chunked").content == BIG
        assert http.post("/echo", content=BIG).content == BIG[::-1]
    # the proxy notes an exchange as completed just after the last byte went out, so the
    # client may read the answer first: wait for the note (bounded), then compare
    deadline = time.monotonic() + 5
    while proxy.stats.completed < 8 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proxy.stats.requests == proxy.stats.completed == 8
    assert proxy.stats.connections == 1  # keep-alive: one client connection
    assert [r[1] for r in upstream.received[:5]] == [f"hello {i}".encode() for i in range(5)]


def test_every_kth_request_gets_502_and_never_reaches_the_server(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.add_rule(Fault("http_502"), every=3)
    with httpx.Client(base_url=proxy.url, timeout=5) as http:
        codes = [http.post("/echo", content=b"x%d" % i).status_code for i in range(9)]
    assert codes == [200, 200, 502] * 3
    assert len(upstream.received) == 6
    assert proxy.stats.faults["http_502"] == 3


def test_reset_before_forwarding_loses_the_request(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.schedule({1: Fault("reset")})
    with httpx.Client(base_url=proxy.url, timeout=5) as http:
        with pytest.raises(httpx.TransportError):
            http.post("/echo", content=b"lost")
        assert http.post("/echo", content=b"kept").status_code == 200
    assert [r[1] for r in upstream.received] == [b"kept"]


def test_reset_after_forwarding_loses_only_the_answer(
    proxy: FaultProxy, upstream: Upstream
) -> None:
    proxy.schedule({1: Fault("reset_after_forward")})
    with httpx.Client(base_url=proxy.url, timeout=5) as http, pytest.raises(httpx.TransportError):
        http.post("/echo", content=b"applied")
    assert [r[1] for r in upstream.received] == [b"applied"]


@pytest.mark.parametrize("kind", ["timeout", "timeout_after_forward"])
def test_timeout_holds_the_line_past_the_client_timeout(
    proxy: FaultProxy, upstream: Upstream, kind: Any
) -> None:
    proxy.schedule({1: Fault(kind, delay=3)})
    start = time.monotonic()
    with httpx.Client(base_url=proxy.url, timeout=0.5) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.post("/echo", content=b"slow")
        assert time.monotonic() - start < 2.5
        assert http.post("/echo", content=b"next").status_code == 200
    _wait_received(upstream, 2 if kind == "timeout_after_forward" else 1)
    bodies = [r[1] for r in upstream.received]
    assert bodies == ([b"slow", b"next"] if kind == "timeout_after_forward" else [b"next"])


def test_cut_request_mid_body(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.schedule({1: Fault("cut_request", at=1000)})
    with httpx.Client(base_url=proxy.url, timeout=5) as http, pytest.raises(httpx.TransportError):
        http.post("/echo", content=BIG)
    _wait_received(upstream, 1)
    path, body, complete = upstream.received[0]
    assert (path, body, complete) == ("/echo", BIG[:1000], False)


@pytest.mark.parametrize("path", ["/big", "/chunked"])
def test_cut_response_mid_body(proxy: FaultProxy, path: str) -> None:
    proxy.schedule({1: Fault("cut_response", at=0.5)})
    received = bytearray()
    with httpx.Client(base_url=proxy.url, timeout=5) as http:
        with pytest.raises(httpx.TransportError), http.stream("GET", path) as response:
            assert response.status_code == 200
            for part in response.iter_raw():
                received += part
        assert 0 < len(received) < len(BIG)
        assert http.get(path).content == BIG  # the next request goes through


def test_rule_with_path_and_times(proxy: FaultProxy, upstream: Upstream) -> None:
    proxy.add_rule(Fault("http_502"), every=1, path="/push", times=2)
    with httpx.Client(base_url=proxy.url, timeout=5) as http:
        codes = [
            http.post(p, content=b"b").status_code for p in ["/pull", "/push", "/push", "/push"]
        ]
    assert codes == [200, 502, 502, 200]


def test_network_toggled_at_runtime(proxy: FaultProxy, upstream: Upstream) -> None:
    with httpx.Client(base_url=proxy.url, timeout=2) as http:
        assert http.get("/a").status_code == 200
        proxy.set_network(False)
        with pytest.raises(httpx.TransportError):
            http.get("/b")
        with pytest.raises(httpx.TransportError):
            http.get("/c")
        proxy.set_network(True)
        assert http.get("/d").status_code == 200
    assert [r[0] for r in upstream.received] == ["/a", "/d"]


def test_upstream_switched_at_runtime_and_dead_upstream_is_502(proxy: FaultProxy) -> None:
    other = _serve("B")
    try:
        with httpx.Client(base_url=proxy.url, timeout=5) as http:
            assert http.get("/x").headers["X-Server"] == "A"
            proxy.set_upstream(other.url)
            assert httpx.get(f"{proxy.url}/x", timeout=5).headers["X-Server"] == "B"
            dead = other.url
    finally:
        other.shutdown()
        other.server_close()
    proxy.set_upstream(dead)
    assert httpx.get(f"{proxy.url}/x", timeout=5).status_code == 502
    assert proxy.stats.log[-1][3] == "upstream_down"
