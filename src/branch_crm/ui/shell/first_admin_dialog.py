"""First start: create the administrator account and name the branch."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QLabel, QLineEdit, QWidget

from branch_crm.db import Database
from branch_crm.errors import ValidationError
from branch_crm.i18n import _
from branch_crm.models import Role
from branch_crm.services.context import Actor
from branch_crm.services.settings.form import BRANCH_CODE_MAX
from branch_crm.services.settings.form import NAME_MAX as BRANCH_NAME_MAX
from branch_crm.services.staff.accounts import DISPLAY_NAME_MAX, USERNAME_MAX, StaffView
from branch_crm.services.staff.passwords import PASSWORD_MAX_LENGTH
from branch_crm.ui.messages import FieldErrors
from branch_crm.ui.shell.start_dialog import StartDialog
from branch_crm.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

FIELDS = (
    ("branch_id", BRANCH_CODE_MAX),
    ("branch_name", BRANCH_NAME_MAX),
    ("username", USERNAME_MAX),
    ("display_name", DISPLAY_NAME_MAX),
    ("password", PASSWORD_MAX_LENGTH),
    ("password_again", PASSWORD_MAX_LENGTH),
)
"""The fields, in order, with their longest length."""


class FirstAdminDialog(StartDialog):
    """Branch code and name, then the admin's user name, name and password (twice); the admin
    is created on the database thread.

    On success ``actor`` is the new admin, signed in.
    """

    def __init__(
        self,
        db: Database,
        *,
        branch_id: str = "",
        tasks: TaskRunner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(db, name="first_admin", tasks=tasks, width=520, parent=parent)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setObjectName("first_admin_intro")
        self.layout_.addWidget(self.intro)
        form = self.new_form()
        self.fields: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for name, max_length in FIELDS:
            edit = QLineEdit(self)
            edit.setObjectName(f"first_admin_{name}")
            edit.setMaxLength(max_length)
            if name.startswith("password"):
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            label = QLabel(self)
            label.setBuddy(edit)
            form.addRow(label, edit)
            self.fields[name] = edit
            self.labels[name] = label
        self.fields["branch_id"].setText(branch_id)
        self.add_language_row(form)
        self.layout_.addLayout(form)
        self.errors = FieldErrors(self)
        for name, edit in self.fields.items():
            self.errors.add(name, edit)
        self.add_error_and_buttons()
        self.retranslate_ui()
        (self.fields["branch_name"] if branch_id else self.fields["branch_id"]).setFocus()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        super().retranslate_ui()
        self.setWindowTitle(_("First start — Branch CRM"))
        self.title.setText(_("Welcome to Branch CRM"))
        self.intro.setText(
            _(
                "This computer has no staff accounts yet. Enter your branch and create the"
                " administrator account; the administrator then adds the other staff."
            )
        )
        texts = {
            "branch_id": (_("&Branch code:"), _("Branch code")),
            "branch_name": (_("Branch &name:"), _("Branch name")),
            "username": (_("&User name:"), _("User name")),
            "display_name": (_("&Your name:"), _("Your name")),
            "password": (_("&Password:"), _("Password")),
            "password_again": (_("Password &again:"), _("Password again")),
        }
        for name, (label, accessible) in texts.items():
            self.labels[name].setText(label)
            self.fields[name].setAccessibleName(accessible)
        self.fields["branch_id"].setPlaceholderText(_("for example BR001"))
        self.fields["password"].setPlaceholderText(_("at least 8 characters"))
        self.ok_button.setText(_("Create administrator"))
        self.ok_button.setAccessibleName(_("Create administrator"))
        self.setAccessibleName(_("First start"))

    def values(self) -> dict[str, str]:
        """What was typed, by field name."""
        return {name: edit.text() for name, edit in self.fields.items()}

    def submit(self) -> None:
        """Create the admin on the database thread; field problems appear beside the fields."""
        from branch_crm.services.staff.accounts import create_first_admin

        values = self.values()
        self.error.setVisible(False)
        if values["password"] != values["password_again"]:
            self.errors.show({"password_again": _("The two passwords differ.")})
            return
        code = values["branch_id"].strip().upper()
        del values["password_again"]
        self.write(
            create_first_admin,
            {**values, "branch_id": code},
            branch=code or "?",
            on_done=lambda view: self._created(view, code),
            on_error=self._refused,
        )

    def _created(self, view: StaffView, code: str) -> None:
        self.actor = Actor(view.id, view.username, view.display_name, Role.ADMIN, code)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc)
            if unplaced:
                self.show_error("\n".join(unplaced.values()))
            return
        self.show_error(self.problem_text(exc))
