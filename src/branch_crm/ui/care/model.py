"""Table model of the open follow-ups (a snapshot from services.care, already ordered)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor

from branch_crm.i18n import N_, _
from branch_crm.services.care import follow_ups
from branch_crm.timeutil import local_today, to_local
from branch_crm.ui.care.texts import assignee_text, due_text, phone_text
from branch_crm.ui.widgets.table_model import Column, RowTableModel

COLUMNS = ("due", "customer", "phone", "reason", "notes", "assignee", "kind", "created")
DUE, CUSTOMER, PHONE, REASON, NOTES, ASSIGNEE, KIND, CREATED = range(len(COLUMNS))
ID_ROLE = Qt.ItemDataRole.UserRole
CUSTOMER_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE_BACKGROUND = QColor(253, 226, 226)
TODAY_BACKGROUND = QColor(255, 243, 205)


_HEADERS = (
    N_("Due"),
    N_("Customer"),
    N_("Phone"),
    N_("Reason"),
    N_("Customer said"),
    N_("Assigned to"),
    N_("Kind"),
    N_("Opened"),
)

_TEXTS: tuple[Callable[[follow_ups.FollowUp, date], str], ...] = (
    lambda r, today: due_text(r.due_on, today),
    lambda r, _t: r.customer_name,
    lambda r, _t: phone_text(r),
    lambda r, _t: r.title,
    lambda r, _t: " ".join((r.notes or "").split()),
    lambda r, _t: assignee_text(r),
    lambda r, _t: follow_ups.kind_label(r.kind),
    lambda r, _t: to_local(r.created_at).strftime("%Y-%m-%d %H:%M"),
)
"""Cell text per column, from the row and today's date."""

_EXTRA_ROLES: dict[int, Callable[[follow_ups.FollowUp], Any]] = {
    int(ID_ROLE): lambda r: r.id,
    int(CUSTOMER_ROLE): lambda r: r.customer_id,
}


def _tooltip(row: follow_ups.FollowUp) -> str:
    lines = [row.title, _("Due {day}").format(day=row.due_on.isoformat())]
    if row.notes:
        lines.append(row.notes)
    return "\n".join(lines)


class FollowUpModel(RowTableModel[follow_ups.FollowUp]):
    """Open follow-ups, overdue and due today first; overdue rows tinted red, today's amber."""

    def __init__(self, parent: QObject | None = None) -> None:
        columns = [
            self._column(header, text) for header, text in zip(_HEADERS, _TEXTS, strict=True)
        ]
        super().__init__(columns, parent)
        self._today = local_today()

    def _column(
        self, header: str, text: Callable[[follow_ups.FollowUp, date], str]
    ) -> Column[follow_ups.FollowUp]:
        return Column(
            header,
            lambda r: text(r, self._today),
            tooltip=_tooltip,
            foreground=self._foreground,
            background=self._background,
        )

    def set_rows(self, rows: Sequence[follow_ups.FollowUp], today: date | None = None) -> None:
        """Replace the rows (a fresh list from the service)."""
        self._today = today or local_today()
        super().set_rows(rows)

    def row_of(self, task_id: str) -> int:
        """The row showing ``task_id`` (-1 when not listed)."""
        return next((i for i, r in enumerate(self.rows) if r.id == task_id), -1)

    def extra_data(self, row: follow_ups.FollowUp, column: int, role: int) -> Any:
        """The task and customer ids."""
        getter = _EXTRA_ROLES.get(role)
        return getter(row) if getter else None

    def _background(self, row: follow_ups.FollowUp) -> QBrush | None:
        if row.due_on < self._today:
            return QBrush(OVERDUE_BACKGROUND)
        if row.due_on == self._today:
            return QBrush(TODAY_BACKGROUND)
        return None

    def _foreground(self, row: follow_ups.FollowUp) -> QBrush | None:
        # dark text on the light tint, readable in a dark theme too
        return QBrush(QColor(0, 0, 0)) if row.due_on <= self._today else None
