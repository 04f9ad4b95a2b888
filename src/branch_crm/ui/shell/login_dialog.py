"""Sign-in dialog: user name and password; Enter signs in, Esc quits."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from branch_crm.db import Database
from branch_crm.errors import AuthenticationError, CrmError
from branch_crm.i18n import _
from branch_crm.services.context import Actor
from branch_crm.services.staff.accounts import USERNAME_MAX
from branch_crm.services.staff.passwords import PASSWORD_MAX_LENGTH
from branch_crm.ui.messages import ERROR_LABEL_STYLE, error_text
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.shell.widgets import LanguageBox, heading_font
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)


class LoginDialog(QDialog):
    """Asks for user name and password and checks them with services.staff.sign_in.authenticate.

    ``actor`` holds the signed-in staff member after ``accept``. ``demo_accounts`` (lines
    such as "counter / counter-1234") are shown as a hint on a demo database.
    """

    def __init__(
        self,
        db: Database,
        branch_id: str,
        *,
        branch_name: str = "",
        demo_accounts: list[str] | None = None,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.branch_id = branch_id
        self.branch_name = branch_name
        self.demo_accounts = list(demo_accounts or [])
        self.actor: Actor | None = None
        self.setObjectName("login_dialog")
        self.setModal(True)
        fit_window(self, (440, 0))

        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("login_title")
        self.title.setFont(heading_font(self.title.font()))
        layout.addWidget(self.title)
        self.branch_label = QLabel(self)
        self.branch_label.setObjectName("login_branch")
        layout.addWidget(self.branch_label)

        self._build_form(layout, username)
        self.error = QLabel(self)
        self.error.setObjectName("login_error")
        self.error.setStyleSheet(ERROR_LABEL_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        layout.addWidget(self.error)

        self.demo = QLabel(self)
        self.demo.setObjectName("login_demo_accounts")
        self.demo.setWordWrap(True)
        self.demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo.setVisible(bool(self.demo_accounts))
        self.demo.setStyleSheet("background: #FFF4CE; padding: 6px; border-radius: 4px;")
        layout.addWidget(self.demo)

        self._build_buttons(layout)
        self.username.textEdited.connect(self._on_input_edited)
        self.password.textEdited.connect(self._on_input_edited)
        notifier().sig_language_changed.connect(self._on_language_changed)
        self.retranslate_ui()
        (self.password if username else self.username).setFocus()

    def _build_form(self, layout: QVBoxLayout, username: str) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.username = QLineEdit(username, self)
        self.username.setObjectName("login_username")
        self.username.setMaxLength(USERNAME_MAX)
        self.password = QLineEdit(self)
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(PASSWORD_MAX_LENGTH)
        self.language = LanguageBox(self)
        self.language.setObjectName("login_language")
        self.username_label = QLabel(self)
        self.password_label = QLabel(self)
        self.language_label = QLabel(self)
        self.username_label.setBuddy(self.username)
        self.password_label.setBuddy(self.password)
        self.language_label.setBuddy(self.language)
        form.addRow(self.username_label, self.username)
        form.addRow(self.password_label, self.password)
        form.addRow(self.language_label, self.language)
        layout.addLayout(form)

    def _build_buttons(self, layout: QVBoxLayout) -> None:
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("login_ok")
        self.ok_button.setDefault(True)
        self.quit_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setObjectName("login_quit")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Sign in — Branch CRM"))
        self.title.setText(_("Sign in to Branch CRM"))
        branch = f"{self.branch_id} · {self.branch_name}" if self.branch_name else self.branch_id
        self.branch_label.setText(_("Branch: {branch}").format(branch=branch))
        self.username_label.setText(_("&User name:"))
        self.password_label.setText(_("&Password:"))
        self.language_label.setText(_("&Language:"))
        self.ok_button.setText(_("Sign in"))
        self.quit_button.setText(_("Quit"))
        self.ok_button.setToolTip(_("Sign in (Enter)"))
        self.quit_button.setToolTip(_("Quit Branch CRM (Esc)"))
        for widget, name in (
            (self.username, _("User name")),
            (self.password, _("Password")),
            (self.language, _("Language")),
            (self.ok_button, _("Sign in")),
            (self.quit_button, _("Quit")),
            (self.error, _("Sign-in problem")),
        ):
            widget.setAccessibleName(name)
        self.setAccessibleName(_("Sign in"))
        if self.demo_accounts:
            self.demo.setText(
                _("Demo database. Demo accounts (user name / password):")
                + "\n"
                + "\n".join(self.demo_accounts)
            )
        self.language.retranslate_ui()

    def _on_language_changed(self, _language: str) -> None:
        self.retranslate_ui()

    def _on_input_edited(self, _text: str) -> None:
        self.error.setVisible(False)

    def show_error(self, message: str) -> None:
        """Show a sign-in problem in red under the fields."""
        self.error.setText(message)
        self.error.setVisible(True)

    def error_message(self) -> str:
        """The problem shown now ('' if none)."""
        return self.error.text() if not self.error.isHidden() else ""

    def submit(self) -> None:
        """Check the credentials; accept on success, otherwise say why and stay open."""
        from branch_crm.services.staff.sign_in import authenticate

        username = self.username.text().strip()
        if not username:
            self.show_error(_("Enter your user name."))
            self.username.setFocus()
            return
        if not self.password.text():
            self.show_error(_("Enter your password."))
            self.password.setFocus()
            return
        try:
            with self.db.session(branch_id=self.branch_id) as session:
                self.actor = authenticate(
                    session=session,
                    username=username,
                    password=self.password.text(),
                    branch_id=self.branch_id,
                )
        except AuthenticationError as exc:
            self.password.clear()
            self.password.setFocus()
            self.show_error(exc.message)
            return
        except CrmError as exc:
            self.show_error(exc.message)
            return
        except Exception as exc:  # never a traceback in front of a user
            log.exception("sign-in failed")
            self.show_error(error_text(exc, self.db.path))
            return
        self.accept()
