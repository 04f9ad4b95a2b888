"""Complaint counts for the home screen and the status bar (refreshing as time passes)."""

from __future__ import annotations

import logging
from typing import Generic, TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.i18n import _
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints.sla import SweepResult
from branch_crm.services.context import Actor
from branch_crm.timeutil import utcnow
from branch_crm.ui.complaints import visuals
from branch_crm.ui.complaints.queue_model import state_text
from branch_crm.ui.context import AppContext

log = logging.getLogger(__name__)

REFRESH_MS = 30_000
WATCH = frozenset({"complaint", "sync"})

Loaded = TypeVar("Loaded")
"""What a counting widget loads (the counts, or the counts with the top rows)."""


class _CountsMixin(Generic[Loaded]):
    """Loads :class:`QueueCounts` on the database worker now, on changes and every 30 s."""

    ctx: AppContext
    counts: cq.QueueCounts | None

    def _start_counting(self, owner: QWidget, refresh_ms: int) -> None:
        self.counts = None
        self._timer = QTimer(owner)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & WATCH:
            self.refresh()

    def refresh(self) -> None:
        """Count again."""
        self.ctx.submit(self._load, on_result=self._on_loaded, on_error=self._on_failed)

    def _load(self, *, session: Session, actor: Actor) -> Loaded:
        raise NotImplementedError

    def _on_loaded(self, result: Loaded) -> None:
        raise NotImplementedError

    def _on_failed(self, exc: BaseException) -> None:
        log.warning("complaint counts failed: %s", exc)


def counts_text(counts: cq.QueueCounts) -> str:
    """'12 open · 3 due soon · 2 breached · 4 waiting'."""
    return _("{open} open · {warned} due soon · {breached} breached · {waiting} waiting").format(
        open=counts.open, warned=counts.warned, breached=counts.breached, waiting=counts.waiting
    )


class ComplaintStatusWidget(QToolButton, _CountsMixin[cq.QueueCounts]):
    """Status bar: icon + open/breached counts; a click shows the queue.

    Always present, so its timer also runs the SLA sweep: breaches and escalations are
    recorded while the app is open even when nobody looks at the queue.
    """

    sig_counted = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("complaintStatus")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.clicked.connect(self._on_clicked)
        self._start_counting(self, refresh_ms)
        self._timer.timeout.disconnect(self.refresh)
        self._timer.timeout.connect(self.sweep)
        self.retranslate_ui()
        self.sweep()

    def sweep(self) -> None:
        """Record what became due, then count (a recorded breach announces a change)."""
        from branch_crm.services.complaints.sla import sweep

        self.ctx.submit(sweep, on_result=self._on_swept, on_error=self._on_failed)

    def _on_swept(self, result: SweepResult) -> None:
        if result.breaches or result.escalations or result.recomputed:
            self.ctx.bus.changed("complaint")  # every view refreshes, this one too
        else:
            self.refresh()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self._render()

    def _load(self, *, session: Session, actor: Actor) -> cq.QueueCounts:
        return cq.queue_counts(session=session, actor=actor)

    def _on_loaded(self, counts: cq.QueueCounts) -> None:
        self.counts = counts
        self._render()
        self.sig_counted.emit(counts)

    def _render(self) -> None:
        counts = self.counts
        if counts is None:
            self.setText(_("Complaints: …"))
            return
        state = cq.BREACHED if counts.breached else cq.WARNED if counts.warned else cq.OK
        self.setIcon(visuals.state_icon(state))
        self.setText(
            _("Complaints {open} · {breached} breached").format(
                open=counts.open, breached=counts.breached
            )
        )
        tip = counts_text(counts) + " — " + _("click to open the queue")
        self.setToolTip(tip)
        self.setAccessibleName(tip)

    def _on_clicked(self) -> None:
        window = self.ctx.main_window
        if window is not None:
            window.show_page("complaints")


class ComplaintHomeCard(QGroupBox, _CountsMixin[tuple[cq.QueueCounts, list[cq.QueueRow]]]):
    """Home screen: counts and the five open complaints with the least time left."""

    TOP = 5

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("complaintHomeCard")
        self.summary = QLabel(self)
        self.summary.setObjectName("complaintHomeCounts")
        self.summary.setWordWrap(True)
        self.top = QListWidget(self)
        self.top.setObjectName("complaintHomeTop")
        self.top.setMaximumHeight(150)
        self.top.itemActivated.connect(self._on_top_item_activated)
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("complaintHomeOpenQueue")
        self.open_button.clicked.connect(self._on_open_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.top)
        layout.addLayout(buttons)
        self._rows: list[cq.QueueRow] = []
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._start_counting(self, refresh_ms)
        self.retranslate_ui()
        self.refresh()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setTitle(_("Open complaints"))
        self.open_button.setText(_("Complaint queue"))
        self.open_button.setAccessibleName(_("Complaint queue"))
        self.top.setAccessibleName(_("Complaints with the least time left"))
        self._render()

    def _load(self, *, session: Session, actor: Actor) -> tuple[cq.QueueCounts, list[cq.QueueRow]]:
        counts = cq.queue_counts(session=session, actor=actor)
        return counts, cq.list_queue(session=session, actor=actor)[: self.TOP]

    def _on_loaded(self, result: tuple[cq.QueueCounts, list[cq.QueueRow]]) -> None:
        self.counts, self._rows = result
        self._render()

    def _render(self) -> None:
        self.summary.setText(counts_text(self.counts) if self.counts else _("Loading…"))
        self.top.clear()
        now = utcnow().timestamp()
        for row in self._rows:
            state = cq.row_state(row, now)
            left = visuals.time_left_text(cq.seconds_left(row, now), row.paused)
            item = QListWidgetItem(
                visuals.state_icon(state),
                f"{row.number}  {row.customer_name}  {state_text(row, state, now)}  {left}",
            )
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.top.addItem(item)

    def _on_top_item_activated(self, item: QListWidgetItem) -> None:
        from branch_crm.ui.complaints.detail import open_complaint

        open_complaint(self.ctx, item.data(Qt.ItemDataRole.UserRole), parent=self)

    def _on_open_clicked(self) -> None:
        window = self.ctx.main_window
        if window is not None:
            window.show_page("complaints")
