"""Home screen card "Today": the calls, visits and greetings due today and overdue, for me or
for everyone, each with its reason, and one key for what to do with the selected one.

Keys while the home page is shown: Ctrl+D done (with a note), Ctrl+T postpone, Ctrl+R
reassign (supervisors), Ctrl+Shift+V record the visit or call made for it (closes it), Enter
(or double-click) opens the customer, Alt+L picks mine / everyone's, Alt+O goes to all the
follow-ups, Alt+I prints this month's visit list (the signed-in account manager's customers;
a supervisor looking at everyone's: everyone's). A courier sees the tasks assigned to them and
may close or postpone them. The summary counts the tasks by kind and gives this month's
feedback forms done / due of the list's customers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _, ngettext
from branch_crm.services.care import follow_ups
from branch_crm.services.care.feedback import FEEDBACK, FeedbackProgress, feedback_progress
from branch_crm.services.care.visit_list import print_visit_list
from branch_crm.services.care.visits import may_see_every_plan
from branch_crm.services.context import Actor
from branch_crm.timeutil import local_today, month_key
from branch_crm.ui import keys, messages
from branch_crm.ui.care import actions
from branch_crm.ui.care.actions import TaskTable
from branch_crm.ui.care.model import CREATED, KIND, NOTES, REASON, FollowUpModel
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.widgets.empty_state import empty_state
from branch_crm.ui.widgets.tables import setup_table

__all__ = ["TODAY_LIMIT", "TodayCard", "TodayList", "load_today", "summary_text"]

log = logging.getLogger(__name__)

REFRESH_MS = 300_000
WATCH = frozenset({"care", "visit", "survey", "sync", "staff", "customer"})
PAGE_KEY = "care"
TODAY_LIMIT = 200
"""Tasks listed at most (oldest due first); the follow-ups page lists them all."""
SCOPE_LABELS = (("mine", N_("Assigned to me")), ("all", N_("Everyone's")))


@dataclass(frozen=True)
class TodayList:
    """The open tasks due by ``today`` of one list (oldest due first)."""

    today: date
    scope: follow_ups.Scope
    rows: tuple[follow_ups.FollowUp, ...]
    feedback: FeedbackProgress | None = None
    """Feedback forms this month of the list's customers (mine: my customers as account
    manager; everyone's: the branch's)."""

    @property
    def overdue(self) -> int:
        """Tasks due before today."""
        return sum(r.due_on < self.today for r in self.rows)

    @property
    def due_today(self) -> int:
        """Tasks due today."""
        return sum(r.due_on == self.today for r in self.rows)

    def count(self, kinds: Callable[[str], bool]) -> int:
        """Tasks whose kind passes ``kinds``."""
        return sum(kinds(r.kind) for r in self.rows)


def load_today(
    *, session: Session, actor: Actor, scope: follow_ups.Scope = "all", today: date | None = None
) -> TodayList:
    """Open tasks due today or before of the list ``scope`` (a courier: their own)."""
    today = today or local_today()
    rows = follow_ups.list_follow_ups(
        session=session, actor=actor, scope=scope, due_by=today, limit=TODAY_LIMIT, today=today
    )
    feedback = feedback_progress(
        session=session,
        actor=actor,
        account_manager_id=list_manager(actor, scope),
        month=month_key(today),
    )
    return TodayList(today, scope, tuple(rows), feedback)


def list_manager(actor: Actor, scope: follow_ups.Scope) -> str | None:
    """The account manager whose customers a list is about (None: everyone's): staff who do
    not see every plan, and "mine", are about the actor's own customers."""
    if scope == "all" and may_see_every_plan(actor) and follow_ups.may_see_all(actor):
        return None
    return actor.staff_id or ""


def summary_text(listed: TodayList) -> str:
    """'2 overdue · 3 due today: 2 visits, 2 calls, 1 greeting, 1 feedback form', then the
    month's feedback forms done / due when the list's customers are due any."""
    text = _task_summary(listed)
    progress = listed.feedback
    if progress is not None and progress.due:
        forms = _("Feedback forms this month: {done} / {due}").format(
            done=progress.done, due=progress.due
        )
        text = _("{tasks} · {forms}").format(tasks=text, forms=forms)
    return text


def _task_summary(listed: TodayList) -> str:
    if not listed.rows:
        return _("Nothing due today.")
    head = _("{overdue} overdue · {today} due today").format(
        overdue=listed.overdue, today=listed.due_today
    )
    visits = listed.count(lambda k: k == "visit")
    greetings = listed.count(lambda k: k == "greeting")
    forms = listed.count(lambda k: k == FEEDBACK)
    calls = len(listed.rows) - visits - greetings - forms
    parts = []
    if visits:
        parts.append(ngettext("{n} visit", "{n} visits", visits).format(n=visits))
    if calls:
        parts.append(ngettext("{n} call", "{n} calls", calls).format(n=calls))
    if greetings:
        parts.append(ngettext("{n} greeting", "{n} greetings", greetings).format(n=greetings))
    if forms:
        parts.append(ngettext("{n} feedback form", "{n} feedback forms", forms).format(n=forms))
    return _("{head}: {parts}").format(head=head, parts=_(", ").join(parts))


class TodayCard(QGroupBox):
    """Today's and overdue care tasks with one-key actions; refreshes on care changes, when
    the home page is shown and every five minutes."""

    sig_loaded = Signal(object)
    """The TodayList, after each load."""

    VISIBLE_ROWS = 8

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, refresh_ms: int = REFRESH_MS
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.listed: TodayList | None = None
        self._select_after_load: str | None = None
        self.setObjectName("careTodayCard")
        self.wide = True  # the home page gives this card a row of its own
        self._build()
        self._lay_out()
        self._connect()
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.retranslate_ui()
        self.refresh()

    # --- construction --------------------------------------------------------------------

    def _build(self) -> None:
        self.summary = QLabel(self)
        self.summary.setObjectName("careTodaySummary")
        self.summary.setWordWrap(True)
        self.scope_label = QLabel(self)
        self.scope = QComboBox(self)
        self.scope.setObjectName("careTodayScope")
        for key, _label in SCOPE_LABELS:
            self.scope.addItem("", key)
        self.scope_label.setBuddy(self.scope)
        may_all = follow_ups.may_see_all(self.ctx.actor)
        self.scope.setCurrentIndex(self.scope.findData("all" if may_all else "mine"))
        self.scope.setEnabled(may_all)
        self.model = FollowUpModel(self)
        self.table = TaskTable(self)
        self.table.setModel(self.model)
        setup_table(
            self.table,
            name="careTodayTable",
            stretch_last=None,
            stretch_column=REASON,
            word_wrap=False,
        )
        for column in (NOTES, KIND, CREATED):
            self.table.setColumnHidden(column, True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.empty_state = empty_state(
            self.table,
            lambda: _(
                "Nothing due today or overdue in this list. New calls, visits and greetings "
                "are planned every morning."
            ),
        )
        self.done_button = self._button("careTodayDone", "care_done", self.mark_done)
        self.postpone_button = self._button("careTodayPostpone", "care_postpone", self.postpone)
        self.reassign_button = self._button("careTodayReassign", "care_assign", self.reassign)
        self.reassign_button.setVisible(follow_ups.may_reassign(self.ctx.actor))
        self.visit_button = self._button("careTodayVisit", "care_visit", self.record_visit)
        self.customer_button = self._button("careTodayCustomer", "customers", self.open_customer)
        self.open_button = self._button("careTodayAll", "care_tasks", self.open_page)
        self.print_button = self._button("careTodayPrint", "print", self.print_visit_list)
        self.last_printout: Path | None = None

    def _button(self, name: str, icon_name: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(icon(icon_name), "", self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.scope_label)
        top.addWidget(self.scope)
        buttons = QHBoxLayout()
        for button in self.action_buttons():
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._fit_height()

    def action_buttons(self) -> Sequence[QPushButton]:
        """The buttons acting on the selected task, left to right."""
        return (
            self.done_button,
            self.postpone_button,
            self.reassign_button,
            self.visit_button,
            self.customer_button,
        )

    def _connect(self) -> None:
        self.scope.currentIndexChanged.connect(lambda _i: self.refresh())
        self.scope.currentIndexChanged.connect(lambda _i: self._retranslate_print())
        self.table.doubleClicked.connect(lambda _i: self.open_customer())
        self.table.sig_enter.connect(self.open_customer)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        for sequence, slot, what in (
            ("Ctrl+D", self.mark_done, N_("Mark the selected task done")),
            ("Ctrl+T", self.postpone, N_("Postpone the selected task")),
            ("Ctrl+R", self.reassign, N_("Reassign the selected task")),
            ("Ctrl+Shift+V", self.record_visit, N_("Record the visit or call for the task")),
        ):
            keys.shortcut(self, sequence, slot, what)  # while the home page is shown
        self.ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setTitle(_("Today: calls, visits and greetings"))
        self.scope_label.setText(_("&List:"))
        for index, (_key, label) in enumerate(SCOPE_LABELS):
            self.scope.setItemText(index, _(label))
        self.scope.setAccessibleName(_("Whose tasks"))
        texts = (
            (self.done_button, _("&Done…"), _("Mark done with what the customer was told")),
            (self.postpone_button, _("&Postpone…"), _("Move it to a later day")),
            (self.reassign_button, _("Re&assign…"), _("Hand it to someone else")),
            (
                self.visit_button,
                _("Record &visit…"),
                _("Record the visit or call made for it (closes it)"),
            ),
            (self.customer_button, _("Open c&ustomer"), _("Open the customer's profile")),
            (self.open_button, _("All f&ollow-ups"), _("Every open follow-up, later ones too")),
        )
        shortcuts = ("Ctrl+D", "Ctrl+T", "Ctrl+R", "Ctrl+Shift+V", "Enter", "Ctrl+6")
        for (button, text, tip), key in zip(texts, shortcuts, strict=True):
            button.setText(text)
            button.setToolTip(f"{tip} ({key})")
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
        self._retranslate_print()
        self.table.setAccessibleName(_("Tasks due today and overdue"))
        self.model.retranslate()
        self._render_summary()

    # --- loading -------------------------------------------------------------------------

    def _retranslate_print(self) -> None:
        self.print_button.setText(_("Pr&int visit list…"))
        if list_manager(self.ctx.actor, self.current_scope()) is None:
            tip = _("This month's visit list per account manager, as a PDF")
        else:
            tip = _("This month's visit list of your customers, as a PDF")
        self.print_button.setToolTip(tip)
        self.print_button.setAccessibleName(_("Print visit list"))

    def current_scope(self) -> follow_ups.Scope:
        """The list chosen: "mine" or "all"."""
        return "mine" if self.scope.currentData() == "mine" else "all"

    def refresh(self) -> None:
        """Load the list again (off the GUI thread)."""
        self.ctx.submit(
            load_today,
            kwargs={"scope": self.current_scope()},
            on_result=self._on_loaded,
            on_error=self._on_failed,
        )

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & WATCH:
            self.refresh()

    def _on_failed(self, exc: BaseException) -> None:
        log.warning("today's tasks failed to load: %s", exc)

    def _on_loaded(self, listed: TodayList) -> None:
        keep = self._select_after_load or self.current_task_id()
        was_at = max(0, self.table.currentIndex().row())
        self._select_after_load = None
        self.listed = listed
        self.model.set_rows(listed.rows, listed.today)
        row = self.model.row_of(keep) if keep else -1
        if row < 0 and listed.rows:  # the task was closed: the next one takes its place
            row = min(was_at, len(listed.rows) - 1)
        if row >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._fit_height()
        self._update_buttons()
        self._render_summary()
        self.sig_loaded.emit(listed)

    def _fit_height(self) -> None:
        """Room for up to VISIBLE_ROWS rows (fewer when fewer are due); the rest scrolls."""
        rows = max(3, min(self.VISIBLE_ROWS, self.model.rowCount()))
        row_height = self.table.verticalHeader().defaultSectionSize()
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header + rows * row_height + 2 * self.table.frameWidth() + 2)

    def _render_summary(self) -> None:
        text = _("Loading…") if self.listed is None else summary_text(self.listed)
        self.summary.setText(text)
        self.summary.setAccessibleName(text)

    def _update_buttons(self) -> None:
        row = self.current_row()
        self.done_button.setEnabled(actions.may_close(self.ctx, row))
        self.postpone_button.setEnabled(actions.may_postpone(self.ctx, row))
        self.reassign_button.setEnabled(actions.may_reassign(self.ctx, row))
        self.visit_button.setEnabled(row is not None)
        self.customer_button.setEnabled(row is not None)

    # --- actions -------------------------------------------------------------------------

    def current_row(self) -> follow_ups.FollowUp | None:
        """The selected task."""
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def current_task_id(self) -> str | None:
        """Id of the selected task."""
        row = self.current_row()
        return row.id if row else None

    def mark_done(self) -> None:
        """Done… with what the customer was told."""
        actions.mark_done(self.ctx, self.current_row(), self)

    def postpone(self) -> None:
        """Postpone… to a later day."""
        actions.postpone_task(self.ctx, self.current_row(), self)

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
        """The selected task's customer profile."""
        actions.open_task_customer(self.ctx, self.current_row())

    def open_page(self) -> None:
        """The follow-ups page, the selected task selected there."""
        window = self.ctx.main_window
        if window is None:
            return
        page = window.show_page(PAGE_KEY)
        task_id = self.current_task_id()
        show_task = getattr(page, "show_task", None)
        if task_id and callable(show_task):
            show_task(task_id)

    def print_visit_list(self) -> None:
        """This month's visit list (PDF, then the preview to print or save it): the customers
        of the list's account manager still due visits; everyone's for a supervisor looking
        at everyone's tasks. Written off the GUI thread."""
        from branch_crm.ui.care.visit_plan import month_label, printout_path

        month = month_key(local_today())
        title = _("Visit list {month}").format(month=month_label(month))

        def on_result(path: Path) -> None:
            from branch_crm.ui.printing import preview

            self.last_printout = Path(path)
            preview.preview_pdf(self, Path(path), title)

        self.ctx.submit(
            print_visit_list,
            kwargs={
                "month": month,
                "account_manager_id": list_manager(self.ctx.actor, self.current_scope()),
                "output": printout_path(month),
            },
            on_result=on_result,
            on_error=lambda exc: messages.show_error(self, exc),
            title=_("Printing the visit list…"),
        )
