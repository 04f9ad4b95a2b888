"""Engine, sessions and start-up of the branch database (SQLite).

``open_database`` refuses files it cannot use with a typed error (locked, read-only,
corrupt, written by a newer version: :mod:`.problems`), backs the file up before a pending
migration and runs Alembic (:mod:`.revisions`). Sessions stamp who changed what and hide
tombstones from ORM queries (:mod:`.session_hooks`, installed here).
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError as SaDatabaseError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from branch_crm import APP_NAME
from branch_crm.db.problems import classify, precheck_file
from branch_crm.db.revisions import (
    current_revision,
    head_revision,
    known_revisions,
    run_migrations,
)
from branch_crm.db.session_hooks import install_session_hooks
from branch_crm.errors import DatabaseError, DatabaseOnNetwork, DatabaseTooNew
from branch_crm.i18n import _
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
KEEP_MIGRATION_BACKUPS = 3


def default_data_dir() -> Path:
    """The per-user data folder (``%LOCALAPPDATA%\\BranchCRM`` on Windows)."""
    from platformdirs import user_data_dir

    override = os.environ.get("BRANCH_CRM_DATA_DIR")
    return Path(override) if override else Path(user_data_dir(APP_NAME, APP_NAME))


def default_db_path() -> Path:
    """Where the branch database lives unless ``--db`` says otherwise."""
    return default_data_dir() / "branch.db"


def _set_sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.execute("PRAGMA cache_size=-32000")  # 32 MB page cache per connection
    cursor.close()


def bump_epoch(raw: Any) -> None:
    """Start a new sync transaction id if the current one captured anything (DBAPI
    connection): ``sync_state.tx_epoch``, which the capture triggers stamp on every outbox
    row (see :mod:`branch_crm.sync.capture`)."""
    try:
        row = raw.execute(
            "SELECT tx_epoch, (SELECT tx_id FROM sync_outbox ORDER BY seq DESC LIMIT 1) "
            "FROM sync_state WHERE id = 1"
        ).fetchone()
    except sqlite3.Error:
        return  # not a branch database (yet)
    if row is not None and row[1] is not None and row[1] >= row[0]:
        raw.execute("UPDATE sync_state SET tx_epoch = ? WHERE id = 1", (row[1] + 1,))


def _bump_epoch(conn: Connection) -> None:
    """Engine ``commit`` hook: runs in the committing transaction, after its last write."""
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.driver_connection
    if raw is not None:
        bump_epoch(raw)


def make_engine(path: Path | str) -> Engine:
    """An engine on the SQLite file with WAL, foreign keys and a busy timeout; each commit
    that captured changes closes its sync transaction id (:func:`bump_epoch`)."""
    url = f"sqlite+pysqlite:///{path}"
    engine = create_engine(url, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _set_sqlite_pragmas)
    event.listen(engine, "commit", _bump_epoch)
    return engine


install_session_hooks()


# --- opening a database ------------------------------------------------------------------


@dataclass
class Database:
    """An open branch database: its path, engine and session factory."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]

    @contextmanager
    def session(
        self, *, actor_id: str | None = None, branch_id: str | None = None, audit: bool = True
    ) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on any error."""
        session = self.session_factory()
        session.info.update(actor_id=actor_id, branch_id=branch_id, audit=audit)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


READ_ONLY = "read_only"
"""``Session.info`` key set on the sessions of :func:`read_only_database`."""


def is_read_only(session: Session) -> bool:
    """True for a session of :func:`read_only_database` (a service that would store a
    derived value on the side, say, leaves that to the writer)."""
    return bool(session.info.get(READ_ONLY, False))


def _set_read_only_pragmas(dbapi_conn: sqlite3.Connection, record: Any) -> None:
    _set_sqlite_pragmas(dbapi_conn, record)
    dbapi_conn.execute("PRAGMA query_only=ON")


def read_only_database(db: Database) -> Database:
    """``db``'s file on connections that cannot write (``PRAGMA query_only``): the GUI
    thread reads there. In WAL mode a reader never takes nor waits for the write lock, so it
    goes on while the database thread or another program writes; a statement that would
    write fails at once ("attempt to write a readonly database")."""
    engine = create_engine(
        f"sqlite+pysqlite:///{db.path}", connect_args={"check_same_thread": False}
    )
    event.listen(engine, "connect", _set_read_only_pragmas)
    factory = sessionmaker(engine, expire_on_commit=False, info={READ_ONLY: True})
    return Database(path=db.path, engine=engine, session_factory=factory)


def backup_file(source: Path, target: Path) -> None:
    """Copy a live SQLite database consistently with the online backup API."""
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _backup_before_migration(path: Path, revision: str | None) -> Path | None:
    if revision is None or not path.exists():
        return None
    stamp = utcnow().strftime("%Y%m%d%H%M%S")
    target = path.with_name(f"{path.name}.pre-{revision}-{stamp}.bak")
    backup_file(path, target)
    old = sorted(path.parent.glob(f"{path.name}.pre-*.bak"), key=lambda p: p.stat().st_mtime)
    for stale in old[:-KEEP_MIGRATION_BACKUPS]:
        stale.unlink(missing_ok=True)
    log.info("backed up %s to %s before migrating", path, target)
    return target


def refuse_network_location(db_path: Path) -> None:
    """DatabaseOnNetwork when ``db_path`` is on a network share (db.location): the WAL mode
    the app needs is not safe there (two PCs, or a lost connection, corrupt the file)."""
    from branch_crm.db.location import network_file_system

    kind = network_file_system(db_path)
    if kind is None:
        return
    if kind == "UNC path":
        kind = _("UNC path")
    elif kind == "network drive":
        kind = _("network drive")
    raise DatabaseOnNetwork(
        _(
            "The database {path} is on a network share ({kind}). Branch CRM keeps its "
            "database on this PC's own disk: over a network share the file can be damaged."
        ).format(path=str(db_path), kind=kind),
        str(db_path),
    )


def open_database(path: Path | str | None = None, *, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate the branch database, or raise a DatabaseError
    (also for a file on a network share: :func:`refuse_network_location`)."""
    db_path = Path(path) if path is not None else default_db_path()
    refuse_network_location(db_path)
    precheck_file(db_path)
    engine = make_engine(db_path)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=1500")
            mode = conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
            if str(mode).lower() != "wal":
                raise OperationalError("journal_mode", {}, Exception("locked: WAL refused"))
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("ROLLBACK")
            current = current_revision(conn)
        if current is not None and current not in known_revisions():
            raise DatabaseTooNew(
                _(
                    "The database {path} was written by a newer version of Branch CRM "
                    "(schema {revision}). Install the newer version to open it."
                ).format(path=str(db_path), revision=current),
                str(db_path),
            )
        if migrate and current != head_revision():
            _backup_before_migration(db_path, current)
            run_migrations(engine)
            seed_reference_rows(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except (SaDatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise classify(exc, db_path) from exc
    factory = sessionmaker(engine, expire_on_commit=False)
    return Database(path=db_path, engine=engine, session_factory=factory)


def seed_reference_rows(engine: Engine) -> None:
    """Head-office rows every PC must hold before any sync (same ids and values everywhere;
    head office publishes them too): the default survey template, which printed forms name.
    Run once the schema is at head (a new or just migrated database)."""
    from branch_crm.reference.defaults import seed_default_template

    with engine.begin() as conn:
        seed_default_template(conn)
