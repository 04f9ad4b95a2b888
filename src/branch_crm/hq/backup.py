"""Backing up head office's database and restoring it: PostgreSQL with ``pg_dump`` /
``pg_restore`` (custom format), SQLite with its online backup API.

A restore goes into an empty database only (``force`` replaces what the backup holds), and
then moves the change log's numbering far past anything the backup holds: a branch that
pulled after the backup was taken holds a cursor beyond the restored log, and the changes
head office records from now on must still come after it, or that branch would never pull
them.

The attachments' files (hq.files) are not in the database: :func:`copy_files` copies the
ones the database names into a files store beside the backup (:func:`files_store_of`) after
the dump, and back into the files folder after a restore -- each only when missing there,
checked against its hash."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from branch_crm.filecopy import copy_checked
from branch_crm.hq import tables as t
from branch_crm.hq.db import make_null_pool_engine
from branch_crm.hq.errors import HqError
from branch_crm.hq.files import FileStore
from branch_crm.i18n import N_

PG_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"
SEQUENCE_GAP = 1_000_000_000
"""How far a restore moves the change log's numbering on (far more changes than head office
records between two backups)."""


class BackupError(HqError):
    """A backup or restore that cannot be done, in words for IT."""


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    tables: int
    next_seq: int
    """The number the next change-log entry gets."""


def _libpq_url(url: str) -> str:
    """The URL as ``pg_dump`` / ``pg_restore`` read it (libpq: no SQLAlchemy driver name)."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            N_(
                "{tool} was not found. Install PostgreSQL's client programs, the server's "
                "version or newer (Debian and Ubuntu: apt install postgresql-client)."
            ),
            tool=name,
        )
    return path


def _run(command: list[str], tool: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(
            N_("{tool} failed: {detail}"), tool=tool, detail=" / ".join(detail[-3:]) or "?"
        )


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(N_("Only a SQLite database in a file can be backed up."))
    return Path(database)


def backup(url: str, file: Path) -> None:
    """Write a backup of the database at ``url`` to ``file`` (replaced only once the backup
    is complete: a failed backup never leaves a half-written file under that name)."""
    file = file.resolve()
    partial = file.with_name(file.name + ".partial")
    try:
        if url.startswith("postgresql"):
            pg_dump = _tool("pg_dump")
            _run([pg_dump, "--format=custom", f"--file={partial}", _libpq_url(url)], "pg_dump")
        else:
            source_path = _sqlite_path(url)
            if not source_path.exists():
                raise BackupError(N_("There is no database at {path}."), path=str(source_path))
            source = sqlite3.connect(source_path)
            target = sqlite3.connect(partial)
            try:
                source.backup(target)  # a consistent copy while the service keeps writing
            finally:
                target.close()
                source.close()
        os.replace(partial, file)
    finally:
        partial.unlink(missing_ok=True)


def _kind(file: Path) -> str:
    try:
        with file.open("rb") as stream:
            start = stream.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(N_("There is no backup at {path}."), path=str(file)) from None
    if start.startswith(PG_MAGIC):
        return "postgresql"
    if start == SQLITE_MAGIC:
        return "sqlite"
    raise BackupError(N_("{path} is not a backup of head office's database."), path=str(file))


def _tables(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def restore(url: str, file: Path, *, force: bool = False) -> Restored:
    """Restore ``file`` (made by :func:`backup`) into the database at ``url``, which must be
    empty unless ``force``; then move the change log's numbering on (module doc)."""
    kind = _kind(file)
    wanted = "postgresql" if url.startswith("postgresql") else "sqlite"
    if kind != wanted:
        raise BackupError(
            N_("{path} is a backup of a {kind} database; this head office uses {wanted}."),
            path=str(file),
            kind=kind,
            wanted=wanted,
        )
    engine = make_null_pool_engine(url)
    try:
        present = _tables(engine)
        if present and not force:
            raise BackupError(
                N_(
                    "The database is not empty ({count} tables, such as {table}). Restore into "
                    "an empty database, or add --force to replace what the backup holds."
                ),
                count=len(present),
                table=present[0],
            )
        if kind == "postgresql":
            command = [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
            if force and present:
                command += ["--clean", "--if-exists"]
            _run([*command, f"--dbname={_libpq_url(url)}", str(file)], "pg_restore")
        else:
            engine.dispose()
            source = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
            target = sqlite3.connect(_sqlite_path(url))
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        if "hq_change_log" not in _tables(engine):
            raise BackupError(
                N_("{path} holds no head-office database (no change log)."), path=str(file)
            )
        return Restored(tables=len(_tables(engine)), next_seq=_move_numbering_on(engine))
    finally:
        engine.dispose()


def _move_numbering_on(engine: Engine) -> int:
    """Make the next change-log entry's number ``SEQUENCE_GAP`` past the newest restored
    one; returns it."""
    with engine.begin() as conn:
        newest = int(conn.scalar(select(func.max(t.change_log.c.seq))) or 0)
        following = newest + SEQUENCE_GAP
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('hq_change_log', 'seq'), :value)"),
                {"value": following - 1},
            )
        else:  # AUTOINCREMENT: the next rowid is one past sqlite_sequence's
            conn.execute(
                text("DELETE FROM sqlite_sequence WHERE name = 'hq_change_log'"),
            )
            conn.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES ('hq_change_log', :v)"),
                {"v": following - 1},
            )
    return following


# -- the attachments' files ------------------------------------------------------------

FILES_STORE = "hq-files-backup"
"""The files store beside a backup file: a folder that successive backups in the same
folder share (files are immutable and named by their hash, so each is copied once)."""


@dataclass(frozen=True)
class FilesCopied:
    """What copying the files the database names did."""

    copied: int
    present: int
    """Already in the target, not copied again."""
    missing: int
    """Not in the source."""
    damaged: int
    """In the source with bytes that do not match their hash: refused."""

    @property
    def total(self) -> int:
        return self.copied + self.present + self.missing + self.damaged


def files_store_of(file: Path) -> Path:
    """The default files store of the backup ``file`` (beside it)."""
    return file.resolve().parent / FILES_STORE


def _named_files(url: str) -> list[tuple[str, int]]:
    """(sha256, size) of each file the database at ``url`` names (once, whichever branches
    sent it); none for a database from before attachments."""
    engine = make_null_pool_engine(url)
    try:
        if t.file.name not in _tables(engine):
            return []
        with engine.connect() as conn:
            query = select(t.file.c.sha256, func.max(t.file.c.size)).group_by(t.file.c.sha256)
            return [(str(sha), int(size)) for sha, size in conn.execute(query)]
    finally:
        engine.dispose()


def _copy_one(source: FileStore, target: FileStore, sha256: str, size: int) -> str:
    """Copy one file from ``source`` to ``target``: ``present``, ``copied``, ``missing`` or
    ``damaged`` (the bytes read do not match the hash: nothing is written; see
    :func:`branch_crm.filecopy.copy_checked`)."""
    destination = target.path(sha256)
    if destination.exists() and destination.stat().st_size == size:
        return "present"
    origin = source.path(sha256)
    if not origin.is_file():
        return "missing"
    try:
        copy_checked(origin, destination, sha256)
    except ValueError:
        return "damaged"
    return "copied"


def copy_files(url: str, source: Path, target: Path) -> FilesCopied:
    """Copy each file the database at ``url`` names from the files folder ``source`` to
    ``target`` when it is not there yet (copy-if-missing, hash-checked)."""
    counts = {"copied": 0, "present": 0, "missing": 0, "damaged": 0}
    source_store, target_store = FileStore(source), FileStore(target)
    for sha256, size in _named_files(url):
        counts[_copy_one(source_store, target_store, sha256, size)] += 1
    return FilesCopied(**counts)
