"""Deleting (with an undo offered for a few seconds) and merging, as the customer profile,
the complaint detail and the preferences tab call them; the menu entry of "Deleted items"."""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.reference.roles import Permission
from branch_crm.services import deletion
from branch_crm.services.customers import merging
from branch_crm.services.permissions import allowed
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.widgets.undo_bar import offer_undo

DELETED_ITEMS_KEY = "Ctrl+Shift+Del"


class ReasonDialog(QDialog):
    """Asks why a record is deleted (required for complaints)."""

    def __init__(
        self, title: str, text: str, *, required: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("delete_reason_dialog")
        self.setWindowTitle(title)
        self.required = required
        layout = QVBoxLayout(self)
        label = QLabel(text, self)
        label.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("delete_reason")
        self.reason.setMaxLength(deletion.REASON_MAX)
        self.reason.setPlaceholderText(_("Reason (required)") if required else _("Reason"))
        self.reason.setAccessibleName(_("Reason"))
        label.setBuddy(self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setObjectName("delete_reason_ok")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.ok.setText(_("Delete"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        for widget in (label, self.reason, buttons):
            layout.addWidget(widget)
        self.reason.textChanged.connect(self._update_ok)
        self._update_ok()
        self.resize(460, self.sizeHint().height())

    def _update_ok(self) -> None:
        self.ok.setEnabled(not self.required or bool(self.reason.text().strip()))


def _ask_reason(
    parent: QWidget, title: str, text: str, required: bool, then: Callable[[str], None]
) -> ReasonDialog:
    dialog = ReasonDialog(title, text, required=required, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def accepted() -> None:
        # run after the key or click that accepted is handled (the dialog then goes away)
        text = dialog.reason.text()
        QTimer.singleShot(0, lambda: then(text))

    dialog.accepted.connect(accepted)
    dialog.open()
    return dialog


def _undo_target(ctx: AppContext, parent: QWidget) -> QWidget:
    """Where the undo bar shows: the main window when there is one (the deleting window
    may close), else the parent's window."""
    return ctx.main_window if ctx.main_window is not None else parent


def _offer_restore(ctx: AppContext, parent: QWidget, text: str, kind: str, record_id: str) -> None:
    def undo() -> None:
        ctx.write(
            deletion.restore,
            kind=kind,
            record_id=record_id,
            on_done=lambda _r: ctx.bus.changed(kind, "customer"),
        )

    offer_undo(_undo_target(ctx, parent), text, undo)


# --- customers ------------------------------------------------------------------------------


def delete_customer(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """Ask for an optional reason, delete the customer, offer the undo."""
    if not allowed(ctx.actor, Permission.RECORD_DELETE):
        messages.show_error(parent, _("Only a supervisor may delete customers."))
        return
    from branch_crm.services.customers.profile import get_customer

    name = ctx.read(get_customer, customer_id=customer_id).name

    def go(reason: str) -> None:
        def done(_result: object) -> None:
            ctx.bus.changed("customer")
            window = parent.window()
            if isinstance(window, QDialog):
                window.accept()  # the profile of a deleted customer has nothing left to show
            _offer_restore(
                ctx, parent, _("Deleted customer {name}").format(name=name), "customer", customer_id
            )

        ctx.write(deletion.delete_customer, customer_id=customer_id, reason=reason, on_done=done)

    _ask_reason(
        parent,
        _("Delete customer"),
        _(
            "Delete {name}? The record leaves lists, lookup and reports; a supervisor can "
            "restore it from Deleted items within {days} days."
        ).format(name=name, days=deletion.RESTORE_DAYS),
        False,
        go,
    )


def merge_with(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """ "Merge with…": pick the other record, compare field by field, merge."""
    if not allowed(ctx.actor, Permission.RECORD_DELETE):
        messages.show_error(parent, _("Only a supervisor may merge customers."))
        return
    from branch_crm.ui.records.merge_dialog import MergePickDialog

    picker = MergePickDialog(ctx, customer_id, parent)
    picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    picker.sig_picked.connect(lambda other: compare(ctx, customer_id, other, parent))
    picker.open()


def compare(ctx: AppContext, survivor_id: str, absorbed_id: str, parent: QWidget) -> QDialog | None:
    """The field-by-field dialog for two records; merges when confirmed."""
    from branch_crm.errors import CrmError
    from branch_crm.ui.records.merge_dialog import MergeDialog

    try:
        preview = ctx.read(merging.merge_preview, survivor_id=survivor_id, absorbed_id=absorbed_id)
    except CrmError as exc:
        messages.show_error(parent, exc)
        return None
    dialog = MergeDialog(preview, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def merge(choices: dict[str, str]) -> None:
        def done(_merge_id: object) -> None:
            ctx.bus.changed("customer", "complaint", "care", "survey")
            messages.info(
                parent,
                _("{absorbed} was merged into {survivor}.").format(
                    absorbed=preview.absorbed.name, survivor=preview.survivor.name
                ),
            )

        ctx.write(
            merging.merge_customers,
            survivor_id=survivor_id,
            absorbed_id=absorbed_id,
            choices=choices,
            on_done=done,
        )

    dialog.sig_merge.connect(merge)
    dialog.open()
    return dialog


# --- complaints and preferences -------------------------------------------------------------


def delete_complaint(ctx: AppContext, complaint_id: str, number: str, parent: QWidget) -> None:
    """A complaint entered by mistake: a supervisor deletes it, saying why."""
    if not allowed(ctx.actor, Permission.RECORD_DELETE):
        messages.show_error(parent, _("Only a supervisor may delete complaints."))
        return

    def go(reason: str) -> None:
        def done(_result: object) -> None:
            ctx.bus.changed("complaint")
            window = parent.window()
            if isinstance(window, QDialog):
                window.accept()
            _offer_restore(
                ctx,
                parent,
                _("Deleted complaint {number}").format(number=number),
                "complaint",
                complaint_id,
            )

        ctx.write(deletion.delete_complaint, complaint_id=complaint_id, reason=reason, on_done=done)

    _ask_reason(
        parent,
        _("Delete complaint"),
        _("Delete complaint {number}, entered by mistake? Say why.").format(number=number),
        True,
        go,
    )


def delete_preferences(ctx: AppContext, customer_id: str, parent: QWidget) -> None:
    """Delete a customer's pickup preference record (undo offered)."""
    if not messages.confirm(parent, _("Delete this customer's pickup preferences?")):
        return

    def done(preference_id: str) -> None:
        ctx.bus.changed("pickup_preference", "customer")
        _offer_restore(
            ctx, parent, _("Deleted pickup preferences"), "pickup_preference", preference_id
        )

    ctx.write(deletion.delete_preferences, customer_id=customer_id, on_done=done)


# --- the menu entry -------------------------------------------------------------------------


def install_deleted_items(window: QWidget, ctx: AppContext, menu: QMenu) -> QAction | None:
    """ "Deleted items…" in ``menu`` (supervisors), Ctrl+Shift+Del; None for other roles."""
    if not allowed(ctx.actor, Permission.RECORD_DELETE):
        return None
    from branch_crm.ui.records.deleted_dialog import open_deleted_items

    action = QAction(icon("deleted_items"), "", window)
    action.setObjectName("action_deleted_items")
    action.setShortcut(QKeySequence(DELETED_ITEMS_KEY))
    action.triggered.connect(lambda _checked=False: open_deleted_items(ctx, window))
    menu.addAction(action)
    window.addAction(action)  # the key works with the menu bar hidden

    def retranslate(_language: str = "") -> None:
        if shiboken6.isValid(action):
            action.setText(_("Deleted items…"))
            action.setToolTip(_("Restore a customer, complaint or preferences deleted lately"))

    retranslate()
    notifier().sig_language_changed.connect(retranslate)
    return action
