"""Take a complaint at the counter in under a minute.

Customer (look up, or create with name and phone on the spot), waybill, channel, category,
description, compensation requested; the suggested grade is shown with the rule that fired
and may be overridden with a reason. Ctrl+Enter records it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from branch_crm.errors import CrmError, DuplicatePhoneError, ValidationError
from branch_crm.i18n import _
from branch_crm.models import Channel
from branch_crm.services.complaints import grading, intake, labels, reference, views
from branch_crm.timeutil import to_local
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.screen_fit import fit_columns, fit_window

if TYPE_CHECKING:
    from branch_crm.services.customers.profile import CustomerView

log = logging.getLogger(__name__)

CHANNELS = (Channel.COUNTER, Channel.PHONE, Channel.ONLINE, Channel.COURIER)


class CustomerPicker(QWidget):
    """Find the customer, or create one with name and phone; shows who was chosen."""

    sig_chosen = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from branch_crm.ui.counter.lookup import LookupWidget
        from branch_crm.ui.counter.search_model import COMPANY_COLUMN

        self.ctx = ctx
        self.customer_id: str | None = None
        self.chosen = QLabel(self)
        self.chosen.setObjectName("complaintCustomer")
        self.chosen.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.change_button = QPushButton(self)
        self.change_button.setObjectName("complaintCustomerChange")
        self.lookup = LookupWidget(ctx, multi_select=False, parent=self)
        self.lookup.results.setMinimumHeight(150)
        self.lookup.results.setMaximumHeight(190)
        # the dialog is narrower than the lookup page: no column pushed out of sight
        self.columns = fit_columns(self.lookup.results, COMPANY_COLUMN, "takeComplaintResults")
        self.hint = QLabel(self)
        self.hint.setObjectName("complaintCustomerHint")
        self.new_button = QPushButton(self)
        self.new_button.setObjectName("complaintCustomerNew")
        self.new_name = QLineEdit(self)
        self.new_name.setObjectName("complaintNewCustomerName")
        self.new_phone = QLineEdit(self)
        self.new_phone.setObjectName("complaintNewCustomerPhone")
        self.create_button = QPushButton(self)
        self.create_button.setObjectName("complaintNewCustomerCreate")
        self.message = QLabel(self)
        self.message.setObjectName("complaintCustomerMessage")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self._layout()
        self.lookup.sig_customer_activated.connect(self.choose)
        self.change_button.clicked.connect(self.change)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.create_button.clicked.connect(self.create_customer)
        self.new_phone.returnPressed.connect(self.create_customer)
        self.setFocusProxy(self.lookup)
        self._show_new_form(False)
        self.change()

    def _layout(self) -> None:
        chosen = QHBoxLayout()
        chosen.addWidget(self.chosen, 1)
        chosen.addWidget(self.change_button)
        create = QHBoxLayout()
        create.addWidget(self.new_button)
        create.addWidget(self.new_name, 2)
        create.addWidget(self.new_phone, 2)
        create.addWidget(self.create_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(chosen)
        layout.addWidget(self.lookup)
        layout.addWidget(self.hint)
        layout.addLayout(create)
        layout.addWidget(self.message)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.lookup.retranslate_ui()
        self.hint.setText(
            _("Enter or a double click chooses the customer; not found? New customer…")
        )
        self.change_button.setText(_("Change"))
        self.change_button.setToolTip(_("Choose another customer"))
        self.new_button.setText(_("New customer…"))
        self.new_button.setToolTip(_("Record a new customer with name and phone"))
        self.new_name.setPlaceholderText(_("Name"))
        self.new_name.setAccessibleName(_("New customer name"))
        self.new_phone.setPlaceholderText(_("Mobile or landline"))
        self.new_phone.setAccessibleName(_("New customer phone"))
        self.create_button.setText(_("Create"))
        for button in (self.change_button, self.new_button, self.create_button):
            button.setAccessibleName(button.text())

    def _on_new_button_clicked(self) -> None:
        from branch_crm.ui.counter.lookup import split_prefill

        name, phone = split_prefill(self.lookup.search_box.text())
        self.new_name.setText(name)
        self.new_phone.setText(phone)
        self._show_new_form(True)
        (self.new_phone if name else self.new_name).setFocus()

    def _show_new_form(self, visible: bool) -> None:
        for widget in (self.new_name, self.new_phone, self.create_button):
            widget.setVisible(visible)

    def create_customer(self) -> None:
        """Create the customer from name and phone (an existing phone picks its owner)."""
        from branch_crm.services.customers.profile import create_customer
        from branch_crm.services.customers.validation import CustomerInput

        data = CustomerInput(name=self.new_name.text().strip(), phones=[self.new_phone.text()])
        self.ctx.write(
            create_customer,
            data=data,
            busy=self,
            on_done=self._on_customer_created,
            on_error=self._on_create_failed,
        )

    def _on_customer_created(self, view: CustomerView) -> None:
        self.ctx.bus.changed("customer")
        self.choose(view.id)

    def _on_create_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DuplicatePhoneError):
            self.choose(exc.customer_id)
            self.message.setText(
                _("This phone belongs to {name}, who is now chosen.").format(name=exc.customer_name)
            )
        elif isinstance(exc, ValidationError):
            self.message.setText(" ".join(exc.fields.values()) or exc.message)
        else:
            messages.show_error(self, exc)

    def choose(self, customer_id: str) -> None:
        """Take ``customer_id`` as the complaining customer."""
        from branch_crm.services.customers.profile import get_customer
        from branch_crm.services.customers.search import format_phone

        try:
            view = self.ctx.read(get_customer, customer_id=customer_id)
        except CrmError as exc:
            messages.show_error(self, exc)
            return
        phone = format_phone(view.phones[0].phone) if view.phones else ""
        text = f"<b>{view.name}</b>  {phone}"
        if view.repeat_complainer:
            text += "  ⚠ " + _("repeat complainer")
        self.chosen.setText(text)
        self.chosen.setAccessibleName(f"{view.name} {phone}")
        self.customer_id = customer_id
        self._say("")
        for widget in (self.lookup, self.new_button, self.hint):
            widget.setVisible(False)
        self._show_new_form(False)
        self.chosen.setVisible(True)
        self.change_button.setVisible(True)
        self.setFocusProxy(self.change_button)
        self.sig_chosen.emit(customer_id)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def change(self) -> None:
        """Show the lookup again."""
        self.customer_id = None
        self.chosen.setVisible(False)
        self.change_button.setVisible(False)
        self.lookup.setVisible(True)
        self.new_button.setVisible(True)
        self.hint.setVisible(True)
        self.setFocusProxy(self.lookup)
        self.lookup.focus_search()
        self.sig_chosen.emit("")


class TakeComplaintDialog(QDialog):
    """The counter's complaint form; ``sig_taken`` carries the new complaint's id."""

    sig_taken = Signal(str)

    def __init__(
        self, ctx: AppContext, *, customer_id: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("takeComplaintDialog")
        self.ctx = ctx
        self.suggestion: grading.GradeSuggestion | None = None
        self.result_view: views.ComplaintView | None = None
        self._close_confirmed = False
        self._build()
        self.retranslate_ui()
        self._on_inputs_changed()
        if customer_id:
            self.customer.choose(customer_id)
            self.waybill.setFocus()  # what the clerk types first: the waybill on the parcel
        else:
            self.customer.setFocus()  # "Customer": find who is complaining first

    def _build(self) -> None:
        self.customer = CustomerPicker(self.ctx, self)
        self.waybill = QLineEdit(self)
        self.waybill.setObjectName("complaintWaybill")
        self.waybill.setMaxLength(30)
        self.channel = QComboBox(self)
        self.channel.setObjectName("complaintChannel")
        self.category = QComboBox(self)
        self.category.setObjectName("complaintCategory")
        self.description = QPlainTextEdit(self)
        self.description.setObjectName("complaintDescription")
        self.description.setTabChangesFocus(True)
        self.description.setMinimumHeight(60)
        self.description.setMaximumHeight(110)
        self.compensation = QDoubleSpinBox(self)
        self.compensation.setObjectName("complaintCompensation")
        self.compensation.setRange(0, intake.MAX_COMPENSATION_CENTS / 100)
        self.compensation.setDecimals(2)
        self.compensation.setPrefix("¥ ")
        self.compensation.setGroupSeparatorShown(True)
        self.suggested = QLabel(self)
        self.suggested.setObjectName("complaintSuggestedGrade")
        self.suggested.setWordWrap(True)
        self.grade = QComboBox(self)
        self.grade.setObjectName("complaintGrade")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("complaintGradeReason")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("complaintTakeOk")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        for key, field in (
            ("customer", self.customer),
            ("waybill", self.waybill),
            ("channel", self.channel),
            ("category", self.category),
            ("description", self.description),
            ("compensation", self.compensation),
            ("suggested", self.suggested),
            ("grade", self.grade),
            ("reason", self.reason),
        ):
            self.labels[key] = QLabel(self)
            self.fields[key] = field
            self.form.addRow(self.labels[key], field)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addStretch(1)  # spare height below the form, not between its rows
        layout.addWidget(self.buttons)
        self.errors = messages.FieldErrors(self)
        for name, widget in {
            "customer_id": self.customer,
            "waybill_no": self.waybill,
            "channel": self.channel,
            "category": self.category,
            "description": self.description,
            "compensation_requested_cents": self.compensation,
            "grade": self.grade,
            "grade_reason": self.reason,
        }.items():
            self.errors.add(name, widget)
        self._connect()
        fit_window(self, (760, 600), name="takeComplaint")

    def _connect(self) -> None:
        self.customer.sig_chosen.connect(self._on_inputs_changed)
        self.customer.sig_chosen.connect(self._on_customer_chosen)
        self.category.currentIndexChanged.connect(self._on_inputs_changed)
        self.compensation.valueChanged.connect(self._on_inputs_changed)
        self.grade.currentIndexChanged.connect(self._on_grade_changed)
        self.waybill.editingFinished.connect(self._on_waybill_editing_finished)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            keys.shortcut(self, sequence, self.submit, keys.SAVE)
        keys.save_shortcut(self, self.submit)

    def _on_customer_chosen(self, customer_id: str) -> None:
        if customer_id and self.isVisible():
            self.waybill.setFocus()  # the customer is found: on to the waybill

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Take a complaint"))
        texts = {
            "customer": _("&Customer"),
            "waybill": _("&Waybill number"),
            "channel": _("C&hannel"),
            "category": _("C&ategory"),
            "description": _("What happene&d"),
            "compensation": _("Compensation &requested"),
            "suggested": _("Suggested grade"),
            "grade": _("&Grade"),
            "reason": _("Reason for another grade"),
        }
        for key, text in texts.items():
            self.labels[key].setText(text)
            self.labels[key].setBuddy(self.fields[key])
        self.customer.retranslate_ui()
        self.waybill.setPlaceholderText(_("optional, e.g. SF1234567890123"))
        self.description.setPlaceholderText(_("In the customer's words"))
        self.reason.setPlaceholderText(_("required when the grade differs from the suggestion"))
        for widget, key in (
            (self.waybill, "waybill"),
            (self.channel, "channel"),
            (self.category, "category"),
            (self.description, "description"),
            (self.compensation, "compensation"),
            (self.grade, "grade"),
            (self.reason, "reason"),
        ):
            widget.setAccessibleName(texts[key].replace("&", ""))
        self._fill_combos()
        self.ok_button.setText(_("Take complaint"))
        self.ok_button.setToolTip(_("Record the complaint (Ctrl+S)"))
        self.ok_button.setAccessibleName(_("Take complaint"))
        self.cancel_button.setText(_("Cancel"))
        self._show_suggestion()

    def _fill_combos(self) -> None:
        channel, category = self.channel.currentData(), self.category.currentData()
        grade = self.grade.currentData()
        for combo in (self.channel, self.category, self.grade):
            combo.blockSignals(True)
            combo.clear()
        for value in CHANNELS:
            self.channel.addItem(labels.channel_label(value), value.value)
        codes = self.ctx.read(_categories)
        self.category.addItem(_("— choose —"), None)
        for code in codes:
            self.category.addItem(code.label, code.code)
        self.grade.addItem(_("As suggested"), None)
        for g in labels.GRADES:
            self.grade.addItem(labels.grade_label(g), g)
        for combo, value in (
            (self.channel, channel),
            (self.category, category),
            (self.grade, grade),
        ):
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)

    # -- suggestion -----------------------------------------------------------------
    def _on_inputs_changed(self, *_args: object) -> None:
        category = self.category.currentData()
        if not category:
            self.suggestion = None
        else:
            try:
                self.suggestion = self.ctx.read(
                    grading.suggest_grade,
                    customer_id=self.customer.customer_id,
                    category=category,
                    compensation_requested_cents=self._cents(),
                )
            except CrmError as exc:
                log.warning("grade suggestion failed: %s", exc)
                self.suggestion = None
        self._show_suggestion()

    def _show_suggestion(self) -> None:
        s = self.suggestion
        if s is None:
            self.suggested.setText(_("Choose the category (and customer) to see the grade."))
        else:
            text = _("{grade} — {rule}").format(grade=labels.grade_label(s.grade), rule=s.reason)
            others = [r.text for r in s.rules[1:]]
            if others:
                text += "; " + _("also: {rules}").format(rules=", ".join(others))
            self.suggested.setText(text)
        self.suggested.setAccessibleName(self.suggested.text())
        self._on_grade_changed()

    def _on_grade_changed(self, *_args: object) -> None:
        chosen = self.grade.currentData()
        differs = chosen is not None and (
            self.suggestion is None or chosen != self.suggestion.grade
        )
        self.reason.setEnabled(differs)
        self.labels["reason"].setEnabled(differs)

    def _on_waybill_editing_finished(self) -> None:
        """Check the waybill format as soon as it is typed (the message stays beside it)."""
        try:
            value = intake.normalize_waybill(self.waybill.text())
        except ValueError as exc:
            label = self.errors.label("waybill_no")
            label.setText(str(exc))
            label.setProperty("shown", True)
            label.setVisible(True)
            return
        if value and value != self.waybill.text():
            self.waybill.setText(value)

    # -- Esc / Cancel -------------------------------------------------------------------
    def is_dirty(self) -> bool:
        """Something typed or picked that closing would lose (the customer alone is found
        again in a few keys and does not count)."""
        return bool(
            self.waybill.text().strip()
            or self.description.toPlainText().strip()
            or self.reason.text().strip()
            or self._cents()
            or self.category.currentData()
        )

    def _may_close(self) -> bool:
        if self._close_confirmed or self.result_view is not None or not self.is_dirty():
            return True
        if messages.confirm(self, _("Discard the complaint you have not recorded?")):
            self._close_confirmed = True
            return True
        return False

    def reject(self) -> None:
        """Esc / Cancel: ask before throwing the typed complaint away. (Esc in a customer
        search with text in it only clears the search: the lookup keeps that key.)"""
        if self._may_close():
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        super().closeEvent(event)

    def _cents(self) -> int:
        return round(self.compensation.value() * 100)

    # -- submit ---------------------------------------------------------------------
    def collect(self) -> intake.ComplaintInput:
        """The form as service input."""
        grade = self.grade.currentData()
        return intake.ComplaintInput(
            customer_id=self.customer.customer_id or "",
            channel=self.channel.currentData() or "",
            category=self.category.currentData() or "",
            description=self.description.toPlainText(),
            waybill_no=self.waybill.text() or None,
            compensation_requested_cents=self._cents(),
            grade=grade,
            grade_reason=self.reason.text() if self.reason.isEnabled() else None,
        )

    def submit(self) -> None:
        """Record the complaint; field problems appear beside their fields."""
        self.errors.clear()
        self.ctx.write(
            intake.take_complaint,
            data=self.collect(),
            busy=self,
            on_done=self._on_taken,
            on_error=self._on_take_failed,
        )

    def _on_take_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError) and not self.errors.show(exc):
            return
        messages.show_error(self, exc)

    def _on_taken(self, view: views.ComplaintView) -> None:
        self.result_view = view
        self.ctx.bus.changed("complaint")
        self.sig_taken.emit(view.id)
        due = to_local(view.response_due_at) if view.response_due_at else None
        messages.info(
            self,
            _("Complaint {number} recorded ({grade}). We answer by {due}.").format(
                number=view.number,
                grade=labels.grade_label(view.grade),
                due=f"{due:%m-%d %H:%M}" if due else "-",
            ),
        )
        self.accept()


def _categories(*, session: Session) -> list[reference.Code]:
    kind = "complaint_category"
    return reference.reference_codes(session, kind) or reference.default_codes(kind)


def take_complaint(
    ctx: AppContext, *, customer_id: str | None = None, parent: QWidget | None = None
) -> TakeComplaintDialog:
    """Open the take-a-complaint dialog (non-blocking)."""
    dialog = TakeComplaintDialog(ctx, customer_id=customer_id, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
