"""Table model of the open follow-ups (a snapshot from services.care, already ordered)."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from branch_crm.i18n import _
from branch_crm.services import care
from branch_crm.services.search import format_phone
from branch_crm.timeutil import local_today, to_local
from branch_crm.ui.care.texts import assignee_text, due_text

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


class FollowUpModel(QAbstractTableModel):
    """Open follow-ups, overdue and due today first; overdue rows tinted red, today's amber."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[care.FollowUp] = []
        self._today = local_today()
        self._headers = _headers()

    def set_rows(self, rows: list[care.FollowUp], today: date | None = None) -> None:
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

    def row_at(self, row: int) -> care.FollowUp | None:
        """The follow-up shown in ``row``."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, task_id: str) -> int:
        """The row showing ``task_id`` (-1 when not listed)."""
        return next((i for i, r in enumerate(self._rows) if r.id == task_id), -1)

    def rows(self) -> list[care.FollowUp]:
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
        getter = self._getters.get(role)
        if row is None or getter is None:
            return None
        return getter(row, index.column())

    @property
    def _getters(self) -> dict[int, Any]:
        return {
            Qt.ItemDataRole.DisplayRole: self._text,
            Qt.ItemDataRole.ToolTipRole: lambda r, _c: self._tooltip(r),
            Qt.ItemDataRole.BackgroundRole: lambda r, _c: self._background(r),
            Qt.ItemDataRole.ForegroundRole: lambda r, _c: self._foreground(r),
            ID_ROLE: lambda r, _c: r.id,
            CUSTOMER_ROLE: lambda r, _c: r.customer_id,
        }

    def _background(self, row: care.FollowUp) -> QBrush | None:
        if row.due_on < self._today:
            return QBrush(OVERDUE_BACKGROUND)
        if row.due_on == self._today:
            return QBrush(TODAY_BACKGROUND)
        return None

    def _foreground(self, row: care.FollowUp) -> QBrush | None:
        # dark text on the light tint, readable in a dark theme too
        return QBrush(QColor(0, 0, 0)) if row.due_on <= self._today else None

    def _text(self, row: care.FollowUp, column: int) -> str:
        texts = {
            DUE: lambda: due_text(row.due_on, self._today),
            CUSTOMER: lambda: row.customer_name,
            PHONE: lambda: format_phone(row.phone) if row.phone else "",
            REASON: lambda: row.title,
            NOTES: lambda: " ".join((row.notes or "").split()),
            ASSIGNEE: lambda: assignee_text(row),
            KIND: lambda: care.kind_label(row.kind),
            CREATED: lambda: to_local(row.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        text = texts.get(column)
        return text() if text else ""

    def _tooltip(self, row: care.FollowUp) -> str:
        lines = [row.title, _("Due {day}").format(day=row.due_on.isoformat())]
        if row.notes:
            lines.append(row.notes)
        return "\n".join(lines)
