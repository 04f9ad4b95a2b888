"""Restoring a backup: checked, the current database kept aside, and what it means for sync
said before anything happens.

What a restore does to sync (the protocol in sync.client, sync.outbox, hq.push):

- The backup's outbox (changes not yet sent when it was taken) is kept and pushed at the next
  sync. Head office recognises the ones it already has: a batch it acknowledged before is
  answered from its stored acknowledgement (same batch id), and a change it already holds
  carries the same stamp, which the merge rule treats as the same change seen again (no new
  row, no new version; see sync.merge). Nothing is doubled.
- The pull cursor in ``sync_state`` is the backup's, older than the one replaced: the next pull
  fetches again everything head office logged since, this PC's own changes included. So
  whatever this PC had sent to head office after the backup comes back; applying a change
  already here is again the same stamp seen twice.
- Changes made after the backup and never sent exist only in the database set aside: they
  are lost (sync before restoring, when the current database still works).
- This PC's clock (``sync_state`` HLC) is carried over from the database replaced, so changes
  made after the restore order after everything this PC stamped before.

The attachments' files the backup names come back from the ``BranchCRM-files`` store beside
it (services.backup_files) into the live store before the database is swapped; the files
already there stay, so the database set aside keeps its photos as well.

The window does not swap the file under its open connections: it stages the restore
(:func:`stage_restore`) and the app applies it at its next start (:func:`apply_pending_restore`)
before anything opens the database. ``branch-crm restore`` applies it at once, refusing while
the app (or anything else) has the database open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.ids import new_id
from branch_crm.models import AuditEntry
from branch_crm.reference.roles import Permission
from branch_crm.services.backup import copy_database
from branch_crm.services.backup_facts import (
    TAKEN_AT_KEY,
    BackupFacts,
    CurrentFacts,
    check_restorable,
    current_facts,
    inspect_backup,
)
from branch_crm.services.backup_files import FilesCopied, restore_files
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.timeutil import to_local, utcnow

__all__ = [
    "PENDING_SUFFIX",
    "DatabaseInUse",
    "PendingRestore",
    "RestoreResult",
    "apply_pending_restore",
    "cancel_pending_restore",
    "ensure_not_in_use",
    "pending_restore",
    "record_restore",
    "restore_database",
    "stage_restore",
    "sync_explanation",
]

log = logging.getLogger(__name__)

PENDING_SUFFIX = ".restore-pending"
"""``branch.db.restore-pending``: the checked copy the next start puts in place (with a
``.json`` beside it saying who asked, and from which file)."""


class DatabaseInUse(CrmError):
    """Another program has the database open: it is not replaced under running work."""


@dataclass(frozen=True)
class RestoreResult:
    """A restore done: the backup's facts and where the replaced database was kept."""

    facts: BackupFacts
    source: str
    """The backup file as the user chose it."""
    set_aside: Path | None
    """The database that was replaced, renamed (None: there was none)."""
    staff_id: str | None = None
    """Who asked for it (a restore staged in the window, applied at the next start)."""
    files: FilesCopied = field(default_factory=FilesCopied)
    """The attachment files put back (``copied``), already here, or missing from the
    backup (a backup of an older version has none)."""


@dataclass(frozen=True)
class PendingRestore:
    """A restore staged by the window, waiting for the next start."""

    copy: Path
    source: str
    staff_id: str | None
    asked_at: str


def _when(moment: datetime) -> str:
    return f"{to_local(moment):%Y-%m-%d %H:%M}"


def sync_explanation(facts: BackupFacts, current: CurrentFacts | None) -> list[str]:
    """What restoring ``facts``' file means for sync, in sentences, said before restoring."""
    when = _when(facts.when)
    if not (facts.registered or (current is not None and current.registered)):
        return [
            _(
                "This PC does not sync with head office: everything entered after {when} is lost."
            ).format(when=when)
        ]
    lines: list[str] = []
    if facts.pending:
        lines.append(
            _(
                "The backup holds {n} changes that had not reached head office when it was "
                "taken: they are kept and sent at the next sync. Head office recognises any "
                "it already has, so nothing is doubled."
            ).format(n=facts.pending)
        )
    else:
        lines.append(_("Every change in the backup had reached head office when it was taken."))
    lines.append(
        _(
            "What this PC sent to head office after {when} comes back from head office at the "
            "next sync."
        ).format(when=when)
    )
    if current is None:
        lines.append(
            _(
                "The current database cannot be read: changes made after {when} that never "
                "reached head office are lost."
            ).format(when=when)
        )
    elif current.pending:
        lines.append(
            _(
                "This PC has {n} changes that head office has not received yet: the restore "
                "loses them. Sync first if you can (it sends them; they then come back after "
                "the restore)."
            ).format(n=current.pending)
        )
    else:
        lines.append(
            _("Every change on this PC has reached head office: nothing made since is lost.")
        )
    lines.append(
        _(
            "Sync right after restoring, before taking new complaints: the numbers issued after "
            "{when} come back with it."
        ).format(when=when)
    )
    return lines


# --- the swap ----------------------------------------------------------------------------------


def ensure_not_in_use(db_path: Path) -> None:
    """CrmError when another program (the app) has the database open: it is not replaced
    under running work."""
    if not db_path.exists():
        return
    try:
        conn = sqlite3.connect(str(db_path), timeout=0.5, isolation_level=None)
    except sqlite3.Error:
        return  # unreadable: nobody works on it either
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseInUse(
                _(
                    "The database {path} is in use (is Branch CRM open?). Close the app, "
                    "then restore."
                ).format(path=db_path)
            ) from exc
    except sqlite3.DatabaseError:
        pass  # a damaged file: restoring is what it needs
    finally:
        conn.close()


def _carry_clock(target: Path, replaced: Path) -> None:
    """The restored file's HLC moved up to the replaced database's (same PC only): changes
    made after the restore order after everything this PC stamped before it."""
    try:
        old = sqlite3.connect(f"{replaced.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            row = old.execute(
                "SELECT node_id, hlc_ms, hlc_counter, pc_code FROM sync_state WHERE id = 1"
            ).fetchone()
        finally:
            old.close()
    except sqlite3.Error:
        return  # unreadable: the restored clock still moves on with the PC's time
    if row is None:
        return
    node_id, hlc_ms, counter, pc_code = row
    conn = sqlite3.connect(str(target))
    try:
        conn.execute("DELETE FROM local_setting WHERE key = ?", (TAKEN_AT_KEY,))
        conn.execute(
            "UPDATE sync_state SET "
            "hlc_counter = CASE WHEN ? > hlc_ms THEN ? WHEN ? = hlc_ms "
            "THEN max(hlc_counter, ?) ELSE hlc_counter END, hlc_ms = max(hlc_ms, ?), "
            "pc_code = COALESCE(pc_code, ?) WHERE id = 1 AND node_id = ?",
            (hlc_ms, counter, hlc_ms, counter, hlc_ms, pc_code, node_id),
        )
        conn.commit()
    finally:
        conn.close()


def _checkpoint(db_path: Path) -> None:
    """Fold the WAL into the database file before it is set aside (best effort)."""
    with contextlib.suppress(sqlite3.Error):
        conn = sqlite3.connect(str(db_path), timeout=1)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()


def _move_with_sidecars(source: Path, target: Path) -> None:
    os.replace(source, target)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{source}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{target}{suffix}"))


def restore_database(
    *, db_path: Path | str, backup: Path | str, source: str | None = None
) -> RestoreResult:
    """Replace the database at ``db_path`` by the backup ``backup``: checked, copied beside it
    and checked again, the current file renamed aside (``branch.db.replaced-20260301-143005``),
    the copy renamed into place. Nothing may have the database open (see
    :func:`ensure_not_in_use`). The restored file keeps its schema; opening it migrates it."""
    target, chosen = Path(db_path), Path(backup)
    facts = inspect_backup(chosen)
    current = current_facts(target)
    check_restorable(facts, current)
    ensure_not_in_use(target)
    staging = target.with_name(f"{target.name}.restoring")
    staging.unlink(missing_ok=True)
    try:
        copy_database(chosen, staging, stamp=False)
    except (OSError, sqlite3.Error) as exc:
        staging.unlink(missing_ok=True)
        raise CrmError(
            _("The backup could not be copied next to the database: {error}").format(
                error=getattr(exc, "strerror", None) or exc
            )
        ) from exc
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    try:
        files = _restore_files(chosen, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    set_aside: Path | None = None
    if target.exists():
        _carry_clock(staging, target)
        _checkpoint(target)
        set_aside = target.with_name(f"{target.name}.replaced-{to_local(utcnow()):%Y%m%d-%H%M%S}")
        _move_with_sidecars(target, set_aside)
    try:
        os.replace(staging, target)
    except OSError as exc:
        if set_aside is not None:
            _move_with_sidecars(set_aside, target)  # put the database back as it was
        staging.unlink(missing_ok=True)
        raise CrmError(
            _("The restore failed; the database was left as it was: {error}").format(
                error=exc.strerror or exc
            )
        ) from exc
    log.info("restored %s from %s; the replaced database is %s", target, chosen, set_aside)
    return RestoreResult(facts, source or str(chosen), set_aside, files=files)


def _restore_files(backup: Path, db_path: Path) -> FilesCopied:
    """The backup's files into the live store (checked), in words on failure."""
    try:
        return restore_files(backup, db_path)
    except (OSError, ValueError) as exc:
        raise CrmError(
            _("The backup's attachment files could not be put back: {error}").format(
                error=getattr(exc, "strerror", None) or exc
            )
        ) from exc


def record_restore(*, session: Session, actor: Actor, result: RestoreResult) -> None:
    """The audit entry of a restore, written into the restored database (synced like any)."""
    staff = result.staff_id if result.staff_id is not None else actor.staff_id
    changes: dict[str, object] = {
        "file": result.source,
        "taken_at": result.facts.when.isoformat(),
        "set_aside": str(result.set_aside) if result.set_aside else None,
        "files_restored": result.files.copied,
        "files_missing": result.files.missing,
    }
    session.add(
        AuditEntry(
            id=new_id(),
            at=utcnow(),
            actor_id=staff,
            action="restore",
            entity="database",
            entity_id=None,
            changes=changes,
            branch_id=actor.branch_id,
            created_by=staff,
            updated_by=staff,
        )
    )
    session.flush()


# --- a restore staged by the window, done at the next start ------------------------------------


def _pending_paths(db_path: Path) -> tuple[Path, Path]:
    copy = db_path.with_name(db_path.name + PENDING_SUFFIX)
    return copy, copy.with_name(copy.name + ".json")


def stage_restore(*, db_path: Path | str, backup: Path | str, actor: Actor) -> PendingRestore:
    """Check the backup and put a checked copy of it beside the database, to replace it at
    the next start (admins only). The running app's database is not touched."""
    require(actor, Permission.SETTINGS_EDIT)
    target, chosen = Path(db_path), Path(backup)
    facts = inspect_backup(chosen)
    check_restorable(facts, current_facts(target))
    copy, marker = _pending_paths(target)
    _restore_files(chosen, target)  # only adds files: the running app loses nothing
    partial = copy.with_name(copy.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        copy_database(chosen, partial, stamp=False)
        os.replace(partial, copy)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise CrmError(
            _("The backup could not be copied next to the database: {error}").format(
                error=getattr(exc, "strerror", None) or exc
            )
        ) from exc
    asked_at = utcnow().isoformat()
    marker.write_text(
        json.dumps({"source": str(chosen), "staff_id": actor.staff_id, "asked_at": asked_at}),
        encoding="utf-8",
    )
    return PendingRestore(copy, str(chosen), actor.staff_id, asked_at)


def pending_restore(db_path: Path) -> PendingRestore | None:
    """The restore staged for the next start, if any."""
    copy, marker = _pending_paths(db_path)
    if not copy.is_file() or not marker.is_file():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    return PendingRestore(
        copy,
        str(data.get("source") or copy),
        data.get("staff_id"),
        str(data.get("asked_at") or ""),
    )


def cancel_pending_restore(db_path: Path) -> None:
    """Forget a staged restore."""
    for path in _pending_paths(db_path):
        path.unlink(missing_ok=True)


def apply_pending_restore(db_path: Path) -> RestoreResult | None:
    """At start, before the database is opened: put a staged restore in place (None: none
    staged). A staged copy that no longer passes the checks is dropped and the error raised;
    the database is then left as it was."""
    pending = pending_restore(db_path)
    if pending is None:
        return None
    try:
        result = restore_database(db_path=db_path, backup=pending.copy, source=pending.source)
    except DatabaseInUse:
        raise  # kept for the next start
    except BaseException:
        cancel_pending_restore(db_path)
        raise
    cancel_pending_restore(db_path)
    return RestoreResult(
        result.facts, result.source, result.set_aside, pending.staff_id, result.files
    )
