"""The sync status in the status bar (objectName ``syncStatus``) and the home card.

Both listen to the app's :class:`~branch_crm.ui.sync.controller.SyncController`; the status
widget also owns the app-wide "Sync now" shortcut (Ctrl+Shift+S) and starts background
syncing when the main window creates it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _, ngettext
from branch_crm.reference.roles import Permission
from branch_crm.services.permissions import allowed
from branch_crm.services.syncing.service import SyncStatus
from branch_crm.ui import keys
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.sync import texts
from branch_crm.ui.sync.controller import controller_for

SYNC_NOW_SHORTCUT = "Ctrl+Shift+S"


def status_icon(status: SyncStatus | None, running: bool) -> str:
    """The icon name matching the state."""
    if running:
        return "sync_running"
    if status is None or not status.registered:
        return "sync"
    return "sync_error" if status.last_error else "sync_ok"


def clock_label(parent: QWidget, name: str) -> QLabel:
    """The (hidden until needed) warning that this PC's clock is far off."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet("color: #b00020;")
    label.setVisible(False)
    return label


def show_clock_warning(label: QLabel, status: SyncStatus | None) -> None:
    """Show the clock warning of ``status`` in ``label``, or hide it."""
    warning = status.clock_warning if status is not None else None
    label.setText(warning or "")
    label.setVisible(warning is not None)


def sync_now_or_register(ctx: AppContext, parent: QWidget) -> None:
    """Sync now, or open the registration dialog when this PC is not registered yet."""
    controller = controller_for(ctx)
    if controller.status is not None and not controller.status.registered:
        from branch_crm.ui.sync.register_dialog import RegisterDialog

        RegisterDialog(ctx, parent).exec()
        return
    controller.sync_now()


class SyncStatusWidget(QToolButton):
    """Status bar: pending changes, last success or the last error; a click opens the page."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, autostart: bool = True):
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller_for(ctx)
        self.setObjectName("syncStatus")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.clicked.connect(self._on_clicked)
        self.sync_shortcut = QShortcut(QKeySequence(SYNC_NOW_SHORTCUT), self)
        self.sync_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.sync_shortcut.setProperty(keys.DESCRIPTION, N_("Sync now"))  # for the F1 list
        self.sync_shortcut.activated.connect(self._on_shortcut_activated)
        self.controller.sig_status.connect(self._render)
        self.controller.sig_running.connect(self._render)
        self._render()
        if autostart:
            self.controller.start()
        else:
            self.controller.refresh_status()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self._render()

    def _render(self, *_args: object) -> None:
        status, running = self.controller.status, self.controller.running
        self.setIcon(icon(status_icon(status, running)))
        self.setText(texts.short_status(status, running=running))
        details = texts.full_status(status)
        hint = _("Click for details; {shortcut} syncs now.").format(shortcut=SYNC_NOW_SHORTCUT)
        self.setToolTip(f"{details}\n\n{hint}")
        self.setAccessibleName(_("Sync status"))
        self.setAccessibleDescription(details)

    def _on_clicked(self) -> None:
        window = self.ctx.main_window
        if window is not None:
            window.show_page("sync")

    def _on_shortcut_activated(self) -> None:
        sync_now_or_register(self.ctx, self.window())


class SyncHomeCard(QGroupBox):
    """Home card: waiting changes, last success, last error, conflicts, changes not applied
    nobody has looked at here yet; Sync now."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller_for(ctx)
        self.setObjectName("sync_home_card")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.pending = QLabel(self)
        self.pending.setObjectName("sync_card_pending")
        self.success = QLabel(self)
        self.success.setObjectName("sync_card_success")
        self.error = QLabel(self)
        self.error.setObjectName("sync_card_error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pending_label, self.success_label, self.error_label = QLabel(), QLabel(), QLabel()
        form.addRow(self.pending_label, self.pending)
        form.addRow(self.success_label, self.success)
        form.addRow(self.error_label, self.error)
        layout.addLayout(form)
        self.conflicts = QLabel(self)
        self.conflicts.setObjectName("sync_card_conflicts")
        self.conflicts.setWordWrap(True)
        layout.addWidget(self.conflicts)
        self.rejected = QLabel(self)
        self.rejected.setObjectName("sync_card_rejected")
        self.rejected.setWordWrap(True)
        layout.addWidget(self.rejected)
        self.clock = clock_label(self, "sync_card_clock")
        layout.addWidget(self.clock)
        buttons = QHBoxLayout()
        self.sync_button = QPushButton(icon("sync"), "", self)
        self.sync_button.setObjectName("sync_card_sync_now")
        self.sync_button.clicked.connect(self._on_sync_clicked)
        self.conflicts_button = QPushButton(icon("conflicts"), "", self)
        self.conflicts_button.setObjectName("sync_card_conflicts_button")
        self.conflicts_button.clicked.connect(self._on_conflicts_clicked)
        self.rejected_button = QPushButton(icon("error"), "", self)
        self.rejected_button.setObjectName("sync_card_rejected_button")
        self.rejected_button.clicked.connect(self._on_rejected_clicked)
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.conflicts_button)
        buttons.addWidget(self.rejected_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.controller.sig_status.connect(self._render)
        self.controller.sig_running.connect(self._render)
        self.retranslate_ui()
        self.controller.refresh_status()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setTitle(_("Head-office sync"))
        self.pending_label.setText(_("Waiting to send:"))
        self.success_label.setText(_("Last success:"))
        self.error_label.setText(_("Last error:"))
        self.conflicts_button.setText(_("Resolve conflicts"))
        self.rejected_button.setText(_("Changes not applied"))
        self._render()

    def _render(self, *_args: object) -> None:
        status, running = self.controller.status, self.controller.running
        registered = status is not None and status.registered
        self.sync_button.setText(
            _("Syncing…") if running else (_("Sync now") if registered or status is None
                                            else _("Register with head office…"))
        )  # fmt: skip
        self.sync_button.setToolTip(_("Shortcut: {keys}").format(keys=SYNC_NOW_SHORTCUT))
        self.sync_button.setEnabled(not running)
        show_clock_warning(self.clock, status)
        if status is None:
            for label in (self.pending, self.success, self.error):
                label.setText("…")
            for widget in (self.conflicts, self.conflicts_button):
                widget.setVisible(False)
            for widget in (self.rejected, self.rejected_button):
                widget.setVisible(False)
            return
        if not status.registered:
            self.pending.setText(texts.pending_text(status.pending_changes))
            self.success.setText(_("never"))
            self.error.setText(_("Not registered with head office yet."))
        else:
            self.pending.setText(texts.pending_text(status.pending_changes))
            self.success.setText(texts.when_text(status.last_success_at))
            self.error.setText(status.last_error or _("none"))
        self.error.setStyleSheet("color: #b00020;" if status.last_error else "")
        count = status.open_conflicts
        self.conflicts.setText(
            ngettext(
                "{n} conflict waits for a supervisor.",
                "{n} conflicts wait for a supervisor.",
                count,
            ).format(n=count)
        )
        self.conflicts.setVisible(count > 0)
        supervisor = allowed(self.ctx.actor, Permission.CONFLICT_RESOLVE)
        self.conflicts_button.setVisible(count > 0 and supervisor)
        unseen = status.unseen_rejected
        self.rejected.setText(texts.not_applied_line(unseen))
        self.rejected.setVisible(unseen > 0)
        self.rejected_button.setVisible(unseen > 0 and supervisor)

    def _on_sync_clicked(self) -> None:
        sync_now_or_register(self.ctx, self)

    def _on_conflicts_clicked(self) -> None:
        window = self.ctx.main_window
        if window is not None:
            window.show_page("sync_conflicts")

    def _on_rejected_clicked(self) -> None:
        window = self.ctx.main_window
        if window is not None:
            window.show_page("sync_rejected")
