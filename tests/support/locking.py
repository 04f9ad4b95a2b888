"""Another program holding the database's write lock, and a ticking timer that shows whether
the GUI thread's event loop went on meanwhile (a frozen window does not tick)."""

from __future__ import annotations

import itertools
import sqlite3
import time
from typing import Any

from PySide6.QtCore import QTimer

TICK_MS = 10


class Ticks:
    """A QTimer on the GUI thread ticking every TICK_MS: the longest gap between two ticks is
    the longest time the event loop was held up (a frozen window)."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.times.append(time.monotonic()))

    def __enter__(self) -> Ticks:
        self.times.append(time.monotonic())
        self.timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.timer.stop()
        self.times.append(time.monotonic())

    def longest_gap(self) -> float:
        """Seconds of the longest stretch without a tick."""
        return max(b - a for a, b in itertools.pairwise(self.times))


def other_program(db: Any) -> sqlite3.Connection:
    """Another program's connection holding the write lock of the file (BEGIN IMMEDIATE)."""
    holder = sqlite3.connect(db.path, isolation_level=None, timeout=0.1, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    return holder
