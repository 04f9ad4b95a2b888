"""Shared set-up of the sync benchmarks: a head office in its own process (SQLite file or a
fresh PostgreSQL database), registered branch databases, and bulk local writes that go
through the real capture triggers.

Not a benchmark itself (the leading underscore keeps ``python -m bench all`` from running it).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def machine_load() -> float:
    """The 1-minute load average: figures taken on a busy machine say so."""
    return round(os.getloadavg()[0], 2)


def rss_mb(pid: int | None = None) -> float:
    """Resident set size of a process now, in MB (Linux /proc)."""
    status = Path(f"/proc/{pid or 'self'}/status")
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb(pid: int | None = None) -> float:
    """Peak resident set size (VmHWM) of a process, in MB (Linux /proc)."""
    status = Path(f"/proc/{pid or 'self'}/status")
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@contextmanager
def isolated_env() -> Iterator[Path]:
    """A scratch folder used as the data folder; tokens in the user-only fallback file."""
    with tempfile.TemporaryDirectory(prefix="bcrm-bench-") as folder:
        saved = {k: os.environ.get(k) for k in ("BRANCH_CRM_DATA_DIR", "BRANCH_CRM_KEYRING")}
        os.environ["BRANCH_CRM_DATA_DIR"] = str(Path(folder) / "data")
        os.environ["BRANCH_CRM_KEYRING"] = "off"
        try:
            yield Path(folder)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@contextmanager
def hq_database(kind: str, folder: Path) -> Iterator[str | None]:
    """A database URL for head office: a SQLite file, or a fresh PostgreSQL database (None
    when no PostgreSQL server answers)."""
    if kind == "sqlite":
        yield f"sqlite+pysqlite:///{folder / 'hq.db'}"
        return
    from branch_crm.hq.testing import PostgresUnavailable, postgres_database

    try:
        with postgres_database("bcrm_bench") as url:
            yield url
    except PostgresUnavailable:
        yield None


@dataclass
class HqChild:
    """Head office served by ``branch-crm-hq serve`` in a child process."""

    process: subprocess.Popen[bytes] | None
    base_url: str
    database_url: str

    def add_branch(self, code: str) -> str:
        """A registration code for (another PC of) branch ``code``."""
        from branch_crm.hq.admin import add_branch
        from branch_crm.hq.db import WRITE_OPTION, make_null_pool_engine

        engine = make_null_pool_engine(self.database_url)
        try:
            options = {WRITE_OPTION: True}
            with engine.connect().execution_options(**options) as conn, conn.begin():
                return add_branch(conn, code, code)
        finally:
            engine.dispose()


@contextmanager
def hq_child(
    database_url: str, folder: Path, *, workers: int = 1, in_thread: bool = False
) -> Iterator[HqChild]:
    """Migrate and serve head office in a child process on a free loopback port
    (``in_thread``: in a thread of this process instead -- quick smoke runs only)."""
    from branch_crm.hq.db import make_null_pool_engine
    from branch_crm.hq.schema import migrate
    from branch_crm.hq.testing import free_port, running_hq

    if in_thread:
        with running_hq(database_url, log_level="WARNING") as server:
            yield HqChild(None, server.base_url, database_url)
        return

    engine = make_null_pool_engine(database_url)
    migrate(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "BRANCH_CRM_HQ_DATABASE_URL": database_url,
        "BRANCH_CRM_HQ_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "branch_crm.hq.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    with open(folder / f"hq-{port}.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base_url, process)
        yield HqChild(process, base_url, database_url)
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_up(base_url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"head office exited with {process.returncode}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError("head office did not start")


def branch(hq: HqChild, path: Path, code: str, **client_options: Any) -> tuple[Any, Any]:
    """A migrated branch database registered at ``hq`` and its sync client."""
    from branch_crm.hq.testing import registered_branch

    return registered_branch(hq.base_url, path, code, hq.add_branch(code), **client_options)


def _template(code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """One customer and one phone row as the app writes them (all columns, defaults set)."""
    from branch_crm.db import open_database
    from branch_crm.models import Customer, CustomerPhone

    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "template.db")
        try:
            with db.session(actor_id="bench", branch_id=code) as session:
                customer = Customer(name="模板")
                session.add(customer)
                session.flush()
                session.add(CustomerPhone(customer_id=customer.id, phone="13800000000"))
            with sqlite3.connect(db.path) as raw:
                raw.row_factory = sqlite3.Row
                c = dict(raw.execute("SELECT * FROM customer").fetchone())
                p = dict(raw.execute("SELECT * FROM customer_phone").fetchone())
        finally:
            db.dispose()
    return c, p


def customer_rows(
    code: str, count: int, start: int = 0
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """``count`` (customer, phone) row pairs with fresh ids, names and phones."""
    from branch_crm.ids import new_id

    customer, phone = _template(code)
    for i in range(start, start + count):
        cid = new_id()
        yield (
            {**customer, "id": cid, "name": f"客户{i}", "local_no": None},
            {**phone, "id": new_id(), "customer_id": cid, "phone": f"1{i:010d}"},
        )


def fill_changes(
    db_path: Path, code: str, changes: int, *, tx_changes: int = 20, first: int = 0
) -> float:
    """Write ``changes`` captured changes (customers + phones, ``tx_changes`` per local
    transaction) through the capture triggers with plain sqlite3; returns the seconds taken.
    Phone numbers are numbered from ``first``: give every branch its own range, or their
    customers clash on phone numbers (a conflict each) at head office."""
    from branch_crm.db import bump_epoch

    pairs = customer_rows(code, changes // 2, start=first)
    raw = sqlite3.connect(db_path, isolation_level=None)
    start = time.perf_counter()
    try:
        insert_c = insert_p = None
        done = 0
        while done < changes:
            raw.execute("BEGIN")
            for _ in range(tx_changes // 2):
                c, p = next(pairs)
                insert_c = insert_c or _insert_sql("customer", c)
                insert_p = insert_p or _insert_sql("customer_phone", p)
                raw.execute(insert_c, c)
                raw.execute(insert_p, p)
                done += 2
            bump_epoch(raw)
            raw.execute("COMMIT")
    finally:
        raw.close()
    return time.perf_counter() - start


def _insert_sql(table: str, row: dict[str, Any]) -> str:
    columns = ", ".join(f'"{c}"' for c in row)
    values = ", ".join(f":{c}" for c in row)
    return f'INSERT INTO "{table}" ({columns}) VALUES ({values})'


def outbox_count(db_path: Path) -> int:
    """Changes queued in a branch database."""
    with sqlite3.connect(db_path) as raw:
        return int(raw.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0])
