"""The Sync page: where this PC stands with head office, Sync now, registration, and the
rounds run since sign-in."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _, ngettext
from branch_crm.services.syncing.service import (
    SyncStatus,
    fetch_error_text,
    file_error_text,
    files_fetched_text,
    files_sent_text,
    files_to_fetch_text,
    files_waiting_text,
)
from branch_crm.sync.client import SyncResult
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon
from branch_crm.ui.sync import texts
from branch_crm.ui.sync.controller import controller_for
from branch_crm.ui.sync.register_dialog import RegisterDialog, may_register
from branch_crm.ui.sync.widgets import SYNC_NOW_SHORTCUT, clock_label, show_clock_warning

HISTORY_ROWS = 20


def result_text(result: SyncResult) -> str:
    """One round in words."""
    if result.error:
        return _("failed: {error}").format(error=result.error)
    text = _("{pushed} sent, {pulled} received, {conflicts} new conflicts").format(
        pushed=result.pushed, pulled=result.pulled, conflicts=result.conflicts
    )
    if result.files_sent:
        text += " · " + files_sent_text(result.files_sent)
    if result.file_error:
        text += " · " + file_error_text(result.file_error)
    if result.files_fetched:
        text += " · " + files_fetched_text(result.files_fetched)
    if result.fetch_error:
        text += " · " + fetch_error_text(result.fetch_error)
    return text


class SyncPage(QWidget):
    """Status in full, the actions, and this session's rounds."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.controller = controller_for(ctx)
        self.setObjectName("sync_page")
        layout = QVBoxLayout(self)
        self.box = QGroupBox(self)
        form = QFormLayout(self.box)
        self.values: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        keys = ("hq", "branch", "pending", "files", "fetch", "file_error", "success", "attempt",
                "error", "conflicts", "rejected")  # fmt: skip
        for key in keys:
            label, value = QLabel(self.box), QLabel(self.box)
            value.setObjectName(f"sync_page_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
            self.labels[key], self.values[key] = label, value
        layout.addWidget(self.box)
        self.clock = clock_label(self, "sync_page_clock")
        layout.addWidget(self.clock)
        self.interval = QLabel(self)
        self.interval.setObjectName("sync_page_interval")
        self.interval.setWordWrap(True)
        layout.addWidget(self.interval)
        buttons = QHBoxLayout()
        self.sync_button = QPushButton(icon("sync"), "", self)
        self.sync_button.setObjectName("sync_page_sync_now")
        self.sync_button.clicked.connect(self._on_sync_clicked)
        self.register_button = QPushButton(icon("sync_register"), "", self)
        self.register_button.setObjectName("sync_page_register")
        self.register_button.clicked.connect(self.open_register_dialog)
        self.register_button.setEnabled(may_register(ctx.actor))
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.register_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.history_title = QLabel(self)
        layout.addWidget(self.history_title)
        self.history = QListWidget(self)
        self.history.setObjectName("sync_page_history")
        layout.addWidget(self.history, 1)
        self.controller.sig_status.connect(self._render)
        self.controller.sig_running.connect(self._render)
        self.controller.sig_finished.connect(self._render_history)
        self.retranslate_ui()
        self._render_history()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.box.setTitle(_("Head office"))
        names = {
            "hq": _("Address:"),
            "branch": _("Branch:"),
            "pending": _("Waiting to send:"),
            "files": _("Files waiting to send:"),
            "fetch": _("Files to fetch:"),
            "file_error": _("Last file error:"),
            "success": _("Last success:"),
            "attempt": _("Last attempt:"),
            "error": _("Last error:"),
            "conflicts": _("Open conflicts:"),
            "rejected": _("Not applied, not yet seen:"),
        }
        for key, text in names.items():
            self.labels[key].setText(text)
        self.register_button.setText(_("Register with head office…"))
        self.register_button.setAccessibleName(_("Register with head office"))
        self.sync_button.setToolTip(_("Shortcut: {keys}").format(keys=SYNC_NOW_SHORTCUT))
        self.sync_button.setAccessibleName(_("Sync now"))
        self.history_title.setText(_("Rounds since you signed in:"))
        self._render()
        self._render_history()

    def on_shown(self) -> None:
        """Read the status again when the page is shown."""
        self.controller.refresh_status()

    def _render(self, *_args: object) -> None:
        status: SyncStatus | None = self.controller.status
        running = self.controller.running
        self.sync_button.setText(_("Syncing…") if running else _("Sync now"))
        self.sync_button.setEnabled(not running and (status is None or status.registered))
        self.interval.setText(
            ngettext(
                "Automatic sync every {n} minute (Settings, Head office tab).",
                "Automatic sync every {n} minutes (Settings, Head office tab).",
                self.controller.interval_minutes,
            ).format(n=self.controller.interval_minutes)
        )
        show_clock_warning(self.clock, status)
        if status is None:
            for value in self.values.values():
                value.setText("…")
            return
        never = _("not registered yet")
        self.values["hq"].setText(status.hq_url or never)
        self.values["branch"].setText(status.branch or "-")
        self.values["pending"].setText(texts.pending_text(status.pending_changes))
        self.values["files"].setText(files_waiting_text(status.files_waiting))
        self.values["fetch"].setText(files_to_fetch_text(status.files_to_fetch))
        file_error = status.file_error if status.files_waiting else None
        if status.fetch_error and status.files_to_fetch:
            file_error = status.fetch_error if file_error is None else file_error
        self.values["file_error"].setText(file_error or _("none"))
        self.values["file_error"].setStyleSheet("color: #b00020;" if file_error else "")
        self.values["success"].setText(texts.when_text(status.last_success_at))
        self.values["attempt"].setText(texts.when_text(status.last_attempt_at))
        self.values["error"].setText(status.last_error or _("none"))
        self.values["error"].setStyleSheet("color: #b00020;" if status.last_error else "")
        self.values["conflicts"].setText(str(status.open_conflicts))
        self.values["rejected"].setText(str(status.unseen_rejected))

    def _render_history(self, *_args: object) -> None:
        self.history.clear()
        for at, result in reversed(self.controller.history[-HISTORY_ROWS:]):
            line = f"{texts.when_text(at)} — {result_text(result)}"
            self.history.addItem(line)
        if not self.controller.history:
            self.history.addItem(_("No round yet."))

    def _on_sync_clicked(self) -> None:
        self.controller.sync_now()

    def open_register_dialog(self) -> None:
        """Show the registration dialog."""
        RegisterDialog(self.ctx, self).exec()
