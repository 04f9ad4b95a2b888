"""Sign-in dialog: user name and password; Enter signs in, Esc quits."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from branch_crm.db import Database
from branch_crm.errors import AuthenticationError
from branch_crm.i18n import _
from branch_crm.services.context import Actor
from branch_crm.services.staff.accounts import USERNAME_MAX
from branch_crm.services.staff.passwords import PASSWORD_MAX_LENGTH
from branch_crm.ui.shell.start_dialog import StartDialog
from branch_crm.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class LoginDialog(StartDialog):
    """Asks for user name and password and checks them with services.staff.sign_in.authenticate
    on the database thread (a check records the sign-in or the failed attempt).

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
        tasks: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(db, name="login", tasks=tasks, width=440, parent=parent)
        self.branch_id = branch_id
        self.branch_name = branch_name
        self.demo_accounts = list(demo_accounts or [])
        self.branch_label = QLabel(self)
        self.branch_label.setObjectName("login_branch")
        self.layout_.addWidget(self.branch_label)
        self._build_form(username)
        self.demo = QLabel(self)
        self.demo.setObjectName("login_demo_accounts")
        self.demo.setWordWrap(True)
        self.demo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.demo.setVisible(bool(self.demo_accounts))
        self.demo.setStyleSheet("background: #FFF4CE; padding: 6px; border-radius: 4px;")
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.demo)
        self.layout_.addWidget(self.buttons)
        self.username.textEdited.connect(self._on_input_edited)
        self.password.textEdited.connect(self._on_input_edited)
        self.retranslate_ui()
        (self.password if username else self.username).setFocus()

    def _build_form(self, username: str) -> None:
        form = self.new_form()
        self.username = QLineEdit(username, self)
        self.username.setObjectName("login_username")
        self.username.setMaxLength(USERNAME_MAX)
        self.password = QLineEdit(self)
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(PASSWORD_MAX_LENGTH)
        self.username_label = QLabel(self)
        self.password_label = QLabel(self)
        self.username_label.setBuddy(self.username)
        self.password_label.setBuddy(self.password)
        form.addRow(self.username_label, self.username)
        form.addRow(self.password_label, self.password)
        self.add_language_row(form)
        self.layout_.addLayout(form)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        super().retranslate_ui()
        self.setWindowTitle(_("Sign in — Branch CRM"))
        self.title.setText(_("Sign in to Branch CRM"))
        branch = f"{self.branch_id} · {self.branch_name}" if self.branch_name else self.branch_id
        self.branch_label.setText(_("Branch: {branch}").format(branch=branch))
        self.username_label.setText(_("&User name:"))
        self.password_label.setText(_("&Password:"))
        self.ok_button.setText(_("Sign in"))
        self.ok_button.setToolTip(_("Sign in (Enter)"))
        self.quit_button.setToolTip(_("Quit Branch CRM (Esc)"))
        for widget, name in (
            (self.username, _("User name")),
            (self.password, _("Password")),
            (self.ok_button, _("Sign in")),
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

    def _on_input_edited(self, _text: str) -> None:
        self.error.setVisible(False)

    def submit(self) -> None:
        """Check the credentials on the database thread; accept on success, otherwise say
        why and stay open."""
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
        credentials = {"username": username, "password": self.password.text()}
        self.write(
            authenticate,
            {**credentials, "branch_id": self.branch_id},
            branch=self.branch_id,
            on_done=self._signed_in,
            on_error=self._refused,
        )

    def _signed_in(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, AuthenticationError):
            self.password.clear()
            self.password.setFocus()
        self.show_error(self.problem_text(exc))
