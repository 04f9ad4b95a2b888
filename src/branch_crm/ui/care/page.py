"""The follow-ups page: open care tasks (mine / all, overdue only), Done…, Cancel…,
Postpone…, Reassign… (supervisors), Record visit… and the customer's profile.

Keys: Ctrl+D done, Delete cancel, Ctrl+T postpone, Ctrl+R reassign, Ctrl+Shift+V records the
visit or call made for the task, Enter (or double-click) opens the customer, F5 reloads,
Alt+L / Alt+O pick the list and the overdue filter. A courier sees the tasks assigned to
them and may mark them done or postpone them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _
from branch_crm.services.care import follow_ups
from branch_crm.services.exports.common import ExportFilters
from branch_crm.timeutil import local_today
from branch_crm.ui import messages
from branch_crm.ui.care import actions
from branch_crm.ui.care.actions import TaskTable
from branch_crm.ui.care.model import NOTES, FollowUpModel
from branch_crm.ui.context import AppContext
from branch_crm.ui.export import export_button, export_page, retranslate_button
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.labels import page_title
from branch_crm.ui.widgets.screen_fit import fit_columns
from branch_crm.ui.widgets.search_box import placeholder, search_box
from branch_crm.ui.widgets.tables import setup_table

log = logging.getLogger(__name__)

RELOAD_ON = frozenset({"care", "survey", "sync", "staff", "customer"})
SCOPE_LABELS = (("mine", N_("Assigned to me")), ("all", N_("Everyone's")))


class FollowUpsPage(QWidget):
    """Open follow-ups in due order; reloads when care data changes."""

    sig_loaded = Signal(int)
    """Emitted after a reload with the number of rows shown."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("carePage")
        self.ctx = ctx
        self._select_after_load: str | None = None
        self._build()
        ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.reload()

    # --- construction --------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = page_title(self)
        self.scope_label = QLabel(self)
        self.scope = QComboBox(self)
        self.scope.setObjectName("careScope")
        for key, _label in SCOPE_LABELS:
            self.scope.addItem("", key)
        self.scope_label.setBuddy(self.scope)
        may_all = follow_ups.may_see_all(self.ctx.actor)
        self.scope.setCurrentIndex(1 if may_all else 0)
        self.scope.setEnabled(may_all)
        self.overdue = QCheckBox(self)
        self.overdue.setObjectName("careOverdueOnly")
        self.summary = QLabel(self)
        self.summary.setObjectName("careSummary")
        self.model = FollowUpModel(self)
        self.table = TaskTable(self)
        self.table.setModel(self.model)
        self.search = search_box(self, "careSearch")  # Find anything (issue 19)
        self.empty_state = empty_state(self.table, self._empty_text)
        setup_table(
            self.table, name="careTable", stretch_last=None, stretch_column=NOTES, word_wrap=False
        )
        # the reason may be long: elided at a width that leaves the customer's words room
        self.columns = fit_columns(self.table, NOTES, "careTable", widest=420)
        self._build_buttons()
        self._lay_out()
        self._connect()

    def _build_buttons(self) -> None:
        self.done_button = self._button("careDone", "care_done", self.mark_done)
        self.cancel_button = self._button("careCancel", "care_cancel", self.cancel_task)
        self.postpone_button = self._button("carePostpone", "care_postpone", self.postpone)
        self.reassign_button = self._button("careReassign", "care_assign", self.reassign)
        self.visit_button = self._button("careRecordVisit", "care_visit", self.record_visit)
        self.reassign_button.setVisible(follow_ups.may_reassign(self.ctx.actor))
        self.customer_button = self._button("careOpenCustomer", "customers", self.open_customer)
        self.refresh_button = self._button("careRefresh", "refresh", self.reload)
        self.export_button = export_button(self, "careExport")
        self.export_button.clicked.connect(self.export)

    def _lay_out(self) -> None:
        filters = QHBoxLayout()
        filters.addWidget(self.title)
        filters.addStretch(1)
        filters.addWidget(self.search)
        filters.addWidget(self.scope_label)
        filters.addWidget(self.scope)
        filters.addWidget(self.overdue)
        filters.addWidget(self.refresh_button)
        buttons = QHBoxLayout()
        for button in (
            self.done_button,
            self.cancel_button,
            self.postpone_button,
            self.reassign_button,
            self.visit_button,
            self.customer_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)

    def _connect(self) -> None:
        self.scope.currentIndexChanged.connect(lambda _i: self.reload())
        self.overdue.toggled.connect(lambda _on: self.reload())
        self.search.sig_search.connect(lambda _text: self.reload())
        self.table.doubleClicked.connect(lambda _i: self.open_customer())
        self.table.sig_enter.connect(self.open_customer)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        for keys, slot in (
            ("Ctrl+D", self.mark_done),
            ("Ctrl+T", self.postpone),
            ("Ctrl+R", self.reassign),
            ("Ctrl+Shift+V", self.record_visit),
            ("F5", self.reload),
        ):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)  # while the page is shown
        delete = QShortcut(QKeySequence("Del"), self.table)
        delete.activated.connect(self.cancel_task)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)

    def _button(self, name: str, icon_name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(icon(icon_name), "", self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Follow-ups"))
        self.scope_label.setText(_("&List:"))
        for index, (_key, label) in enumerate(SCOPE_LABELS):
            self.scope.setItemText(index, _(label))
        self.scope.setAccessibleName(_("Whose follow-ups"))
        self.overdue.setText(_("&Overdue only"))
        texts = (
            (
                self.done_button,
                _("&Done…"),
                _("Mark done with what the customer was told"),
            ),
            (self.cancel_button, _("&Cancel…"), _("Cancel the follow-up with a reason")),
            (self.postpone_button, _("&Postpone…"), _("Move it to a later day")),
            (self.reassign_button, _("Re&assign…"), _("Hand it to someone else")),
            (
                self.visit_button,
                _("Record &visit…"),
                _("Record the visit or call made for it (closes it)"),
            ),
            (self.customer_button, _("Open c&ustomer"), _("Open the customer's profile")),
            (self.refresh_button, _("Refresh"), _("Load the list again")),
        )
        keys = ("Ctrl+D", "Del", "Ctrl+T", "Ctrl+R", "Ctrl+Shift+V", "Enter", "F5")
        for (button, text, tip), key in zip(texts, keys, strict=True):
            button.setText(text)
            button.setToolTip(f"{tip} ({key})")
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
        self.table.setAccessibleName(_("Open follow-ups"))
        self.search.setPlaceholderText(placeholder(_("Phone, last 4, name, initials or serial")))
        self.search.setAccessibleName(_("Search follow-ups"))
        retranslate_button(self.export_button)
        self.model.retranslate()
        self._update_summary()

    # --- loading -------------------------------------------------------------------------------

    def current_scope(self) -> follow_ups.Scope:
        """The list chosen: "mine" or "all"."""
        value = self.scope.currentData()
        return "mine" if value == "mine" else "all"

    def export_request(self) -> tuple[str, ExportFilters]:
        """The follow-ups of the list chosen (open ones; overdue only when ticked)."""
        return "followups", ExportFilters(
            scope=self.current_scope(), overdue_only=self.overdue.isChecked()
        )

    def export(self) -> None:
        """Export the list shown to an Excel file."""
        export_page(self.ctx, self)

    def reload(self) -> None:
        """Load the open follow-ups again (off the GUI thread)."""
        self.ctx.submit(
            follow_ups.list_follow_ups,
            kwargs={
                "scope": self.current_scope(),
                "overdue_only": self.overdue.isChecked(),
                "search": self.search.query(),
            },
            on_result=self._on_loaded,
            on_error=self._on_load_failed,
        )

    def _on_loaded(self, rows: list[follow_ups.FollowUp]) -> None:
        keep = self._select_after_load or self.current_task_id()
        was_at = max(0, self.table.currentIndex().row())
        self._select_after_load = None
        self.model.set_rows(rows, local_today())
        row = self.model.row_of(keep) if keep else -1
        if row < 0 and rows:  # the task was closed: the next one takes its place
            row = min(was_at, len(rows) - 1)
        if row >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._update_buttons()
        self._update_summary()
        self.sig_loaded.emit(len(rows))

    def _empty_text(self) -> str:
        if self.search.query():
            return _("No open follow-up matches “{text}”. Esc in the search box clears it.").format(
                text=self.search.query()
            )
        return _(
            "No follow-ups in this list. A follow-up is created when a returned survey "
            "shows an unhappy customer: key returned surveys in under Surveys, or pick "
            "another list above."
        )

    def _on_load_failed(self, exc: BaseException) -> None:
        log.warning("follow-ups failed to load: %s", exc)
        messages.show_error(self, exc)

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & RELOAD_ON:
            self.reload()

    def on_shown(self) -> None:
        """Reload whenever the page is shown (the date may have moved on); focus the list."""
        self.reload()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_task(self, task_id: str) -> None:
        """Select ``task_id`` (from the home card); switches to "all" if it is not listed."""
        if self.model.row_of(task_id) < 0 and self.overdue.isChecked():
            self.overdue.setChecked(False)
        if self.model.row_of(task_id) < 0 and self.scope.isEnabled():
            self.scope.setCurrentIndex(self.scope.findData("all"))
        self._select_after_load = task_id
        self.reload()
        self.table.setFocus()

    def _update_summary(self) -> None:
        rows = list(self.model.rows)
        today = local_today()
        overdue = sum(r.is_overdue(today) for r in rows)
        self.summary.setText(
            _("{count} open · {overdue} overdue").format(count=len(rows), overdue=overdue)
        )

    def _update_buttons(self) -> None:
        row = self.current_row()
        self.done_button.setEnabled(actions.may_close(self.ctx, row))
        self.cancel_button.setEnabled(actions.may_cancel(self.ctx, row))
        self.postpone_button.setEnabled(actions.may_postpone(self.ctx, row))
        self.reassign_button.setEnabled(actions.may_reassign(self.ctx, row))
        self.visit_button.setEnabled(row is not None)
        self.customer_button.setEnabled(row is not None)

    # --- actions -------------------------------------------------------------------------------

    def current_row(self) -> follow_ups.FollowUp | None:
        """The selected follow-up."""
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def current_task_id(self) -> str | None:
        """Id of the selected follow-up."""
        row = self.current_row()
        return row.id if row else None

    def mark_done(self) -> None:
        """Done… with what the customer was told (a courier: on their own tasks)."""
        actions.mark_done(self.ctx, self.current_row(), self)

    def cancel_task(self) -> None:
        """Cancel… with a reason."""
        actions.cancel_task(self.ctx, self.current_row(), self)

    def postpone(self) -> None:
        """Postpone… to a later day."""
        row = self.current_row()
        if row is not None:
            self._select_after_load = row.id
        actions.postpone_task(self.ctx, row, self)

    def reassign(self) -> None:
        """Reassign… (supervisors)."""
        row = self.current_row()
        if row is not None:
            self._select_after_load = row.id
        actions.reassign_task(self.ctx, row, self)

    def record_visit(self) -> None:
        """Record visit… made for the selected task (closes it)."""
        actions.record_visit_for_task(self.ctx, self.current_row(), self)

    def open_customer(self) -> None:
        """The selected follow-up's customer profile."""
        actions.open_task_customer(self.ctx, self.current_row())
