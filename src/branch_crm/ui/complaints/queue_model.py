"""Table model of the complaint queue: open complaints, least time left first.

Holds every open complaint once (a snapshot from the service) and shows the rows passing the
filters. ``tick(now)`` re-evaluates states and time left as time passes without a query and
keeps the selection when the order changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from branch_crm.i18n import _
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints.labels import escalation_label, grade_label, status_label
from branch_crm.timeutil import to_local
from branch_crm.ui.complaints import visuals

COLUMNS = (
    "state",
    "left",
    "number",
    "customer",
    "category",
    "grade",
    "status",
    "assignee",
    "received",
)
STATE, LEFT, NUMBER, CUSTOMER, CATEGORY, GRADE, STATUS, ASSIGNEE, RECEIVED = range(len(COLUMNS))
ID_ROLE = Qt.ItemDataRole.UserRole
STATE_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex


def _headers() -> tuple[str, ...]:
    return (
        _("State"),
        _("Time left"),
        _("Number"),
        _("Customer"),
        _("Category"),
        _("Grade"),
        _("Status"),
        _("Assignee"),
        _("Received"),
    )


def state_text(row: cq.QueueRow, state: str, now_ts: float) -> str:
    """The state in words; a breach on record with the current clock on time says which."""
    if state == cq.BREACHED and not row.resolution_breached:
        left = cq.seconds_left(row, now_ts)
        if row.response_breached and (left is None or left > 0 or row.paused):
            return _("Response missed")
    return cq.state_label(state)


class ComplaintQueueModel(QAbstractTableModel):
    """Open complaints passing the filters, sorted by time left (paused ones last)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[cq.QueueRow] = []
        self._rows: list[cq.QueueRow] = []
        self._states: list[str] = []
        self._now = 0.0
        self._filter = cq.QueueFilter()
        self._staff_id: str | None = None
        self._categories: dict[str, str] = {}
        self._staff: dict[str, str] = {}
        self._headers = _headers()
        self._role_getters: dict[int, Callable[[cq.QueueRow, str], object]] = {
            Qt.ItemDataRole.BackgroundRole: lambda _r, s: visuals.state_background(s),
            Qt.ItemDataRole.ToolTipRole: self._tooltip,
            ID_ROLE: lambda r, _s: r.id,
            STATE_ROLE: lambda _r, s: s,
        }

    # -- feeding -------------------------------------------------------------------
    def set_snapshot(
        self,
        snapshot: cq.QueueSnapshot,
        now_ts: float,
        flt: cq.QueueFilter | None = None,
        staff_id: str | None = None,
    ) -> None:
        """Replace every row (after a query), optionally with a new filter in the same go."""
        self.beginResetModel()
        if flt is not None:
            self._filter, self._staff_id = flt, staff_id
        self._all = list(snapshot.rows)
        self._categories = dict(snapshot.categories)
        self._staff = dict(snapshot.staff)
        self._now = now_ts
        self._arrange()
        self.endResetModel()

    def set_filter(self, flt: cq.QueueFilter, staff_id: str | None) -> None:
        """Show only rows passing ``flt`` ("mine" means assigned to ``staff_id``)."""
        self.beginResetModel()
        self._filter, self._staff_id = flt, staff_id
        self._arrange()
        self.endResetModel()

    def tick(self, now_ts: float) -> None:
        """Time passed: recompute states, time left and order; the selection follows its row."""
        old_ids = [r.id for r in self._rows]
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        anchors = [(p, old_ids[p.row()] if p.row() < len(old_ids) else None) for p in persistent]
        self._now = now_ts
        self._arrange()
        positions = {r.id: i for i, r in enumerate(self._rows)}
        for index, row_id in anchors:
            new_row = positions.get(row_id) if row_id is not None else None
            target = QModelIndex() if new_row is None else self.index(new_row, index.column())
            self.changePersistentIndex(index, target)
        self.layoutChanged.emit()

    def _arrange(self) -> None:
        now = self._now
        rows = [r for r in self._all if self._filter.accepts(r, now, self._staff_id)]
        rows.sort(key=lambda r: cq.sort_key(r, now))
        self._rows = rows
        self._states = [cq.row_state(r, now) for r in rows]

    def retranslate(self) -> None:
        """Headers and texts in the new language."""
        self._headers = _headers()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            last = self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    # -- reading -------------------------------------------------------------------
    def row_at(self, row: int) -> cq.QueueRow:
        """The queue row shown at ``row``."""
        return self._rows[row]

    def row_of(self, complaint_id: str) -> int:
        """Where a complaint is shown (-1 when filtered out or gone)."""
        return next((i for i, r in enumerate(self._rows) if r.id == complaint_id), -1)

    def state_at(self, row: int) -> str:
        """ok / warned / breached / paused of the row at ``row``."""
        return self._states[row]

    def total(self) -> int:
        """Open complaints loaded, before filtering."""
        return len(self._all)

    # -- Qt interface --------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, state, column = self._rows[index.row()], self._states[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, state, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return visuals.state_icon(state) if column == STATE else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            return int(right) if column in (LEFT, GRADE) else None
        getter = self._role_getters.get(role)
        return getter(row, state) if getter else None

    def _text(self, row: cq.QueueRow, state: str, column: int) -> str:
        received = cq.as_datetime(row.received_ts)
        texts = {
            STATE: lambda: state_text(row, state, self._now),
            LEFT: lambda: visuals.time_left_text(cq.seconds_left(row, self._now), row.paused),
            NUMBER: lambda: row.number,
            CUSTOMER: lambda: row.customer_name,
            CATEGORY: lambda: self._categories.get(row.category, row.category),
            GRADE: lambda: str(row.grade),
            STATUS: lambda: status_label(row.status),
            ASSIGNEE: lambda: self._staff.get(row.assignee_id or "", ""),
            RECEIVED: lambda: f"{to_local(received):%m-%d %H:%M}" if received else "",
        }
        return texts[column]()

    def _tooltip(self, row: cq.QueueRow, state: str) -> str:
        target = _("response") if row.target == "response" else _("resolution")
        parts = [
            _("{number}: {grade}, {state}; {target} target").format(
                number=row.number,
                grade=grade_label(row.grade),
                state=cq.state_label(state),
                target=target,
            )
        ]
        due = cq.as_datetime(row.due_ts)
        if due is not None:
            parts.append(_("due {when}").format(when=f"{to_local(due):%Y-%m-%d %H:%M}"))
        if row.response_breached:
            parts.append(_("response target missed"))
        if row.resolution_breached:
            parts.append(_("resolution target missed"))
        if row.escalation_level:
            parts.append(
                _("escalated to {level}").format(level=escalation_label(row.escalation_level))
            )
        return " · ".join(parts)
