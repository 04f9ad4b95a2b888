"""This PC's clock as sync sees it: the offset measured against head office, and what a
wrong clock did to the stamps of changes not yet sent.

The capture triggers stamp a change with ``max(HLC, PC clock + clock_offset_ms)`` (see
:mod:`branch_crm.sync.capture`). The client reads head office's time (the round trip halved)
with every page it pulls, and before it pushes unless its last reading still holds (taken
less than ``CLOCK_CHECK_MS`` ago, and neither the PC clock nor the offset moved since: see
:func:`reading_holds`; on a bad line a round must not spend a request on it every time) with
``GET /api/v1/sync/clock``. Each reading goes through :func:`adjust_clock`:

* if the PC clock (with its offset) is more than ``CLOCK_CORRECTION_MS`` off, sets the offset
  so that future stamps follow head office's time, and shifts the stamps of the changes still
  queued by the same amount, so that edits made offline under the wrong clock are ordered by
  true time. No shifted stamp ends up after the present (a stamp the HLC carried forward
  cannot be told from one the clock made: the present is all that is sure about it), and the
  queue keeps its order. Batches already sent but not acknowledged keep their stamps: head
  office may hold them already, and a resend must be the very same batch;
* if this PC's HLC is far ahead of the true time (the clock was ahead, maybe years, and has
  been put right since), brings it back: HLC = max(true now, the greatest stamp head office
  confirmed, the last queued stamp). Without this, ``max(HLC, now)`` would keep stamping in
  that future, and head office would clamp every one of those stamps to its own time of
  arrival.

A change stamped under a clock that was wrong and never measured before it reached head
office (a PC that synced with the wrong clock and never since) keeps the stamp it was sent
with: head office clamps stamps far in the future, but a stamp in the past loses to newer
ones. That is the rule README states for a wrong clock.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from branch_crm.sync.generated import is_floor
from branch_crm.sync.hlc import Hlc, parse

log = logging.getLogger(__name__)

CLOCK_CORRECTION_MS = 60_000
"""A PC clock further off head office's than this is corrected (future and queued stamps)."""
CLOCK_WARNING_MS = 5 * 60_000
"""A PC clock further off than this is shown as a warning: someone should set it right."""
CLOCK_CHECK_MS = 10 * 60_000
"""A reading older than this is taken again before a push."""


@dataclass(frozen=True)
class _Reading:
    monotonic_ms: float
    trigger_ms: int


_readings: dict[str, _Reading] = {}
_readings_lock = threading.Lock()


def note_reading(key: str, conn: Connection) -> None:
    """Remember that the clock of database ``key`` was measured just now."""
    reading = _Reading(time.monotonic() * 1000, trigger_clock_ms(conn))
    with _readings_lock:
        _readings[key] = reading


def reading_holds(key: str, conn: Connection) -> bool:
    """True while the last reading of database ``key`` (in this process) still holds: it is
    recent, and the capture triggers' clock has moved like the monotonic clock since (nobody
    set the PC clock, nor the offset)."""
    with _readings_lock:
        last = _readings.get(key)
    if last is None:
        return False
    elapsed = time.monotonic() * 1000 - last.monotonic_ms
    moved = trigger_clock_ms(conn) - last.trigger_ms
    return elapsed <= CLOCK_CHECK_MS and abs(moved - elapsed) <= CLOCK_CORRECTION_MS


@dataclass(frozen=True)
class ClockAdjustment:
    """What one measurement changed."""

    skew_ms: int
    """Head office's time minus this PC's (offset included), as measured."""
    shifted_ms: int
    """How far the offset (and the queued stamps) moved; 0 when within tolerance."""
    restamped: int
    """Queued changes whose stamp changed."""
    hlc_brought_back: bool


def machine_ms() -> int:
    """This machine's clock (the one SQLite's ``'now'`` reads), ms since the Unix epoch."""
    return time.time_ns() // 1_000_000


def trigger_clock_ms(conn: Connection) -> int:
    """The time the capture triggers stamp with now (PC clock + correction)."""
    value = conn.exec_driver_sql(
        "SELECT CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) "
        "+ clock_offset_ms FROM sync_state WHERE id = 1"
    ).scalar_one()
    return int(value)


def adjust_clock(
    conn: Connection, *, server_hlc: str, server_time_ms: int, sent_ms: int, received_ms: int
) -> ClockAdjustment:
    """Apply one reading of head office's clock (taken between ``sent_ms`` and
    ``received_ms`` of this machine's clock) to the offset, the HLC and the queued stamps."""
    conn.exec_driver_sql("UPDATE sync_state SET suppress = suppress WHERE id = 1")  # lock first
    offset, hlc_ms, hlc_counter = conn.exec_driver_sql(
        "SELECT clock_offset_ms, hlc_ms, hlc_counter FROM sync_state WHERE id = 1"
    ).one()
    true_now = server_time_ms + (received_ms - sent_ms) // 2
    skew = true_now - (received_ms + int(offset))
    shift = skew if abs(skew) > CLOCK_CORRECTION_MS else 0
    ahead = int(hlc_ms) > true_now + CLOCK_CORRECTION_MS
    state = (int(hlc_ms), int(hlc_counter))
    restamped, last = (0, None)
    if shift or ahead:
        restamped, last = restamp_queue(conn, shift, true_now)
    confirmed = parse(server_hlc)
    latest = max((confirmed.ms, confirmed.counter), last or (0, 0))
    state = max((true_now, 0), latest) if ahead else max(state, latest)
    conn.exec_driver_sql(
        "UPDATE sync_state SET clock_offset_ms = clock_offset_ms + ?, hlc_ms = ?, "
        "hlc_counter = ? WHERE id = 1",
        (shift, *state),
    )
    if shift:
        log.warning(
            "PC clock is %d ms off head office's; %d queued stamps shifted", -skew, restamped
        )
    if ahead:
        log.warning("HLC was %d ms ahead of the true time; brought back", int(hlc_ms) - true_now)
    return ClockAdjustment(skew, shift, restamped, ahead)


def restamp_queue(
    conn: Connection, shift_ms: int, now_ms: int
) -> tuple[int, tuple[int, int] | None]:
    """Shift the stamps of the queued changes not yet in a batch by ``shift_ms``, none later
    than ``now_ms``, keeping them strictly increasing in queue order and after every stamp of
    a batch already marked; returns how many changed and the last (ms, counter). Generated
    inserts keep their floor stamps (:mod:`branch_crm.sync.generated`)."""
    marked = conn.exec_driver_sql(
        "SELECT MAX(hlc) FROM sync_outbox WHERE batch_id IS NOT NULL"
    ).scalar()
    previous: tuple[int, int] | None = None
    last_marked = parse(str(marked)) if marked is not None else None
    if last_marked is not None and last_marked.ms <= now_ms:
        previous = (last_marked.ms, last_marked.counter)
    rows = conn.exec_driver_sql(
        "SELECT seq, hlc FROM sync_outbox WHERE batch_id IS NULL ORDER BY seq"
    ).fetchall()
    updates = []
    for seq, text in rows:
        if is_floor(str(text)):
            continue  # a generated insert stays below every real edit (sync.generated)
        old = parse(str(text))
        new = min((old.ms + shift_ms, old.counter), (now_ms, 0))
        if previous is not None and new <= previous:
            new = (previous[0], previous[1] + 1)
        previous = new
        stamp = str(Hlc(new[0], new[1], old.node))
        if stamp != text:
            updates.append((stamp, seq))
    if updates:
        conn.exec_driver_sql("UPDATE sync_outbox SET hlc = ? WHERE seq = ?", updates)
    return len(updates), previous
