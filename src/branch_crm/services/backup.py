"""Daily rotating backup of the branch database (DESIGN.md section 2).

One consistent copy per day (SQLite online backup API) in a ``backups`` folder next to the
database file; the newest ``keep`` copies are kept.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from branch_crm.db import backup_file
from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.timeutil import local_today

log = logging.getLogger(__name__)

BACKUP_DIR = "backups"
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<day>\d{4}-\d{2}-\d{2})\.bak$")


@dataclass(frozen=True)
class BackupResult:
    """What ``daily_backup`` did: the file of today and the old copies removed."""

    path: Path
    created: bool
    removed: tuple[Path, ...]


def backup_dir(db_path: Path) -> Path:
    """The folder holding the daily copies of ``db_path``."""
    return db_path.parent / BACKUP_DIR


def _copies(db_path: Path) -> list[tuple[str, Path]]:
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match and match["stem"] == db_path.name:
            found.append((match["day"], entry))
    return sorted(found)


def list_backups(db_path: Path) -> list[Path]:
    """Daily copies of ``db_path``, oldest first."""
    return [path for _day, path in _copies(db_path)]


def daily_backup(*, db_path: Path | str, keep: int = 7, today: date | None = None) -> BackupResult:
    """Copy the database once per day (no-op if today's copy exists); keep the newest ``keep``.

    The copy is written to a temporary name first, so a crash never leaves a half copy that
    looks complete.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    source = Path(db_path)
    if not source.is_file():
        raise CrmError(_("There is no database file {path} to back up.").format(path=source))
    day = (today or local_today()).isoformat()
    folder = backup_dir(source)
    target = folder / f"{source.name}.{day}.bak"
    created = False
    if not target.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            partial.unlink(missing_ok=True)
            backup_file(source, partial)
            os.replace(partial, target)
        except (OSError, sqlite3.Error) as exc:
            raise CrmError(
                _("The daily backup to {path} failed: {error}").format(
                    path=folder, error=getattr(exc, "strerror", None) or exc
                )
            ) from exc
        created = True
        log.info("daily backup written to %s", target)
    removed = []
    copies = _copies(source)
    for _day, stale in copies[: max(0, len(copies) - keep)]:
        try:
            stale.unlink()
            removed.append(stale)
        except OSError:
            log.warning("could not remove old backup %s", stale)
    return BackupResult(target, created, tuple(removed))
