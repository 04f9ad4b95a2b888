"""The customer create/edit form: every CustomerInput field with its message beside it."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.services.customers.profile import CustomerView
from branch_crm.services.customers.search import format_phone, search_customers
from branch_crm.services.customers.validation import CustomerInput, normalize_phone
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter.labels import (
    CUSTOMER_TYPES,
    NEED_TAGS,
    PHONE_KINDS,
    VISIT_CLASSES,
    label,
)
from branch_crm.ui.counter.widgets import (
    OptionalDateEdit,
    business_today,
    error_palette,
    ok_palette,
)
from branch_crm.ui.messages import FieldErrors

log = logging.getLogger(__name__)

PHONE_SLOTS = 3
NAME_MAX, COMPANY_MAX, ADDRESS_MAX, PHONE_MAX, NOTES_MAX = 50, 100, 200, 24, 2000
REQUIRED = ("name", "phones.0")


class PhoneField(QObject):
    """A phone line edit with inline normalisation feedback and a duplicate-owner link.

    The three widgets belong to the form's grid: edit | feedback | link.
    """

    sig_open_customer = Signal(str)

    def __init__(
        self, slot: int, lookup: Callable[[str], tuple[str, str] | None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.slot = slot
        self._lookup = lookup
        self.duplicate_of: str | None = None
        self.edit = QLineEdit(parent)
        self.edit.setObjectName(f"field_phones_{slot}")
        self.edit.setMaxLength(PHONE_MAX)
        self.feedback = QLabel(parent)
        self.feedback.setObjectName(f"feedback_phones_{slot}")
        self.feedback.setWordWrap(True)
        self.link = QPushButton(parent)
        self.link.setObjectName(f"duplicate_phones_{slot}")
        self.link.setFlat(True)
        self.link.setCursor(Qt.CursorShape.PointingHandCursor)
        self.link.setStyleSheet("color: #1565c0; text-decoration: underline; text-align: left;")
        self.link.hide()
        self.edit.textChanged.connect(self._on_edit_text_changed)
        self.edit.editingFinished.connect(self._on_edit_editing_finished)
        self.link.clicked.connect(self._on_link_clicked)

    def text(self) -> str:
        """What was typed (stripped)."""
        return self.edit.text().strip()

    def _on_edit_text_changed(self, _text: str) -> None:
        self.show_duplicate(None, "")
        self.check(final=False)

    def _on_edit_editing_finished(self) -> None:
        digits = self.check(final=True)
        if digits:
            found = self._lookup(digits)
            if found:
                self.show_duplicate(found[0], found[1])

    def check(self, *, final: bool) -> str | None:
        """Show the normalised number (green) or what is wrong (red, once typing ends)."""
        raw = self.text()
        if not raw:
            self.feedback.clear()
            return None
        try:
            digits, kind = normalize_phone(raw)
        except ValueError as exc:
            if final or sum(c.isdigit() for c in raw) >= 11:
                error_palette(self.feedback)
                self.feedback.setText(str(exc))
            else:
                self.feedback.clear()
            return None
        ok_palette(self.feedback)
        self.feedback.setText(
            _("✓ {number} ({kind})").format(
                number=format_phone(digits), kind=label(PHONE_KINDS, kind)
            )
        )
        return digits

    def show_error(self, message: str) -> None:
        """A message from the save, in red beside the number."""
        error_palette(self.feedback)
        self.feedback.setText(message)

    def show_duplicate(
        self, customer_id: str | None, name: str, message: str | None = None
    ) -> None:
        """Offer a link to the customer who already has this number (None hides it)."""
        self.duplicate_of = customer_id
        if customer_id is None:
            self.link.hide()
            return
        error_palette(self.feedback)
        self.feedback.setText(message or _("Already used by another customer"))
        self.link.setText(_("Open {name}").format(name=name or _("that customer")))
        self.link.setAccessibleName(self.link.text())
        self.link.show()

    def _on_link_clicked(self) -> None:
        if self.duplicate_of:
            self.sig_open_customer.emit(self.duplicate_of)


class CustomerForm(QWidget):
    """Create/edit form; ``field_widgets`` maps CustomerInput field names to their widgets."""

    sig_changed = Signal()
    sig_open_customer = Signal(str)

    def __init__(
        self, ctx: AppContext, *, managers: list[tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.customer_id: str | None = None
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(1, 5)
        self.grid.setColumnStretch(2, 4)
        self._row = 0
        self.field_errors = FieldErrors(self)
        self._phone_errors: set[int] = set()
        self.captions: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}
        self.field_widgets: dict[str, QWidget] = {}
        self._build(managers)
        self._set_tab_order()
        self.retranslate_ui()

    # -- construction ---------------------------------------------------------------------
    def _line(self, field: str, max_length: int) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(f"field_{field}")
        edit.setMaxLength(max_length)
        edit.textChanged.connect(self._on_any_changed)
        return edit

    def _add_row(
        self, field: str, widget: QWidget, error: QLabel | None = None, extra: QWidget | None = None
    ) -> None:
        """Caption | widget | message beside it | optional extra (the duplicate link)."""
        caption = QLabel(self)
        caption.setBuddy(widget.focusProxy() or widget)
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if error is None:
            error = QLabel(self)
            error.setWordWrap(True)
            self.field_errors.add(field, widget, error)
        self.grid.addWidget(caption, self._row, 0)
        self.grid.addWidget(widget, self._row, 1)
        self.grid.addWidget(error, self._row, 2)
        if extra is not None:
            self.grid.addWidget(extra, self._row, 3)
        self._row += 1
        self.captions[field] = caption
        self.errors[field] = error
        self.field_widgets[field] = widget

    def _build(self, managers: list[tuple[str, str]]) -> None:
        self.name = self._line("name", NAME_MAX)
        self._add_row("name", self.name)
        self.phones: list[PhoneField] = []
        for slot in range(PHONE_SLOTS):
            field = PhoneField(slot, self._phone_owner, self)
            field.edit.textChanged.connect(self._on_any_changed)
            field.sig_open_customer.connect(self.sig_open_customer)
            self.phones.append(field)
            self._add_row(f"phones.{slot}", field.edit, field.feedback, field.link)
        self.customer_type = QComboBox(self)
        self.customer_type.setObjectName("field_customer_type")
        for code in CUSTOMER_TYPES:
            self.customer_type.addItem(code, code)
        self.customer_type.currentIndexChanged.connect(self._on_any_changed)
        self._add_row("customer_type", self.customer_type)
        self.company = self._line("company", COMPANY_MAX)
        self._add_row("company", self.company)
        self.address = self._line("address", ADDRESS_MAX)
        self._add_row("address", self.address)
        self.birthday = OptionalDateEdit(
            "field_birthday", default=business_today().addYears(-35), parent=self
        )
        self.birthday.sig_changed.connect(self._on_any_changed)
        self._add_row("birthday", self.birthday)
        self.first_shipment_date = OptionalDateEdit("field_first_shipment_date", parent=self)
        self.first_shipment_date.sig_changed.connect(self._on_any_changed)
        self._add_row("first_shipment_date", self.first_shipment_date)
        self.account_manager = QComboBox(self)
        self.account_manager.setObjectName("field_account_manager_id")
        self.account_manager.addItem("", None)
        for staff_id, name in managers:
            self.account_manager.addItem(name, staff_id)
        self.account_manager.currentIndexChanged.connect(self._on_any_changed)
        self._add_row("account_manager_id", self.account_manager)
        self._build_need_tags()
        self.visit_class = QComboBox(self)
        self.visit_class.setObjectName("field_visit_class")
        self.visit_class.addItem("", None)
        for code in VISIT_CLASSES:
            self.visit_class.addItem(code, code)
        self.visit_class.currentIndexChanged.connect(self._on_any_changed)
        self._add_row("visit_class", self.visit_class)
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("field_notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(72)
        self.notes.textChanged.connect(self._on_notes_changed)
        self._add_row("notes", self.notes)
        self.marketing_consent = QCheckBox(self)
        self.marketing_consent.setObjectName("field_marketing_consent")
        self.marketing_consent.toggled.connect(self._on_any_changed)
        self._add_row("marketing_consent", self.marketing_consent)
        self.grid.setRowStretch(self._row, 1)

    def _build_need_tags(self) -> None:
        box = QWidget(self)
        box.setObjectName("field_need_tags")
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.need_tags: dict[str, QCheckBox] = {}
        for i, code in enumerate(NEED_TAGS):
            check = QCheckBox(box)
            check.setObjectName(f"field_need_tags_{code}")
            check.toggled.connect(self._on_any_changed)
            grid.addWidget(check, i // 3, i % 3)
            self.need_tags[code] = check
        box.setFocusProxy(next(iter(self.need_tags.values())))
        self._add_row("need_tags", box)

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [self.name, *(p.edit for p in self.phones), self.customer_type]
        chain += [self.company, self.address, self.birthday.check, self.birthday.edit]
        chain += [self.first_shipment_date.check, self.first_shipment_date.edit]
        chain += [self.account_manager, *self.need_tags.values(), self.visit_class]
        chain += [self.notes, self.marketing_consent]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        captions = {
            "name": _("&Name"),
            "phones.0": _("&Phone"),
            "phones.1": _("Phone &2"),
            "phones.2": _("Phone &3"),
            "customer_type": _("T&ype"),
            "company": _("C&ompany"),
            "address": _("A&ddress"),
            "birthday": _("&Birthday"),
            "first_shipment_date": _("&First shipment"),
            "account_manager_id": _("Account &manager"),
            "need_tags": _("Needs"),
            "visit_class": _("&Visit class"),
            "notes": _("No&tes"),
            "marketing_consent": _("Marketing"),
        }
        for field, text in captions.items():
            mark = " *" if field in REQUIRED else ""
            self.captions[field].setText(text + mark)
            widget = self.field_widgets[field]
            target = widget.focusProxy() or widget
            target.setAccessibleName(text.replace("&", ""))
            if field in REQUIRED:
                target.setToolTip(_("Required"))
        self.name.setPlaceholderText(_("Required, up to {n} characters").format(n=NAME_MAX))
        self.phones[0].edit.setPlaceholderText(_("Mobile 138… or landline 021-…; +86 allowed"))
        for index, code in enumerate(CUSTOMER_TYPES):
            self.customer_type.setItemText(index, label(CUSTOMER_TYPES, code))
        self.account_manager.setItemText(0, _("(none)"))
        self.visit_class.setItemText(0, _("(none)"))
        for index, code in enumerate(VISIT_CLASSES, start=1):
            self.visit_class.setItemText(index, label(VISIT_CLASSES, code))
        for code, check in self.need_tags.items():
            check.setText(label(NEED_TAGS, code))
        self.marketing_consent.setText(_("Agrees to receive offers and greetings"))
        self.birthday.retranslate_ui()
        self.first_shipment_date.retranslate_ui()

    # -- values ---------------------------------------------------------------------------
    def value(self) -> CustomerInput:
        """What the form holds, as the service's input (phones raw, as typed)."""
        phones = [p.text() for p in self.phones]
        while phones and not phones[-1]:
            phones.pop()
        return CustomerInput(
            name=self.name.text().strip(),
            phones=phones,
            customer_type=self.customer_type.currentData(),
            company=self.company.text().strip() or None,
            address=self.address.text().strip() or None,
            birthday=self.birthday.value(),
            first_shipment_date=self.first_shipment_date.value(),
            account_manager_id=self.account_manager.currentData(),
            need_tags=[c for c, check in self.need_tags.items() if check.isChecked()],
            visit_class=self.visit_class.currentData(),
            notes=self.notes.toPlainText().strip() or None,
            marketing_consent=self.marketing_consent.isChecked(),
        )

    def set_prefill(self, *, name: str = "", phone: str = "") -> None:
        """Start a new customer with what the counter typed in the lookup."""
        self.name.setText(name[:NAME_MAX])
        self.phones[0].edit.setText(phone[:PHONE_MAX])

    def set_customer(self, view: CustomerView) -> None:
        """Show a stored customer."""
        self.customer_id = view.id
        self.name.setText(view.name)
        for slot, field in enumerate(self.phones):
            field.edit.setText(view.phones[slot].display if slot < len(view.phones) else "")
        self._select(self.customer_type, view.customer_type)
        self.company.setText(view.company or "")
        self.address.setText(view.address or "")
        self.birthday.set_value(view.birthday)
        self.first_shipment_date.set_value(view.first_shipment_date)
        if view.account_manager_id and self.account_manager.findData(view.account_manager_id) < 0:
            self.account_manager.addItem(view.account_manager_name or "?", view.account_manager_id)
        self._select(self.account_manager, view.account_manager_id)
        for code, check in self.need_tags.items():
            check.setChecked(code in view.need_tags)
        self._select(self.visit_class, view.visit_class)
        self.notes.setPlainText(view.notes or "")
        self.marketing_consent.setChecked(view.marketing_consent)
        self.clear_errors()

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        combo.setCurrentIndex(max(0, combo.findData(value)))

    def set_read_only(self, read_only: bool) -> None:
        """Couriers see customers but may not change them."""
        for widget in self.field_widgets.values():
            widget.setEnabled(not read_only)

    # -- messages -------------------------------------------------------------------------
    def show_errors(self, fields: dict[str, str]) -> list[str]:
        """Put each message beside its field; returns messages without a field of their own."""
        self.clear_errors()
        phones = {k: v for k, v in fields.items() if k == "phones" or k.startswith("phones.")}
        others = {k: v for k, v in fields.items() if k not in phones}
        loose = list(self.field_errors.show(others).values())
        for key, message in phones.items():
            slot = _phone_slot(key)
            self.phones[slot].show_error(message)
            self._phone_errors.add(slot)
        first = next((f for f in self.field_widgets if self.error_text(f)), None)
        if first is not None:
            widget = self.field_widgets[first]
            (widget.focusProxy() or widget).setFocus(Qt.FocusReason.OtherFocusReason)
        return loose

    def error_text(self, field: str) -> str:
        """The message shown beside ``field`` ("" when none)."""
        if field.startswith("phones."):
            slot = _phone_slot(field)
            return self.phones[slot].feedback.text() if slot in self._phone_errors else ""
        return self.field_errors.message(field)

    def clear_errors(self) -> None:
        """Remove every field message (phones show their normal feedback again)."""
        self.field_errors.clear()
        for slot in self._phone_errors:
            self.phones[slot].check(final=True)
        self._phone_errors.clear()

    def show_duplicate(
        self, field: str, customer_id: str, name: str, message: str | None = None
    ) -> None:
        """Link the phone field to the customer who already owns the number."""
        slot = _phone_slot(field)
        self.phones[slot].show_duplicate(customer_id, name, message)
        self._phone_errors.add(slot)

    def _phone_owner(self, digits: str) -> tuple[str, str] | None:
        """(id, name) of another live customer with this exact number, if any."""
        try:
            hits = self.ctx.read(search_customers, query=digits, limit=5)
        except Exception:  # the save will check again; inline help must never break typing
            log.exception("duplicate phone check failed")
            return None
        for hit in hits:
            if hit.match == "phone" and hit.customer_id != self.customer_id:
                return hit.customer_id, hit.name
        return None

    def _on_notes_changed(self) -> None:
        text = self.notes.toPlainText()
        if len(text) > NOTES_MAX:
            cursor = self.notes.textCursor()
            self.notes.setPlainText(text[:NOTES_MAX])
            cursor.setPosition(NOTES_MAX)
            self.notes.setTextCursor(cursor)
        self._on_any_changed()

    def _on_any_changed(self, *_args: object) -> None:
        source = self.sender()
        if source is not None:
            for slot in list(self._phone_errors):
                if source is self.phones[slot].edit:  # its feedback re-checks as it changes
                    self._phone_errors.discard(slot)
            if _is_within(source, self.field_widgets["need_tags"]):
                self.field_errors.clear("need_tags")
        self.sig_changed.emit()


def _phone_slot(field: str) -> int:
    """0, 1 or 2 from "phones.1"; "phones" means the first."""
    try:
        return min(max(int(field.split(".")[1]), 0), PHONE_SLOTS - 1)
    except (IndexError, ValueError):
        return 0


def _is_within(obj: object, widget: QWidget) -> bool:
    """True when ``obj`` is ``widget`` or one of its children."""
    current = obj
    while isinstance(current, QWidget):
        if current is widget:
            return True
        current = current.parentWidget()
    return False
