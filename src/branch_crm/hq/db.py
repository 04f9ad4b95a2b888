"""Head office's database: engine set-up for SQLite and PostgreSQL, transactions, errors.

Its schema (Alembic migrations) is :mod:`branch_crm.hq.schema`."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

WRITE_OPTION = "hq_write"


class FifoLock:
    """A lock granted in the order it was asked for, releasable from any thread.

    ``threading.Lock`` (like SQLite's busy handler, which polls) is not fair: under a queue
    of a few hundred writers some waited for minutes while later ones went first."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        gate.acquire()  # released by the holder's release(): the lock passes straight on

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False

    def __enter__(self) -> FifoLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


_write_locks: dict[str, FifoLock] = {}
_write_locks_guard = threading.Lock()


def _sqlite_write_lock(engine: Engine) -> FifoLock:
    """The one write lock of this process for a SQLite database file."""
    key = str(engine.url.database)
    with _write_locks_guard:
        return _write_locks.setdefault(key, FifoLock())


@contextmanager
def read_transaction(engine: Engine, *, snapshot: bool = False) -> Iterator[Connection]:
    """A connection in a read transaction, for the length of the block. ``snapshot``: every
    statement sees the same committed state (REPEATABLE READ on PostgreSQL; a SQLite read
    transaction always does)."""
    with engine.connect() as conn:
        if snapshot and is_postgres(conn):
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction (committed at the end of the block, rolled back
    on an error).

    On SQLite one writer at a time can work, so the service's writers queue here in arrival
    order, without a pooled connection, and start with ``BEGIN IMMEDIATE`` once it is their
    turn (another process writing, such as a command-line tool, is still waited for by
    SQLite's busy timeout). PostgreSQL lets them all in."""
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn, conn.begin():
            yield conn
        return
    with (
        _sqlite_write_lock(engine),
        engine.connect().execution_options(**{WRITE_OPTION: True}) as conn,
        conn.begin(),
    ):
        yield conn


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, pool_timeout: float = 30
) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with immediate write transactions, or
    PostgreSQL (psycopg 3) with a connection pool of ``pool_size`` connections kept open and
    up to ``max_overflow`` more under load (so one worker process holds at most their sum;
    see README "Head office in production"). SQL parameters (customers' data) never appear
    in an error's text, so never in a log (``hide_parameters``)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=-1,  # readers are never turned away; writers queue at the lock
            hide_parameters=True,
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        hide_parameters=True,
    )


def make_null_pool_engine(url: str) -> Engine:
    """An engine without pooling (command-line tools, migrations)."""
    if url.startswith("sqlite"):
        return make_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, poolclass=NullPool, hide_parameters=True)


RETRYABLE_STATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock and serialisation failure: the transaction may simply be retried."""


def retryable(exc: DBAPIError) -> bool:
    """A failure that retrying the whole transaction may get past (a deadlock, a
    serialisation failure, a locked SQLite database) -- not one the data itself causes,
    such as a constraint it breaks."""
    if _sqlstate(exc) in RETRYABLE_STATES:
        return True
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


DATA_STATE_CLASSES = ("22", "23", "P0")
"""PostgreSQL's error classes a value or a row causes: data exception, integrity constraint
violation, an exception raised by a trigger."""


def caused_by_data(exc: DBAPIError) -> bool:
    """A failure the statement's data causes (a constraint, a value the column refuses, a
    trigger's refusal), as opposed to one of the database itself (connection lost, disk
    full, out of memory): only the former is a reason to set a change aside."""
    state = _sqlstate(exc)
    if state is not None:
        return state.startswith(DATA_STATE_CLASSES)
    return isinstance(exc, IntegrityError | DataError)  # SQLite, or refused by the driver


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def describe_error(exc: BaseException) -> str:
    """An error in words fit for a log and a supervisor: what kind of failure and which
    constraint, table or column -- never the values (PostgreSQL's details quote whole rows,
    SQLAlchemy's text the SQL parameters)."""
    if not isinstance(exc, DBAPIError):
        return type(exc).__name__
    diag = getattr(exc.orig, "diag", None)
    if diag is None:  # SQLite: its messages name constraints and columns, never values
        return str(exc.orig).splitlines()[0][:120] if exc.orig is not None else "database error"
    names = [
        f"{label} {value}"
        for label, value in (
            ("constraint", diag.constraint_name),
            ("table", diag.table_name),
            ("column", diag.column_name),
        )
        if value
    ]
    return ", ".join([f"SQLSTATE {_sqlstate(exc)}", *names])[:120]


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _sqlite_begin)
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def is_postgres(engine: Engine | Connection) -> bool:
    """True on PostgreSQL."""
    return engine.dialect.name == "postgresql"
