"""Table model of the open follow-ups (a snapshot from services.care, already ordered)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from branch_crm.i18n import _
from branch_crm.services.care import follow_ups
from branch_crm.timeutil import local_today, to_local
from branch_crm.ui.care.texts import assignee_text, due_text, phone_text

COLUMNS = ("due", "customer", "phone", "reason", "notes", "assignee", "kind", "created")
DUE, CUSTOMER, PHONE, REASON, NOTES, ASSIGNEE, KIND, CREATED = range(len(COLUMNS))
ID_ROLE = Qt.ItemDataRole.UserRole
CUSTOMER_ROLE = Qt.ItemDataRole.UserRole + 1
OVERDUE_BACKGROUND = QColor(253, 226, 226)
TODAY_BACKGROUND = QColor(255, 243, 205)
Index = QModelIndex | QPersistentModelIndex


def _headers() -> tuple[str, ...]:
    return (
        _("Due"),
        _("Customer"),
        _("Phone"),
        _("Reason"),
        _("Customer said"),
        _("Assigned to"),
        _("Kind"),
        _("Opened"),
    )


_TEXTS: dict[int, Callable[[follow_ups.FollowUp, date], str]] = {
    DUE: lambda r, today: due_text(r.due_on, today),
    CUSTOMER: lambda r, _t: r.customer_name,
    PHONE: lambda r, _t: phone_text(r),
    REASON: lambda r, _t: r.title,
    NOTES: lambda r, _t: " ".join((r.notes or "").split()),
    ASSIGNEE: lambda r, _t: assignee_text(r),
    KIND: lambda r, _t: follow_ups.kind_label(r.kind),
    CREATED: lambda r, _t: to_local(r.created_at).strftime("%Y-%m-%d %H:%M"),
}
"""Cell text per column, from the row and today's date."""


class FollowUpModel(QAbstractTableModel):
    """Open follow-ups, overdue and due today first; overdue rows tinted red, today's amber."""

    _GETTERS: ClassVar[dict[int, Callable[[FollowUpModel, follow_ups.FollowUp, int], Any]]] = {
        Qt.ItemDataRole.DisplayRole: lambda m, r, c: m._text(r, c),
        Qt.ItemDataRole.ToolTipRole: lambda m, r, _c: m._tooltip(r),
        Qt.ItemDataRole.BackgroundRole: lambda m, r, _c: m._background(r),
        Qt.ItemDataRole.ForegroundRole: lambda m, r, _c: m._foreground(r),
        ID_ROLE: lambda _m, r, _c: r.id,
        CUSTOMER_ROLE: lambda _m, r, _c: r.customer_id,
    }
    """Value per role (built once: ``data`` runs for every cell and role)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[follow_ups.FollowUp] = []
        self._today = local_today()
        self._headers = _headers()

    def set_rows(self, rows: list[follow_ups.FollowUp], today: date | None = None) -> None:
        """Replace the rows (a fresh list from the service)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._today = today or local_today()
        self.endResetModel()

    def retranslate(self) -> None:
        """Headers and cell texts in the current language."""
        self._headers = _headers()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            last = self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def row_at(self, row: int) -> follow_ups.FollowUp | None:
        """The follow-up shown in ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, task_id: str) -> int:
        """The row showing ``task_id`` (-1 when not listed)."""
        return next((i for i, r in enumerate(self._rows) if r.id == task_id), -1)

    def rows(self) -> list[follow_ups.FollowUp]:
        """Every follow-up shown, in order."""
        return list(self._rows)

    # --- Qt ------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Qt: number of follow-ups (a table has no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        """Qt: number of columns."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Qt: column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return self._headers[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Qt: cell text, tooltip (the notes), background by due date, ids."""
        row = self.row_at(index.row()) if index.isValid() else None
        getter = self._GETTERS.get(role)
        if row is None or getter is None:
            return None
        return getter(self, row, index.column())

    def _background(self, row: follow_ups.FollowUp) -> QBrush | None:
        if row.due_on < self._today:
            return QBrush(OVERDUE_BACKGROUND)
        if row.due_on == self._today:
            return QBrush(TODAY_BACKGROUND)
        return None

    def _foreground(self, row: follow_ups.FollowUp) -> QBrush | None:
        # dark text on the light tint, readable in a dark theme too
        return QBrush(QColor(0, 0, 0)) if row.due_on <= self._today else None

    def _text(self, row: follow_ups.FollowUp, column: int) -> str:
        text = _TEXTS.get(column)
        return text(row, self._today) if text else ""

    def _tooltip(self, row: follow_ups.FollowUp) -> str:
        lines = [row.title, _("Due {day}").format(day=row.due_on.isoformat())]
        if row.notes:
            lines.append(row.notes)
        return "\n".join(lines)
