"""Supervisors' conflicts page: every open sync conflict, the two sides next to each other,
and the ways out that fit it (``services.syncing.conflicts.choices_for``): keep mine, keep theirs,
merge the two customers (phones), give mine a new number (complaint numbers, survey serials).
A button that makes no sense for the selected conflict is hidden.

A resolution is written by ``services.syncing.conflicts.resolve_conflict`` and then synced at once
(a round is started), so head office and the other branch learn it without waiting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.errors import NotFound
from branch_crm.i18n import N_, _
from branch_crm.services.complaints.labels import status_label
from branch_crm.services.customers.profile import CustomerView, get_customer
from branch_crm.services.syncing.conflicts import (
    RENUMBERED,
    ConflictView,
    RecordView,
    choices_for,
    list_conflicts,
    record_of,
    resolve_conflict,
)
from branch_crm.timeutil import to_local
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.sync.controller import controller_for
from branch_crm.ui.sync.texts import elide, when_text
from branch_crm.ui.widgets.screen_fit import remember_splitter
from branch_crm.ui.widgets.table_model import Column, RowTableModel
from branch_crm.ui.widgets.tables import Resize, setup_table

log = logging.getLogger(__name__)

WATCH = frozenset({"conflict", "sync", "customer", "complaint", "survey"})
FORM_STATUS = {"printed": N_("printed"), "returned": N_("returned"), "void": N_("voided")}


@dataclass(frozen=True)
class ConflictRow:
    """A conflict with both customers (and, for a number, both records) as far as this PC
    knows them."""

    conflict: ConflictView
    mine: CustomerView | None
    theirs: CustomerView | None
    mine_record: RecordView | None = None
    theirs_record: RecordView | None = None


def _customer(session: Session, customer_id: str | None) -> CustomerView | None:
    if not customer_id:
        return None
    try:
        return get_customer(session=session, customer_id=customer_id)
    except NotFound:
        return None


def _row(session: Session, c: ConflictView) -> ConflictRow:
    mine, theirs = _customer(session, c.customer_id), _customer(session, c.other_customer_id)
    if c.table not in RENUMBERED:
        return ConflictRow(c, mine, theirs)
    return ConflictRow(
        c,
        mine,
        theirs,
        record_of(session=session, table=c.table, pk=c.row_id),
        record_of(session=session, table=c.table, pk=c.other_row_id),
    )


def load_rows(*, session: Session) -> list[ConflictRow]:
    """Open conflicts with the customers (and records) on both sides (None where not on
    this PC)."""
    return [_row(session, c) for c in list_conflicts(session=session)]


def kind_text(kind: str, table: str | None = None) -> str:
    """A conflict kind in words."""
    if table == "complaint":
        return _("Same complaint number")
    if table == "survey_form":
        return _("Same survey form serial")
    return _("Same phone on two customers") if kind == "unique_phone" else _("Same unique value")


def record_lines(record: RecordView) -> list[str]:
    """A complaint or survey form in a few lines."""
    when = to_local(record.dated).strftime("%Y-%m-%d %H:%M") if record.dated else "-"
    name = record.customer_name or _("(unknown)")
    if record.table == "complaint":
        lines = [
            _("Complaint {number}").format(number=record.number),
            _("Customer: {name}").format(name=name),
            _("Received: {when}").format(when=when),
            _("Status: {status}").format(status=status_label(record.status)),
        ]
        if record.description:
            lines.append(elide(record.description, 120))
    else:
        status = FORM_STATUS.get(record.status)
        lines = [
            _("Survey form {serial}").format(serial=record.number),
            _("Customer: {name}").format(name=name),
            _("Printed: {when}").format(when=when),
            _("Status: {status}").format(status=_(status) if status else record.status),
        ]
    if record.deleted:
        lines.append(_("(deleted)"))
    if record.set_aside:
        lines.append(_("(set aside on this PC until the clash is resolved)"))
    return lines


def _other_customer(row: ConflictRow) -> str:
    return row.theirs.name if row.theirs else (row.conflict.other_customer_name or "-")


CONFLICT_COLUMNS: tuple[Column[ConflictRow], ...] = (
    Column(N_("Raised"), lambda r: when_text(r.conflict.created_at)),
    Column(N_("Kind"), lambda r: kind_text(r.conflict.kind, r.conflict.table)),
    Column(N_("Value"), lambda r: r.conflict.value),
    Column(N_("Other branch"), lambda r: r.conflict.other_branch),
    Column(N_("Other customer"), _other_customer),
)


class ConflictsModel(RowTableModel[ConflictRow]):
    """The conflict list: raised, kind, value, other branch, other customer."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(CONFLICT_COLUMNS, parent)


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

    def show_record(self, record: RecordView | None) -> None:
        """A complaint or survey form, or that it is not on this PC."""
        if record is None:
            self.body.setText(_("(not on this PC)"))
            return
        self.body.setText("\n".join(record_lines(record)))


class ConflictsPage(QWidget):
    """The list, the two sides, and the resolution buttons."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
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
        self.table.setModel(self.model)
        setup_table(
            self.table,
            name="sync_conflicts_table",
            read_only=False,
            resize=Resize.Stretch,
            stretch_last=None,
        )
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        sides = QWidget(splitter)
        side_layout = QHBoxLayout(sides)
        self.mine = SidePanel("sync_conflict_mine", sides)
        self.theirs = SidePanel("sync_conflict_theirs", sides)
        side_layout.addWidget(self.mine)
        side_layout.addWidget(self.theirs)
        remember_splitter(splitter, "syncConflicts")
        layout.addWidget(splitter, 1)
        buttons = QHBoxLayout()
        self.keep_mine = QPushButton(icon("conflict_keep_mine"), "", self)
        self.keep_mine.setObjectName("sync_conflict_keep_mine")
        self.keep_theirs = QPushButton(icon("conflict_keep_theirs"), "", self)
        self.keep_theirs.setObjectName("sync_conflict_keep_theirs")
        self.merge = QPushButton(icon("conflict_merge"), "", self)
        self.merge.setObjectName("sync_conflict_merge")
        self.renumber = QPushButton(icon("conflict_renumber"), "", self)
        self.renumber.setObjectName("sync_conflict_renumber")
        self.buttons = {
            "renumber": self.renumber,
            "keep_mine": self.keep_mine,
            "keep_theirs": self.keep_theirs,
            "merge": self.merge,
        }
        for choice, button in self.buttons.items():
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
        self.renumber.setText(_("Give mine a new number"))
        self.renumber.setToolTip(
            _(
                "This PC gives this branch's record a new number; the other one keeps the "
                "value. Both records are kept."
            )
        )
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

    def _on_current_changed(self, *_args: object) -> None:
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
        offered = choices_for(row.conflict) if row is not None else ()
        for choice, button in self.buttons.items():
            button.setEnabled(row is not None)
            button.setHidden(row is not None and choice not in offered)
        self.renumber.setHidden(row is None or "renumber" not in offered)
        if row is None:
            self.mine.setTitle(_("This branch"))
            self.theirs.setTitle(_("Other side"))
            self.mine.body.clear()
            self.theirs.body.clear()
            return
        c = row.conflict
        if c.table in RENUMBERED:
            self.mine.setTitle(_("Set aside: {value}").format(value=c.value))
            self.theirs.setTitle(_("Holds {value}").format(value=c.value))
            self.mine.show_record(row.mine_record)
            self.theirs.show_record(row.theirs_record)
            return
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
        if not messages.confirm(self, self.question(row, choice)):
            return
        self.ctx.submit(
            resolve_conflict,
            kwargs={"conflict_id": row.conflict.id, "choice": choice},
            on_result=self._on_resolved,
            on_error=lambda exc: messages.show_error(self, exc),
        )

    def question(self, row: ConflictRow, choice: str) -> str:
        """What the supervisor confirms before ``choice`` is carried out."""
        if row.conflict.table in RENUMBERED:
            return number_question(row, choice)
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
        return questions[choice].format(
            value=row.conflict.value, mine=mine, theirs=theirs, branch=row.conflict.other_branch
        )

    def _on_resolved(self, view: ConflictView) -> None:
        log.info("conflict %s resolved: %s", view.id, view.resolution)
        self.ctx.bus.changed("conflict", "customer", "complaint", "survey", "sync")
        self.controller.sync_now()
        if view.new_value and view.resolution == "renumber":
            messages.info(self, renumbered_text(view.table, view.new_value))


def number_question(row: ConflictRow, choice: str) -> str:
    """The question before a complaint or survey form gets a new number (or a form is
    given up)."""
    value = row.conflict.value
    mine = row.mine_record.customer_name if row.mine_record else None
    theirs = row.theirs_record.customer_name if row.theirs_record else None
    mine, theirs = mine or _("(unknown)"), theirs or row.conflict.other_customer_name or "?"
    if row.conflict.table == "complaint":
        text = _(
            "Give the complaint of {mine} a new number? The complaint of {theirs} keeps "
            "{value}. If {mine} was told {value}, tell them the new number."
        )
    elif choice == "keep_theirs":
        text = _(
            "Was form {value} of {mine} never handed out? It is removed, and {value} stays "
            "with the form of {theirs}."
        )
    else:
        text = _(
            "Give form {value} of {mine} a new serial? The form of {theirs} keeps {value}. "
            "The paper form still shows {value}: write the new serial on it before it is "
            "handed out or keyed in."
        )
    return text.format(value=value, mine=mine, theirs=theirs)


def renumbered_text(table: str, number: str) -> str:
    """What the supervisor is told once a record got its new number."""
    if table == "complaint":
        return _("The complaint's number is now {number}.").format(number=number)
    return _("The form's serial is now {serial}. Write it on the paper form.").format(serial=number)
