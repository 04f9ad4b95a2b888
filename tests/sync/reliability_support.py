"""Shared pieces of the sync-ops reliability tests (kills, flaky network, cuts mid-batch).

* :func:`write_work` -- a realistic mix of local transactions at a branch (new customers with
  phones, edits, tombstones; each a transaction of its own, audit rows included);
* :func:`write_reference_codes` -- head-office reference data that flows to every branch;
* :func:`assert_exactly_once` -- head office received each captured change exactly once:
  its batches of this PC hold exactly the changes the PC captured, and its change log holds
  one entry per change (a re-sent batch under a new id, or a pulled change re-queued by the
  branch, would show up as extra entries);
* :func:`assert_cursor_at_end` -- the branch's pull cursor is head office's last change for it;
* :class:`HqProcess` -- head office as a child process (migrated here, served there) that can
  be SIGKILLed at a named step and restarted on the same port.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import httpx
import killpoints
from oracle import assert_converged, outbox_empty
from sqlalchemy import text
from sqlalchemy.engine import Engine

from branch_crm.db import Database
from branch_crm.hq.admin import write_reference
from branch_crm.sync.outbox import pending_count
from tests.support.sync import add_customer, delete_customer, edit_customer


def write_work(db: Database, branch: str, tag: str, phone_prefix: str, n: int = 30) -> int:
    """Customers with phones, some edited, some tombstoned; returns the changes now queued."""
    ids = [add_customer(db, branch, f"{tag}客户{i}", f"{phone_prefix}{i:04d}") for i in range(n)]
    for customer_id in ids[: n // 4]:
        edit_customer(db, branch, customer_id, notes=f"{tag} 备注")
    for customer_id in ids[n // 4 : n // 4 + 3]:
        delete_customer(db, branch, customer_id)
    return queued(db)


def queued(db: Database) -> int:
    """Changes waiting in the outbox."""
    with db.engine.connect() as conn:
        return pending_count(conn)


def write_reference_codes(engine: Engine, n: int, tag: str = "cat") -> None:
    """``n`` complaint categories written at head office."""
    with engine.connect().execution_options(hq_write=True) as conn, conn.begin():
        for i in range(n):
            write_reference(
                conn,
                "reference_code",
                {
                    "list_kind": "complaint_category",
                    "code": f"{tag}{i:03d}",
                    "name_zh": f"类别{i}",
                    "name_en": f"Category {i}",
                    "sort_order": i,
                    "active": True,
                },
            )


def node_id(db: Database) -> str:
    """This PC's sync node id."""
    with db.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT node_id FROM sync_state WHERE id = 1").scalar())


def assert_exactly_once(engine: Engine, db: Database, captured: int) -> None:
    """Head office holds each of the ``captured`` changes of this PC once, none twice."""
    node = node_id(db)
    with engine.connect() as conn:
        batches, in_batches = conn.execute(
            text("SELECT COUNT(*), COALESCE(SUM(changes), 0) FROM hq_batch WHERE node_id = :n"),
            {"n": node},
        ).one()
        logged = conn.execute(
            text("SELECT COUNT(*) FROM hq_change_log WHERE origin = :n"), {"n": node}
        ).scalar_one()
        duplicates = conn.execute(
            text(
                "SELECT COUNT(*) FROM (SELECT table_name, pk, hlc FROM hq_change_log "
                "WHERE origin = :n GROUP BY table_name, pk, hlc HAVING COUNT(*) > 1) d"
            ),
            {"n": node},
        ).scalar_one()
    assert batches > 0
    assert int(in_batches) == captured, f"head office got {in_batches} changes, {captured} made"
    assert int(logged) == captured, f"change log holds {logged} entries for {captured} changes"
    assert duplicates == 0


def assert_cursor_at_end(engine: Engine, db: Database, branch: str) -> None:
    """The branch pulled everything: its cursor is the last change of its partition or HQ's."""
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT COALESCE(MAX(seq), 0) FROM hq_change_log WHERE partition IN (:b, 'HQ')"),
            {"b": branch},
        ).scalar_one()
    with db.engine.connect() as conn:
        cursor = conn.exec_driver_sql("SELECT cursor FROM sync_state WHERE id = 1").scalar_one()
    assert int(cursor) == int(last)


def assert_settled(engine: Engine, branches: list[tuple[Database, str]]) -> None:
    """Every outbox is empty, every cursor at the end, every branch equals its partition."""
    for db, code in branches:
        assert outbox_empty(db), f"{db.path.name}: changes still queued"
        assert_cursor_at_end(engine, db, code)
    assert_converged(engine, branches)


def integrity_ok(db: Database) -> bool:
    """SQLite's own consistency check of the branch file."""
    with sqlite3.connect(str(db.path)) as raw:
        return bool(raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def child_env(kill_at: str | None, kill_log: Path | None) -> dict[str, str]:
    """The environment of a child process, with a kill point armed when ``kill_at`` is set."""
    env = dict(os.environ)
    env.pop("BRANCH_CRM_KILL_AT", None)
    env.pop("BRANCH_CRM_KILL_LOG", None)
    if kill_at:
        env["BRANCH_CRM_KILL_AT"] = kill_at
    if kill_log is not None:
        env["BRANCH_CRM_KILL_LOG"] = str(kill_log)
    return env


@dataclass
class ChildRun:
    """How a child sync round ended."""

    exitcode: int
    output: str


def run_client_child(
    db: Database,
    url: str,
    token: str,
    *,
    kill_at: str | None,
    kill_log: Path,
    batch_size: int,
    pull_limit: int,
) -> ChildRun:
    """One sync round of ``db`` in a child process (kill point armed)."""
    argv = ["client", str(db.path), url, token]
    argv += ["--batch-size", str(batch_size), "--pull-limit", str(pull_limit)]
    output = kill_log.with_suffix(".out")
    process = killpoints.spawn(argv, child_env(kill_at, kill_log), str(output))
    process.join(120)
    if process.exitcode is None:
        process.kill()
        process.join(10)
        raise AssertionError("the child sync round did not finish in 120 s")
    text_out = output.read_text(encoding="utf-8") if output.exists() else ""
    return ChildRun(process.exitcode, text_out)


def wait_until_up(base_url: str, process: BaseProcess, timeout: float = 30) -> None:
    """Wait for /healthz; fail early when the process died."""
    deadline = time.monotonic() + timeout
    address = httpx.URL(base_url)
    while time.monotonic() < deadline:
        if process.exitcode is not None:
            raise RuntimeError(f"head office exited with {process.exitcode}")
        try:  # a bare connect first: cheap enough to poll often
            socket.create_connection((address.host, address.port or 80), timeout=1).close()
        except OSError:
            time.sleep(0.02)
            continue
        if httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200:
            return
    raise RuntimeError(f"head office at {base_url} did not start")


class HqProcess:
    """Head office served by a child process (``killpoints serve``) on a fixed port."""

    def __init__(
        self, database_url: str, port: int, output: Path, *, pull_limit: int = 5000
    ) -> None:
        self.database_url, self.port, self.pull_limit = database_url, port, pull_limit
        self.output = output
        self.process: BaseProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, kill_at: str | None = None, kill_log: Path | None = None) -> None:
        """Start serving (a kill point armed when ``kill_at`` is set)."""
        argv = ["serve", self.database_url, str(self.port), "--pull-limit", str(self.pull_limit)]
        self.process = killpoints.spawn(argv, child_env(kill_at, kill_log), str(self.output))
        wait_until_up(self.base_url, self.process)

    def wait_killed(self, timeout: float = 20) -> int:
        """The exit code once the process ended (it is expected to die at its kill point)."""
        assert self.process is not None
        self.process.join(timeout)
        code = self.process.exitcode
        self.process = None
        assert code is not None, "head office is still running"
        return code

    def stop(self) -> None:
        """Terminate the server (a clean stop) if it runs."""
        if self.process is not None and self.process.exitcode is None:
            self.process.terminate()
            self.process.join(10)
            if self.process.exitcode is None:
                self.process.kill()
                self.process.join(10)
        self.process = None


def stored_token_of(db: Database) -> str:
    """The token registration stored for this PC."""
    from branch_crm.services.syncing.service import stored_token

    token = stored_token(db)
    assert token is not None
    return token


def killed_by_sigkill(code: int) -> bool:
    """True when a child's exit code says SIGKILL ended it."""
    return code == -signal.SIGKILL


def read_kill_log(path: Path) -> list[str]:
    """Steps recorded by kill points that fired."""
    return path.read_text(encoding="utf-8").split() if path.exists() else []


def hq_count(engine: Engine, sql: str, **params: Any) -> int:
    """A single number read at head office."""
    with engine.connect() as conn:
        return int(conn.execute(text(sql), params).scalar_one())
