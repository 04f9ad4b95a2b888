"""The attachment files of a backup (services.backup, services.restore).

A backup copy of the database names its attachments' files by SHA-256; the files themselves
live in the store beside the database (db.file_store). Every backup folder holds one shared
store of the same layout, :data:`FILES_DIR` (``BranchCRM-files/<2 hex>/<sha256>``), beside
its copies: the files are content-addressed and never change, so a copy only adds the files
that are not there yet -- a daily backup copies the day's new photos, not all of them. Each
file copied is read back and its hash checked before it is renamed into place.

Retention (:func:`prune_files`) removes a file from the folder's store only when no copy
left in the folder names it. A restore (:func:`restore_files`) puts back into the live store
the files the backup names that it lacks; the files already there stay as they are (the
same hash is the same bytes), so the replaced database, kept aside, keeps its photos too.
A backup written before files were backed up (no attachment table, or no store beside it)
restores as before; its missing files are counted and head office may send them again.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from branch_crm.db import file_store
from branch_crm.filecopy import copy_checked

__all__ = [
    "FILES_DIR",
    "FilesCopied",
    "backup_store",
    "copy_files",
    "prune_files",
    "referenced_files",
    "restore_files",
]

log = logging.getLogger(__name__)

FILES_DIR = "BranchCRM-files"
"""The folder of attachment files beside the copies in a backup folder."""


@dataclass(frozen=True)
class FilesCopied:
    """What one copy of files did: ``copied`` new files (checked), ``present`` ones already
    there, ``missing`` ones named but not found at the source (not on this PC yet)."""

    copied: int = 0
    present: int = 0
    missing: int = 0
    bytes_copied: int = 0


def backup_store(folder: Path) -> Path:
    """The shared file store of the backup folder ``folder``."""
    return folder / FILES_DIR


def referenced_files(database: Path) -> set[str]:
    """The hashes of every file the database's attachments name (tombstones included: a
    deleted attachment may be restored). Empty for a database without attachments (a
    backup of an older version)."""
    try:
        conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return set()
    try:
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attachment'"
        ).fetchone()
        if found is None:
            return set()
        rows = conn.execute("SELECT DISTINCT sha256 FROM attachment").fetchall()
    finally:
        conn.close()
    return {str(sha) for (sha,) in rows if _is_sha(sha)}


def _is_sha(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    )


def copy_files(shas: set[str], source_root: Path, target_root: Path) -> FilesCopied:
    """Copy the files ``shas`` from the store ``source_root`` to the store ``target_root``
    when not there yet, each checked (OSError, ValueError on a failed copy)."""
    copied = present = missing = size = 0
    for sha in sorted(shas):
        target = file_store.path_of(target_root, sha)
        if target.is_file():
            present += 1
            continue
        source = file_store.path_of(source_root, sha)
        if not source.is_file():
            missing += 1
            continue
        size += copy_checked(source, target, sha)
        copied += 1
    return FilesCopied(copied, present, missing, size)


def prune_files(folder: Path, backups: list[Path]) -> int:
    """Remove from ``folder``'s store the files none of ``backups`` (every copy kept in the
    folder) names; the files removed. Nothing is removed when a copy cannot be read."""
    root = backup_store(folder)
    if not root.is_dir():
        return 0
    kept: set[str] = set()
    for copy in backups:
        try:
            kept |= _names_strictly(copy)
        except sqlite3.Error:
            log.warning("backup %s unreadable: its folder's files are not pruned", copy)
            return 0
    removed = 0
    for path in root.glob("??/*"):
        if path.is_file() and _is_sha(path.name) and path.name not in kept:
            try:
                path.unlink()
                removed += 1
            except OSError:
                log.warning("could not remove the backed-up file %s", path)
    return removed


def _names_strictly(database: Path) -> set[str]:
    conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "attachment" not in tables:
            return set()
        return {str(r[0]) for r in conn.execute("SELECT DISTINCT sha256 FROM attachment")}
    finally:
        conn.close()


def restore_files(backup: Path, db_path: Path) -> FilesCopied:
    """Put into the store of the database at ``db_path`` the files the backup ``backup``
    names that the store lacks, from the store beside the backup (checked)."""
    return copy_files(
        referenced_files(backup), backup_store(backup.parent), file_store.store_root(db_path)
    )
