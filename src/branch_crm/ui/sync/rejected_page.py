"""Supervisors' page of the changes head office did not apply: when, which record, why.

An edit that lost to a delete or to a newer edit, or a change head office quarantined (a
value it cannot store, a record this branch may not change); head office's words say what
was wrong. Read-only: the list comes from ``services.syncing.rejected_changes``. Showing the page
marks what it lists as seen on this PC, so the status bar and the home card stop counting it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _
from branch_crm.services.syncing.rejected_changes import (
    RejectedView,
    list_rejected,
    mark_rejected_seen,
    reason_text,
)
from branch_crm.ui.context import AppContext
from branch_crm.ui.sync.controller import controller_for
from branch_crm.ui.sync.texts import when_text
from branch_crm.ui.widgets.table_model import Column, RowTableModel
from branch_crm.ui.widgets.tables import setup_table

WATCH = frozenset({"sync"})


def load_rejected(*, session: Session, seen: bool) -> tuple[list[RejectedView], bool]:
    """The list, and (``seen``) mark it seen on this PC; True when it was marked."""
    rows = list_rejected(session=session)
    if seen:
        mark_rejected_seen(session=session)
    return rows, seen


def record_text(row: RejectedView) -> str:
    """Which record: its table and the start of its id (enough to tell two apart)."""
    return f"{row.table} {row.row_id[:13]}"


def _details(row: RejectedView) -> str:
    return row.detail or ", ".join(row.columns)


REJECTED_COLUMNS: tuple[Column[RejectedView], ...] = (
    Column(N_("When"), lambda r: when_text(r.at)),
    Column(N_("Record"), record_text, tooltip=lambda r: f"{r.table} {r.row_id}"),
    Column(N_("Reason"), lambda r: reason_text(r.reason)),
    Column(N_("Details"), _details),
)


class RejectedModel(RowTableModel[RejectedView]):
    """The list: when, record, reason, head office's words."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(REJECTED_COLUMNS, parent)


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
        self.table.setModel(self.model)
        setup_table(self.table, name="sync_rejected_table", selection=None, read_only=False)
        layout.addWidget(self.table, 1)
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.model.retranslate()
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
