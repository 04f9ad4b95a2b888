"""What a backup file is: a Branch CRM database or not, whose (branch, PC), of when, of which
schema, how many changes it still had to send; and whether it may replace this PC's database.

Read on a read-only, immutable connection (nothing is written next to the file, so a backup on
a write-protected drive or a network share is read as it is). Every refusal is one translated
sentence (:class:`~branch_crm.errors.CrmError`): the command line prints it as its one error
line, the restore dialog shows it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from branch_crm.db.revisions import head_revision, known_revisions
from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.sync.pc_codes import is_pc_code, provisional_code

__all__ = [
    "TAKEN_AT_KEY",
    "BackupFacts",
    "CurrentFacts",
    "check_restorable",
    "current_facts",
    "inspect_backup",
    "read_only_connection",
]

TAKEN_AT_KEY = "backup.taken_at"
"""``local_setting`` row stamped into every copy this app makes: when it was taken (UTC)."""
SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset({"alembic_version", "sync_state", "local_setting", "customer"})

SchemaState = Literal["same", "older", "newer"]


@dataclass(frozen=True)
class BackupFacts:
    """What a backup file holds, as the restore dialog and ``branch-crm restore`` show it."""

    path: Path
    size: int
    branch: str
    """The branch code ("" when the file never had one)."""
    branch_name: str
    node_id: str
    pc_code: str
    """The PC's code from head office, else its provisional code."""
    registered: bool
    """The PC was registered with head office when the copy was taken."""
    taken_at: datetime | None
    """When the copy was taken (UTC), stamped by this app; None for a copy made otherwise."""
    modified_at: datetime
    """The file's own time (UTC): the best guess for a copy without a stamp."""
    schema: str | None
    schema_state: SchemaState
    pending: int
    """Changes that had not reached head office when the copy was taken."""
    customers: int
    complaints: int

    @property
    def when(self) -> datetime:
        """When the copy was taken, or the file's time for a copy made otherwise (UTC)."""
        return self.taken_at or self.modified_at


@dataclass(frozen=True)
class CurrentFacts:
    """This PC's database as the restore compares it with a backup (None: unreadable)."""

    branch: str
    node_id: str
    registered: bool
    pending: int
    """Changes on this PC that have not reached head office yet: a restore loses them."""


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that reads ``path`` as it is and never writes (not even a -shm file)."""
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, timeout=1)


def _scalar(conn: sqlite3.Connection, sql: str, default: object = None) -> object:
    try:
        row = conn.execute(sql).fetchone()
    except sqlite3.Error:
        return default
    return default if row is None or row[0] is None else row[0]


def _setting(conn: sqlite3.Connection, key: str) -> object:
    row = conn.execute("SELECT value FROM local_setting WHERE key = ?", (key,)).fetchone()
    if row is None:
        return None
    try:
        value = json.loads(row[0])
    except (TypeError, ValueError):
        return None
    return value.get("value") if isinstance(value, dict) else None


def _branch(conn: sqlite3.Connection) -> str:
    """The branch a database belongs to: the one it registered as, else its branch code
    setting (a PC that never registered)."""
    registered = _scalar(conn, "SELECT branch_code FROM sync_state WHERE id = 1")
    if registered:
        return str(registered)
    chosen = _setting(conn, "branch.code")
    return str(chosen) if chosen else ""


def _schema_state(revision: str | None) -> SchemaState:
    if revision == head_revision():
        return "same"
    if revision is not None and revision not in known_revisions():
        return "newer"
    return "older"


def _taken_at(conn: sqlite3.Connection) -> datetime | None:
    value = _setting(conn, TAKEN_AT_KEY)
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def inspect_backup(path: Path | str, *, check: Literal["quick", "full"] = "quick") -> BackupFacts:
    """The facts of a backup file, or CrmError saying in one sentence why it is none: missing,
    not a database, a database of another program, damaged."""
    source = Path(path)
    name = source.name
    if not source.is_file():
        raise CrmError(_("There is no backup file {path}.").format(path=source))
    try:
        with source.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
        stat = source.stat()
    except OSError as exc:
        raise CrmError(
            _("The backup {name} cannot be read: {error}").format(
                name=name, error=exc.strerror or exc
            )
        ) from exc
    if header != SQLITE_HEADER:
        raise CrmError(
            _("{name} is not a Branch CRM backup (not a database file).").format(name=name)
        )
    try:
        conn = read_only_connection(source)
    except sqlite3.Error as exc:
        raise CrmError(
            _("The backup {name} cannot be opened: {error}").format(name=name, error=exc)
        ) from exc
    try:
        try:
            tables = {
                str(row[0])
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.DatabaseError as exc:
            raise CrmError(
                _("The backup {name} is damaged ({error}); choose another one.").format(
                    name=name, error=exc
                )
            ) from exc
        if not tables >= REQUIRED_TABLES:
            raise CrmError(_("{name} is a database, but not one of Branch CRM.").format(name=name))
        pragma = "integrity_check" if check == "full" else "quick_check"
        try:
            verdict = [str(row[0]) for row in conn.execute(f"PRAGMA {pragma}").fetchmany(3)]
        except sqlite3.DatabaseError as exc:
            verdict = [str(exc)]
        if verdict != ["ok"]:
            raise CrmError(
                _("The backup {name} is damaged ({error}); choose another one.").format(
                    name=name, error="; ".join(verdict)[:200]
                )
            )
        revisions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        schema = str(revisions[0][0]) if len(revisions) == 1 else None
        row = conn.execute("SELECT node_id, pc_code, branch_code FROM sync_state WHERE id = 1")
        state = row.fetchone()
        if state is None:
            raise CrmError(_("{name} is a database, but not one of Branch CRM.").format(name=name))
        node_id, pc_code, registered_branch = str(state[0]), state[1], state[2]
        return BackupFacts(
            path=source,
            size=stat.st_size,
            branch=_branch(conn),
            branch_name=str(_setting(conn, "branch.name") or ""),
            node_id=node_id,
            pc_code=pc_code if pc_code and is_pc_code(pc_code) else provisional_code(node_id),
            registered=bool(registered_branch),
            taken_at=_taken_at(conn),
            modified_at=datetime.fromtimestamp(stat.st_mtime, UTC),
            schema=schema,
            schema_state=_schema_state(schema),
            pending=int(str(_scalar(conn, "SELECT COUNT(*) FROM sync_outbox", 0))),
            customers=int(
                str(_scalar(conn, "SELECT COUNT(*) FROM customer WHERE deleted_at IS NULL", 0))
            ),
            complaints=int(
                str(_scalar(conn, "SELECT COUNT(*) FROM complaint WHERE deleted_at IS NULL", 0))
            ),
        )
    finally:
        conn.close()


def current_facts(db_path: Path) -> CurrentFacts | None:
    """This PC's database as a restore compares it (None: no file, or one that cannot be
    read -- a damaged database is the usual reason to restore)."""
    if not db_path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        state = conn.execute("SELECT node_id, branch_code FROM sync_state WHERE id = 1").fetchone()
        if state is None:
            return None
        return CurrentFacts(
            branch=_branch(conn),
            node_id=str(state[0]),
            registered=bool(state[1]),
            pending=int(str(_scalar(conn, "SELECT COUNT(*) FROM sync_outbox", 0))),
        )
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def check_restorable(facts: BackupFacts, current: CurrentFacts | None) -> None:
    """CrmError when ``facts``' file may not replace this PC's database: a newer schema, another
    branch, another registered PC of the branch (two PCs would then be one)."""
    if facts.schema_state == "newer":
        raise CrmError(
            _(
                "{name} was made by a newer version of Branch CRM (schema {schema}); install "
                "that version before restoring it."
            ).format(name=facts.path.name, schema=facts.schema)
        )
    if current is None:
        return
    if current.branch and facts.branch and current.branch != facts.branch:
        raise CrmError(
            _(
                "{name} is a backup of branch {theirs}; this PC belongs to branch {ours}. "
                "A backup is restored only at its own branch."
            ).format(name=facts.path.name, theirs=facts.branch, ours=current.branch)
        )
    if current.registered and current.node_id != facts.node_id:
        raise CrmError(
            _(
                "{name} is a backup of another PC of the branch (PC {pc}); each PC restores "
                "only its own backups."
            ).format(name=facts.path.name, pc=facts.pc_code)
        )
