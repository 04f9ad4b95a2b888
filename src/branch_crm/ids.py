"""Client-generated UUIDv7 identifiers (RFC 9562): time-ordered, unique across branches; and
keyed ids, derived from a row's key, for tables that hold one live row per key."""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass

CLOCK_STEP_BACK_MS = 10_000
"""A wall clock that moved back further than this was corrected (or a test froze it ahead):
follow it instead of stamping every later id with the old future time."""

_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def uuid7() -> uuid.UUID:
    """Return a UUIDv7; monotonic within this process even within one millisecond."""
    global _last_ms, _last_rand  # noqa: PLW0603 - process-wide monotonic state
    with _lock:
        ms = time.time_ns() // 1_000_000
        if _last_ms - ms > CLOCK_STEP_BACK_MS:
            _last_ms = 0
        if ms <= _last_ms:
            ms = _last_ms
            rand = (_last_rand + 1) & ((1 << 74) - 1)
            if rand == 0:  # counter overflow within one ms: move to the next ms
                ms += 1
                rand = int.from_bytes(os.urandom(10), "big") >> 6
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 6  # 74 random bits
        _last_ms, _last_rand = ms, rand
    rand_a = rand >> 62  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


_RAND_B = (1 << 62) - 1


@dataclass(frozen=True, slots=True)
class IdBlock:
    """``count`` consecutive UUIDv7 values reserved in this process (for ids made in SQL by a
    bulk ``INSERT ... SELECT``): the first is ``prefix`` + ``hi`` (4 hex digits) + "-" + ``lo``
    (12 hex digits); the k-th adds k to the low 64 bits, which never carries into the variant
    bits. Later :func:`uuid7` values of this process sort after the whole block."""

    prefix: str
    hi: int
    lo: int
    count: int

    def texts(self) -> list[str]:
        """The ids of the block as text, the last first (pop() gives them in order)."""
        mask = (1 << 48) - 1
        return [
            f"{self.prefix}{self.hi + ((self.lo + k) >> 48):04x}-{(self.lo + k) & mask:012x}"
            for k in range(self.count - 1, -1, -1)
        ]

    def sql(self, index: str) -> str:
        """SQL text of the id numbered by the SQL expression ``index`` (0-based)."""
        return (
            f"printf('%s%04x-%012x', '{self.prefix}', {self.hi} + (({self.lo} + ({index})) >> 48),"
            f" ({self.lo} + ({index})) & {(1 << 48) - 1})"
        )


def id_block(count: int) -> IdBlock:
    """Reserve ``count`` consecutive ids (see :class:`IdBlock`)."""
    global _last_ms, _last_rand
    if count < 1:
        raise ValueError(count)
    with _lock:
        ms = max(time.time_ns() // 1_000_000, _last_ms)
        rand = (_last_rand + 1) & ((1 << 74) - 1) if ms == _last_ms else 0
        if ms != _last_ms or (rand & _RAND_B) + count > _RAND_B:
            ms = ms if ms != _last_ms else ms + 1
            rand = int.from_bytes(os.urandom(10), "big") >> 6
            rand &= ~(1 << 61)  # room for the block in rand_b
        _last_ms, _last_rand = ms, rand + count - 1
    first = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62
    first |= rand & _RAND_B
    text = str(uuid.UUID(int=first))
    low = first & ((1 << 64) - 1)
    return IdBlock(text[:19], low >> 48, low & ((1 << 48) - 1), count)


def new_id() -> str:
    """A new primary key as the canonical 36-character string."""
    return str(uuid7())


def uuid7_time_ms(value: str) -> int:
    """The Unix time in milliseconds embedded in a UUIDv7 string."""
    return uuid.UUID(value).int >> 80


KEYED_NAMESPACE = uuid.UUID("5b0c7f2e-4a61-4d0e-9a8e-3f1c2d6b7a90")
"""The namespace of :func:`keyed_id` (fixed forever: changing it changes every derived id)."""


def keyed_id(table: str, *key: str) -> str:
    """The id of the one live row of ``table`` for ``key`` (a customer's pickup preferences,
    its volume of one month): every PC derives the same id, so rows two PCs create offline
    are one row that merges per column (sync.merge) instead of clashing on a unique index."""
    return str(uuid.uuid5(KEYED_NAMESPACE, "\x1f".join((table, *key))))
