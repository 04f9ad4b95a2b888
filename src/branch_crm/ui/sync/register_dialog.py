"""Register this PC with head office: its address and the one-time code from
``branch-crm-hq branch add``. The exchange runs on the network pool; problems show in words
under the form and the dialog stays open to correct them."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from branch_crm import install_defaults
from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import allowed
from branch_crm.services.syncing.service import Registration, register_with_writer
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.messages import ERROR_LABEL_STYLE
from branch_crm.ui.sync.controller import controller_for
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)


def may_register(actor: Actor) -> bool:
    """Registering a PC is set-up work: people who may edit settings."""
    return allowed(actor, Permission.SETTINGS_EDIT)


class RegisterDialog(QDialog):
    """Head-office URL + registration code -> this PC's token (kept in the credential store)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller_for(ctx)
        self.registration: Registration | None = None
        self.busy = False
        self.setObjectName("sync_register_dialog")
        fit_window(self, (480, 0))
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        self.url = QLineEdit(self)
        self.url.setObjectName("sync_register_url")
        self.url.setPlaceholderText("https://hq.example.com")
        status = self.controller.status
        if status is not None and status.hq_url:
            self.url.setText(status.hq_url)
        elif preset := install_defaults.preset("hq.url"):  # IT's /HQURL= at install
            self.url.setText(preset)
        self.code = QLineEdit(self)
        self.code.setObjectName("sync_register_code")
        self.url_label, self.code_label = QLabel(self), QLabel(self)
        self.url_label.setBuddy(self.url)
        self.code_label.setBuddy(self.code)
        form.addRow(self.url_label, self.url)
        form.addRow(self.code_label, self.code)
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setObjectName("sync_register_error")
        self.error.setStyleSheet(ERROR_LABEL_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("sync_register_ok")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setObjectName("sync_register_cancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.url.textEdited.connect(self._on_edited)
        self.code.textEdited.connect(self._on_edited)
        allowed_here = may_register(ctx.actor)
        for widget in (self.url, self.code, self.ok_button):
            widget.setEnabled(allowed_here)
        self.retranslate_ui()
        if not allowed_here:
            self._show_error(_("Only an administrator may register this PC with head office."))
        (self.code if self.url.text() else self.url).setFocus()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Register with head office"))
        self.intro.setText(
            _(
                "Head office gives each PC a one-time registration code "
                "(branch-crm-hq branch add CODE NAME). Enter head office's address and the code."
            )
        )
        self.url_label.setText(_("Head-office &address:"))
        self.code_label.setText(_("Registration &code:"))
        self.url.setAccessibleName(_("Head-office address"))
        self.code.setAccessibleName(_("Registration code"))
        self.ok_button.setText(_("Register"))
        self.ok_button.setAccessibleName(_("Register with head office"))
        self.cancel_button.setText(_("Cancel"))

    def _on_edited(self, _text: str) -> None:
        self.error.setVisible(False)

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)

    def submit(self) -> None:
        """Check the fields, then exchange the code off the GUI thread."""
        if self.busy:
            return
        url, code = self.url.text().strip(), self.code.text().strip()
        if not url:
            self._show_error(_("Enter head office's address, e.g. https://hq.example.com."))
            self.url.setFocus()
            return
        if not code:
            self._show_error(_("Enter the registration code head office gave for this PC."))
            self.code.setFocus()
            return
        self._set_busy(True)
        self.ctx.submit(
            register_with_writer,
            kwargs={"url": url, "code": code},
            kind="net",
            on_result=self._on_registered,
            on_error=self._on_failed,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.url, self.code, self.ok_button):
            widget.setEnabled(not busy)
        self.ok_button.setText(_("Registering…") if busy else _("Register"))

    def _on_registered(self, registration: Registration) -> None:
        self._set_busy(False)
        self.registration = registration
        log.info("registered as branch %s with %s", registration.branch, registration.hq_url)
        self.ctx.bus.changed("sync", "settings")
        self.controller.refresh_status()
        messages.info(
            self,
            _(
                "Registered as branch {branch} ({name}) with {url}. The first sync starts now."
            ).format(
                branch=registration.branch, name=registration.branch_name, url=registration.hq_url
            ),
        )
        self.controller.sync_now()
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, CrmError):
            self._show_error(str(exc))
        else:
            log.error("registration failed", exc_info=exc)
            self._show_error(_("Registration failed unexpectedly ({reason}).").format(
                reason=type(exc).__name__))  # fmt: skip
