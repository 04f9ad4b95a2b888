"""A fault-injecting HTTP/1.1 proxy on loopback, for the sync reliability tests.

It sits between a branch's sync client and head office on real sockets (asyncio in a
background thread), understands just enough HTTP/1.1 to count requests on keep-alive
connections (Content-Length and chunked bodies), and injects faults chosen at runtime:

* ``reset``: the client's connection is reset (RST) before anything reaches head office;
* ``reset_after_forward``: head office gets and answers the request, the answer is lost
  (the connection is reset instead) -- "the server committed, the client never knew";
* ``http_502``: a 502 Bad Gateway answer, nothing forwarded (a reverse proxy's view of a
  dead upstream);
* ``timeout`` / ``timeout_after_forward``: the proxy holds the connection silent for
  ``delay`` seconds (longer than the client's timeout), then closes it; the second variant
  forwards the request first;
* ``cut_request``: only the request head and ``at`` bytes of its body reach head office,
  then both connections close (network cut mid-upload);
* ``cut_response``: head office's answer is cut after its head and ``at`` bytes of its
  body (network cut mid-download). ``at`` may be a fraction in (0, 1) of the body.

Faults are picked by :class:`Rule` (every k-th matching request, optional path prefix,
optional number of times) or for exact request numbers (:meth:`FaultProxy.schedule`).
:meth:`FaultProxy.set_network` switches the whole line off (every connection reset at
once) and back on; :meth:`FaultProxy.set_upstream` points it at another server.
Counters in :attr:`FaultProxy.stats` say what happened, so tests can assert faults fired,
and record every status code head office answered with (its 5xx answers with their bodies).
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

FaultKind = Literal[
    "reset",
    "reset_after_forward",
    "http_502",
    "timeout",
    "timeout_after_forward",
    "cut_request",
    "cut_response",
]
FAULT_KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]
HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Fault:
    """One fault to inject into one request."""

    kind: FaultKind
    at: float = 0
    """cut_*: body bytes let through (a float in (0, 1) is a share of the body)."""
    delay: float = 5.0
    """timeout*: seconds the connection stays silent before the proxy closes it."""

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")


@dataclass
class Rule:
    """Inject ``fault`` into every ``every``-th request whose path starts with ``path``."""

    fault: Fault
    every: int = 1
    path: str = ""
    times: int | None = None
    """Stop after this many injections (None: forever)."""
    seen: int = 0
    fired: int = 0

    def pick(self, path: str) -> Fault | None:
        """Count a request; the fault when this one is due."""
        if not path.startswith(self.path):
            return None
        if self.times is not None and self.fired >= self.times:
            return None
        self.seen += 1
        if self.seen % self.every:
            return None
        self.fired += 1
        return self.fault


@dataclass
class ProxyStats:
    """What the proxy saw and did (read from the test thread)."""

    requests: int = 0
    forwarded: int = 0
    completed: int = 0
    connections: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    log: list[tuple[int, str, str, str]] = field(default_factory=list)
    """(request number, method, path, outcome) for every request."""
    answers: Counter[int] = field(default_factory=Counter)
    """Status codes head office itself answered with (not the proxy's own 502s)."""
    server_errors: list[tuple[int, str, str, int, bytes]] = field(default_factory=list)
    """(request number, method, path, status, body) of every 5xx answer from head office."""


class HttpMessage:
    """A parsed request or response head plus its raw bytes."""

    def __init__(self, head: bytes) -> None:
        self.head = head
        lines = head.decode("latin-1").split("\r\n")
        self.start_line = lines[0]
        self.headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                self.headers[name.strip().lower()] = value.strip()

    @property
    def chunked(self) -> bool:
        return "chunked" in self.headers.get("transfer-encoding", "").lower()

    @property
    def length(self) -> int | None:
        value = self.headers.get("content-length")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def wants_close(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    """The head (through the blank line) of the next message; None at a clean EOF."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise ConnectionError("connection closed inside a message head") from exc
        return None
    except asyncio.LimitOverrunError as exc:
        raise ConnectionError("message head too large") from exc


async def read_body(
    reader: asyncio.StreamReader, message: HttpMessage, *, until_eof: bool
) -> bytes:
    """The raw body bytes of a message, exactly as they travel (chunk framing kept)."""
    if message.chunked:
        parts: list[bytes] = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the final blank line
                    line = await reader.readuntil(b"\r\n")
                    parts.append(line)
                    if line == b"\r\n":
                        return b"".join(parts)
            parts.append(await reader.readexactly(size + 2))
    if message.length is not None:
        return await reader.readexactly(message.length)
    return await reader.read() if until_eof else b""


def _cut_point(fault: Fault, body: bytes) -> int:
    if 0 < fault.at < 1:
        return max(1, int(len(body) * fault.at)) if body else 0
    return min(int(fault.at), max(len(body) - 1, 0))


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), like a cable pulled at the far side."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _response_502(reason: str) -> bytes:
    body = f'{{"detail": "fault proxy: {reason}"}}'.encode()
    head = (
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


@dataclass
class Exchange:
    """One request on its way through the proxy."""

    number: int
    method: str
    path: str
    fault: Fault | None
    request: HttpMessage
    body: bytes


class FaultProxy:
    """The proxy; use as a context manager or call start()/stop()."""

    def __init__(self, upstream: str, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._upstream = self._parse(upstream)
        self._rules: list[Rule] = []
        self._scheduled: dict[int, Fault] = {}
        self._network_up = True
        self.stats = ProxyStats()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # --- control (any thread) -----------------------------------------------------------

    @staticmethod
    def _parse(url: str) -> tuple[str, int]:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream {url!r} needs a host and a port")
        return parts.hostname, parts.port

    @property
    def url(self) -> str:
        """The address clients use instead of head office's."""
        return f"http://{self.host}:{self.port}"

    def set_upstream(self, url: str) -> None:
        """Forward to another server from the next request on."""
        with self._lock:
            self._upstream = self._parse(url)

    def add_rule(
        self, fault: Fault, *, every: int = 1, path: str = "", times: int | None = None
    ) -> Rule:
        """Inject ``fault`` into every ``every``-th request under ``path``."""
        if every < 1:
            raise ValueError("every must be at least 1")
        rule = Rule(fault, every=every, path=path, times=times)
        with self._lock:
            self._rules.append(rule)
        return rule

    def schedule(self, faults: dict[int, Fault]) -> None:
        """Inject faults into exact request numbers (1 = the first request this proxy sees)."""
        with self._lock:
            self._scheduled.update(faults)

    def clear(self) -> None:
        """No more faults: forward everything."""
        with self._lock:
            self._rules.clear()
            self._scheduled.clear()

    def set_network(self, up: bool) -> None:
        """Cut the line (every open and new connection reset) or restore it."""
        with self._lock:
            self._network_up = up
        if not up and self._loop is not None:
            self._loop.call_soon_threadsafe(self._reset_all)

    def _reset_all(self) -> None:
        for writer in list(self._writers):
            _abort(writer)

    def _choose(self, method: str, path: str) -> tuple[int, Fault | None]:
        with self._lock:
            self.stats.requests += 1
            number = self.stats.requests
            fault = self._scheduled.pop(number, None)
            for rule in self._rules:
                picked = rule.pick(path)
                fault = fault or picked
            if fault is not None:
                self.stats.faults[fault.kind] += 1
            return number, fault

    def _note(self, number: int, method: str, path: str, outcome: str) -> None:
        with self._lock:
            self.stats.log.append((number, method, path, outcome))
            if outcome == "ok":
                self.stats.completed += 1

    def _answered(
        self, number: int, method: str, path: str, response: HttpMessage, body: bytes
    ) -> None:
        """Count head office's answer (whether or not it reaches the client)."""
        parts = response.start_line.split(" ")
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        with self._lock:
            self.stats.answers[status] += 1
            if status >= 500:
                self.stats.server_errors.append((number, method, path, status, body[:2000]))

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> FaultProxy:
        """Listen on ``host:port`` (a free port when 0) in a background thread."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._serve, self.host, self.port, limit=HEAD_LIMIT)
                )
            except OSError as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            try:
                loop.run_forever()
            finally:
                self._shutdown(loop)

        self._thread = threading.Thread(target=run, name=f"faultproxy-{self.port}", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def _shutdown(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        if self._server is not None:
            loop.run_until_complete(self._server.wait_closed())
        loop.close()

    def stop(self) -> None:
        """Stop listening and drop every connection."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(self._reset_all)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- the proxying (event-loop thread) ------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self.stats.connections += 1
            up = self._network_up
        if not up:
            _abort(writer)
            return
        self._writers.add(writer)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                head = await read_head(reader)
                if head is None:
                    break
                request = HttpMessage(head)
                body = await read_body(reader, request, until_eof=False)
                keep, upstream = await self._one(request, body, writer, upstream)
                if not keep:
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            _abort(writer)
        finally:
            self._writers.discard(writer)
            if upstream is not None:
                upstream[1].transport.abort()
            if not writer.is_closing():
                writer.close()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        with self._lock:
            host, port = self._upstream
        return await asyncio.open_connection(host, port, limit=HEAD_LIMIT)

    async def _one(
        self,
        request: HttpMessage,
        body: bytes,
        writer: asyncio.StreamWriter,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
    ) -> tuple[bool, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:
        """Handle one request; (keep the client connection, upstream connection)."""
        method, path = [*request.start_line.split(" "), "", ""][:2]
        number, fault = self._choose(method, path)
        kind = fault.kind if fault is not None else "ok"
        if fault is not None and kind in ("reset", "http_502", "timeout"):
            self._note(number, method, path, kind)
            if kind == "reset":
                _abort(writer)
            elif kind == "http_502":
                writer.write(_response_502("injected fault"))
                await writer.drain()
            else:
                await asyncio.sleep(fault.delay)
                _abort(writer)
            return False, upstream
        if upstream is None or upstream[1].is_closing():
            try:
                upstream = await self._connect()
            except OSError:
                self._note(number, method, path, "upstream_down")
                writer.write(_response_502("head office unreachable"))
                await writer.drain()
                return False, None
        try:
            exchange = Exchange(number, method, path, fault, request, body)
            return await self._forward(exchange, writer, upstream)
        except BaseException:
            upstream[1].transport.abort()
            raise

    async def _forward(
        self,
        ex: Exchange,
        writer: asyncio.StreamWriter,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> tuple[bool, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:
        """Send the request to head office and relay (or spoil) its answer."""
        number, method, path, fault = ex.number, ex.method, ex.path, ex.fault
        request, body = ex.request, ex.body
        kind = fault.kind if fault is not None else "ok"
        up_reader, up_writer = upstream
        if fault is not None and kind == "cut_request":
            up_writer.write(request.head + body[: _cut_point(fault, body)])
            await up_writer.drain()
            self._note(number, method, path, kind)
            up_writer.transport.abort()
            _abort(writer)
            return False, None
        up_writer.write(request.head + body)
        await up_writer.drain()
        with self._lock:
            self.stats.forwarded += 1
        response_head = await read_head(up_reader)
        if response_head is None:
            raise ConnectionError("head office closed the connection without answering")
        response = HttpMessage(response_head)
        response_body = await read_body(up_reader, response, until_eof=True)
        self._answered(number, method, path, response, response_body)
        if fault is not None:
            self._note(number, method, path, kind)
            if kind == "cut_response":
                writer.write(response_head + response_body[: _cut_point(fault, response_body)])
                await writer.drain()
            elif kind == "timeout_after_forward":
                await asyncio.sleep(fault.delay)
            _abort(writer)
            up_writer.transport.abort()
            return False, None
        writer.write(response_head + response_body)
        await writer.drain()
        self._note(number, method, path, "ok")
        keep_upstream = not response.wants_close and (
            response.length is not None or response.chunked
        )
        keep_client = not (request.wants_close or response.wants_close)
        if not keep_upstream:
            up_writer.transport.abort()
            return keep_client, None
        return keep_client, upstream


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A running proxy in front of ``upstream`` (a URL), stopped on exit."""
    proxy = FaultProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()
