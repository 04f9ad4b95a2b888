"""Preview of a PDF inside the app (pypdfium2), printing through Qt's print dialog, Save PDF.

DESIGN.md section 5: staff see what will print before it prints, print on any Windows
printer through the system dialog, and can always save the PDF. Pages are rendered lazily:
only the pages in view (and their neighbours) hold an image, so a 1,000-page survey batch
previews in bounded memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QImage,
    QKeySequence,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _, ngettext
from branch_crm.ui import keys as ui_keys
from branch_crm.ui.icons import icon
from branch_crm.ui.printing.pdf_actions import (
    PDFIUM_LOCK,
    open_in_viewer,
    print_pages,
    print_with_dialog,
)
from branch_crm.ui.printing.save_copy import save_pdf_copy
from branch_crm.ui.widgets.screen_fit import fit_window

if TYPE_CHECKING:
    import pypdfium2 as pdfium
    from PySide6.QtPrintSupport import QPrinter

log = logging.getLogger(__name__)

POINTS_TO_PIXELS = 96 / 72
ZOOMS = (0.25, 0.35, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)
KEEP_RENDERED = 12
"""Rendered page images kept at most (the pages in view and a few around them)."""
PAGE_GAP = 12


def render_image(document: pdfium.PdfDocument, index: int, scale: float) -> QImage:
    """Page ``index`` of an open pypdfium2 document as a QImage at ``scale`` px per pt."""
    with PDFIUM_LOCK:  # a print job may be rendering on another thread
        page = document[index]
        try:
            bitmap = page.render(scale=scale, rev_byteorder=True)
            image = QImage(
                bitmap.buffer,
                bitmap.width,
                bitmap.height,
                bitmap.stride,
                QImage.Format.Format_RGB888,
            )
            return image.copy()  # detach from pdfium's buffer before it is freed
        finally:
            page.close()


ZOOM_IN = N_("Zoom in")
ZOOM_OUT = N_("Zoom out")
FIT_WIDTH = N_("Fit the page to the width")
PRINT = N_("Print")
SAVE_PDF = N_("Save a copy of the PDF")


class PdfPages:
    """An open PDF: page count and sizes in points, page images on demand."""

    def __init__(self, path: Path) -> None:
        import pypdfium2 as pdfium

        self.path = Path(path)
        with PDFIUM_LOCK:
            self.document = pdfium.PdfDocument(str(path))
            self.count = len(self.document)
        self._sizes: dict[int, tuple[float, float]] = {}

    def size(self, index: int) -> tuple[float, float]:
        """(width, height) of a page in points."""
        size = self._sizes.get(index)
        if size is None:
            with PDFIUM_LOCK:
                width, height = self.document.get_page_size(index)
            size = self._sizes[index] = (float(width), float(height))
        return size

    def image(self, index: int, scale: float) -> QImage:
        """The page rendered at ``scale`` pixels per point."""
        return render_image(self.document, index, scale)

    def close(self) -> None:
        """Release the file."""
        with PDFIUM_LOCK:
            self.document.close()


class PdfPreview(QScrollArea):
    """Pages one under the other at a zoom; renders what is in view, forgets what is not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreviewPages")
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.pdf: PdfPages | None = None
        self.zoom = 1.0
        self.labels: list[QLabel] = []
        self.rendered: dict[int, float] = {}
        """Page index -> zoom of the image it holds now (insertion order = age)."""
        self._body = QWidget(self)
        self._layout = QVBoxLayout(self._body)
        self._layout.setSpacing(PAGE_GAP)
        self._layout.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.setWidget(self._body)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(30)
        self._timer.timeout.connect(self.render_visible)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._timer.start())

    def load(self, pdf: PdfPages) -> None:
        """Show ``pdf`` (placeholders first; images as pages come into view)."""
        self.pdf = pdf
        for label in self.labels:
            label.deleteLater()
        self.labels = []
        self.rendered.clear()
        for index in range(pdf.count):
            label = QLabel(self._body)
            label.setObjectName(f"pdfPage{index + 1}")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setStyleSheet("background: white; border: 1px solid #bbb;")
            self._layout.addWidget(label)
            self.labels.append(label)
        self.set_zoom(self.zoom)

    def page_pixels(self, index: int) -> QSize:
        """Size of page ``index`` on screen at the current zoom."""
        assert self.pdf is not None
        width, height = self.pdf.size(index)
        factor = self.zoom * POINTS_TO_PIXELS
        return QSize(round(width * factor), round(height * factor))

    def set_zoom(self, zoom: float) -> None:
        """Resize every page placeholder and re-render the pages in view."""
        self.zoom = max(ZOOMS[0], min(ZOOMS[-1], zoom))
        if self.pdf is None:
            return
        for index, label in enumerate(self.labels):
            label.setFixedSize(self.page_pixels(index))
        self._body.adjustSize()
        QTimer.singleShot(0, self.render_visible)

    def fit_width_zoom(self) -> float:
        """The zoom at which the first page fills the viewport's width."""
        if self.pdf is None or not self.pdf.count:
            return self.zoom
        width, _height = self.pdf.size(0)
        room = max(100, self.viewport().width() - 2 * PAGE_GAP - 4)
        return room / (width * POINTS_TO_PIXELS)

    def visible_pages(self) -> list[int]:
        """Indexes of the pages intersecting the viewport."""
        top = self.verticalScrollBar().value()
        view = QRect(0, top, self.viewport().width() + 10_000, self.viewport().height())
        return [i for i, label in enumerate(self.labels) if label.geometry().intersects(view)]

    def render_visible(self) -> None:
        """Render the visible pages (and one on each side); drop the oldest beyond the cap."""
        if self.pdf is None or not self.labels:
            return
        wanted = self.visible_pages() or [0]
        wanted = sorted({max(0, wanted[0] - 1), *wanted, min(len(self.labels) - 1, wanted[-1] + 1)})
        for index in wanted:
            if self.rendered.get(index) == self.zoom:
                self.rendered[index] = self.rendered.pop(index)  # most recent
                continue
            self._render(index)
        while len(self.rendered) > KEEP_RENDERED:
            oldest = next(iter(self.rendered))
            if oldest in wanted:
                break
            self.rendered.pop(oldest)
            self.labels[oldest].clear()

    def _render(self, index: int) -> None:
        assert self.pdf is not None
        try:
            image = self.pdf.image(index, self.zoom * POINTS_TO_PIXELS * self.devicePixelRatioF())
        except Exception:  # a damaged page: show the rest
            log.exception("cannot render page %d", index + 1)
            self.labels[index].setText(_("This page cannot be shown."))
            return
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.labels[index].setPixmap(pixmap)
        self.rendered.pop(index, None)
        self.rendered[index] = self.zoom

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Render newly exposed pages after a resize."""
        super().resizeEvent(event)
        self._timer.start()


class PdfPreviewDialog(QDialog):
    """A PDF with zoom, Print… (Qt print dialog) and Save PDF…; Save works without a preview."""

    def __init__(self, path: Path, title: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("pdfPreviewDialog")
        self.path = Path(path)
        self.title = title
        self.pdf: PdfPages | None = None
        self.error: str | None = None
        self.preview = PdfPreview(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("pdfPreviewSummary")
        self.zoom_label = QLabel(self)
        self.zoom_out_button = self._button("pdfZoomOut", "zoom_out", self.zoom_out)
        self.zoom_in_button = self._button("pdfZoomIn", "zoom_in", self.zoom_in)
        self.fit_button = self._button("pdfFitWidth", "zoom_fit", self.fit_width)
        self.print_button = self._button("pdfPrint", "print", self.print_dialog)
        self.save_button = self._button("pdfSave", "pdf_save", self.save_as)
        self.open_button = self._button("pdfOpen", "pdf_open", self.open_external)
        self.close_button = self._button("pdfClose", None, self.accept)
        self._layout()
        self._shortcuts()
        self.retranslate_ui()
        self._open()
        fit_window(self, (860, 900))

    def _button(self, name: str, icon_name: str | None, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(self)
        button.setObjectName(name)
        if icon_name:
            button.setIcon(icon(icon_name))
        button.clicked.connect(slot)
        button.setAutoDefault(False)
        return button

    def _layout(self) -> None:
        bar = QHBoxLayout()
        for widget in (self.zoom_out_button, self.zoom_label, self.zoom_in_button, self.fit_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.print_button, self.save_button, self.open_button, self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)

    def _shortcuts(self) -> None:
        pairs = (
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in, ZOOM_IN),
            ("Ctrl+=", self.zoom_in, ZOOM_IN),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out, ZOOM_OUT),
            ("Ctrl+Shift+F", self.fit_width, FIT_WIDTH),
            (QKeySequence.StandardKey.Print, self.print_dialog, PRINT),
            (QKeySequence.StandardKey.Save, self.save_as, SAVE_PDF),
        )
        for sequence, slot, description in pairs:
            ui_keys.shortcut(self, sequence, slot, description)

    def _open(self) -> None:
        try:
            self.pdf = PdfPages(self.path)
        except Exception as exc:  # unreadable PDF: Save PDF and Open still work
            log.exception("cannot preview %s", self.path)
            self.error = str(exc)
            self.summary.setText(_("No preview available; Save PDF still works."))
            for button in (
                self.zoom_in_button,
                self.zoom_out_button,
                self.fit_button,
                self.print_button,
            ):
                button.setEnabled(False)
            return
        self.preview.load(self.pdf)
        self._update_summary()

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(self.title or _("Print preview"))
        self.zoom_out_button.setToolTip(_("Zoom out (Ctrl+-)"))
        self.zoom_in_button.setToolTip(_("Zoom in (Ctrl++)"))
        self.fit_button.setText(_("Fit width"))
        self.fit_button.setToolTip(_("Fit the page width (Ctrl+Shift+F)"))
        self.print_button.setText(_("Print…"))
        self.print_button.setToolTip(_("Print through the printer dialog (Ctrl+P)"))
        self.save_button.setText(_("Save PDF…"))
        self.save_button.setToolTip(_("Save a copy of the PDF (Ctrl+S)"))
        self.open_button.setText(_("Open in PDF viewer"))
        self.close_button.setText(_("Close"))
        for button in (self.zoom_out_button, self.zoom_in_button):
            button.setAccessibleName(button.toolTip())
        for button in (
            self.fit_button,
            self.print_button,
            self.save_button,
            self.open_button,
            self.close_button,
        ):
            button.setAccessibleName(button.text())
        self._update_summary()

    def _update_summary(self) -> None:
        self.zoom_label.setText(f"{round(self.preview.zoom * 100)} %")
        if self.pdf is None:
            return
        self.summary.setText(
            ngettext("{count} page", "{count} pages", self.pdf.count).format(count=self.pdf.count)
        )

    # --- zoom ----------------------------------------------------------------------------------

    def set_zoom(self, zoom: float) -> None:
        """Show the pages at ``zoom`` (1.0 = 100 %)."""
        self.preview.set_zoom(zoom)
        self._update_summary()

    def zoom_in(self) -> None:
        """The next zoom step up."""
        self.set_zoom(next((z for z in ZOOMS if z > self.preview.zoom + 1e-6), ZOOMS[-1]))

    def zoom_out(self) -> None:
        """The next zoom step down."""
        smaller = [z for z in ZOOMS if z < self.preview.zoom - 1e-6]
        self.set_zoom(smaller[-1] if smaller else ZOOMS[0])

    def fit_width(self) -> None:
        """Zoom so the page fills the window's width."""
        self.set_zoom(self.preview.fit_width_zoom())

    # --- printing ------------------------------------------------------------------------------

    def print_dialog(self) -> bool:
        """Ask for a printer with Qt's print dialog and print; True when printed."""
        if self.pdf is None:
            return False
        return print_with_dialog(self, self.pdf, self.path)

    def print_to(self, printer: QPrinter, pages: range | None = None) -> int:
        """Render ``pages`` (default all) onto ``printer``; returns how many were printed."""
        assert self.pdf is not None
        return print_pages(self.pdf, printer, pages)

    # --- saving --------------------------------------------------------------------------------

    def save_as(self) -> Path | None:
        """Copy the PDF where the user chooses; None when cancelled or refused."""
        return save_pdf_copy(self, self.path)

    def open_external(self) -> bool:
        """Open the PDF in the system's PDF viewer (or say where it is when none opens it)."""
        return open_in_viewer(self, self.path)

    def done(self, result: int) -> None:
        """Release the PDF file when the dialog closes."""
        if self.pdf is not None:
            self.preview.pdf = None
            self.pdf.close()
            self.pdf = None
        super().done(result)


def preview_pdf(parent: QWidget | None, path: Path, title: str | None = None) -> PdfPreviewDialog:
    """Open a (non-modal) preview of ``path`` and return it."""
    dialog = PdfPreviewDialog(Path(path), title, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
