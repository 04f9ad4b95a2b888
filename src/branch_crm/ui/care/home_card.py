"""Home screen card "Follow-ups": open / overdue / due today counts and the next few tasks.

Enter or double-click on a task shows it on the follow-ups page (where Done… and Cancel…
are one key away); "Open customer" opens the selected task's customer profile.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.i18n import _
from branch_crm.services.care import follow_ups
from branch_crm.services.context import Actor
from branch_crm.timeutil import local_today
from branch_crm.ui.care.texts import one_line
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon

log = logging.getLogger(__name__)

REFRESH_MS = 300_000
WATCH = frozenset({"care", "survey", "sync", "staff", "customer"})
PAGE_KEY = "care"
ID_ROLE = Qt.ItemDataRole.UserRole
CUSTOMER_ROLE = Qt.ItemDataRole.UserRole + 1


def counts_text(counts: follow_ups.FollowUpCounts) -> str:
    """'7 open · 2 overdue · 3 due today · 1 mine'."""
    return _("{open} open · {overdue} overdue · {today} due today · {mine} mine").format(
        open=counts.open, overdue=counts.overdue, today=counts.due_today, mine=counts.mine
    )


def load_card(
    *, session: Session, actor: Actor, top: int = 5
) -> tuple[follow_ups.FollowUpCounts, list[follow_ups.FollowUp]]:
    """Counts and the first ``top`` open tasks the actor sees (one unit of work)."""
    counts = follow_ups.follow_up_counts(session=session, actor=actor)
    rows = follow_ups.list_follow_ups(session=session, actor=actor, limit=top)
    return counts, rows


class FollowUpHomeCard(QGroupBox):
    """Counts and the next five open follow-ups; refreshes on care changes and every 5 min."""

    TOP = 5
    sig_loaded = Signal(object)

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("careHomeCard")
        self.counts: follow_ups.FollowUpCounts | None = None
        self._rows: list[follow_ups.FollowUp] = []
        self.summary = QLabel(self)
        self.summary.setObjectName("careHomeCounts")
        self.summary.setWordWrap(True)
        self.top = QListWidget(self)
        self.top.setObjectName("careHomeTop")
        self.top.setMaximumHeight(150)
        self.top.itemActivated.connect(self._on_top_item_activated)
        self.customer_button = QPushButton(icon("customers"), "", self)
        self.customer_button.setObjectName("careHomeOpenCustomer")
        self.customer_button.clicked.connect(self.open_customer)
        self.open_button = QPushButton(icon("care_tasks"), "", self)
        self.open_button.setObjectName("careHomeOpenPage")
        self.open_button.clicked.connect(self._on_open_clicked)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.customer_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.top)
        layout.addLayout(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.refresh()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setTitle(_("Follow-ups"))
        self.customer_button.setText(_("Open customer"))
        self.customer_button.setAccessibleName(_("Open customer"))
        self.open_button.setText(_("All follow-ups"))
        self.open_button.setAccessibleName(_("All follow-ups"))
        self.top.setAccessibleName(_("Follow-ups due first"))
        self._render()

    def refresh(self) -> None:
        """Count again (off the GUI thread)."""
        self.ctx.submit(
            load_card,
            kwargs={"top": self.TOP},
            on_result=self._on_loaded,
            on_error=self._on_failed,
        )

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & WATCH:
            self.refresh()

    def _on_loaded(
        self, result: tuple[follow_ups.FollowUpCounts, list[follow_ups.FollowUp]]
    ) -> None:
        self.counts, self._rows = result
        self._render()
        self.sig_loaded.emit(self.counts)

    def _on_failed(self, exc: BaseException) -> None:
        log.warning("follow-up counts failed: %s", exc)

    def _render(self) -> None:
        counts = self.counts
        self.summary.setText(counts_text(counts) if counts else _("Loading…"))
        self.summary.setAccessibleName(self.summary.text())
        self.top.clear()
        today = local_today()
        for row in self._rows:
            item = QListWidgetItem(one_line(row, today))
            item.setData(ID_ROLE, row.id)
            item.setData(CUSTOMER_ROLE, row.customer_id)
            item.setToolTip(row.notes or row.title)
            item.setIcon(icon("warning" if row.is_overdue(today) else "care_tasks"))
            self.top.addItem(item)
        if self._rows:
            self.top.setCurrentRow(0)
        elif counts is not None:
            placeholder = QListWidgetItem(_("Nothing to follow up. Well done!"))
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.top.addItem(placeholder)
        self.customer_button.setEnabled(bool(self._rows))

    def _on_top_item_activated(self, item: QListWidgetItem) -> None:
        task_id = item.data(ID_ROLE)
        if not task_id:
            return
        page = self._show_page()
        show_task = getattr(page, "show_task", None)
        if callable(show_task):
            show_task(task_id)

    def open_customer(self) -> None:
        """The profile of the selected task's customer."""
        item = self.top.currentItem()
        customer_id = item.data(CUSTOMER_ROLE) if item is not None else None
        if not customer_id:
            return
        from branch_crm.ui.counter import actions

        actions.open_customer(self.ctx, customer_id)

    def _show_page(self) -> QWidget | None:
        window = self.ctx.main_window
        return window.show_page(PAGE_KEY) if window is not None else None

    def _on_open_clicked(self) -> None:
        self._show_page()
