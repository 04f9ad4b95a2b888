"""Logging: one named logger per area, a rotating log file per kind of process.

The desktop app writes ``logs/app.log`` in the data folder; each command of the command line
its own ``logs/jobs-<command>.log`` (``jobs-sync.log``, ``jobs-complaints.log``...), so the
app and the jobs IT schedules never share a file: Windows cannot rename (rotate) a file
another process holds open.

Two copies of one kind can still run at once (a scheduled sync while IT runs one by hand).
:class:`SharedRotatingFileHandler` makes that safe: the file's size is read from the disk (not
from this process's own position), one process at a time rotates (a lock file beside the
log; the other waits the few milliseconds a rotation takes, then sees the new file), a rename the OS
refuses (Windows, while the other copy holds the file) is not an error (writing goes on in the
same file and rotation is tried again after some more was written), and a process whose file
was rotated away by another (POSIX) reopens the new one. No line is lost and logging never raises.
"""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import re
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

LOG_DIR = "logs"
APP_KIND = "app"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
RETRY_AFTER_BYTES = 64_000
"""After a refused rotation, how much more is written before trying again."""
_KIND = re.compile(r"[a-z][a-z0-9_-]{0,30}")


class StderrHandler(logging.StreamHandler[TextIO]):
    """A handler writing to whatever ``sys.stderr`` is when a record comes, not to the
    stream it was at set-up: a handler left holding a replaced and closed stream (a test's
    captured output, an embedding program's) would fail on every later record.

    With no console (``sys.stderr`` is None, or the stand-in that writes to the log: see
    :func:`attach_missing_streams`) it writes nothing: the log file has the record."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass  # always the current sys.stderr

    def emit(self, record: logging.LogRecord) -> None:
        if sys.stderr is None or isinstance(sys.stderr, LogStream):
            return
        super().emit(record)


def _lock(handle: io.BufferedRandom) -> bool:
    """An exclusive OS lock on ``handle``, waiting while another process rotates (a few
    milliseconds; Windows gives up after 10 s); False when it could not be had."""
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    except OSError:
        return False
    return True


def _unlock(handle: io.BufferedRandom) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    except OSError:
        pass


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that several processes may write at once; see the module's
    description."""

    def __init__(self, filename: str | os.PathLike[str], max_bytes: int, backup_count: int):
        super().__init__(
            filename, mode="a", maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
        self._retry_at = 0
        """The file size before which no new rotation is tried (after a refused one)."""
        self.refused_rotations = 0

    def _disk_size(self) -> int:
        try:
            return os.stat(self.baseFilename).st_size
        except OSError:
            return 0

    def _rotated_away(self) -> bool:
        """True when this process's open file is no longer the one at the log's name
        (another process rotated it): POSIX keeps writing to the renamed file otherwise."""
        if self.stream is None or sys.platform == "win32":
            return False  # Windows never renames a file that is open here
        try:
            mine = os.fstat(self.stream.fileno())
            named = os.stat(self.baseFilename)
        except (OSError, ValueError):
            return True
        return (mine.st_dev, mine.st_ino) != (named.st_dev, named.st_ino)

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        if self._rotated_away():
            self._reopen()
        if self.maxBytes <= 0:
            return False
        size = self._disk_size()
        return not size < max(self.maxBytes, self._retry_at)

    def _reopen(self) -> None:
        if self.stream is not None:
            self.stream.close()
        self.stream = self._open()

    def doRollover(self) -> None:
        try:
            guard = open(f"{self.baseFilename}.lock", "a+b")  # noqa: SIM115 (held while rotating)
        except OSError:
            self._refused()
            return
        try:
            if not _lock(guard):
                self._refused()  # keep writing; try again after some more was written
                return
            try:
                if self._disk_size() < self.maxBytes:  # another process has just rotated
                    self._reopen()
                    return
                if self.stream is not None:
                    self.stream.close()
                    self.stream = None
                try:
                    super().doRollover()
                    self._retry_at = 0
                except OSError:  # Windows: another process holds the file open
                    self._refused()
                finally:
                    if self.stream is None:
                        self.stream = self._open()
            finally:
                _unlock(guard)
        finally:
            guard.close()

    def _refused(self) -> None:
        self.refused_rotations += 1
        self._retry_at = self._disk_size() + RETRY_AFTER_BYTES


class LogStream(io.TextIOBase):
    """Stands in for ``sys.stdout`` / ``sys.stderr`` when the process has no console (a
    windowed executable, ``pythonw``): what a command would print goes to the log, line by
    line, at ``level``."""

    def __init__(self, name: str, level: int) -> None:
        super().__init__()
        self.logger = logging.getLogger(name)
        self.level = level
        self._pending = ""
        self._busy = threading.local()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if getattr(self._busy, "on", False):
            return len(text)  # logging itself wrote here: never loop
        self._busy.on = True
        try:
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                if line.strip():
                    self.logger.log(self.level, "%s", line)
        finally:
            self._busy.on = False
        return len(text)

    def flush(self) -> None:
        if self._pending.strip():
            pending, self._pending = self._pending, ""
            self.logger.log(self.level, "%s", pending)
        self._pending = ""


def has_console() -> bool:
    """False in a process started without a console (``sys.stdout`` or ``sys.stderr`` is
    None, or already replaced by :class:`LogStream`)."""
    return not any(s is None or isinstance(s, LogStream) for s in (sys.stdout, sys.stderr))


def attach_missing_streams() -> bool:
    """Give a process with no console (a windowed executable, ``pythonw``: ``sys.stdout``
    and ``sys.stderr`` are None) streams that write to the log, so ``print`` and
    ``sys.stderr.write`` cannot fail; True when one was missing."""
    missing = False
    if sys.stdout is None:
        sys.stdout = LogStream("branch_crm.console", logging.INFO)
        missing = True
    if sys.stderr is None:
        sys.stderr = LogStream("branch_crm.console", logging.WARNING)
        missing = True
    return missing


def process_kind(argv: Sequence[str]) -> str:
    """``app`` for the desktop app (no command in ``argv``), ``jobs-<command>`` for a command
    of the command line: the name of the process's log file."""
    takes_value = {"--db", "--lang"}
    skip = False
    for token in argv:
        if skip:
            skip = False
            continue
        if token in takes_value:
            skip = True
            continue
        if token.startswith("-"):
            continue
        return f"jobs-{token}" if _KIND.fullmatch(token) else "jobs"
    return APP_KIND


def log_dir() -> Path:
    """The folder of the log files (``logs`` in the data folder)."""
    from branch_crm.db import default_data_dir

    return default_data_dir() / LOG_DIR


def log_file(kind: str = APP_KIND) -> Path:
    """The log file of a kind of process (see :func:`process_kind`)."""
    return log_dir() / f"{kind}.log"


def setup_logging(level: int = logging.INFO, *, kind: str = APP_KIND) -> None:
    """Log to ``logs/<kind>.log`` (rotating, shared safely) in the data folder and warnings
    to stderr when there is a console."""
    root = logging.getLogger()
    if getattr(root, "_branch_crm_configured", False):
        return
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    try:
        path = log_file(kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = SharedRotatingFileHandler(path, MAX_BYTES, BACKUP_COUNT)
        handler.setFormatter(fmt)
        root.addHandler(handler)
    except OSError:
        pass
    console = StderrHandler()
    console.setLevel(logging.DEBUG if os.environ.get("BRANCH_CRM_DEBUG") else logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    # a marker on the root logger itself (tests/conftest.py saves and restores it)
    root._branch_crm_configured = True  # type: ignore[attr-defined]
