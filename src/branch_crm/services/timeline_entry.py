"""One event on a customer's timeline: what every feature's timeline entries are made of."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TimelineEntry:
    """One event on the customer's timeline."""

    at: datetime
    kind: str
    title: str
    detail: str
    actor_name: str | None
    ref: str | None = None
    """Id of what the entry is about (a complaint's id), so the timeline can open it."""
