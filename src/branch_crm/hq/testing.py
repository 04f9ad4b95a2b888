"""Helpers for tests and benchmarks that need a real head office on loopback.

* :func:`running_hq` -- migrate a database (SQLite path/URL or PostgreSQL URL) and serve it
  with uvicorn in a background thread on a free 127.0.0.1 port; yields an :class:`HqServer`
  (``base_url``, ``engine``, ``add_branch(code, name) -> registration code``). Head office
  never answers a sync request with a server error (issue 10): any 5xx answer is recorded in
  ``server_errors`` and fails the test at the end of the block unless the test expects it
  (``allow_server_errors=True``, or it empties the list).
* :func:`spawn_hq_process` -- the same in a separate ``python -m branch_crm.hq.cli serve``
  process (for SIGKILL tests); returns a ``subprocess.Popen`` and the base URL.
* :func:`registered_branch` -- a migrated branch database registered at that head office,
  with a ready :class:`~branch_crm.sync.client.SyncClient`.
* :func:`postgres_database` -- create a uniquely named PostgreSQL database for the test and
  drop it afterwards (``PostgresUnavailable`` when no server answers).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.engine import Engine

from branch_crm.db import Database, open_database
from branch_crm.hq.admin import add_branch
from branch_crm.hq.app import create_app
from branch_crm.hq.db import WRITE_OPTION, make_engine
from branch_crm.hq.schema import migrate
from branch_crm.hq.settings import HqSettings
from branch_crm.sync.client import SyncClient

PG_ADMIN_URL = os.environ.get(
    "BRANCH_CRM_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


REQUIRE_POSTGRES_ENV = "BRANCH_CRM_REQUIRE_POSTGRES"
"""Set (or ``CI=true``, as CI runs) and a PostgreSQL test fails instead of skipping when no
server answers: CI machines have PostgreSQL at 127.0.0.1:5432 (.ci/run starts it if down)."""


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server answered at the test address."""


def postgres_required() -> bool:
    """True when PostgreSQL tests must not skip (``BRANCH_CRM_REQUIRE_POSTGRES`` set, or CI)."""
    if os.environ.get("CI", "").lower() == "true":
        return True
    return os.environ.get(REQUIRE_POSTGRES_ENV, "") not in ("", "0")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_database(prefix: str = "bcrm_test") -> Iterator[str]:
    """A fresh PostgreSQL database URL, dropped on exit."""
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(str(exc)) from exc
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class HqServer:
    """A head office serving on loopback."""

    base_url: str
    database_url: str
    engine: Engine
    server: Any = field(repr=False)
    app: Any = field(default=None, repr=False)
    """The FastAPI application (``app.state.engine`` is the service's own engine)."""
    server_errors: list[tuple[str, int]] = field(default_factory=list)
    """(path, status) of every 5xx answer of a sync request so far."""

    def add_branch(self, code: str, name: str | None = None) -> str:
        """Create the branch (if new) and return a fresh registration code."""
        options = {WRITE_OPTION: True}
        with self.engine.connect().execution_options(**options) as conn, conn.begin():
            return add_branch(conn, code, name or code)


def _wait_until_up(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"head office at {url} did not start")


class ServerErrors:
    """ASGI wrapper recording every 5xx answer of a sync request into ``seen``."""

    def __init__(self, app: Any, seen: list[tuple[str, int]]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/v1/sync/"):
            await self.app(scope, receive, send)
            return

        async def watched(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 500:
                self.seen.append((path, message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:  # uvicorn answers 500 for it
            self.seen.append((path, 500))
            raise


@contextmanager
def running_hq(
    database_url: str,
    *,
    allow_server_errors: bool = False,
    port: int | None = None,
    **settings: Any,
) -> Iterator[HqServer]:
    """Serve head office on a free loopback port (or ``port``) in a thread (migrating its
    database first).

    A 5xx answer to a sync request fails the test when the block ends (see the module
    docstring), unless ``allow_server_errors``."""
    if not database_url.startswith(("sqlite", "postgresql")):
        database_url = f"sqlite+pysqlite:///{database_url}"
    hq_settings = HqSettings(database_url=database_url, **settings)
    engine = make_engine(database_url)
    migrate(engine)
    app = create_app(hq_settings)
    errors: list[tuple[str, int]] = []
    port = port or free_port()
    config = uvicorn.Config(
        ServerErrors(app, errors), host="127.0.0.1", port=port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"hq-{port}", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    hq = HqServer(base_url, database_url, engine, server, app, errors)
    try:
        _wait_until_up(base_url)
        yield hq
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()
        engine.dispose()
    if hq.server_errors and not allow_server_errors:
        raise AssertionError(f"head office answered sync requests with {hq.server_errors}")


def spawn_hq_process(
    database_url: str, *, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``branch-crm-hq serve`` as a child process; returns (process, base URL)."""
    port = port or free_port()
    env = {**os.environ, "BRANCH_CRM_HQ_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "branch_crm.hq.cli", "migrate-and-serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    _wait_until_up(base_url)
    return process, base_url


def registered_branch(
    base_url: str,
    path: Path,
    branch: str,
    code: str,
    *,
    transport: httpx.BaseTransport | None = None,
    batch_size: int = 1000,
) -> tuple[Database, SyncClient]:
    """A migrated branch database at ``path`` registered with ``code``, and its client."""
    from branch_crm.services.syncing.service import register_branch, stored_token

    db = open_database(path)
    with db.session() as session:
        from branch_crm.services.settings import values as app_settings

        app_settings.put(session, None, "branch.code", branch)
        register_branch(session=session, url=base_url, code=code, transport=transport)
    token = stored_token(db)
    assert token is not None
    client = SyncClient(
        db, base_url=base_url, token=token, transport=transport, batch_size=batch_size
    )
    return db, client
