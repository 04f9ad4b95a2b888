"""Deterministic ids of reference rows: every branch PC and head office seed the same rows
(SLA policy, complaint categories, root causes, the survey template) under the same ids."""

from __future__ import annotations

import hashlib

_SEED_EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: fixed time part of seed ids


def reference_id(*parts: str) -> str:
    """A deterministic UUIDv7-shaped id, so every branch (and head office) seeds the same rows."""
    return deterministic_id(_SEED_EPOCH_MS, "seed", *parts)


def deterministic_id(ms: int, *parts: str) -> str:
    """UUIDv7 layout with the given millisecond time and random bits from a hash of ``parts``."""
    digest = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:10], "big")
    rand = digest >> 6
    value = (
        (ms & ((1 << 48) - 1)) << 80
        | 0x7 << 76
        | (rand >> 62) << 64
        | 0b10 << 62
        | (rand & ((1 << 62) - 1))
    )
    text = f"{value:032x}"  # str(uuid.UUID(int=value)), without the object (a plan makes 10^5)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
