"""Key in returned paper forms: type or scan the serial, then the answers, keyboard only.

A barcode/QR scanner types the serial and presses Enter, exactly like a person. The form's
customer is shown so the clerk can check it against the paper. A form is entered once; when
it was entered already, its answers and history are shown and "Correct" lets the clerk key a
corrected version (the old one stays in the history).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError, NotFound, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.services.customers.phone_numbers import format_phone
from branch_crm.services.surveys import entry
from branch_crm.timeutil import to_local
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.messages import ERROR_LABEL_STYLE
from branch_crm.ui.surveys.answer_form import AnswerForm

log = logging.getLogger(__name__)


def result_text(result: entry.EntryResult, subject: str) -> str:
    """What happened after a save, in one or two sentences."""
    parts = [_("{subject} saved.").format(subject=subject)]
    if result.follow_up_task_id:
        parts.append(
            _("Follow-up task created ({reasons}).").format(reasons=_(", ").join(result.reasons))
        )
    if result.complaint_number:
        parts.append(_("Complaint {number} raised.").format(number=result.complaint_number))
    return " ".join(parts)


def history_line(view: entry.ResponseView) -> str:
    """One version of a response in the correction history."""
    answers = " ".join(f"{code}={value}" for code, value in view.answers.items())
    who = view.entered_by_name or "-"
    when = to_local(view.entered_at).strftime("%Y-%m-%d %H:%M")
    state = _("current") if view.current else _("replaced")
    return f"{when} · {who} · {entry.channel_label(view.channel)} · {state} · {answers}"


NEXT_FORM = N_("Clear the form and key the next serial")


class KeyedEntryWidget(QWidget):
    """Serial, then answers; Ctrl+Enter (or Enter on the last answer) saves."""

    sig_saved = Signal(object)
    """An EntryResult after a successful save."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyEntry")
        self.ctx = ctx
        self.form: entry.FormLookup | None = None
        self.correcting: str | None = None
        """The response id being corrected, when in correction mode."""
        self._build()
        self.retranslate_ui()
        self.reset()

    def _build(self) -> None:
        self.serial_label = QLabel(self)
        self.serial = QLineEdit(self)
        self.serial.setObjectName("surveySerial")
        self.serial.setClearButtonEnabled(True)
        self.serial.setMaxLength(40)
        self.lookup_button = QPushButton(self)
        self.lookup_button.setObjectName("surveyLookup")
        self.serial_error = QLabel(self)
        self.serial_error.setObjectName("error_serial")
        self.serial_error.setStyleSheet(ERROR_LABEL_STYLE)
        self.customer = QLabel(self)
        self.customer.setObjectName("surveyCustomer")
        self.customer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.entered = QLabel(self)
        self.entered.setObjectName("surveyAlreadyEntered")
        self.entered.setWordWrap(True)
        self.correct_button = QPushButton(self)
        self.correct_button.setObjectName("surveyCorrect")
        self.history = QListWidget(self)
        self.history.setObjectName("surveyHistory")
        self.history.setMaximumHeight(90)
        self.answers = AnswerForm(self.ctx, self)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("surveySave")
        self.result = QLabel(self)
        self.result.setObjectName("surveyResult")
        self.result.setWordWrap(True)
        self._layout()
        self.serial.returnPressed.connect(self.look_up)
        self.serial.textEdited.connect(lambda _t: self.serial_error.clear())
        self.lookup_button.clicked.connect(self.look_up)
        self.correct_button.clicked.connect(self.start_correction)
        self.save_button.clicked.connect(self.save)
        self.answers.sig_submit.connect(self.save)
        keys.shortcut(self, "Ctrl+Return", self.save, keys.SAVE)
        keys.shortcut(self, "Ctrl+Enter", self.save, keys.SAVE)
        keys.save_shortcut(self, self.save)
        keys.shortcut(self, "Ctrl+L", self.reset, NEXT_FORM)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.serial_label)
        top.addWidget(self.serial, 1)
        top.addWidget(self.lookup_button)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        entered = QHBoxLayout()
        entered.addWidget(self.entered, 1)
        entered.addWidget(self.correct_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.serial_error)
        layout.addWidget(self.customer)
        layout.addLayout(entered)
        layout.addWidget(self.history)
        layout.addWidget(line)
        layout.addWidget(self.answers)
        layout.addLayout(bottom)
        layout.addStretch(1)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.serial_label.setText(_("&Serial:"))
        self.serial_label.setBuddy(self.serial)
        self.serial.setPlaceholderText(_("Type or scan the serial on the form, then Enter"))
        self.serial.setAccessibleName(_("Serial"))
        self.lookup_button.setText(_("Look up"))
        self.correct_button.setText(_("Correct these answers"))
        self.correct_button.setToolTip(_("Key a corrected version; the old one stays in history"))
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S); Ctrl+L starts the next form"))
        for button in (self.lookup_button, self.correct_button, self.save_button):
            button.setAccessibleName(button.text())
        self.history.setAccessibleName(_("Correction history"))
        self.answers.retranslate_ui()
        if self.form is not None:
            self._show_form(self.form)

    # --- states --------------------------------------------------------------------------------

    def reset(self) -> None:
        """Ready for the next form: empty serial with the cursor in it."""
        self.form = None
        self.correcting = None
        self.serial.setEnabled(True)
        self.serial.clear()
        self.serial_error.clear()
        self.customer.clear()
        self.entered.clear()
        self.entered.setVisible(False)
        self.correct_button.setVisible(False)
        self.history.clear()
        self.history.setVisible(False)
        if self.answers.template is None:
            self._show_active_template()
        self.answers.clear()
        self.answers.setEnabled(False)
        self.save_button.setEnabled(False)
        self.serial.setFocus()

    def _show_active_template(self) -> None:
        """Show the questions (greyed) before any serial, so the screen reads like the form."""
        from branch_crm.services.surveys.template import active_template

        try:
            self.answers.set_template(self.ctx.read(active_template))
        except CrmError as exc:  # no template yet: the form's own template comes with it
            log.info("no survey template to show: %s", exc.message)

    def look_up(self) -> None:
        """Find the form of the typed serial; show its customer; go to the first answer."""
        text = self.serial.text().strip()
        if not text:
            return
        try:
            form: entry.FormLookup = self.ctx.read(entry.lookup_form, serial=text)
        except (ValidationError, NotFound) as exc:
            message = (
                exc.fields.get("serial", exc.message)
                if isinstance(exc, ValidationError)
                else exc.message
            )
            self.serial_error.setText(message)
            self.serial.selectAll()
            return
        except CrmError as exc:
            messages.show_error(self, exc)
            return
        self.result.clear()
        self._show_form(form)

    def _show_form(self, form: entry.FormLookup) -> None:
        self.form = form
        self.serial.setText(form.serial)
        self.serial_error.clear()
        printed = to_local(form.printed_at).strftime("%Y-%m-%d")
        phone = format_phone(form.customer_phone) if form.customer_phone else ""
        self.customer.setText(
            _("Form {serial} · {name} {phone} · printed {printed}").format(
                serial=form.serial, name=form.customer_name, phone=phone, printed=printed
            )
        )
        if self.answers.template is None or self.answers.template.id != form.template.id:
            self.answers.set_template(form.template)
        if form.current is None or self.correcting:
            self.entered.setVisible(False)
            self.correct_button.setVisible(False)
            self.answers.setEnabled(True)
            self.save_button.setEnabled(True)
            if not self.correcting:
                self.answers.clear()
                self.answers.focus_first()
            return
        self._show_entered(form.current)

    def _show_entered(self, current: entry.ResponseView) -> None:
        when = to_local(current.entered_at).strftime("%Y-%m-%d %H:%M")
        self.entered.setText(
            _("This form was entered on {when} by {who}; it cannot be entered twice.").format(
                when=when, who=current.entered_by_name or "-"
            )
        )
        self.entered.setVisible(True)
        self.correct_button.setVisible(True)
        self.answers.load(current)
        self.answers.setEnabled(False)
        self.save_button.setEnabled(False)
        history = self.ctx.read(entry.response_history, response_id=current.id)
        self.history.clear()
        self.history.addItems([history_line(v) for v in history])
        self.history.setVisible(True)
        self.correct_button.setFocus()

    def start_correction(self) -> None:
        """Key a corrected version of the current answers."""
        if self.form is None or self.form.current is None:
            return
        self.correcting = self.form.current.id
        self.entered.setText(
            _("Correcting the answers of form {serial}.").format(serial=self.form.serial)
        )
        self.correct_button.setVisible(False)
        self.answers.setEnabled(True)
        self.save_button.setEnabled(True)
        self.answers.focus_first()

    def save(self) -> None:
        """Store the answers (or the correction); then ready for the next form."""
        if self.form is None or not self.save_button.isEnabled():
            return
        try:
            data = self.answers.data()
        except ValidationError as exc:
            self._on_save_failed(exc)
            return
        subject = _("Form {serial}").format(serial=self.form.serial)
        failed = self._on_save_failed

        def saved(result: entry.EntryResult) -> None:
            self._on_saved(result, subject)

        if self.correcting:
            self.ctx.write(
                entry.correct_response,
                response_id=self.correcting,
                data=data,
                busy=self,
                on_done=saved,
                on_error=failed,
            )
            return
        self.ctx.write(
            entry.enter_form_response,
            serial=self.form.serial,
            data=data,
            busy=self,
            on_done=saved,
            on_error=failed,
        )

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            if "serial" in exc.fields:
                self.serial_error.setText(exc.fields["serial"])
            self.answers.show_errors(exc)
            return
        messages.show_error(self, exc)

    def _on_saved(self, result: entry.EntryResult, subject: str) -> None:
        self.ctx.bus.changed(*changed_kinds(result))
        self.reset()
        self.result.setText(result_text(result, subject))
        self.sig_saved.emit(result)


def changed_kinds(result: entry.EntryResult) -> tuple[str, ...]:
    """What a saved response changed, for the data bus."""
    kinds = ["survey", "customer"]
    if result.follow_up_task_id:
        kinds.append("care")
    if result.complaint_number:
        kinds.append("complaint")
    return tuple(kinds)
