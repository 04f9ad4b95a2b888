"""Bringing derived data up to date in the background after start-up, with progress in the
status bar: the classification when a new month began (or a threshold changed), the
lookup index of customers changed by a sync, a migration or raw SQL, and then the day's care
plan (services.care.plan.plan_if_due: once a day per PC).

The work runs as a chain of short database jobs (services.customers.classification.catch_up_step),
so the counter's saves get in between and the lookup keeps answering from the index as it
stands (a lookup only reads: this is where customers changed by a sync or another program
get indexed). It runs again when customers change (a sync page) or settings change, and
every minute while the app stays open (another program's changes; the month turning).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from branch_crm.i18n import _, ngettext
from branch_crm.services.care.plan import PlanResult, plan_if_due
from branch_crm.services.customers.classification import CatchUp, catch_up_step
from branch_crm.ui.context import AppContext

log = logging.getLogger(__name__)

CHECK_MS = 60 * 1000
"""How often an open app looks for due work (customers another program changed, a new
month): one cheap database job when there is none."""
TRIGGERS = frozenset({"customer", "settings"})
"""Data-bus kinds after which the catch-up looks for work again."""


def failure_text() -> str:
    """What the status bar says after a failed step: the timer tries again (CHECK_MS)."""
    minutes = max(CHECK_MS // 60_000, 1)
    return ngettext(
        "Customer figures could not be updated; trying again in {count} minute.",
        "Customer figures could not be updated; trying again in {count} minutes.",
        minutes,
    ).format(count=minutes)


def progress_text(state: CatchUp) -> str:
    """What the status bar says during ``state``."""
    if state.stage == "stats":
        percent = 100 * state.done // state.total if state.total else 0
        return _("Updating customer figures… {percent} %").format(percent=percent)
    if state.stage == "index":
        left = max(state.total - state.done, 0)
        return _("Updating the search index… {count} customers left").format(count=f"{left:,}")
    return ""


class CatchUpStatus(QLabel):
    """A status-bar label that drives the catch-up and shows its progress (hidden when idle)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("status_catch_up")
        self.setContentsMargins(4, 0, 12, 0)
        self.running = False
        self.worked = False
        self.failed = False
        self.state: CatchUp | None = None
        self._again = False
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.hide()

    def start(self) -> None:
        """Look for due work and do it (again after the current run when one is going)."""
        self._timer.start()
        if self.running:
            self._again = True
            return
        self.running = True
        self.worked = False
        self._submit(None)

    def _submit(self, state: CatchUp | None) -> None:
        self.ctx.submit(
            catch_up_step,
            kwargs={"state": state},
            on_result=self._on_step_done,
            on_error=self._on_step_failed,
        )

    def _on_step_done(self, state: CatchUp) -> None:
        self.state = state
        self.failed = False
        if not state.finished:
            self.worked = True
            self._show(progress_text(state))
            self._submit(state)
            return
        self._finish()

    def _finish(self) -> None:
        self.running = False
        self.hide()
        if self.worked:
            log.info("derived customer data brought up to date")
            self.worked = False
            self.ctx.bus.changed("customer", "classification")
        # the day's care plan, on fresh figures (once a day: a cheap check otherwise)
        self.ctx.submit(plan_if_due, on_result=self._on_plan_done, on_error=self._on_plan_failed)
        if self._again:
            self._again = False
            self.start()

    def _on_plan_done(self, result: PlanResult | None) -> None:
        if result is not None and result.total:
            log.info("care plan: %d new tasks", result.total)
            self.ctx.bus.changed("care")

    def _on_plan_failed(self, exc: BaseException) -> None:
        log.warning("care plan failed: %s", exc, exc_info=exc)  # tried again next minute

    def _on_step_failed(self, exc: BaseException) -> None:
        log.warning("catching up derived data failed: %s", exc, exc_info=exc)
        self.running = False
        self._again = False
        self.failed = True
        self._show(failure_text())  # the timer starts it again

    def _show(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleName(text)
        self.show()

    def _on_bus_data_changed(self, kinds: frozenset[str]) -> None:
        if kinds & TRIGGERS and "classification" not in kinds:
            self.start()

    def _on_timer_timeout(self) -> None:
        if not self.running:
            self.start()

    def retranslate_ui(self) -> None:
        """Re-apply the shown text in the current language."""
        if self.failed:
            self._show(failure_text())
        elif self.running and self.state is not None and not self.state.finished:
            self._show(progress_text(self.state))
