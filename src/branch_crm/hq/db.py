"""Head office's database: engine set-up for SQLite and PostgreSQL, and Alembic migrations."""

from __future__ import annotations

import threading
from importlib import resources
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

WRITE_OPTION = "hq_write"
_sqlite_write_lock = threading.Lock()


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url``: SQLite in WAL mode with immediate write transactions, or
    PostgreSQL (psycopg 3) with a connection pool."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_null_pool_engine(url: str) -> Engine:
    """An engine without pooling (command-line tools, migrations)."""
    if url.startswith("sqlite"):
        return make_engine(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, poolclass=NullPool)


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


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Any:
    """The Alembic configuration of head office's own migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("branch_crm.hq") / "migrations"))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade head office's schema (SQLite or PostgreSQL) in one transaction."""
    from alembic import command

    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
        command.upgrade(alembic_config(connection=conn), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision of head office's database (None when empty)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest head-office migration this version knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
