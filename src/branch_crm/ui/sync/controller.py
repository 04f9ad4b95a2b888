"""One sync controller per signed-in app: background rounds, "Sync now", the status.

Rounds run with ``ctx.submit(sync_round, kind="net")`` on the network pool, so the window
never waits for head office; one round at a time. The round's writes are handed one by one to
the database thread (its ``writer``), in turn with the window's saves. Automatic rounds come every
``sync.interval_minutes`` (the setting, re-read whenever the status is read); after a failed
round the next automatic attempt comes sooner, backing off exponentially (the client's
``backoff_seconds``: 30 s, 1 min, 2 min ... with jitter) up to the interval itself.
The status (pending changes, last success, last error, open conflicts) is read on the
database worker after every round and whenever data changes (debounced).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from sqlalchemy.orm import Session

from branch_crm.reference.roles import Permission
from branch_crm.services.permissions import allowed
from branch_crm.services.settings import values as app_settings
from branch_crm.services.syncing.service import RoundOutcome, SyncStatus, sync_round, sync_status
from branch_crm.sync.client import SyncResult, backoff_seconds
from branch_crm.ui.context import AppContext

log = logging.getLogger(__name__)

FIRST_ROUND_MS = 15_000
"""The first automatic round comes this long after sign-in (start-up stays quick)."""
STATUS_DEBOUNCE_MS = 700
PULLED_KINDS = (
    "sync",
    "conflict",
    "customer",
    "preference",
    "complaint",
    "survey",
    "training",
    "reference",
    "settings",
)
"""What a round that received changes announces on the data bus."""


@dataclass(frozen=True)
class Snapshot:
    """The status and the interval, read together on the database worker."""

    status: SyncStatus
    interval_minutes: int


def read_snapshot(*, session: Session) -> Snapshot:
    """Sync status and the background interval setting."""
    interval = int(app_settings.get(session, "sync.interval_minutes"))
    return Snapshot(sync_status(session=session), interval)


class SyncController(QObject):
    """Schedules rounds, runs them off the GUI thread and publishes the status."""

    sig_status = Signal(object)  # SyncStatus
    sig_running = Signal(bool)
    sig_finished = Signal(object)  # SyncResult (error in words, or None)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.ctx = ctx
        self.status: SyncStatus | None = None
        self.last_result: SyncResult | None = None
        self.history: list[tuple[datetime, SyncResult]] = []
        self.running = False
        self.rounds_finished = 0
        self.interval_minutes = 5
        self.started = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer_timeout)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(STATUS_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.refresh_status)
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)

    # --- scheduling ------------------------------------------------------------------------

    def start(self, first_round_ms: int = FIRST_ROUND_MS) -> None:
        """Begin background syncing (idempotent): read the status, plan the first round."""
        if not self.started:
            self.started = True
            self.schedule(first_round_ms)
        self.refresh_status()

    def stop(self) -> None:
        """No more automatic rounds (signing out)."""
        self.started = False
        self.timer.stop()

    def schedule(self, delay_ms: int) -> None:
        """The next automatic round in ``delay_ms``."""
        self.timer.start(max(0, int(delay_ms)))

    def next_delay_ms(self, result: SyncResult | None) -> int:
        """When the next automatic round should come after ``result``."""
        interval_ms = self.interval_minutes * 60_000
        if result is None or result.error is None:
            return interval_ms
        failures = len(self._recent_failures())
        return int(min(backoff_seconds(failures) * 1000, interval_ms))

    def _recent_failures(self) -> list[tuple[datetime, SyncResult]]:
        streak: list[tuple[datetime, SyncResult]] = []
        for entry in reversed(self.history):
            if entry[1].error is None:
                break
            streak.append(entry)
        return streak

    def _on_timer_timeout(self) -> None:
        if self.status is not None and not self.status.registered:
            self.schedule(self.interval_minutes * 60_000)  # nothing to do until registered
            self.refresh_status()
            return
        if not self.sync_now(automatic=True):
            self.schedule(self.interval_minutes * 60_000)

    # --- rounds ----------------------------------------------------------------------------

    def sync_now(self, *, automatic: bool = False) -> bool:
        """Start a round unless one runs; False when none was started."""
        if self.running or not allowed(self.ctx.actor, Permission.SYNC_RUN):
            return False
        self.running = True
        self.sig_running.emit(True)
        log.info("%s sync round started", "automatic" if automatic else "manual")
        self.ctx.submit(
            sync_round, kind="net", on_result=self._on_round_done, on_error=self._on_round_failed
        )
        return True

    def _on_round_done(self, outcome: RoundOutcome) -> None:
        self._finish_round(outcome.result, outcome.status)

    def _finish_round(self, result: SyncResult, status: SyncStatus | None) -> None:
        """Publish a finished round: the status first, so no view pairs the new result (or
        "not running") with the status from before the round."""
        from branch_crm.timeutil import utcnow

        self.rounds_finished += 1
        if status is not None:
            self.status = status
            self.sig_status.emit(status)
        self.running = False
        self.last_result = result
        self.history = [*self.history[-49:], (utcnow(), result)]
        self.sig_running.emit(False)
        self.sig_finished.emit(result)
        if self.started:
            self.schedule(self.next_delay_ms(result))
        if result.pulled or result.pushed or result.conflicts:
            # a pushed change that lost a merge comes back with the winning value
            self.ctx.bus.changed(*PULLED_KINDS)
        else:
            self.ctx.bus.changed("sync")
        if status is None:
            self.refresh_status()

    def _on_round_failed(self, exc: BaseException) -> None:
        """An unexpected error (the client reports network trouble as a result instead)."""
        log.error("sync round failed unexpectedly", exc_info=exc)
        from branch_crm.i18n import _

        message = _("Sync stopped unexpectedly: {reason}").format(reason=type(exc).__name__)
        self._finish_round(SyncResult(0, 0, 0, str(exc) if _is_crm(exc) else message), None)

    # --- status ----------------------------------------------------------------------------

    def refresh_status(self) -> None:
        """Read the status again on the database worker."""
        rounds = self.rounds_finished

        def on_result(snapshot: Snapshot) -> None:
            if rounds == self.rounds_finished:  # else read before a round ended: stale
                self._on_snapshot(snapshot)

        self.ctx.submit(read_snapshot, on_result=on_result, on_error=self._on_status_error)

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        changed = snapshot.interval_minutes != self.interval_minutes
        self.interval_minutes = snapshot.interval_minutes
        if changed and self.started and not self.running and self.timer.isActive():
            remaining = self.timer.remainingTime()
            self.schedule(min(remaining, self.interval_minutes * 60_000))
        self.status = snapshot.status
        self.sig_status.emit(snapshot.status)

    def _on_status_error(self, exc: BaseException) -> None:
        log.warning("reading the sync status failed: %s", exc)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what != frozenset({"sync"}):  # a round's own announcement is read at once already
            self._debounce.start()


def _is_crm(exc: BaseException) -> bool:
    from branch_crm.errors import CrmError

    return isinstance(exc, CrmError)


def controller_for(ctx: AppContext) -> SyncController:
    """The app's one controller (created on first use, owned by the context: its Qt child)."""
    existing = ctx.findChild(SyncController, options=Qt.FindChildOption.FindDirectChildrenOnly)
    if existing is not None:
        return existing
    return SyncController(ctx)
