"""File → Back up now…: a checked copy of the database to a folder (a removable drive, a
network share), with progress, while the app goes on working (services.backup)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.ui.context import AppContext
from branch_crm.ui.messages import ERROR_LABEL_STYLE, error_text
from branch_crm.ui.widgets.screen_fit import fit_window

__all__ = ["LAST_FOLDER_KEY", "BackupDialog"]

log = logging.getLogger(__name__)

LAST_FOLDER_KEY = "backup/last_folder"
"""QSettings key: the folder the last backup went to (offered again)."""


class BackupDialog(QDialog):
    """Choose a folder, back up, watch the progress, read where the copy went."""

    sig_progress = Signal(int, int)
    """(pages done, pages in all), emitted from the backup's worker thread."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from branch_crm.services.backup import backup_dir

        self.ctx = ctx
        self.setObjectName("backup_dialog")
        self.running = False
        self.result_path: Path | None = None
        default = str(QSettings().value(LAST_FOLDER_KEY, "") or backup_dir(ctx.db.path))

        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        row = QHBoxLayout()
        self.folder = QLineEdit(default, self)
        self.folder.setObjectName("backup_folder")
        self.folder.setMinimumWidth(380)
        self.browse = QPushButton(self)
        self.browse.setObjectName("backup_browse")
        self.browse.clicked.connect(self.choose_folder)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        self.folder_label = QLabel(self)
        self.folder_label.setBuddy(self.folder)
        form.addRow(self.folder_label, row)
        layout.addLayout(form)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("backup_progress")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.status = QLabel(self)
        self.status.setObjectName("backup_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.start = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.start.setObjectName("backup_start")
        self.start.setDefault(True)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("backup_close")
        self.start.clicked.connect(self.start_backup)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        self.sig_progress.connect(self._on_progress)
        self.retranslate_ui()
        fit_window(self, (620, 260))

    def retranslate_ui(self) -> None:
        """Texts in the current language."""
        self.setWindowTitle(_("Back up now"))
        self.intro.setText(
            _(
                "A checked copy of the whole database, taken while you keep working. Choose a "
                "folder on a USB drive or a network share; the copy is named by branch, PC and "
                "time. Keep it somewhere safe: it holds every customer's data."
            )
        )
        self.folder_label.setText(_("&Folder:"))
        self.browse.setText(_("Bro&wse…"))
        self.start.setText(_("&Back up"))
        self.close_button.setText(_("Close"))

    def choose_folder(self) -> None:
        """Pick the folder in the system's dialog."""
        chosen = QFileDialog.getExistingDirectory(self, _("Back up to"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def start_backup(self) -> None:
        """Copy the database off the GUI thread; the bar shows how far it is."""
        from branch_crm.services.backup import backup_now

        if self.running:
            return
        folder = self.folder.text().strip()
        self._set_running(True)
        self.status.setStyleSheet("")
        self.status.setText(_("Copying…"))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.ctx.submit(
            backup_now,
            kwargs={
                "db_path": self.ctx.db.path,
                "folder": Path(folder),
                "progress": self.sig_progress.emit,
            },
            kind="cpu",
            on_result=self._on_done,
            on_error=self._on_error,
        )

    def _set_running(self, running: bool) -> None:
        self.running = running
        for widget in (self.start, self.close_button, self.folder, self.browse):
            widget.setEnabled(not running)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setValue(100 * done // total if total else 100)

    def _on_done(self, copy: Any) -> None:
        from branch_crm.services.backup import record_backup

        self._set_running(False)
        self.progress.setValue(100)
        self.result_path = copy.path
        QSettings().setValue(LAST_FOLDER_KEY, str(copy.path.parent))
        self.status.setText(
            _("Backed up to {path} ({size} KB, checked).").format(
                path=copy.path, size=max(1, copy.size // 1024)
            )
            + " "
            + _(
                "Attachment files: {copied} copied and checked, {present} already backed up."
            ).format(copied=copy.files.copied, present=copy.files.present)
        )
        self.ctx.write(record_backup, copy=copy)
        self.close_button.setFocus()

    def _on_error(self, exc: BaseException) -> None:
        self._set_running(False)
        self.progress.setVisible(False)
        self.status.setStyleSheet(ERROR_LABEL_STYLE)
        self.status.setText(error_text(exc, self.ctx.db.path))

    def reject(self) -> None:
        """Not while the copy runs (its progress reports come to this dialog)."""
        if not self.running:
            super().reject()
