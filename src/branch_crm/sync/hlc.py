"""Hybrid logical clock (HLC): physical milliseconds, a counter and the node id.

A stamp is the text ``"<ms:13 digits>.<counter:10 digits>.<node>"`` so that comparing two
stamps as strings (in Python or in SQL) orders them by (ms, counter, node). Branches stamp
changes in their capture triggers (:mod:`branch_crm.sync.capture`); head office keeps a
:class:`HybridClock` that folds every stamp it receives in and clamps stamps far in the future.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import NamedTuple

log = logging.getLogger(__name__)

MS_WIDTH = 13
COUNTER_WIDTH = 10
MAX_COUNTER = 10**COUNTER_WIDTH - 1
SQL_FORMAT = "'%013d.%010d.%s'"
"""printf() format of a stamp in SQLite (see sync.capture)."""


class Hlc(NamedTuple):
    """One stamp; ordered like its text form (a tuple: cheap to make, one per change)."""

    ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.ms:0{MS_WIDTH}d}.{self.counter:0{COUNTER_WIDTH}d}.{self.node}"


def parse(text: str) -> Hlc:
    """Parse a stamp; raises ValueError on anything malformed."""
    parts = text.split(".", 2)
    if len(parts) != 3 or len(parts[0]) != MS_WIDTH or len(parts[1]) != COUNTER_WIDTH:
        raise ValueError(f"malformed HLC stamp {text!r}")
    return Hlc(int(parts[0]), int(parts[1]), parts[2])


def wall_ms() -> int:
    """The machine's clock in milliseconds since the Unix epoch (patched in tests)."""
    return time.time_ns() // 1_000_000


class HybridClock:
    """A thread-safe HLC for one process (head office, or a branch outside its triggers)."""

    def __init__(self, node: str, *, max_ahead_ms: int = 60_000) -> None:
        self.node = node
        self.max_ahead_ms = max_ahead_ms
        self._ms = 0
        self._counter = 0
        self._lock = threading.Lock()

    def now(self) -> Hlc:
        """A new stamp later than every stamp issued or received so far."""
        with self._lock:
            physical = wall_ms()
            if physical > self._ms:
                self._ms, self._counter = physical, 0
            else:
                self._counter += 1
            return Hlc(self._ms, self._counter, self.node)

    def receive(self, stamp: Hlc) -> None:
        """Fold a stamp from elsewhere in, so later local stamps order after it."""
        with self._lock:
            self._ms, self._counter = max((self._ms, self._counter), (stamp.ms, stamp.counter))

    def admit(self, text: str, *, source: str) -> str:
        """Accept a received stamp, clamping one far in the future to our own time.

        A stamp more than ``max_ahead_ms`` ahead of this machine's clock comes from a clock
        that is wrong; it is replaced by a fresh local stamp keeping the sender's node id (so
        ties still break the same way) and logged. Returns the stamp to store.
        """
        stamp = parse(text)
        limit = wall_ms() + self.max_ahead_ms
        if stamp.ms > limit:
            fresh = self.now()
            clamped = Hlc(fresh.ms, fresh.counter, stamp.node)
            log.warning(
                "clock of %s is %d ms ahead of head office; stamp clamped to %s",
                source,
                stamp.ms - fresh.ms,
                clamped,
            )
            return str(clamped)
        self.receive(stamp)
        return text
