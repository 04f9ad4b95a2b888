"""What follows a built pickup sheet: a preview, Print, Save PDF, open it or its folder."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _, ngettext
from branch_crm.ui import messages
from branch_crm.ui.printing.pdf_actions import open_in_viewer, print_with_dialog
from branch_crm.ui.printing.save_copy import save_pdf_copy
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)

PREVIEW_WIDTH = 640


def render_page(path: Path, page: int = 0, width: int = PREVIEW_WIDTH) -> QImage | None:
    """Render one PDF page to an image with pypdfium2 (None when it cannot be read)."""
    try:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(path))
        try:
            count = len(document)
            if not 0 <= page < count:
                return None
            pdf_page = document[page]
            scale = width / pdf_page.get_width()
            bitmap = pdf_page.render(scale=scale, rev_byteorder=True)
            data = bytes(bitmap.buffer)
            image = QImage(
                data, bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGB888
            )
            return image.copy()
        finally:
            document.close()
    except Exception:  # a preview is a convenience; Save PDF and Open still work
        log.exception("preview of %s failed", path)
        return None


def page_count(path: Path) -> int:
    """Pages in the PDF (0 when unreadable)."""
    try:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(str(path))
        try:
            return len(document)
        finally:
            document.close()
    except Exception:
        log.exception("cannot count pages of %s", path)
        return 0


class PickupSheetReady(QDialog):
    """Preview of a pickup sheet with Print, Save PDF, Open and Open folder."""

    def __init__(self, path: Path, customers: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pickupSheetDialog")
        fit_window(self, (PREVIEW_WIDTH + 60, 900))
        self.path = path
        self.customers = customers
        self.pages = page_count(path)
        self.page = 0
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.preview = QLabel(self)
        self.preview.setObjectName("pickupSheetPreview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea(self)
        scroll.setWidget(self.preview)
        scroll.setWidgetResizable(True)
        scroll.setMinimumSize(min(PREVIEW_WIDTH + 30, 480), 240)
        self.previous_button = QPushButton(self)
        self.next_button = QPushButton(self)
        self.print_button = QPushButton(self)
        self.print_button.setObjectName("pickupSheetPrint")
        self.save_button = QPushButton(self)
        self.save_button.setObjectName("pickupSheetSave")
        self.open_button = QPushButton(self)
        self.open_button.setObjectName("pickupSheetOpen")
        self.folder_button = QPushButton(self)
        self.folder_button.setObjectName("pickupSheetFolder")
        self.close_button = QPushButton(self)
        self.close_button.setObjectName("pickupSheetClose")
        buttons = QHBoxLayout()
        for button in (self.previous_button, self.next_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in self._action_buttons():
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.previous_button.clicked.connect(lambda: self.show_page(self.page - 1))
        self.next_button.clicked.connect(lambda: self.show_page(self.page + 1))
        self.print_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save_as)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self).activated.connect(
            self.print_sheet
        )
        self.open_button.clicked.connect(self.open_pdf)
        self.folder_button.clicked.connect(self.open_folder)
        self.close_button.clicked.connect(self.accept)
        self.print_button.setDefault(True)
        notifier().sig_language_changed.connect(self._on_language_changed)
        self.retranslate_ui()
        self.show_page(0)

    def _action_buttons(self) -> tuple[QPushButton, ...]:
        return (
            self.print_button,
            self.save_button,
            self.open_button,
            self.folder_button,
            self.close_button,
        )

    def _on_language_changed(self, _language: str) -> None:
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Pickup sheet"))
        self.summary.setText(
            ngettext(
                "Pickup sheet for {count} customer is ready: {path}",
                "Pickup sheet for {count} customers is ready: {path}",
                self.customers,
            ).format(count=self.customers, path=self.path)
        )
        self.previous_button.setText(_("Previous page"))
        self.next_button.setText(_("Next page"))
        self.print_button.setText(_("Print…"))
        self.print_button.setToolTip(_("Print through the printer dialog (Ctrl+P)"))
        self.save_button.setText(_("Save PDF…"))
        self.open_button.setText(_("Open"))
        self.folder_button.setText(_("Open folder"))
        self.close_button.setText(_("Close"))
        for button in self._action_buttons():
            button.setAccessibleName(button.text())

    def show_page(self, page: int) -> None:
        """Render page ``page`` (0-based) into the preview."""
        if self.pages and not 0 <= page < self.pages:
            return
        self.page = page
        image = render_page(self.path, page)
        if image is None:
            self.preview.setText(_("No preview available; use Open."))
        else:
            self.preview.setPixmap(QPixmap.fromImage(image))
        self.previous_button.setEnabled(page > 0)
        self.next_button.setEnabled(page + 1 < self.pages)

    def save_as(self) -> Path | None:
        """Copy the PDF where the user chooses."""
        return save_pdf_copy(self, self.path)

    def print_sheet(self) -> bool:
        """Print the sheet through Qt's print dialog (as the print preview does)."""
        from branch_crm.ui.printing.preview import PdfPages

        try:
            pdf = PdfPages(self.path)
        except Exception as exc:  # unreadable: say so, Save PDF still works
            log.exception("cannot read %s to print it", self.path)
            messages.show_error(self, _("Printing failed: {reason}").format(reason=exc))
            return False
        try:
            return print_with_dialog(self, pdf, self.path)
        finally:
            pdf.close()

    def open_pdf(self) -> bool:
        """Open the PDF in the system viewer, or say where it is when none opens it."""
        return open_in_viewer(self, self.path)

    def open_folder(self) -> bool:
        """Show the folder holding the PDF (or say which it is when nothing opens it)."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.path.parent))):
            return True
        messages.info(
            self,
            _("No program could open the folder. The file is at:\n{path}").format(path=self.path),
        )
        return False
