"""Supervisors' conflicts page: every open sync conflict, the two sides next to each other,
and the three ways out (keep mine, keep theirs, merge the two customers).

A resolution is written by ``services.conflicts.resolve_conflict`` and then synced at once
(a round is started), so head office and the other branch learn it without waiting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import NotFound
from branch_crm.i18n import _
from branch_crm.services.conflicts import ConflictView, list_conflicts, resolve_conflict
from branch_crm.services.customers import CustomerView, get_customer
from branch_crm.ui import messages
from branch_crm.ui.icons import icon
from branch_crm.ui.sync.controller import controller_for
from branch_crm.ui.sync.texts import when_text

log = logging.getLogger(__name__)

WATCH = frozenset({"conflict", "sync", "customer"})
ModelIndex = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ConflictRow:
    """A conflict with both customers as far as this PC knows them."""

    conflict: ConflictView
    mine: CustomerView | None
    theirs: CustomerView | None


def _customer(session: Any, customer_id: str | None) -> CustomerView | None:
    if not customer_id:
        return None
    try:
        return get_customer(session=session, customer_id=customer_id)
    except NotFound:
        return None


def load_rows(*, session: Any) -> list[ConflictRow]:
    """Open conflicts with the customers on both sides (None where not on this PC)."""
    return [
        ConflictRow(c, _customer(session, c.customer_id), _customer(session, c.other_customer_id))
        for c in list_conflicts(session=session)
    ]


def kind_text(kind: str) -> str:
    """A conflict kind in words."""
    return _("Same phone on two customers") if kind == "unique_phone" else _("Same unique value")


class ConflictsModel(QAbstractTableModel):
    """The conflict list: raised, kind, value, other branch, other customer."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[ConflictRow] = []

    def set_rows(self, rows: list[ConflictRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = (_("Raised"), _("Kind"), _("Value"), _("Other branch"), _("Other customer"))
        return titles[section] if 0 <= section < len(titles) else None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        c = row.conflict
        other = row.theirs.name if row.theirs else (c.other_customer_name or "-")
        values = (when_text(c.created_at), kind_text(c.kind), c.value, c.other_branch, other)
        return values[index.column()]


class SidePanel(QGroupBox):
    """One side of a conflict: the customer's name, phones and notes."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        layout = QVBoxLayout(self)
        self.body = QLabel(self)
        self.body.setObjectName(f"{object_name}_body")
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.body, 1)

    def show_customer(self, customer: CustomerView | None, fallback_name: str | None) -> None:
        """The customer's details, or what the conflict record says when not on this PC."""
        if customer is None:
            name = fallback_name or _("(unknown)")
            self.body.setText(_("{name}\n(not on this PC)").format(name=name))
            return
        lines = [customer.name]
        lines += [_("Phone: {phone}").format(phone=p.display) for p in customer.phones]
        if customer.company:
            lines.append(_("Company: {company}").format(company=customer.company))
        if customer.address:
            lines.append(_("Address: {address}").format(address=customer.address))
        if customer.notes:
            lines.append(_("Notes: {notes}").format(notes=customer.notes))
        lines.append(_("Since: {date}").format(date=customer.created_at.date().isoformat()))
        self.body.setText("\n".join(lines))


class ConflictsPage(QWidget):
    """The list, the two sides, and the resolution buttons."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller_for(ctx)
        self.setObjectName("sync_conflicts_page")
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("sync_conflicts_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.model = ConflictsModel(self)
        self.table = QTableView(splitter)
        self.table.setObjectName("sync_conflicts_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        sides = QWidget(splitter)
        side_layout = QHBoxLayout(sides)
        self.mine = SidePanel("sync_conflict_mine", sides)
        self.theirs = SidePanel("sync_conflict_theirs", sides)
        side_layout.addWidget(self.mine)
        side_layout.addWidget(self.theirs)
        layout.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        self.keep_mine = QPushButton(icon("conflict_keep_mine"), "", self)
        self.keep_mine.setObjectName("sync_conflict_keep_mine")
        self.keep_theirs = QPushButton(icon("conflict_keep_theirs"), "", self)
        self.keep_theirs.setObjectName("sync_conflict_keep_theirs")
        self.merge = QPushButton(icon("conflict_merge"), "", self)
        self.merge.setObjectName("sync_conflict_merge")
        for button, choice in (
            (self.keep_mine, "keep_mine"),
            (self.keep_theirs, "keep_theirs"),
            (self.merge, "merge"),
        ):
            button.clicked.connect(lambda _checked=False, c=choice: self.resolve(c))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.keep_mine.setText(_("Keep mine"))
        self.keep_mine.setToolTip(
            _("This branch's record keeps the value; the other one gives it up.")
        )
        self.keep_theirs.setText(_("Keep theirs"))
        self.keep_theirs.setToolTip(
            _("The other record keeps the value; this branch's is removed.")
        )
        self.merge.setText(_("Merge the two customers"))
        self.merge.setToolTip(_("They are one person: everything moves to one customer record."))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 4)
        self._render_summary()
        self._render_current()

    def on_shown(self) -> None:
        """Load again whenever the page is shown."""
        self.reload()

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & WATCH:
            self.reload()

    def reload(self) -> None:
        """Load the open conflicts on the database worker."""
        self.ctx.submit(load_rows, on_result=self._on_loaded)

    def _on_loaded(self, rows: list[ConflictRow]) -> None:
        current = self.current()
        self.model.set_rows(rows)
        keep = next(
            (i for i, r in enumerate(rows) if current and r.conflict.id == current.conflict.id), 0
        )
        if rows:
            self.table.selectRow(keep)
        self._render_summary()
        self._render_current()

    def current(self) -> ConflictRow | None:
        """The selected conflict."""
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= len(self.model.rows):
            return None
        return self.model.rows[index.row()]

    def _on_current_changed(self, *_args: Any) -> None:
        self._render_current()

    def _render_summary(self) -> None:
        count = len(self.model.rows)
        self.summary.setText(
            _("No open conflicts.")
            if count == 0
            else _("{n} open. Pick one, compare both sides, then choose.").format(n=count)
        )

    def _render_current(self) -> None:
        row = self.current()
        for button in (self.keep_mine, self.keep_theirs, self.merge):
            button.setEnabled(row is not None)
        if row is None:
            self.mine.setTitle(_("This branch"))
            self.theirs.setTitle(_("Other side"))
            self.mine.body.clear()
            self.theirs.body.clear()
            return
        c = row.conflict
        self.merge.setEnabled(c.table == "customer_phone")
        self.mine.setTitle(_("This branch: {value}").format(value=c.value))
        self.theirs.setTitle(
            _("Branch {branch}: {value}").format(branch=c.other_branch or "?", value=c.value)
        )
        self.mine.show_customer(row.mine, None)
        self.theirs.show_customer(row.theirs, c.other_customer_name)

    def resolve(self, choice: str) -> None:
        """Confirm, record the choice, then sync so the resolution reaches head office."""
        row = self.current()
        if row is None:
            return
        mine = row.mine.name if row.mine else _("this branch's record")
        theirs = row.theirs.name if row.theirs else (row.conflict.other_customer_name or "?")
        same_branch = row.conflict.other_branch == self.ctx.actor.branch_id
        questions = {
            "keep_mine": _("Keep {value} on {mine}? {theirs} at branch {branch} gives it up."),
            "keep_theirs": _("Give {value} up here? {mine}'s record of it is removed."),
            # the other customer is folded into this one (sync.customer_merge): by this PC
            # within a branch, by head office across branches (history stays there)
            "merge": _(
                "{mine} and {theirs} are one person ({value})? {theirs} is merged into {mine}: "
                "its phones, preferences, volumes, complaints and the rest move here."
            )
            if same_branch
            else _(
                "{mine} and {theirs} (branch {branch}) are one person ({value})? {theirs} is "
                "merged into {mine}: its phones, preferences, volumes and missing details come "
                "here; its history stays at branch {branch}."
            ),
        }
        question = questions[choice].format(
            value=row.conflict.value, mine=mine, theirs=theirs, branch=row.conflict.other_branch
        )
        if not messages.confirm(self, question):
            return
        self.ctx.submit(
            resolve_conflict,
            kwargs={"conflict_id": row.conflict.id, "choice": choice},
            on_result=self._on_resolved,
            on_error=lambda exc: messages.show_error(self, exc),
        )

    def _on_resolved(self, view: ConflictView) -> None:
        log.info("conflict %s resolved: %s", view.id, view.resolution)
        self.ctx.bus.changed("conflict", "customer", "sync")
        self.controller.sync_now()
