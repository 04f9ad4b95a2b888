"""Staff management for admins: list, add, edit, disable/enable, reset password, unlock."""

from __future__ import annotations

import logging

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.services.permissions import role_label
from branch_crm.services.staff import accounts
from branch_crm.services.staff.accounts import StaffView
from branch_crm.timeutil import to_local, utcnow
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.messages import ERROR_LABEL_STYLE, FieldErrors
from branch_crm.ui.widgets.screen_fit import fit_window
from branch_crm.ui.widgets.table_model import Column, RowTableModel
from branch_crm.ui.widgets.tables import setup_table

log = logging.getLogger(__name__)


def status_text(view: StaffView) -> str:
    """Active, disabled or locked (until when), in words."""
    if not view.active:
        return _("Disabled")
    if view.is_locked(utcnow()) and view.locked_until is not None:
        return _("Locked until {time}").format(time=to_local(view.locked_until).strftime("%H:%M"))
    return _("Can sign in")


def _last_sign_in(view: StaffView) -> str:
    if view.last_login_at is None:
        return _("never")
    return to_local(view.last_login_at).strftime("%Y-%m-%d %H:%M")


STAFF_COLUMNS: tuple[Column[StaffView], ...] = (
    Column(N_("User name"), lambda v: v.username),
    Column(N_("Name"), lambda v: v.display_name),
    Column(N_("Role"), lambda v: role_label(v.role)),
    Column(N_("Phone"), lambda v: v.phone or ""),
    Column(N_("Account status"), status_text),
    Column(N_("Last sign-in"), _last_sign_in),
)


class StaffModel(RowTableModel[StaffView]):
    """The staff accounts as a table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(STAFF_COLUMNS, parent)


class StaffDialog(QDialog):
    """Add an account (user name, name, role, phone, password twice) or edit one."""

    def __init__(
        self, ctx: AppContext, view: StaffView | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = view
        self.result_view: StaffView | None = None
        self.setObjectName("staff_dialog")
        fit_window(self, (440, 0))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        self._make_fields(view)
        self._fill_form(form, view)
        self.general_error = QLabel(self)
        self.general_error.setStyleSheet(ERROR_LABEL_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.setVisible(False)
        layout.addWidget(self.general_error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("staff_ok")
        self.ok_button.setText(_("Add account") if view is None else _("Save"))
        self.ok_button.setAccessibleName(self.ok_button.text())
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setWindowTitle(_("New staff account") if view is None else _("Edit staff account"))
        (self.display_name if view else self.username).setFocus()

    def _make_fields(self, view: StaffView | None) -> None:
        self.username = QLineEdit(view.username if view else "", self)
        self.username.setObjectName("staff_username")
        self.username.setMaxLength(accounts.USERNAME_MAX)
        self.username.setReadOnly(view is not None)
        self.display_name = QLineEdit(view.display_name if view else "", self)
        self.display_name.setObjectName("staff_display_name")
        self.display_name.setMaxLength(accounts.DISPLAY_NAME_MAX)
        self.role = QComboBox(self)
        self.role.setObjectName("staff_role")
        for role in accounts.ROLES:
            self.role.addItem(role_label(role), role.value)
        self.role.setCurrentIndex(max(0, self.role.findData(view.role if view else "counter")))
        self.phone = QLineEdit((view.phone or "") if view else "", self)
        self.phone.setObjectName("staff_phone")
        self.phone.setMaxLength(accounts.PHONE_MAX)
        self.password = QLineEdit(self)
        self.password.setObjectName("staff_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit(self)
        self.password_again.setObjectName("staff_password_again")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)

    def _fill_form(self, form: QFormLayout, view: StaffView | None) -> None:
        rows: list[tuple[str, str, QWidget]] = [
            ("username", N_("&User name:"), self.username),
            ("display_name", N_("&Name:"), self.display_name),
            ("role", N_("&Role:"), self.role),
            ("phone", N_("P&hone:"), self.phone),
        ]
        if view is None:
            rows += [
                ("password", N_("&Password:"), self.password),
                ("password_again", N_("Password &again:"), self.password_again),
            ]
        else:
            self.password.hide()
            self.password_again.hide()
        self.errors = FieldErrors(self)
        self.form_labels: list[tuple[QLabel, str]] = []
        for name, text, widget in rows:
            label = QLabel(_(text), self)
            label.setBuddy(widget)
            form.addRow(label, widget)
            widget.setAccessibleName(_(text).replace("&", "").rstrip(":："))
            self.errors.add(name, widget)
            self.form_labels.append((label, text))

    def submit(self) -> None:
        """Save through the staff service; problems appear beside the fields."""
        self.general_error.setVisible(False)
        saved, failed = self._on_saved, self._on_save_failed
        if self.view is not None:
            self.ctx.write(
                accounts.update_staff,
                staff_id=self.view.id,
                display_name=self.display_name.text(),
                role=self.role.currentData(),
                phone=self.phone.text() or None,
                busy=self,
                on_done=saved,
                on_error=failed,
            )
            return
        if self.password.text() != self.password_again.text():
            self.errors.show({"password_again": _("The two passwords differ.")})
            return
        self.ctx.write(
            accounts.create_staff,
            username=self.username.text(),
            display_name=self.display_name.text(),
            role=self.role.currentData(),
            password=self.password.text(),
            phone=self.phone.text() or None,
            busy=self,
            on_done=saved,
            on_error=failed,
        )

    def _on_saved(self, view: StaffView) -> None:
        self.result_view = view
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc)
            if unplaced:
                self.general_error.setText("\n".join(unplaced.values()))
                self.general_error.setVisible(True)
            return
        self.general_error.setText(messages.error_text(exc))
        self.general_error.setVisible(True)


class PasswordDialog(QDialog):
    """A new password, typed twice, for someone else's account."""

    def __init__(self, ctx: AppContext, view: StaffView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = view
        self.setObjectName("password_dialog")
        fit_window(self, (440, 0))
        self.setWindowTitle(_("Reset password — {name}").format(name=view.display_name))
        layout = QVBoxLayout(self)
        intro = QLabel(
            _("Give {name} a new password. Tell it to them in person.").format(
                name=view.display_name
            ),
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)
        self.password = QLineEdit(self)
        self.password.setObjectName("reset_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName(_("New password"))
        self.password_again = QLineEdit(self)
        self.password_again.setObjectName("reset_password_again")
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again.setAccessibleName(_("New password again"))
        form.addRow(_("New &password:"), self.password)
        form.addRow(_("Password &again:"), self.password_again)
        self.errors = FieldErrors(self)
        self.errors.add("password", self.password)
        self.errors.add("password_again", self.password_again)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("reset_ok")
        self.ok_button.setText(_("Set password"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def submit(self) -> None:
        """Set the password or say what is wrong."""
        if self.password.text() != self.password_again.text():
            self.errors.show({"password_again": _("The two passwords differ.")})
            return
        self.ctx.write(
            accounts.reset_password,
            staff_id=self.view.id,
            password=self.password.text(),
            busy=self,
            on_done=lambda _none: self.accept(),
            on_error=self._on_failed,
        )

    def _on_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationError):
            self.errors.show(exc)
            return
        messages.show_error(self, exc)


class StaffPage(QWidget):
    """The list of accounts with the actions an admin needs."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("staff_page")
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        layout.addWidget(self.title)
        bar = QHBoxLayout()
        self.add_button = self._button("staff_add", "staff_add")
        self.edit_button = self._button("staff_edit", "staff_edit")
        self.toggle_button = self._button("staff_toggle", "staff_disable")
        self.password_button = self._button("staff_reset_password", "password")
        self.unlock_button = self._button("staff_unlock", "unlock")
        # separate shortcuts: a button's own one is replaced by its text's Alt+letter
        for keys, target in (("Ctrl+N", self.add_button), ("F2", self.edit_button)):
            QShortcut(QKeySequence(keys), self).activated.connect(target.animateClick)
        for button in (
            self.add_button,
            self.edit_button,
            self.toggle_button,
            self.password_button,
            self.unlock_button,
        ):
            bar.addWidget(button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.model = StaffModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        setup_table(self.table, name="staff_table")
        self.table.doubleClicked.connect(lambda _index: self.edit())
        layout.addWidget(self.table, 1)
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.toggle_button.clicked.connect(self.toggle_active)
        self.password_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(self.unlock)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        self.retranslate_ui()
        self.refresh()

    def _button(self, name: str, icon_name: str) -> QPushButton:
        button = QPushButton(icon(icon_name), "", self)
        button.setObjectName(name)
        return button

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Staff accounts"))
        for button, text, tip in (
            (self.add_button, _("&Add…"), _("Add a staff account (Ctrl+N)")),
            (self.edit_button, _("&Edit…"), _("Change name, role or phone (F2)")),
            (self.password_button, _("&Reset password…"), _("Set a new password")),
            (self.unlock_button, _("&Unlock"), _("Lift a lock-out after wrong passwords")),
        ):
            button.setText(text)
            button.setToolTip(tip)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
        self.table.setAccessibleName(_("Staff accounts"))
        self._update_buttons()
        self.model.retranslate()

    def on_shown(self) -> None:
        """Reload when the page is opened."""
        self.refresh()

    def refresh(self) -> None:
        """Load the accounts again, keeping the selection."""
        selected = self.selected()
        try:
            rows = self.ctx.read(accounts.list_staff)
        except CrmError as exc:
            messages.show_error(self, exc)
            return
        self.model.set_rows(rows)
        if selected is not None:
            self.select(selected.id)
        self._update_buttons()

    def select(self, staff_id: str) -> None:
        """Select the row of one account."""
        for row, view in enumerate(self.model.rows):
            if view.id == staff_id:
                self.table.selectRow(row)
                return

    def selected(self) -> StaffView | None:
        """The selected account."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.rows[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        view = self.selected()
        for button in (self.edit_button, self.toggle_button, self.password_button):
            button.setEnabled(view is not None)
        self.unlock_button.setEnabled(view is not None and view.is_locked(utcnow()))
        active = view is None or view.active
        self.toggle_button.setText(_("&Disable") if active else _("E&nable"))
        self.toggle_button.setIcon(icon("staff_disable" if active else "staff_enable"))
        self.toggle_button.setToolTip(
            _("Disabled accounts cannot sign in") if active else _("Allow signing in again")
        )
        self.toggle_button.setAccessibleName(self.toggle_button.text().replace("&", ""))

    def add(self) -> None:
        """Open the new-account dialog."""
        dialog = StaffDialog(self.ctx, None, self)
        if dialog.exec() and dialog.result_view is not None:
            self._changed(dialog.result_view.id)

    def edit(self) -> None:
        """Open the selected account for editing."""
        view = self.selected()
        if view is None:
            return
        dialog = StaffDialog(self.ctx, view, self)
        if dialog.exec():
            self._changed(view.id)

    def toggle_active(self) -> None:
        """Disable (after confirming) or enable the selected account."""
        view = self.selected()
        if view is None:
            return
        if view.active and not messages.confirm(
            self,
            _("Disable the account of {name}? They can no longer sign in.").format(
                name=view.display_name
            ),
        ):
            return
        self.ctx.write(
            accounts.set_active,
            staff_id=view.id,
            active=not view.active,
            busy=self,
            on_done=lambda _view: self._changed(view.id),
        )

    def reset_password(self) -> None:
        """Give the selected account a new password."""
        view = self.selected()
        if view is None:
            return
        dialog = PasswordDialog(self.ctx, view, self)
        if dialog.exec():
            messages.info(self, _("The new password is set; any lock-out is lifted."))
            self._changed(view.id)

    def unlock(self) -> None:
        """Lift the lock-out of the selected account."""
        view = self.selected()
        if view is None:
            return
        self.ctx.write(
            accounts.unlock_staff,
            staff_id=view.id,
            busy=self,
            on_done=lambda _view: self._changed(view.id),
        )

    def _changed(self, staff_id: str) -> None:
        self.refresh()
        self.select(staff_id)
        self.ctx.bus.changed("staff")
