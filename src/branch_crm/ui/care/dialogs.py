"""Closing a follow-up (done with what the customer was told, or cancelled with a reason),
postponing it to a later day, and handing it to someone else (supervisors)."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError, DatabaseError, ValidationError
from branch_crm.i18n import _
from branch_crm.services.care import follow_ups
from branch_crm.timeutil import local_today
from branch_crm.ui import keys, messages
from branch_crm.ui.care.texts import phone_text
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.screen_fit import fit_window

DONE, CANCEL = "done", "cancel"


def to_date(value: QDate) -> date:
    """A QDate as a date."""
    return date(value.year(), value.month(), value.day())


def to_qdate(value: date) -> QDate:
    """A date as a QDate."""
    return QDate(value.year, value.month, value.day)


def _summary_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("careTaskSummary")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def summary_text(row: follow_ups.FollowUp) -> str:
    """Customer, phone, reason and what the customer said, one per line."""
    lines = [f"{row.customer_name}  {phone_text(row)}".strip(), row.title]
    if row.notes:
        lines.append(_("Customer said: {notes}").format(notes=row.notes))
    return "\n".join(lines)


class CloseFollowUpDialog(QDialog):
    """Done… (what the customer was told) or Cancel… (why); Ctrl+Enter saves."""

    def __init__(
        self, ctx: AppContext, row: follow_ups.FollowUp, mode: str, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.mode = mode
        self.result_row: follow_ups.FollowUp | None = None
        self.setObjectName("careDoneDialog" if mode == DONE else "careCancelDialog")
        fit_window(self, (460, 0))
        self.summary = _summary_label(self)
        self.caption = QLabel(self)
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("careNote")
        self.note.setTabChangesFocus(True)
        self.note.setMinimumWidth(420)
        self.note.setFixedHeight(90)
        self.caption.setBuddy(self.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("careSave")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("careBack")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.caption)
        layout.addWidget(self.note)
        self.errors = messages.FieldErrors(self)
        self.field = "note" if mode == DONE else "reason"
        self.errors.add(self.field, self.note)
        layout.addWidget(self.buttons)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            keys.shortcut(self, sequence, self.save, keys.SAVE)
        keys.save_shortcut(self, self.save)
        self.retranslate_ui()
        self.note.setFocus()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        done = self.mode == DONE
        self.setWindowTitle(_("Follow-up done") if done else _("Cancel follow-up"))
        self.summary.setText(summary_text(self.row))
        self.caption.setText(
            _("What was the customer &told?") if done else _("&Why is it cancelled?")
        )
        self.note.setPlaceholderText(
            _("e.g. apologised, the parcel goes out again tomorrow morning")
            if done
            else _("e.g. could not reach the customer twice; the number is no longer in use")
        )
        self.note.setAccessibleName(self.caption.text().replace("&", ""))
        self.ok_button.setText(_("Mark done") if done else _("Cancel follow-up"))
        self.ok_button.setToolTip(_("Save (Ctrl+S)"))
        self.ok_button.setAccessibleName(self.ok_button.text())
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Back"))

    def save(self) -> None:
        """Store the note; the dialog closes once stored, a message shows under the field."""
        fn = follow_ups.complete_follow_up if self.mode == DONE else follow_ups.cancel_follow_up
        text = self.note.toPlainText()
        kwargs = {"note": text} if self.mode == DONE else {"reason": text}
        self.ctx.write(
            fn,
            task_id=self.row.id,
            **kwargs,
            busy=self,
            on_done=self._on_saved,
            on_error=self._on_save_failed,
        )

    def _on_saved(self, row: follow_ups.FollowUp) -> None:
        self.result_row = row
        self.ctx.bus.changed("care", "customer")
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc)
            if unplaced:
                messages.show_error(self, ValidationError(unplaced))
            return
        messages.show_error(self, exc)
        if isinstance(exc, CrmError) and not isinstance(exc, DatabaseError):
            self.reject()  # the follow-up moved on meanwhile; a busy file: try again


class ReassignDialog(QDialog):
    """A supervisor hands a follow-up to another staff member (or to nobody in particular)."""

    def __init__(
        self,
        ctx: AppContext,
        row: follow_ups.FollowUp,
        staff: list[tuple[str, str]],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.result_row: follow_ups.FollowUp | None = None
        self.setObjectName("careReassignDialog")
        fit_window(self, (420, 0))
        self.summary = _summary_label(self)
        self.choice = QComboBox(self)
        self.choice.setObjectName("careAssignee")
        self.choice.addItem("", None)
        for staff_id, name in staff:
            self.choice.addItem(name, staff_id)
        current = self.choice.findData(row.assignee_id)
        self.choice.setCurrentIndex(max(0, current))
        self.caption = QLabel(self)
        self.caption.setBuddy(self.choice)
        form = QFormLayout()
        form.addRow(self.caption, self.choice)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("careReassignSave")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.retranslate_ui()
        self.choice.setFocus()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Reassign follow-up"))
        self.summary.setText(summary_text(self.row))
        self.caption.setText(_("&Assign to:"))
        self.choice.setItemText(0, _("Nobody in particular"))
        self.choice.setAccessibleName(_("Assign to"))
        self.ok_button.setText(_("Reassign"))
        self.ok_button.setAccessibleName(_("Reassign"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Back"))

    def save(self) -> None:
        """Store the new assignee; the dialog closes once stored."""
        self.ctx.write(
            follow_ups.reassign_follow_up,
            task_id=self.row.id,
            assignee_id=self.choice.currentData(),
            busy=self,
            on_done=self._on_saved,
        )

    def _on_saved(self, row: follow_ups.FollowUp) -> None:
        self.result_row = row
        self.ctx.bus.changed("care")
        self.accept()


class PostponeDialog(QDialog):
    """Move a follow-up to a later day (tomorrow proposed), with an optional reason."""

    def __init__(
        self, ctx: AppContext, row: follow_ups.FollowUp, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.result_row: follow_ups.FollowUp | None = None
        self.setObjectName("carePostponeDialog")
        fit_window(self, (440, 0))
        self.summary = _summary_label(self)
        today = local_today()
        self.day = QDateEdit(self)
        self.day.setObjectName("carePostponeDay")
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setCalendarPopup(True)
        self.day.setMinimumDate(to_qdate(today))
        self.day.setDate(to_qdate(max(today, row.due_on) + timedelta(days=1)))
        self.note = QLineEdit(self)
        self.note.setObjectName("carePostponeNote")
        self.note.setMaxLength(follow_ups.NOTE_MAX)
        self.day_caption = QLabel(self)
        self.day_caption.setBuddy(self.day)
        self.note_caption = QLabel(self)
        self.note_caption.setBuddy(self.note)
        form = QFormLayout()
        form.addRow(self.day_caption, self.day)
        form.addRow(self.note_caption, self.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("carePostponeSave")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        self.errors = messages.FieldErrors(self)
        self.errors.add("due_on", self.day)
        self.errors.add("note", self.note)
        layout.addWidget(self.buttons)
        keys.save_shortcut(self, self.save)
        self.retranslate_ui()
        self.day.setFocus()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Postpone follow-up"))
        self.summary.setText(
            summary_text(self.row) + "\n" + _("Due {day}").format(day=self.row.due_on.isoformat())
        )
        self.day_caption.setText(_("&Postpone to:"))
        self.note_caption.setText(_("&Why (optional):"))
        self.day.setAccessibleName(_("Postpone to"))
        self.note.setAccessibleName(_("Why"))
        self.note.setPlaceholderText(_("e.g. the customer asked to be called next week"))
        self.ok_button.setText(_("Postpone"))
        self.ok_button.setToolTip(_("Save (Ctrl+S)"))
        self.ok_button.setAccessibleName(_("Postpone"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Back"))

    def save(self) -> None:
        """Store the new due date; the dialog closes once stored."""
        self.ctx.write(
            follow_ups.postpone_follow_up,
            task_id=self.row.id,
            due_on=to_date(self.day.date()),
            note=self.note.text() or None,
            busy=self,
            on_done=self._on_saved,
            on_error=self._on_save_failed,
        )

    def _on_saved(self, row: follow_ups.FollowUp) -> None:
        self.result_row = row
        self.ctx.bus.changed("care")
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc)
            if unplaced:
                messages.show_error(self, ValidationError(unplaced))
            return
        messages.show_error(self, exc)
        if isinstance(exc, CrmError) and not isinstance(exc, DatabaseError):
            self.reject()
