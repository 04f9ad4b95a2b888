"""Table model of the complaint queue: open complaints, least time left first.

Holds every open complaint once (a snapshot from the service) and shows the rows passing the
filters. ``tick(now)`` re-evaluates states and time left as time passes without a query and
keeps the selection when the order changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt

from branch_crm.i18n import N_, _
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints.labels import escalation_label, grade_label, status_label
from branch_crm.timeutil import to_local
from branch_crm.ui.complaints import visuals
from branch_crm.ui.widgets.table_model import RIGHT, Column, RowTableModel

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


HEADERS = (
    N_("State"),
    N_("Time left"),
    N_("Number"),
    N_("Customer"),
    N_("Category"),
    N_("Grade"),
    N_("Status"),
    N_("Assignee"),
    N_("Received"),
)


def state_text(row: cq.QueueRow, state: str, now_ts: float) -> str:
    """The state in words; a breach on record with the current clock on time says which."""
    if state == cq.BREACHED and not row.resolution_breached:
        left = cq.seconds_left(row, now_ts)
        if row.response_breached and (left is None or left > 0 or row.paused):
            return _("Response missed")
    return cq.state_label(state)


class ComplaintQueueModel(RowTableModel[cq.QueueRow]):
    """Open complaints passing the filters, sorted by time left (paused ones last)."""

    def __init__(self, parent: QObject | None = None) -> None:
        texts = enumerate(zip(HEADERS, self._texts(), strict=True))
        super().__init__([self._column(i, h, t) for i, (h, t) in texts], parent)
        self._all: list[cq.QueueRow] = []
        self._states: list[str] = []
        self._state_of: dict[str, str] = {}
        self._now = 0.0
        self._filter = cq.QueueFilter()
        self._staff_id: str | None = None
        self._categories: dict[str, str] = {}
        self._staff: dict[str, str] = {}
        self._extra_roles: dict[int, Callable[[cq.QueueRow, str], object]] = {
            int(ID_ROLE): lambda r, _s: r.id,
            int(STATE_ROLE): lambda _r, s: s,
        }

    def _column(
        self, index: int, header: str, text: Callable[[cq.QueueRow], str]
    ) -> Column[cq.QueueRow]:
        return Column(
            header,
            text,
            align=RIGHT if index in (LEFT, GRADE) else None,
            tooltip=lambda r: self._tooltip(r, self._state_of[r.id]),
            background=lambda r: visuals.state_background(self._state_of[r.id]),
        )

    def _texts(self) -> tuple[Callable[[cq.QueueRow], str], ...]:
        return (
            lambda r: state_text(r, self._state_of[r.id], self._now),
            lambda r: visuals.time_left_text(cq.seconds_left(r, self._now), r.paused),
            lambda r: r.number,
            lambda r: r.customer_name,
            lambda r: self._categories.get(r.category, r.category),
            lambda r: str(r.grade),
            lambda r: status_label(r.status),
            lambda r: self._staff.get(r.assignee_id or "", ""),
            _received_text,
        )

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
        old_ids = [r.id for r in self.rows]
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        anchors = [(p, old_ids[p.row()] if p.row() < len(old_ids) else None) for p in persistent]
        self._now = now_ts
        self._arrange()
        positions = {r.id: i for i, r in enumerate(self.rows)}
        for index, row_id in anchors:
            new_row = positions.get(row_id) if row_id is not None else None
            target = QModelIndex() if new_row is None else self.index(new_row, index.column())
            self.changePersistentIndex(index, target)
        self.layoutChanged.emit()

    def _arrange(self) -> None:
        now = self._now
        rows = [r for r in self._all if self._filter.accepts(r, now, self._staff_id)]
        rows.sort(key=lambda r: cq.sort_key(r, now))
        self.rows = rows
        self._states = [cq.row_state(r, now) for r in rows]
        self._state_of = {r.id: s for r, s in zip(rows, self._states, strict=True)}

    # -- reading -------------------------------------------------------------------
    def row_of(self, complaint_id: str) -> int:
        """Where a complaint is shown (-1 when filtered out or gone)."""
        return next((i for i, r in enumerate(self.rows) if r.id == complaint_id), -1)

    def state_at(self, row: int) -> str:
        """ok / warned / breached / paused of the row at ``row``."""
        return self._states[row]

    def total(self) -> int:
        """Open complaints loaded, before filtering."""
        return len(self._all)

    def extra_data(self, row: cq.QueueRow, column: int, role: int) -> Any:
        """Accessible text, the state icon (state column), the id and the state."""
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.columns[column].text(row)
        state = self._state_of[row.id]
        if role == Qt.ItemDataRole.DecorationRole:
            return visuals.state_icon(state) if column == STATE else None
        getter = self._extra_roles.get(role)
        return getter(row, state) if getter else None

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


def _received_text(row: cq.QueueRow) -> str:
    received = cq.as_datetime(row.received_ts)
    return f"{to_local(received):%m-%d %H:%M}" if received else ""
