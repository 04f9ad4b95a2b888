"""Recording a visit, call or message to a customer (services.care.visits.record_visit).

Opened from the customer profile (Record visit…) and from a selected task of the Today card
or the follow-ups page (the customer and the task filled in: saving closes the task). When,
which kind, who went, what came of it, the next step and, optionally, the next visit's date.
Ctrl+S or Ctrl+Enter saves; each problem shows under its field.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError, DatabaseError, ValidationError
from branch_crm.i18n import _
from branch_crm.services.care import follow_ups
from branch_crm.services.care.visits import VISIT_KINDS, VisitView, record_visit, visit_kind_label
from branch_crm.services.customers.profile import list_account_managers
from branch_crm.timeutil import BUSINESS_TZ, to_local, utcnow
from branch_crm.ui import keys, messages
from branch_crm.ui.care.dialogs import to_date, to_qdate
from branch_crm.ui.care.texts import phone_text
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.screen_fit import fit_window

CALL_KINDS = frozenset({"birthday", "anniversary", "win_back", "churn_call", "survey_follow_up"})
"""Task kinds usually done by phone: the dialog proposes a phone call for them."""
GREETING_KINDS = frozenset({"greeting"})
"""Task kinds usually done by a message: the dialog proposes a text message."""


def proposed_kind(task_kind: str | None) -> str:
    """The visit kind the dialog starts on for a task of ``task_kind`` (no task: a visit)."""
    if task_kind in CALL_KINDS:
        return "call"
    if task_kind in GREETING_KINDS:
        return "message"
    return "visit"


def to_qdatetime(moment: datetime) -> QDateTime:
    """A local (branch time) wall-clock QDateTime of an aware ``moment``."""
    local = to_local(moment)
    return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))


def from_qdatetime(value: QDateTime) -> datetime:
    """The aware moment of a branch-time wall-clock QDateTime."""
    day, clock = value.date(), value.time()
    return datetime(
        day.year(), day.month(), day.day(), clock.hour(), clock.minute(), tzinfo=BUSINESS_TZ
    )


class VisitDialog(QDialog):
    """When, kind, who, outcome, next step, next visit; saving records the visit (and closes
    ``task`` and the customer's due visit task)."""

    def __init__(
        self,
        ctx: AppContext,
        customer_id: str,
        customer_text: str,
        *,
        task: follow_ups.FollowUp | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id = customer_id
        self.customer_text = customer_text
        self.task = task
        self.result_view: VisitView | None = None
        self.setObjectName("careVisitDialog")
        fit_window(self, (560, 0))
        self._build()
        self.retranslate_ui()
        self.outcome.setFocus()

    @classmethod
    def for_task(
        cls, ctx: AppContext, task: follow_ups.FollowUp, parent: QWidget | None = None
    ) -> VisitDialog:
        """The dialog for a care task: its customer, its reason, closing it when saved."""
        who = f"{task.customer_name}  {phone_text(task)}".strip()
        return cls(ctx, task.customer_id, who, task=task, parent=parent)

    # --- construction --------------------------------------------------------------------

    def _build(self) -> None:
        self.summary = QLabel(self)
        self.summary.setObjectName("careVisitSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        now = utcnow()
        self.when = QDateTimeEdit(to_qdatetime(now), self)
        self.when.setObjectName("careVisitWhen")
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setCalendarPopup(True)
        self.when.setMaximumDateTime(to_qdatetime(now + timedelta(minutes=5)))
        self.kind = QComboBox(self)
        self.kind.setObjectName("careVisitKind")
        for code in VISIT_KINDS:
            self.kind.addItem("", code)
        self.kind.setCurrentIndex(
            self.kind.findData(proposed_kind(self.task.kind if self.task else None))
        )
        self.staff = QComboBox(self)
        self.staff.setObjectName("careVisitStaff")
        self._fill_staff()
        self.outcome = QPlainTextEdit(self)
        self.outcome.setObjectName("careVisitOutcome")
        self.outcome.setTabChangesFocus(True)
        self.outcome.setFixedHeight(80)
        self.next_step = QLineEdit(self)
        self.next_step.setObjectName("careVisitNextStep")
        self.next_step.setMaxLength(follow_ups.NOTE_MAX)
        self.has_next = QCheckBox(self)
        self.has_next.setObjectName("careVisitHasNext")
        self.next_visit = QDateEdit(self)
        self.next_visit.setObjectName("careVisitNextDate")
        self.next_visit.setDisplayFormat("yyyy-MM-dd")
        self.next_visit.setCalendarPopup(True)
        today = to_local(now).date()
        self.next_visit.setDate(to_qdate(today + timedelta(days=30)))
        self.next_visit.setMinimumDate(to_qdate(today + timedelta(days=1)))
        self.next_visit.setEnabled(False)
        self.has_next.toggled.connect(self.next_visit.setEnabled)
        self._lay_out()

    def _lay_out(self) -> None:
        self.labels = {name: QLabel(self) for name in ("when", "kind", "staff", "outcome", "step")}
        for name, widget in (
            ("when", self.when),
            ("kind", self.kind),
            ("staff", self.staff),
            ("outcome", self.outcome),
            ("step", self.next_step),
        ):
            self.labels[name].setBuddy(widget)
        next_row = QHBoxLayout()
        next_row.addWidget(self.has_next)
        next_row.addWidget(self.next_visit)
        next_row.addStretch(1)
        form = QFormLayout()
        form.addRow(self.labels["when"], self.when)
        form.addRow(self.labels["kind"], self.kind)
        form.addRow(self.labels["staff"], self.staff)
        form.addRow(self.labels["outcome"], self.outcome)
        form.addRow(self.labels["step"], self.next_step)
        form.addRow("", next_row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("careVisitSave")
        self.back_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.back_button.setObjectName("careVisitBack")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        self.errors = messages.FieldErrors(self)
        self.errors.add("at", self.when)
        self.errors.add("kind", self.kind)
        self.errors.add("staff", self.staff)
        self.errors.add("outcome", self.outcome)
        self.errors.add("next_step", self.next_step)
        next_error = self.errors.add("next_visit_on", self.next_visit, QLabel(self))
        form.addRow("", next_error)
        layout.addWidget(self.buttons)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            keys.shortcut(self, sequence, self.save, keys.SAVE)
        keys.save_shortcut(self, self.save)

    def _fill_staff(self) -> None:
        try:
            staff = self.ctx.read(list_account_managers)
        except CrmError:
            staff = []
        me = self.ctx.actor.staff_id
        if me is not None and all(sid != me for sid, _name in staff):
            staff.insert(0, (me, self.ctx.actor.display_name))
        for staff_id, name in staff:
            self.staff.addItem(name, staff_id)
        self.staff.setCurrentIndex(max(0, self.staff.findData(me)))

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Record a visit or call"))
        lines = [_("Customer: {name}").format(name=self.customer_text)]
        if self.task is not None:
            lines.append(_("For: {reason}").format(reason=self.task.title))
            lines.append(_("Saving closes this task."))
        self.summary.setText("\n".join(lines))
        captions = {
            "when": _("&When:"),
            "kind": _("&Kind:"),
            "staff": _("W&ho:"),
            "outcome": _("&Outcome:"),
            "step": _("&Next step:"),
        }
        for name, text in captions.items():
            self.labels[name].setText(text)
        for index in range(self.kind.count()):
            self.kind.setItemText(index, visit_kind_label(str(self.kind.itemData(index))))
        self.when.setAccessibleName(_("When"))
        self.kind.setAccessibleName(_("Kind"))
        self.staff.setAccessibleName(_("Who"))
        self.outcome.setAccessibleName(_("Outcome"))
        self.outcome.setPlaceholderText(_("e.g. satisfied with the pickups; asks for a quote"))
        self.next_step.setAccessibleName(_("Next step"))
        self.next_step.setPlaceholderText(_("e.g. send the new price list"))
        self.has_next.setText(_("Next &visit on:"))
        self.next_visit.setAccessibleName(_("Next visit on"))
        self.ok_button.setText(_("Save visit"))
        self.ok_button.setToolTip(_("Save (Ctrl+S)"))
        self.ok_button.setAccessibleName(_("Save visit"))
        self.back_button.setText(_("Back"))

    # --- saving --------------------------------------------------------------------------

    def values(self) -> dict[str, object]:
        """What the form says, as record_visit's keyword arguments."""
        return {
            "customer_id": self.customer_id,
            "kind": self.kind.currentData(),
            "outcome": self.outcome.toPlainText(),
            "at": from_qdatetime(self.when.dateTime()),
            "staff_id": self.staff.currentData(),
            "next_step": self.next_step.text() or None,
            "next_visit_on": to_date(self.next_visit.date()) if self.has_next.isChecked() else None,
            "task_id": self.task.id if self.task is not None else None,
        }

    def save(self) -> None:
        """Record the visit; the dialog closes once stored, a problem shows under its field."""
        self.ctx.write(
            record_visit,
            **self.values(),
            busy=self,
            on_done=self._on_saved,
            on_error=self._on_save_failed,
        )

    def _on_saved(self, view: VisitView) -> None:
        self.result_view = view
        self.ctx.bus.changed("visit", "care", "customer")
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc)
            if unplaced:
                messages.show_error(self, ValidationError(unplaced))
            return
        messages.show_error(self, exc)
        if isinstance(exc, CrmError) and not isinstance(exc, DatabaseError):
            self.reject()  # the task was closed meanwhile, the customer deleted


def record_visit_for(
    ctx: AppContext,
    customer_id: str,
    customer_text: str,
    parent: QWidget | None = None,
    *,
    task: follow_ups.FollowUp | None = None,
) -> VisitView | None:
    """Open the visit dialog (modal); the visit recorded, or None when backed out."""
    dialog = VisitDialog(ctx, customer_id, customer_text, task=task, parent=parent)
    dialog.exec()
    return dialog.result_view
