"""Engine, sessions and start-up checks of the branch database (SQLite).

``open_database`` refuses files it cannot use with a typed error (locked, read-only,
corrupt, written by a newer version), backs the file up before a pending migration and
runs Alembic. Sessions stamp who changed what and hide tombstones from ORM queries.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DatabaseError as SaDatabaseError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import (
    ORMExecuteState,
    Session,
    class_mapper,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.orm.attributes import instance_state

from branch_crm import APP_NAME
from branch_crm.errors import (
    DatabaseCorrupt,
    DatabaseError,
    DatabaseLocked,
    DatabaseReadOnly,
    DatabaseTooNew,
)
from branch_crm.i18n import _
from branch_crm.ids import new_id
from branch_crm.models import HQ_BRANCH, AuditEntry, Base, SyncedMixin
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
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


# --- session behaviour -------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _synced_columns(obj: SyncedMixin) -> list[str]:
    skip = {"created_at", "updated_at", "created_by", "updated_by"}
    mapper = class_mapper(type(obj))
    return [
        c.key
        for c in mapper.column_attrs
        if c.key not in skip and c.columns[0].info.get("sync", True)
    ]


SECRET_MASK = "***"
"""Audit value of columns marked ``info={"secret": True}`` (password hashes): never logged."""


def _audit_value(obj: SyncedMixin, key: str, value: Any) -> Any:
    column = class_mapper(type(obj)).columns[key]
    if value is not None and column.info.get("secret", False):
        return SECRET_MASK
    return _json_safe(value)


def _audit_changes(obj: SyncedMixin, *, new: bool) -> dict[str, Any]:
    state = instance_state(obj)
    changes: dict[str, Any] = {}
    for key in _synced_columns(obj):
        if new:
            value = getattr(obj, key)
            if value is not None and key != "id":
                changes[key] = [None, _audit_value(obj, key, value)]
            continue
        history = state.attrs[key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            new_value = history.added[0] if history.added else None
            if old != new_value:
                changes[key] = [_audit_value(obj, key, old), _audit_value(obj, key, new_value)]
    return changes


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Fill owner/attribution columns and write audit entries for every synced change."""
    actor_id = session.info.get("actor_id")
    branch_id = session.info.get("branch_id")
    audit_on = session.info.get("audit", True)
    now = utcnow()
    entries: list[AuditEntry] = []
    for obj in list(session.deleted):
        if isinstance(obj, SyncedMixin):
            raise RuntimeError(
                f"hard delete of {type(obj).__name__} refused: set deleted_at (tombstone)"
            )
    for obj in list(session.new):
        if not isinstance(obj, SyncedMixin) or isinstance(obj, AuditEntry):
            continue
        _apply_scalar_defaults(obj)
        if obj.branch_id is None:
            if branch_id is None:
                raise RuntimeError("session has no branch_id for a new synced row")
            obj.branch_id = branch_id
        obj.created_by = obj.created_by or actor_id
        obj.updated_by = obj.updated_by or actor_id
        if audit_on:
            entries.append(_audit_entry(obj, "create", _audit_changes(obj, new=True), now))
    for obj in list(session.dirty):
        if not isinstance(obj, SyncedMixin) or not session.is_modified(obj):
            continue
        changes = _audit_changes(obj, new=False)
        if not changes:
            continue
        obj.updated_by = actor_id
        if audit_on:
            action = "delete" if "deleted_at" in changes and obj.deleted_at else "update"
            entries.append(_audit_entry(obj, action, changes, now))
    for entry in entries:
        entry.actor_id = actor_id
        entry.branch_id = entry.branch_id or branch_id or "?"
        entry.created_by = entry.updated_by = actor_id
        session.add(entry)


def _apply_scalar_defaults(obj: SyncedMixin) -> None:
    """Give a new row its id and plain column defaults now, so its audit entry is complete."""
    if obj.id is None:
        obj.id = new_id()
    for attr in class_mapper(type(obj)).column_attrs:
        default = attr.columns[0].default
        if default is not None and default.is_scalar and getattr(obj, attr.key) is None:
            setattr(obj, attr.key, default.arg)


def _audit_entry(
    obj: SyncedMixin, action: str, changes: dict[str, Any], now: datetime
) -> AuditEntry:
    return AuditEntry(
        at=now,
        action=action,
        entity=type(obj).__tablename__,  # type: ignore[attr-defined]
        entity_id=obj.id,
        changes=changes,
        # a head-office row seeded at a branch (default SLA, survey template): the entry is the
        # branch's own record, so it syncs with the branch's partition (head office refuses
        # an "HQ" row pushed by a branch, which would stop every later sync round)
        branch_id=None if obj.branch_id == HQ_BRANCH else obj.branch_id,
    )


def _hide_tombstones(state: ORMExecuteState) -> None:
    if (
        state.is_select
        and not state.is_column_load
        and not state.execution_options.get("include_deleted", False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(
                SyncedMixin,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,
            )
        )


event.listen(Session, "before_flush", _before_flush)
event.listen(Session, "do_orm_execute", _hide_tombstones)


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


def alembic_config(connection: Connection | None = None) -> Any:
    """The Alembic configuration of the branch migrations (optionally bound to a connection)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("branch_crm") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


_REVISION_RE = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_RE = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(?:None|[\"']([^\"']+)[\"'])\s*$", re.M)


@functools.cache
def _revision_graph() -> dict[str, str | None] | None:
    """revision -> down_revision read from the migration files without importing Alembic
    (that import costs a third of a second at every start); None when a file does not follow
    the simple pattern, and Alembic decides."""
    graph: dict[str, str | None] = {}
    folder = Path(str(resources.files("branch_crm") / "migrations" / "versions"))
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("__"):
            continue
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION_RE.search(text), _DOWN_RE.search(text)
        if revision is None or down is None:
            return None
        graph[revision.group(1)] = down.group(1)
    return graph or None


def _fast_head() -> str | None:
    graph = _revision_graph()
    if graph is None:
        return None
    heads = set(graph) - {down for down in graph.values() if down is not None}
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    """The newest migration this version of the app knows."""
    fast = _fast_head()
    if fast is not None:
        return fast
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _known_revisions() -> set[str]:
    graph = _revision_graph()
    if graph is not None:
        return set(graph)
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _current_revision(conn: Connection) -> str | None:
    """The revision stamped in the file (read directly; Alembic only for unusual layouts)."""
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if exists is None:
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) <= 1:
        return str(rows[0][0]) if rows else None
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


CORRUPT_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
"""SQLite's own names (extended codes included) for a file that is damaged or no database."""
CORRUPT_WORDS = ("malformed", "not a database")


def is_corrupt(exc: BaseException) -> bool:
    """True only when SQLite says the file itself is damaged or not a database: any other
    failure (a constraint, a trigger refusing a write, a bug) leaves the file intact."""
    raw = getattr(exc, "orig", None) or exc
    if str(getattr(raw, "sqlite_errorname", "")).startswith(CORRUPT_CODES):
        return True
    text = str(raw).lower()
    return any(word in text for word in CORRUPT_WORDS)


def _classify(exc: BaseException, path: Path) -> DatabaseError:
    text = str(exc).lower()
    shown = str(path)
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            _("The database {path} is in use by another program. Close it and try again.").format(
                path=shown
            ),
            shown,
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return DatabaseReadOnly(
            _("The database {path} cannot be written. Check the file's permissions.").format(
                path=shown
            ),
            shown,
        )
    if is_corrupt(exc):
        return DatabaseCorrupt(
            _(
                "The database {path} is damaged or is not a Branch CRM database. "
                "Restore it from a backup."
            ).format(path=shown),
            shown,
        )
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    return DatabaseError(
        _(
            "The database {path} refused the operation ({reason}); the file itself is intact."
        ).format(path=shown, reason=reason),
        shown,
    )


def as_database_error(exc: BaseException, path: Path | str) -> DatabaseError:
    """The typed, translated error for a SQLite failure on ``path`` after it was opened
    (locked by another program, read-only, damaged; anything else is said neutrally: it is
    never a reason to restore a backup)."""
    return _classify(exc, Path(path))


def _precheck_file(path: Path) -> None:
    shown = str(path)
    if path.exists():
        if path.is_dir():
            raise DatabaseCorrupt(
                _("{path} is a folder, not a database file.").format(path=shown), shown
            )
        if not os.access(path, os.R_OK):
            raise DatabaseReadOnly(
                _("The database {path} cannot be read. Check the file's permissions.").format(
                    path=shown
                ),
                shown,
            )
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        if header and header != SQLITE_HEADER:
            raise _classify(Exception("not a database"), path)
        if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise _classify(Exception("readonly"), path)
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _classify(Exception(f"readonly {exc}"), path) from exc
        if not os.access(path.parent, os.W_OK):
            raise _classify(Exception("readonly"), path)


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


def open_database(path: Path | str | None = None, *, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate the branch database, or raise a DatabaseError."""
    db_path = Path(path) if path is not None else default_db_path()
    _precheck_file(db_path)
    engine = make_engine(db_path)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=1500")
            mode = conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
            if str(mode).lower() != "wal":
                raise OperationalError("journal_mode", {}, Exception("locked: WAL refused"))
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.exec_driver_sql("ROLLBACK")
            current = _current_revision(conn)
        if current is not None and current not in _known_revisions():
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
        raise _classify(exc, db_path) from exc
    factory = sessionmaker(engine, expire_on_commit=False)
    return Database(path=db_path, engine=engine, session_factory=factory)


def seed_reference_rows(engine: Engine) -> None:
    """Head-office rows every PC must hold before any sync (same ids and values everywhere;
    head office publishes them too): the default survey template, which printed forms name.
    Run once the schema is at head (a new or just migrated database)."""
    from branch_crm.services.surveys.template import seed_default_template

    with engine.begin() as conn:
        seed_default_template(conn)


def run_migrations(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def metadata() -> Any:
    """The model metadata Alembic compares against."""
    return Base.metadata
