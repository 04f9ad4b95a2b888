"""Reading returned forms from scans: choose files or a folder (or drop them), read them off
the GUI thread with progress, see what each page became, go on to the review.

Keys: Ctrl+O add files, Ctrl+Shift+O add a folder, Delete removes the chosen file, Enter
reads the list, Ctrl+R opens the review of pages waiting for a person.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.tasks import Job
from branch_crm.ui.widgets.empty_state import EmptyState
from branch_crm.ui.widgets.screen_fit import fit_window

if TYPE_CHECKING:
    from branch_crm.services.surveys.scan.intake import PageOutcome, ScanSummary

log = logging.getLogger(__name__)

REMOVE_FILE = N_("Remove the chosen file from the list")
OPEN_REVIEW = N_("Review the scanned pages that need a person")


class ScanDialog(QDialog):
    """Files to read, then one line per page read."""

    sig_scanned = Signal(object)
    """The ScanSummary after a run."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyScanDialog")
        self.ctx = ctx
        self.files: list[Path] = []
        self.job: Job | None = None
        self.summary: ScanSummary | None = None
        self.setAcceptDrops(True)
        fit_window(self, (720, 520))
        self._build()
        self.retranslate_ui()

    def _build(self) -> None:
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.file_list = QListWidget(self)
        self.file_list.setObjectName("surveyScanFiles")
        self.empty = EmptyState(
            self.file_list, lambda: _("Drop scanned PDF, PNG, JPEG or TIFF files here.")
        )
        self.add_files = QPushButton(self)
        self.add_files.setObjectName("surveyScanAddFiles")
        self.add_folder = QPushButton(self)
        self.add_folder.setObjectName("surveyScanAddFolder")
        self.results = QListWidget(self)
        self.results.setObjectName("surveyScanResults")
        self.status = QLabel(self)
        self.status.setObjectName("surveyScanStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.read_button = QPushButton(self)
        self.read_button.setObjectName("surveyScanRead")
        self.read_button.setDefault(True)
        self.review_button = QPushButton(self)
        self.review_button.setObjectName("surveyScanReview")
        self.buttons.addButton(self.read_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.review_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        row = QHBoxLayout()
        row.addWidget(self.add_files)
        row.addWidget(self.add_folder)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.file_list, 1)
        layout.addLayout(row)
        layout.addWidget(self.results, 2)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.add_files.clicked.connect(self.choose_files)
        self.add_folder.clicked.connect(self.choose_folder)
        self.read_button.clicked.connect(self.start)
        self.review_button.clicked.connect(self.open_review)
        self.close_button.clicked.connect(self.reject)
        keys.shortcut(self, "Ctrl+O", self.choose_files, N_("Add scanned files"))
        keys.shortcut(self, "Ctrl+Shift+O", self.choose_folder, N_("Add a folder of scans"))
        keys.shortcut(self, "Ctrl+R", self.open_review, OPEN_REVIEW)
        keys.shortcut(
            self.file_list,
            "Delete",
            self.remove_current,
            REMOVE_FILE,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        self._show_files()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Scan returned forms"))
        self.hint.setText(
            _(
                "Each page's serial is read from its QR code and decides the customer. Answers "
                "read with confidence are stored as if keyed in; the rest wait for review."
            )
        )
        self.add_files.setText(_("Add &files…"))
        self.add_files.setToolTip(_("Add scanned files (Ctrl+O)"))
        self.add_folder.setText(_("Add a fol&der…"))
        self.add_folder.setToolTip(_("Add every scan in a folder (Ctrl+Shift+O)"))
        self.read_button.setText(_("&Read forms"))
        self.read_button.setToolTip(_("Read every page of the listed files (Enter)"))
        self.review_button.setText(_("Re&view…"))
        self.close_button.setText(_("Close"))
        self.review_button.setToolTip(_(OPEN_REVIEW) + " (Ctrl+R)")

    # -- files -----------------------------------------------------------------------------

    def add_paths(self, paths: list[Path]) -> None:
        """Add files (a folder stands for its scans) to the list, each once."""
        from branch_crm.services.surveys.scan.intake import expand_paths

        for path in expand_paths(paths):
            if path not in self.files:
                self.files.append(path)
        self._show_files()

    def _show_files(self) -> None:
        self.file_list.clear()
        for path in self.files:
            self.file_list.addItem(QListWidgetItem(str(path)))
        self.read_button.setEnabled(bool(self.files) and self.job is None)

    def remove_current(self) -> None:
        """Take the chosen file off the list."""
        row = self.file_list.currentRow()
        if 0 <= row < len(self.files):
            del self.files[row]
            self._show_files()
            self.file_list.setCurrentRow(min(row, len(self.files) - 1))

    def choose_files(self) -> None:
        """Pick scanned files."""
        names, _filter = QFileDialog.getOpenFileNames(
            self,
            _("Scanned forms"),
            "",
            _("Scans (*.pdf *.png *.jpg *.jpeg *.tif *.tiff)"),
        )
        self.add_paths([Path(n) for n in names])

    def choose_folder(self) -> None:
        """Pick a folder: all its scans."""
        folder = QFileDialog.getExistingDirectory(self, _("Folder of scanned forms"))
        if folder:
            self.add_paths([Path(folder)])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        self.add_paths(paths)
        event.acceptProposedAction()

    # -- reading ---------------------------------------------------------------------------

    def start(self) -> None:
        """Read every page off the GUI thread, with progress and cancel."""
        from branch_crm.services.surveys.scan.intake import scan_files

        if not self.files or self.job is not None:
            return
        self.results.clear()
        self.status.setText(_("Reading…"))
        self.read_button.setEnabled(False)
        self.job = self.ctx.submit(
            scan_files,
            kwargs={"paths": list(self.files)},
            on_result=self._on_done,
            on_error=self._on_failed,
            title=_("Reading scanned forms…"),
            cancellable=True,
        )

    def _on_done(self, summary: ScanSummary) -> None:
        self.job = None
        self.summary = summary
        for outcome in summary.pages:
            self.results.addItem(outcome_line(outcome))
        self.files = []
        self._show_files()
        self.status.setText(summary_line(summary))
        self.ctx.bus.changed("survey")
        self.sig_scanned.emit(summary)

    def _on_failed(self, exc: BaseException) -> None:
        self.job = None
        self._show_files()
        self.status.setText("")
        messages.show_error(self, exc)

    def open_review(self) -> None:
        """The pages waiting for a person."""
        from branch_crm.ui.surveys.review_dialog import open_review

        open_review(self.ctx, self)


def outcome_line(outcome: PageOutcome) -> str:
    """One page's result, as the command line prints it."""
    from branch_crm.services.surveys.scan.intake import ACTIONS

    return _("{source}: {serial} {action} ({detail})").format(
        source=outcome.source,
        serial=outcome.serial or _("no serial"),
        action=_(ACTIONS[outcome.action]),
        detail=outcome.detail,
    )


def summary_line(summary: ScanSummary) -> str:
    """The counts of a run."""
    from branch_crm.i18n import ngettext

    pages = len(summary.pages)
    text = ngettext(
        "{n} page: {stored} stored, {review} sent to review, {unreadable} unreadable, "
        "{skipped} skipped",
        "{n} pages: {stored} stored, {review} sent to review, {unreadable} unreadable, "
        "{skipped} skipped",
        pages,
    ).format(
        n=pages,
        stored=summary.count("stored"),
        review=summary.count("review"),
        unreadable=summary.count("unreadable"),
        skipped=summary.count("skipped"),
    )
    if summary.cancelled:
        text += " " + _("Cancelled: the pages after these were not read.")
    return text


def open_scan(ctx: AppContext, parent: QWidget | None = None) -> ScanDialog:
    """Open the scan dialog (non-modal) and return it."""
    dialog = ScanDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
