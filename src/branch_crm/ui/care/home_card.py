"""Home screen card "Follow-ups": open / overdue / due today counts and the next few tasks.

Enter or double-click on a task shows it on the follow-ups page (where Done… and Cancel…
are one key away); "Open customer" opens the selected task's customer profile.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QListWidgetItem,
    QPushButton,
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
from branch_crm.ui.widgets.home_card import HomeCard

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


class FollowUpHomeCard(HomeCard[follow_ups.FollowUpCounts, follow_ups.FollowUp]):
    """Counts and the next five open follow-ups; refreshes on care changes and every 5 min."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS
    ):
        super().__init__(
            ctx,
            parent,
            names=("careHomeCard", "careHomeCounts", "careHomeTop", "careHomeOpenPage"),
            load=load_card,
            watch=WATCH,
            page_key=PAGE_KEY,
            refresh_ms=refresh_ms,
            open_icon=icon("care_tasks"),
        )
        self.customer_button = QPushButton(icon("customers"), "", self)
        self.customer_button.setObjectName("careHomeOpenCustomer")
        self.customer_button.clicked.connect(self.open_customer)
        self._finish([self.customer_button])

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setTitle(_("Follow-ups"))
        self.customer_button.setText(_("Open customer"))
        self.customer_button.setAccessibleName(_("Open customer"))
        self.open_button.setText(_("All follow-ups"))
        self.open_button.setAccessibleName(_("All follow-ups"))
        self.top.setAccessibleName(_("Follow-ups due first"))
        self._render()

    def summary_text(self, counts: follow_ups.FollowUpCounts) -> str:
        """'7 open · 2 overdue · 3 due today · 1 mine'."""
        return counts_text(counts)

    def item_for(self, row: follow_ups.FollowUp) -> QListWidgetItem:
        """The task in one line; overdue ones carry a warning icon."""
        today = local_today()
        line = one_line(row, today)
        item = QListWidgetItem(line)
        item.setData(ID_ROLE, row.id)
        item.setData(CUSTOMER_ROLE, row.customer_id)
        item.setToolTip(f"{line}\n{row.notes}" if row.notes else line)  # the line may be cut
        item.setIcon(icon("warning" if row.is_overdue(today) else "care_tasks"))
        return item

    def _rendered(self) -> None:
        self.summary.setAccessibleName(self.summary.text())
        if self._rows:
            self.top.setCurrentRow(0)
        elif self.counts is not None:
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
