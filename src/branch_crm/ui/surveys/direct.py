"""Answers taken by phone or at the counter, without a printed form.

Find the customer (phone, last 4 digits, name, pinyin initials), say how the answers were
taken, then type them like a paper form. Recorded with their channel.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError, ValidationError
from branch_crm.i18n import _
from branch_crm.services.surveys import entry
from branch_crm.services.surveys.template import active_template
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.surveys.answer_form import AnswerForm
from branch_crm.ui.surveys.entry import changed_kinds, result_text

log = logging.getLogger(__name__)


class DirectEntryWidget(QWidget):
    """Customer, channel (phone / counter), answers; Ctrl+Enter saves."""

    sig_saved = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from branch_crm.ui.counter.lookup import LookupWidget

        self.setObjectName("surveyDirectEntry")
        self.ctx = ctx
        self.customer_id: str | None = None
        self.customer_name = ""
        self.chosen = QLabel(self)
        self.chosen.setObjectName("surveyDirectCustomer")
        self.change_button = QPushButton(self)
        self.change_button.setObjectName("surveyDirectChange")
        self.lookup = LookupWidget(ctx, multi_select=False, parent=self)
        self.lookup.results.setMaximumHeight(170)
        self.by_phone = QRadioButton(self)
        self.by_phone.setObjectName("surveyChannelPhone")
        self.at_counter = QRadioButton(self)
        self.at_counter.setObjectName("surveyChannelCounter")
        self.channels = QButtonGroup(self)
        self.channels.addButton(self.by_phone)
        self.channels.addButton(self.at_counter)
        self.by_phone.setChecked(True)
        self.answers = AnswerForm(ctx, self)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("surveyDirectSave")
        self.result = QLabel(self)
        self.result.setObjectName("surveyDirectResult")
        self.result.setWordWrap(True)
        self._layout()
        self.lookup.sig_customer_activated.connect(self.choose)
        self.change_button.clicked.connect(self.change)
        self.save_button.clicked.connect(self.save)
        self.answers.sig_submit.connect(self.save)
        keys.shortcut(self, "Ctrl+Return", self.save, keys.SAVE)
        keys.shortcut(self, "Ctrl+Enter", self.save, keys.SAVE)
        keys.save_shortcut(self, self.save)
        self.retranslate_ui()
        self.change()

    def _layout(self) -> None:
        chosen = QHBoxLayout()
        chosen.addWidget(self.chosen, 1)
        chosen.addWidget(self.change_button)
        channel = QHBoxLayout()
        self.channel_label = QLabel(self)
        channel.addWidget(self.channel_label)
        channel.addWidget(self.by_phone)
        channel.addWidget(self.at_counter)
        channel.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(chosen)
        layout.addWidget(self.lookup)
        layout.addLayout(channel)
        layout.addWidget(self.answers)
        layout.addLayout(bottom)
        layout.addStretch(1)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.lookup.retranslate_ui()
        self.change_button.setText(_("Change customer"))
        self.channel_label.setText(_("Answers taken:"))
        self.by_phone.setText(_("By phone"))
        self.at_counter.setText(_("At the counter"))
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        for button in (self.change_button, self.save_button):
            button.setAccessibleName(button.text())
        self.answers.retranslate_ui()
        self._show_chosen()

    def _show_chosen(self) -> None:
        if self.customer_id is None:
            self.chosen.setText(
                _("Find the customer: phone, last 4 digits, name or initials; Enter chooses.")
            )
        else:
            self.chosen.setText(_("Customer: {name}").format(name=self.customer_name))

    def change(self) -> None:
        """Choose another customer."""
        self.customer_id = None
        self.lookup.setVisible(True)
        self.change_button.setVisible(False)
        self.answers.setEnabled(False)
        self.save_button.setEnabled(False)
        self._show_chosen()
        self.lookup.focus_search()

    def choose(self, customer_id: str) -> None:
        """The customer whose answers are being taken; loads the active template."""
        hit = next((h for h in self.lookup.model.hits() if h.customer_id == customer_id), None)
        self.customer_id = customer_id
        self.customer_name = hit.name if hit is not None else self._name_of(customer_id)
        try:
            template = self.ctx.read(active_template)
        except CrmError as exc:
            messages.show_error(self, exc)
            return
        if self.answers.template is None or self.answers.template.id != template.id:
            self.answers.set_template(template)
        self.answers.clear()
        self.lookup.setVisible(False)
        self.change_button.setVisible(True)
        self.answers.setEnabled(True)
        self.save_button.setEnabled(True)
        self.result.clear()
        self._show_chosen()
        self.answers.focus_first()

    def _name_of(self, customer_id: str) -> str:
        from branch_crm.services.customers.profile import get_customer

        try:
            return str(self.ctx.read(get_customer, customer_id=customer_id).name)
        except CrmError:
            return customer_id

    def channel(self) -> str:
        """'phone' or 'counter'."""
        return "counter" if self.at_counter.isChecked() else "phone"

    def save(self) -> None:
        """Record the answers with their channel; then ready for the next customer."""
        if self.customer_id is None or not self.save_button.isEnabled():
            return
        try:
            data = self.answers.data()
        except ValidationError as exc:
            self.answers.show_errors(exc)
            return
        self.ctx.write(
            entry.record_direct_response,
            customer_id=self.customer_id,
            channel=self.channel(),
            data=data,
            busy=self,
            on_done=self._on_saved,
            on_error=self._on_save_failed,
        )

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.answers.show_errors(exc)
            return
        messages.show_error(self, exc)

    def _on_saved(self, result: entry.EntryResult) -> None:
        subject = _("Answers of {name}").format(name=self.customer_name)
        self.ctx.bus.changed(*changed_kinds(result))
        name = self.customer_name
        self.change()
        self.result.setText(result_text(result, subject))
        log.info("direct survey answers of %s recorded", name)
        self.sig_saved.emit(result)
