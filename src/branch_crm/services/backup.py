"""Backups of the branch database (DESIGN.md section 2): a copy on demand to any folder
("Back up now", ``branch-crm backup``) and one copy a day kept for a number of days.

Every copy is taken with SQLite's online backup API on a read transaction held for the whole
copy: a consistent snapshot while the app goes on writing (in WAL mode a reader never blocks
the writer, and the snapshot does not move, so the copy never restarts). It is written under a
temporary name, made a self-contained file (no WAL), stamped with the time it was taken,
checked (``PRAGMA integrity_check`` and the restore's own checks) and only then renamed to its
final name: a crash or a full drive never leaves a half copy that looks complete.

The attachments' files go with the copy (services.backup_files): before the copy gets its
final name, the files it names that the folder's shared ``BranchCRM-files`` store lacks are
copied there, each read back and checked against its hash. Removing old daily copies
removes the files no copy left in the folder names.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from branch_crm.db import file_store
from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.ids import new_id
from branch_crm.models import AuditEntry
from branch_crm.reference.roles import Permission
from branch_crm.services.backup_facts import TAKEN_AT_KEY, BackupFacts, inspect_backup
from branch_crm.services.backup_files import (
    FilesCopied,
    backup_store,
    copy_files,
    prune_files,
    referenced_files,
)
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.settings import values as settings
from branch_crm.timeutil import local_today, to_local, utcnow

__all__ = [
    "BACKUP_DIR",
    "PAGES_PER_STEP",
    "BackupCancelled",
    "BackupCopy",
    "BackupResult",
    "Progress",
    "backup_dir",
    "backup_name",
    "backup_now",
    "copy_database",
    "daily_backup",
    "list_backups",
    "record_backup",
    "scheduled_backup",
]

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
PAGES_PER_STEP = 512
"""Pages copied per step of the backup API (2 MB at SQLite's 4 KB pages): progress moves
often, and each step is short."""
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<day>\d{4}-\d{2}-\d{2})\.bak$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")

Progress = Callable[[int, int], None]
"""``progress(done, total)`` in pages; raise in it to stop the copy."""


class BackupCancelled(CrmError):
    """The user stopped a backup; nothing was left behind."""


@dataclass(frozen=True)
class BackupResult:
    """What ``daily_backup`` did: the file of today and the old copies removed."""

    path: Path
    created: bool
    removed: tuple[Path, ...]
    files: FilesCopied = field(default_factory=FilesCopied)
    """The attachment files copied with today's copy (none when it existed already)."""
    files_removed: int = 0
    """Files no kept copy names any more, removed from the folder's store."""


@dataclass(frozen=True)
class BackupCopy:
    """A finished, checked copy."""

    path: Path
    size: int
    facts: BackupFacts
    seconds: float
    files: FilesCopied = field(default_factory=FilesCopied)
    """The attachment files the copy names: copied now, already in the folder, missing."""


# --- one consistent, checked copy ------------------------------------------------------------


def _stamp_copy(target: sqlite3.Connection, taken_at: datetime) -> None:
    """Make the copy one self-contained file and write when it was taken into it."""
    target.execute("PRAGMA journal_mode=DELETE")
    target.execute(
        "INSERT OR REPLACE INTO local_setting (key, value) VALUES (?, ?)",
        (TAKEN_AT_KEY, json.dumps({"value": taken_at.isoformat()})),
    )
    target.commit()


def _fsync(path: Path) -> None:
    """Push the file to the disk (a removable drive pulled right after keeps it whole)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        log.debug("fsync of %s not possible", path)
    finally:
        os.close(fd)


def copy_database(
    source: Path,
    target: Path,
    *,
    progress: Progress | None = None,
    pages: int = PAGES_PER_STEP,
    stamp: bool = True,
) -> BackupFacts:
    """Copy the live database ``source`` to ``target`` consistently, stamp (``stamp``) and
    check the copy; returns the copy's facts. ``target`` is written in place: callers give a
    temporary name and rename it when this returns. Raises sqlite3.Error, OSError, or
    CrmError when the copy fails its checks; whatever ``progress`` raises stops the copy."""
    taken_at = utcnow()
    src = sqlite3.connect(str(source), timeout=30, isolation_level=None)
    try:
        # one read transaction for the whole copy: every step reads the same snapshot, the
        # writer goes on meanwhile (WAL), and the copy never starts over
        src.execute("BEGIN")
        src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        dst = sqlite3.connect(str(target))
        try:

            def step(_status: int, remaining: int, total: int) -> None:
                if progress is not None:
                    progress(total - remaining, total)

            src.backup(dst, pages=max(1, pages), progress=step)
            src.execute("COMMIT")
            if stamp:
                _stamp_copy(dst, taken_at)
            else:
                dst.execute("PRAGMA journal_mode=DELETE")
            verdict = [str(r[0]) for r in dst.execute("PRAGMA integrity_check").fetchmany(3)]
        finally:
            dst.close()
    finally:
        src.close()
    if verdict != ["ok"]:
        raise CrmError(
            _("The copy did not pass its check ({error}); it was not kept.").format(
                error="; ".join(verdict)[:200]
            )
        )
    _fsync(target)
    return inspect_backup(target, check="quick")  # the restore's own checks, on the copy


def _copy_files(source: Path, copy: Path, folder: Path) -> FilesCopied:
    """The files the database copy ``copy`` names, into ``folder``'s store (checked)."""
    try:
        return copy_files(
            referenced_files(copy), file_store.store_root(source), backup_store(folder)
        )
    except ValueError as exc:
        raise CrmError(
            _("An attachment file did not pass its check after copying ({error}).").format(
                error=exc
            )
        ) from exc


def backup_name(facts: BackupFacts, taken_at: datetime) -> str:
    """``BranchCRM-BR001-A-20260301-143005.db``: branch, PC code, local time taken."""
    branch = _UNSAFE.sub("", facts.branch) or "branch"
    pc = _UNSAFE.sub("", facts.pc_code) or "PC"
    return f"BranchCRM-{branch}-{pc}-{to_local(taken_at):%Y%m%d-%H%M%S}.db"


def _room_needed(source: Path) -> int:
    size = source.stat().st_size
    wal = Path(f"{source}-wal")
    return size + (wal.stat().st_size if wal.exists() else 0)


def _human_size(size: int) -> str:
    if size < 1024 * 1024:
        return _("{n} KB").format(n=max(1, round(size / 1024)))
    return _("{n} MB").format(n=f"{size / (1024 * 1024):.1f}")


def backup_now(
    *,
    db_path: Path | str,
    folder: Path | str,
    actor: Actor,
    progress: Progress | None = None,
    pages: int = PAGES_PER_STEP,
) -> BackupCopy:
    """Back the database up to ``folder`` now (a removable drive, a network share); admins
    (and the command line's system actor) only: a copy holds every customer's data."""
    require(actor, Permission.SETTINGS_EDIT)
    source, where = Path(db_path), Path(folder)
    if not source.is_file():
        raise CrmError(_("There is no database file {path} to back up.").format(path=source))
    if not where.is_dir():
        raise CrmError(
            _("The folder {folder} does not exist or is not reachable (is the drive in?).").format(
                folder=where
            )
        )
    need = _room_needed(source)
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        free = None
    if free is not None and free < need:
        raise CrmError(
            _(
                "There is not enough room in {folder}: the copy needs about {need}, {free} is free."
            ).format(folder=where, need=_human_size(need), free=_human_size(free))
        )
    started = time.monotonic()
    partial = where / f".BranchCRM-{new_id()}.part"
    try:
        facts = copy_database(source, partial, progress=progress, pages=pages)
        files = _copy_files(source, partial, where)
        target = where / backup_name(facts, facts.taken_at or utcnow())
        counter = 2
        while target.exists():  # two copies within one second
            target = target.with_name(f"{target.stem.rsplit('~', 1)[0]}~{counter}.db")
            counter += 1
        os.replace(partial, target)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        Path(f"{partial}-journal").unlink(missing_ok=True)
        if isinstance(exc, CrmError | KeyboardInterrupt):
            raise
        if isinstance(exc, OSError | sqlite3.Error):
            raise CrmError(
                _("The backup to {folder} failed: {error}").format(
                    folder=where, error=getattr(exc, "strerror", None) or exc
                )
            ) from exc
        raise
    log.info("backup written to %s", target)
    final = inspect_backup(target, check="quick")
    return BackupCopy(target, target.stat().st_size, final, time.monotonic() - started, files)


def record_backup(*, session: Session, actor: Actor, copy: BackupCopy) -> None:
    """The audit entry of a backup made on demand: who copied the data, where, when."""
    _audit(
        session,
        actor,
        "backup",
        {"file": str(copy.path), "size": copy.size, "files_copied": copy.files.copied},
    )


def _audit(session: Session, actor: Actor, action: str, changes: dict[str, object]) -> None:
    session.add(
        AuditEntry(
            id=new_id(),
            at=utcnow(),
            actor_id=actor.staff_id,
            action=action,
            entity="database",
            entity_id=None,
            changes=changes,
            branch_id=actor.branch_id,
            created_by=actor.staff_id,
            updated_by=actor.staff_id,
        )
    )
    session.flush()


# --- the daily copies ------------------------------------------------------------------------


def backup_dir(db_path: Path) -> Path:
    """The folder holding the daily copies of ``db_path`` unless a setting names another."""
    return db_path.parent / BACKUP_DIR


def _copies(db_path: Path, folder: Path | None = None) -> list[tuple[str, Path]]:
    folder = folder or backup_dir(db_path)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match and match["stem"] == db_path.name:
            found.append((match["day"], entry))
    return sorted(found)


def list_backups(db_path: Path, folder: Path | None = None) -> list[Path]:
    """Daily copies of ``db_path``, oldest first."""
    return [path for _day, path in _copies(db_path, folder)]


def daily_backup(
    *,
    db_path: Path | str,
    keep: int = 7,
    today: date | None = None,
    folder: Path | str | None = None,
) -> BackupResult:
    """Copy the database once per day (no-op if today's copy exists) into ``folder`` (the
    ``backups`` folder beside it by default); keep the copies of the last ``keep`` days.

    Old copies are removed only once today's copy exists and passed its check, so a database
    that went bad never costs the good copies before it.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    source = Path(db_path)
    if not source.is_file():
        raise CrmError(_("There is no database file {path} to back up.").format(path=source))
    day = today or local_today()
    where = Path(folder) if folder else backup_dir(source)
    target = where / f"{source.name}.{day.isoformat()}.bak"
    created = False
    files = FilesCopied()
    if not target.exists():
        partial = target.with_name(target.name + ".part")
        try:
            where.mkdir(parents=True, exist_ok=True)
            partial.unlink(missing_ok=True)
            copy_database(source, partial)
            files = _copy_files(source, partial, where)
            os.replace(partial, target)
        except (OSError, sqlite3.Error, CrmError) as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            reason = exc.message if isinstance(exc, CrmError) else exc
            raise CrmError(
                _("The daily backup to {path} failed: {error}").format(
                    path=where, error=getattr(exc, "strerror", None) or reason
                )
            ) from exc
        created = True
        log.info("daily backup written to %s", target)
    oldest_kept = (day - timedelta(days=keep - 1)).isoformat()
    removed = []
    for copy_day, stale in _copies(source, where):
        if copy_day >= oldest_kept or stale == target:
            continue
        try:
            stale.unlink()
            removed.append(stale)
        except OSError:
            log.warning("could not remove old backup %s", stale)
    files_removed = prune_files(where, _kept_copies(where)) if removed else 0
    return BackupResult(target, created, tuple(removed), files, files_removed)


def _kept_copies(folder: Path) -> list[Path]:
    """Every database copy in a backup folder (daily ones of any database, on-demand ones):
    the files any of them names stay in the folder's store."""
    return sorted(
        entry
        for entry in folder.iterdir()
        if entry.is_file()
        and not entry.name.startswith(".")
        and (_NAME.match(entry.name) or entry.suffix == ".db")
    )


def scheduled_backup(
    *, session: Session, db_path: Path | str, today: date | None = None
) -> BackupResult:
    """The daily copy as the settings say: ``backup.keep_days``, ``backup.folder`` (empty:
    the ``backups`` folder beside the database). The app runs it at start and every hour (a
    no-op once today's copy exists)."""
    keep = int(settings.get(session, "backup.keep_days"))
    folder = str(settings.get(session, "backup.folder") or "").strip()
    return daily_backup(db_path=db_path, keep=keep, today=today, folder=folder or None)
