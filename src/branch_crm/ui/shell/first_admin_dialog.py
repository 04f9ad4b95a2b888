"""First start: create the administrator account and name the branch."""

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

from branch_crm.db import Database
from branch_crm.errors import CrmError, ValidationError
from branch_crm.i18n import _
from branch_crm.models import Role
from branch_crm.services.context import Actor
from branch_crm.services.settings.form import BRANCH_CODE_MAX
from branch_crm.services.settings.form import NAME_MAX as BRANCH_NAME_MAX
from branch_crm.services.staff.accounts import DISPLAY_NAME_MAX, USERNAME_MAX
from branch_crm.services.staff.passwords import PASSWORD_MAX_LENGTH
from branch_crm.ui.messages import ERROR_LABEL_STYLE, FieldErrors, error_text
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.shell.widgets import LanguageBox, heading_font
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)


class FirstAdminDialog(QDialog):
    """Branch code and name, then the admin's user name, name and password (twice).

    On success ``actor`` is the new admin, signed in.
    """

    def __init__(self, db: Database, *, branch_id: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self.setObjectName("first_admin_dialog")
        self.setModal(True)
        fit_window(self, (520, 0))
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setFont(heading_font(self.title.font()))
        self.title.setObjectName("first_admin_title")
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setObjectName("first_admin_intro")
        layout.addWidget(self.title)
        layout.addWidget(self.intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLineEdit] = {}
        self.labels: dict[str, QLabel] = {}
        for name, max_length in (
            ("branch_id", BRANCH_CODE_MAX),
            ("branch_name", BRANCH_NAME_MAX),
            ("username", USERNAME_MAX),
            ("display_name", DISPLAY_NAME_MAX),
            ("password", PASSWORD_MAX_LENGTH),
            ("password_again", PASSWORD_MAX_LENGTH),
        ):
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
        self.language = LanguageBox(self)
        self.language.setObjectName("first_admin_language")
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        form.addRow(self.language_label, self.language)
        layout.addLayout(form)
        self.errors = FieldErrors(self)
        for name, edit in self.fields.items():
            self.errors.add(name, edit)
        self.general_error = QLabel(self)
        self.general_error.setObjectName("first_admin_error")
        self.general_error.setStyleSheet(ERROR_LABEL_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.setVisible(False)
        layout.addWidget(self.general_error)

        self._build_buttons(layout)
        notifier().sig_language_changed.connect(self._on_language_changed)
        self.retranslate_ui()
        (self.fields["branch_name"] if branch_id else self.fields["branch_id"]).setFocus()

    def _build_buttons(self, layout: QVBoxLayout) -> None:
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("first_admin_ok")
        self.ok_button.setDefault(True)
        self.quit_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setObjectName("first_admin_quit")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
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
        self.language_label.setText(_("&Language:"))
        self.language.setAccessibleName(_("Language"))
        self.ok_button.setText(_("Create administrator"))
        self.ok_button.setAccessibleName(_("Create administrator"))
        self.quit_button.setText(_("Quit"))
        self.quit_button.setAccessibleName(_("Quit"))
        self.setAccessibleName(_("First start"))

    def _on_language_changed(self, _language: str) -> None:
        self.retranslate_ui()

    def values(self) -> dict[str, str]:
        """What was typed, by field name."""
        return {name: edit.text() for name, edit in self.fields.items()}

    def submit(self) -> None:
        """Create the admin; field problems appear beside the fields."""
        from branch_crm.services.staff.accounts import create_first_admin

        values = self.values()
        self.general_error.setVisible(False)
        if values["password"] != values["password_again"]:
            self.errors.show({"password_again": _("The two passwords differ.")})
            return
        code = values["branch_id"].strip().upper()
        try:
            with self.db.session(branch_id=code or "?") as session:
                view = create_first_admin(
                    session=session,
                    username=values["username"],
                    display_name=values["display_name"],
                    password=values["password"],
                    branch_id=code,
                    branch_name=values["branch_name"],
                )
        except ValidationError as exc:
            unplaced = self.errors.show(exc)
            if unplaced:
                self._show_general("\n".join(unplaced.values()))
            return
        except CrmError as exc:
            self._show_general(exc.message)
            return
        except Exception as exc:
            log.exception("creating the first admin failed")
            self._show_general(error_text(exc, self.db.path))
            return
        self.actor = Actor(view.id, view.username, view.display_name, Role.ADMIN, code)
        self.accept()

    def _show_general(self, text: str) -> None:
        self.general_error.setText(text)
        self.general_error.setVisible(True)
