"""The customer profile window: details form, pickup preferences, classification, timeline
and the buttons other features add (counter.hooks PROFILE_ACTIONS, e.g. "New complaint")."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError, DuplicatePhoneError, ValidationError
from branch_crm.i18n import _
from branch_crm.reference.roles import Permission
from branch_crm.services.customers.profile import (
    CustomerView,
    create_customer,
    get_customer,
    list_account_managers,
    update_customer,
)
from branch_crm.services.customers.validation import CustomerInput, validate_customer
from branch_crm.services.permissions import allowed
from branch_crm.services.timeline import customer_timeline
from branch_crm.services.timeline_entry import TimelineEntry
from branch_crm.ui import keys, messages
from branch_crm.ui.attachments.strip import AttachmentStrip
from branch_crm.ui.context import AppContext
from branch_crm.ui.counter import hooks
from branch_crm.ui.counter.hooks import CustomerAction
from branch_crm.ui.counter.preferences_editor import PreferencesEditor
from branch_crm.ui.counter.profile_form import CustomerForm
from branch_crm.ui.counter.profile_panels import ProfileSide
from branch_crm.ui.counter.widgets import error_palette
from branch_crm.ui.icons import icon
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.widgets.screen_fit import fit_window, remember_splitter, scrolling

log = logging.getLogger(__name__)


class CustomerProfileDialog(QDialog):
    """Create or edit one customer. A refused save writes nothing and keeps what was typed."""

    sig_created = Signal(str)
    sig_saved = Signal(object)
    """The stored CustomerView after each successful save."""
    sig_open_customer = Signal(str)
    """Another customer's profile is asked for (the owner of a duplicate phone); whoever
    manages profile windows opens it (counter.actions)."""

    def __init__(
        self,
        ctx: AppContext,
        *,
        customer_id: str | None = None,
        prefill_name: str = "",
        prefill_phone: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("customerProfile")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.ctx = ctx
        self.customer_id = customer_id
        self.view: CustomerView | None = None
        self._initial: CustomerInput | None = None
        self._close_confirmed = False
        self._message_is_error = False
        self.can_edit = allowed(ctx.actor, Permission.CUSTOMER_EDIT)
        self._action_buttons: list[tuple[QPushButton, CustomerAction]] = []
        self._build()
        self._connect()
        fit_window(self, (1300, 720))
        if customer_id is not None:
            self.reload()
        else:
            self.form.set_prefill(name=prefill_name, phone=prefill_phone)
            self._initial = CustomerInput(name="", phones=[])
        self._update_state()
        self.retranslate_ui()
        self.form.name.setFocus()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        try:
            managers = self.ctx.read(list_account_managers)
        except CrmError:
            log.exception("account managers could not be listed")
            managers = []
        self.message = QLabel(self)
        self.message.setObjectName("profileMessage")
        self.message.setWordWrap(True)
        self.form = CustomerForm(self.ctx, managers=managers, parent=self)
        self.form.set_read_only(not self.can_edit)
        scroll = scrolling(self.form, self)
        # the customer timeline beside the form already lists preference changes
        self.preferences = PreferencesEditor(self.ctx, show_history=False, parent=self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("profileTabs")
        self.tabs.addTab(scroll, "")
        self.tabs.addTab(scrolling(self.preferences, self), "")  # low screens scroll
        self.attachments: AttachmentStrip | None = None
        if self.customer_id is not None:  # a new customer gets attachments once saved
            self.attachments = AttachmentStrip(self.ctx, "customer", self.customer_id, self)
            page = QWidget(self)
            column = QVBoxLayout(page)
            column.addWidget(self.attachments)
            column.addStretch(1)
            self.tabs.addTab(page, "")
        self.side = ProfileSide(hooks.timeline_icon, self)
        splitter = QSplitter(self)
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([820, 460])  # the timeline needs room for what happened and who
        remember_splitter(splitter, "customerProfile")
        self.splitter = splitter
        self.actions_row = QHBoxLayout()
        self.save_button = QPushButton(self)
        self.save_button.setIcon(icon("save"))
        self.save_button.setObjectName("profileSave")
        self.save_button.setAutoDefault(False)
        self.close_button = QPushButton(self)
        self.close_button.setIcon(icon("close"))
        self.close_button.setObjectName("profileClose")
        self.close_button.setAutoDefault(False)
        self.actions_row.addStretch(1)
        self.actions_row.addWidget(self.save_button)
        self.actions_row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.actions_row)
        self._add_feature_buttons()

    def _add_feature_buttons(self) -> None:
        for spec in hooks.PROFILE_ACTIONS:
            if spec.permission is not None and not allowed(self.ctx.actor, spec.permission):
                continue
            button = QPushButton(self)
            button.setObjectName(f"customerAction_{spec.icon}")
            button.setIcon(hooks.icon(spec.icon))
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=spec: self._run_action(s))
            if spec.shortcut:
                keys.shortcut(self, spec.shortcut, button.click, spec.label)
            self.actions_row.insertWidget(len(self._action_buttons), button)
            self._action_buttons.append((button, spec))

    def _connect(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.reject)
        self.form.sig_open_customer.connect(self.sig_open_customer)
        self.form.sig_changed.connect(self._update_state)
        self.preferences.form.sig_saved.connect(self._on_preferences_saved)
        self.side.timeline.sig_entry_opened.connect(self._open_entry)
        self.form.sig_changed.connect(self._clear_saved_banner)
        self.preferences.form.sig_changed.connect(self._clear_saved_banner)
        # one Ctrl+S for the window, saving the tab in front: the preferences form's own
        # Ctrl+S would make the key ambiguous there, and Qt then fires neither
        self.preferences.form.save_shortcut.setEnabled(False)
        keys.save_shortcut(self, self.save)
        self.ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        notifier().sig_language_changed.connect(self._on_language_changed)

    def _on_language_changed(self, _language: str) -> None:
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.form.retranslate_ui()
        self.preferences.retranslate_ui()
        self.side.retranslate_ui()
        self.tabs.setTabText(0, _("D&etails"))
        self.tabs.setTabText(1, _("P&ickup preferences"))
        if self.attachments is not None:
            self.tabs.setTabText(2, _("Attac&hments"))
            self.attachments.retranslate_ui()
        self.save_button.setText(_("Save"))
        self.save_button.setToolTip(_("Save (Ctrl+S)"))
        self.save_button.setAccessibleName(_("Save customer"))
        self.close_button.setText(_("Close"))
        self.close_button.setToolTip(_("Close (Esc)"))
        self.close_button.setAccessibleName(_("Close"))
        for button, spec in self._action_buttons:
            button.setText(_(spec.label))
            button.setAccessibleName(_(spec.label).replace("&", ""))
            if spec.shortcut:
                native = QKeySequence(spec.shortcut).toString(
                    QKeySequence.SequenceFormat.NativeText
                )
                button.setToolTip(f"{_(spec.label).replace('&', '')} ({native})")
        self._update_title()

    def _update_title(self) -> None:
        if self.view is None:
            self.setWindowTitle(_("New customer"))
        else:
            self.setWindowTitle(_("Customer: {name}").format(name=self.view.name))
        self.setAccessibleName(self.windowTitle())

    # -- state ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the customer, its classification and timeline again."""
        assert self.customer_id is not None
        try:
            view = self.ctx.read(get_customer, customer_id=self.customer_id)
        except CrmError as exc:
            self._show_message(exc.message, error=True)
            return
        self._show_view(view)
        self.preferences.load(self.customer_id)

    def _show_view(self, view: CustomerView) -> None:
        self.view = view
        self.customer_id = view.id
        self.form.set_customer(view)
        self._initial = self.form.value()
        self.side.derived.set_value(view.classification, repeat_complainer=view.repeat_complainer)
        self._reload_timeline()
        self._update_title()
        self._update_state()

    def _reload_timeline(self) -> None:
        if self.customer_id is None:
            return
        try:
            entries = self.ctx.read(customer_timeline, customer_id=self.customer_id)
        except CrmError:
            log.exception("timeline of %s failed", self.customer_id)
            entries = []
        self.side.timeline.set_entries(entries)

    def _update_state(self) -> None:
        saved = self.customer_id is not None
        self.tabs.setTabEnabled(1, saved)
        self.save_button.setEnabled(self.can_edit or self.tabs.currentIndex() == 1)
        for button, _spec in self._action_buttons:
            button.setEnabled(saved)

    def is_dirty(self) -> bool:
        """True when either tab holds unsaved changes."""
        return self.form.value() != self._initial or self.preferences.form.is_dirty()

    def _clear_saved_banner(self) -> None:
        """A "saved" banner is stale as soon as anything changes again."""
        if not self._message_is_error:
            self.message.clear()

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self._message_is_error = error
        self.message.setText(text)
        if error:
            error_palette(self.message)
        else:
            self.message.setPalette(self.palette())

    # -- saving ---------------------------------------------------------------------------
    def save(self) -> bool:
        """Save the tab in front (details or pickup preferences); True when the save was
        sent to the database thread (its outcome shows when it is done)."""
        self._clear_saved_banner()
        if self.tabs.currentIndex() == 1:
            return self.preferences.form.save()
        return self.save_customer()

    def save_customer(self) -> bool:
        """Validate and store the details; on refusal show each message beside its field.
        False when refused before anything was sent; what was typed stays either way."""
        if not self.can_edit:
            return False
        data = self.form.value()
        problems = validate_customer(data)
        if problems:
            self._refused(ValidationError(problems))
            return False
        saved, failed = self._on_customer_saved, self._on_customer_save_failed
        if self.customer_id is None:
            job = self.ctx.write(
                create_customer, data=data, busy=self, on_done=saved, on_error=failed
            )
        else:
            job = self.ctx.write(
                update_customer,
                customer_id=self.customer_id,
                data=data,
                busy=self,
                on_done=saved,
                on_error=failed,
            )
        return job is not None

    def _on_customer_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DuplicatePhoneError):
            self._refused(exc)
            field = next(iter(exc.fields), "phones.0")
            message = exc.fields.get(field)
            self.form.show_duplicate(field, exc.customer_id, exc.customer_name, message)
        elif isinstance(exc, ValidationError):
            self._refused(exc)
        else:
            self._show_message(messages.error_text(exc, self.ctx.db.path), error=True)

    def _on_customer_saved(self, view: CustomerView) -> None:
        created = self.customer_id is None
        self._show_view(view)
        self.preferences.load(view.id)
        self._show_message(_("Saved."))
        self.ctx.bus.changed("customer")
        if created:
            self.sig_created.emit(view.id)
        self.sig_saved.emit(view)

    def _refused(self, exc: ValidationError) -> None:
        loose = self.form.show_errors(exc.fields)
        highlighted = len(loose) < len(exc.fields)
        text = messages.banner_text(loose, highlighted=highlighted, error=exc)
        self._show_message(text or exc.message, error=True)
        self.tabs.setCurrentIndex(0)

    # -- other ---------------------------------------------------------------------------
    def _on_preferences_saved(self, _view: object) -> None:
        self._show_message(_("Pickup preferences saved."))
        self._reload_timeline()

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if self.customer_id is None:
            return
        if "complaint" in what:
            self._refresh_derived()  # read-only panel: safe while the form has edits
        if self.is_dirty():
            return
        if what & {"complaint", "survey", "visit", "care", "training"}:
            self._reload_timeline()

    def _refresh_derived(self) -> None:
        """Classification and repeat-complainer flag again (a complaint was taken or moved)."""
        assert self.customer_id is not None
        try:
            view = self.ctx.read(get_customer, customer_id=self.customer_id)
        except CrmError:
            log.exception("refreshing customer %s failed", self.customer_id)
            return
        self.side.derived.set_value(view.classification, repeat_complainer=view.repeat_complainer)

    def _open_entry(self, entry: TimelineEntry) -> None:
        """Enter / double click on the timeline: a change of the customer shows the details,
        a preference recording the preferences tab, anything else opens where it lives."""
        tab = {"customer": 0, "preference": 1}.get(entry.kind)
        if tab is not None:
            self.tabs.setCurrentIndex(tab)
            self.tabs.currentWidget().setFocus()
            return
        hooks.open_timeline_entry(self.ctx, entry, self)

    def _run_action(self, spec: CustomerAction) -> None:
        if self.customer_id is None:
            return
        try:
            spec.handler(self.ctx, self.customer_id, self)
        except CrmError as exc:
            messages.show_error(self, exc)

    def _may_close(self) -> bool:
        """True when nothing unsaved would be lost or the user agrees to lose it."""
        if self._close_confirmed or not self.is_dirty():
            return True
        if messages.confirm(self, _("Discard the changes you have not saved?")):
            self._close_confirmed = True
            return True
        return False

    def reject(self) -> None:
        """Esc / Close: ask before throwing away unsaved changes."""
        if self._may_close():
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        super().closeEvent(event)
