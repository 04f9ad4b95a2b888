"""What every PDF window offers besides its preview: print it through Qt's print dialog
(pages rendered with pypdfium2), and open it in the system's PDF viewer, saying where the
file is when no viewer opens it. Shared by the print preview and the pickup sheet."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QPainter
from PySide6.QtWidgets import QDialog, QWidget

from branch_crm.i18n import _
from branch_crm.ui import messages

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from branch_crm.ui.printing.preview import PdfPages

log = logging.getLogger(__name__)

PRINT_DPI_CAP = 300


def print_pages(pdf: PdfPages, printer: QPrinter, pages: range | None = None) -> int:
    """Render ``pages`` (default all) of ``pdf`` onto ``printer``; how many were printed."""
    pages = pages if pages is not None else range(pdf.count)
    dpi = min(PRINT_DPI_CAP, printer.resolution())
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(_("The printer could not be started."))
    printed = 0
    try:
        for index in pages:
            if printed:
                printer.newPage()
            image = pdf.image(index, dpi / 72)
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(target.topLeft(), scaled), image)
            printed += 1
    finally:
        painter.end()
    return printed


def print_with_dialog(parent: QWidget | None, pdf: PdfPages, path: Path) -> bool:
    """Ask for a printer and a page range with Qt's print dialog, then print; True when
    printed (a failure is shown to the user)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(path.name)
    printer.setFromTo(1, pdf.count)
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("pdfPrintDialog")
    dialog.setMinMax(1, pdf.count)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    first, last = printer.fromPage(), printer.toPage()
    pages = range(first - 1, last) if first and last else range(pdf.count)
    try:
        printed = print_pages(pdf, printer, pages)
    except Exception as exc:
        log.exception("printing %s failed", path)
        messages.show_error(parent, _("Printing failed: {reason}").format(reason=exc))
        return False
    log.info("printed %d pages of %s", printed, path)
    return printed > 0


def open_in_viewer(parent: QWidget | None, path: Path) -> bool:
    """Open ``path`` with the system's viewer; when none opens it, say where the file is
    (and that Print or Save PDF still work)."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return True
    log.warning("no program opened %s", path)
    messages.info(
        parent,
        _(
            "No PDF viewer could open the file. It is saved at:\n{path}\n\n"
            "Print it with Print…, or copy it with Save PDF…."
        ).format(path=path),
        _("No PDF viewer"),
    )
    return False
