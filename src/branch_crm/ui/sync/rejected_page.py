"""Supervisors' page of the changes head office did not apply: when, which record, why.

An edit that lost to a delete or to a newer edit, or a change head office quarantined (a
value it cannot store, a record this branch may not change); head office's words say what
was wrong. Read-only: the list comes from ``services.syncing.rejected_changes``. Showing the page
marks what it lists as seen on this PC, so the status bar and the home card stop counting it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.i18n import _
from branch_crm.services.syncing.rejected_changes import (
    RejectedView,
    list_rejected,
    mark_rejected_seen,
    reason_text,
)
from branch_crm.ui.context import AppContext
from branch_crm.ui.sync.controller import controller_for
from branch_crm.ui.sync.texts import when_text

WATCH = frozenset({"sync"})
ModelIndex = QModelIndex | QPersistentModelIndex
COLUMNS = 4


def load_rejected(*, session: Session, seen: bool) -> tuple[list[RejectedView], bool]:
    """The list, and (``seen``) mark it seen on this PC; True when it was marked."""
    rows = list_rejected(session=session)
    if seen:
        mark_rejected_seen(session=session)
    return rows, seen


def record_text(row: RejectedView) -> str:
    """Which record: its table and the start of its id (enough to tell two apart)."""
    return f"{row.table} {row.row_id[:13]}"


class RejectedModel(QAbstractTableModel):
    """The list: when, record, reason, head office's words."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[RejectedView] = []

    def set_rows(self, rows: list[RejectedView]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else COLUMNS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (_("When"), _("Record"), _("Reason"), _("Details"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            return f"{row.table} {row.row_id}"
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        details = row.detail or ", ".join(row.columns)
        values = (when_text(row.at), record_text(row), reason_text(row.reason), details)
        return values[index.column()]


class RejectedPage(QWidget):
    """A summary line and the list, reloaded after every sync round."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("sync_rejected_page")
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("sync_rejected_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = RejectedModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("sync_rejected_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, COLUMNS - 1)
        self.model.dataChanged.emit(
            self.model.index(0, 0), self.model.index(len(self.model.rows) - 1, COLUMNS - 1)
        )
        self._render_summary()

    def on_shown(self) -> None:
        """Load again whenever the page is shown; what it lists is then seen."""
        self.reload(seen=True)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & WATCH:
            self.reload(seen=self.isVisible())

    def reload(self, *, seen: bool = False) -> None:
        """Load the list on the database worker (``seen``: and mark it seen on this PC)."""
        self.ctx.submit(load_rejected, kwargs={"seen": seen}, on_result=self._on_loaded)

    def _on_loaded(self, loaded: tuple[list[RejectedView], bool]) -> None:
        rows, marked = loaded
        self.model.set_rows(rows)
        self._render_summary()
        if marked:
            controller_for(self.ctx).refresh_status()  # the status bar stops counting them

    def _render_summary(self) -> None:
        count = len(self.model.rows)
        self.summary.setText(
            _("Head office applied every change of this branch.")
            if count == 0
            else _(
                "Head office did not apply these changes (newest first). A quarantined change "
                "is kept aside at head office; other PCs do not get it."
            )
        )
