"""The desktop app's claim on a database file: an OS lock on ``<database>.lock`` beside it.

Only the desktop app takes it (one window per database: ui/shell/single_instance.py); the
command-line jobs (scheduled sync, complaints sweep, care plan) do not, and run while the app
is open, taking turns with it through SQLite's own locking. The lock is the operating
system's (``fcntl.flock`` / ``msvcrt.locking``), so a crashed app's lock goes with its
process: nothing stale is left to clean up. Being beside the database (not in a per-user
temporary folder), it is seen by every Windows user of the PC.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SUFFIX = ".lock"


def lock_path(db_path: Path | str) -> Path:
    """``branch.db.lock`` for ``branch.db``."""
    path = Path(db_path)
    return path.with_name(path.name + SUFFIX)


def _try_lock(fd: int) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


class DatabaseLock:
    """An exclusive, non-waiting lock on one database file's lock file."""

    def __init__(self, db_path: Path | str) -> None:
        self.path = lock_path(Path(db_path).resolve())
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> bool:
        """True when this process now holds the lock (or already did); False when another
        process (or another claim in this one) holds it. OSError when the lock file cannot
        be created (a read-only folder: the database cannot be written either)."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock up (the file stays: removing it would race with the next claim)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            _unlock(fd)
            os.close(fd)
