"""What every PDF window offers besides its preview: print it through Qt's print dialog, and
open it in the system's PDF viewer, saying where the file is when no viewer opens it. Shared
by the print preview and the pickup sheet.

Printing is at actual size: the painter covers the whole paper (``setFullPage``), a PDF page
of w x h points becomes w x h points of paper (``resolution / 72`` device pixels a point),
centred, never scaled to the printable area. Pages are rendered by pypdfium2 at the printer's
resolution (capped, see :func:`render_dpi`) in a background job, a few at a time; the painter
on the printer stays on the GUI thread and paints each chunk as it arrives, with progress and
Cancel (:class:`PrintJob`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPageSize, QPainter
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from branch_crm.i18n import _
from branch_crm.ui import messages

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from branch_crm.ui.printing.preview import PdfPages
    from branch_crm.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

COLOUR_DPI_CAP = 300
"""Pages go to a colour printer rendered at its resolution up to this (an A4 page at 300 dpi
is 26 MB in RGB)."""
GREY_DPI_CAP = 600
"""A printer set to greyscale gets up to this (8 bits a pixel: 35 MB for A4 at 600 dpi)."""
CHUNK = 2
"""Pages rendered per background job; the next chunk renders while this one is painted."""
PDFIUM_LOCK = threading.RLock()
"""pdfium is not thread-safe, not even across documents: every call into it holds this."""


def _grey(printer: QPrinter) -> bool:
    from PySide6.QtPrintSupport import QPrinter

    return bool(printer.colorMode() == QPrinter.ColorMode.GrayScale)


def render_dpi(printer: QPrinter) -> int:
    """The resolution pages are rendered at for ``printer``: its own, capped."""
    cap = GREY_DPI_CAP if _grey(printer) else COLOUR_DPI_CAP
    return max(72, min(cap, printer.resolution()))


def page_target(printer: QPrinter, size_pt: tuple[float, float]) -> QRectF:
    """Where a page of ``size_pt`` (points) goes on ``printer``, in device pixels of a
    full-page painter (origin at the paper's top-left corner): actual size, centred on the
    paper. A page larger than the paper is cut evenly at its edges, never scaled."""
    from PySide6.QtPrintSupport import QPrinter

    per_point = printer.resolution() / 72
    width, height = size_pt[0] * per_point, size_pt[1] * per_point
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    return QRectF((paper.width() - width) / 2, (paper.height() - height) / 2, width, height)


def prepare_printer(printer: QPrinter, size_pt: tuple[float, float]) -> None:
    """Full page (no margins moving the origin) and, as the default, paper of the PDF's size."""
    printer.setFullPage(True)
    size = QPageSize(QSizeF(*size_pt), QPageSize.Unit.Point, "",
                     QPageSize.SizeMatchPolicy.FuzzyMatch)  # fmt: skip
    printer.setPageSize(size)


def render_pages(path: Path, indexes: Sequence[int], dpi: int, grey: bool) -> list[QImage]:
    """Pages ``indexes`` of the PDF at ``path`` as images at ``dpi`` (any thread: a QImage
    is not tied to the GUI thread; pdfium calls hold :data:`PDFIUM_LOCK`)."""
    import pypdfium2 as pdfium

    images: list[QImage] = []
    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(str(path))
        try:
            for index in indexes:
                page = document[index]
                try:
                    bitmap = page.render(scale=dpi / 72, grayscale=grey, rev_byteorder=True)
                    fmt = QImage.Format.Format_Grayscale8 if grey else QImage.Format.Format_RGB888
                    image = QImage(bitmap.buffer, bitmap.width, bitmap.height, bitmap.stride, fmt)
                    images.append(image.copy())  # detach from pdfium's buffer
                finally:
                    page.close()
        finally:
            document.close()
    return images


def _paint(
    painter: QPainter, printer: QPrinter, image: QImage, size_pt: tuple[float, float]
) -> None:
    target = page_target(printer, size_pt)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    painter.drawImage(target, image, QRectF(image.rect()))


def print_pages(pdf: PdfPages, printer: QPrinter, pages: range | None = None) -> int:
    """Print ``pages`` (default all) of ``pdf`` onto ``printer`` here and now (no dialog, no
    background); actual size, centred, at the printer's resolution. How many were printed."""
    pages = pages if pages is not None else range(pdf.count)
    if not len(pages):
        return 0
    prepare_printer(printer, pdf.size(pages[0]))
    dpi = render_dpi(printer)
    grey = _grey(printer)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(_("The printer could not be started."))
    printed = 0
    try:
        for index in pages:
            if printed:
                printer.newPage()
            (image,) = render_pages(pdf.path, [index], dpi, grey)
            _paint(painter, printer, image, pdf.size(index))
            printed += 1
    finally:
        painter.end()
    return printed


class PrintJob:
    """Prints pages of a PDF without freezing the window: a background job renders them, a
    few at a time, at the printer's resolution; the GUI thread (where the printer's painter
    must stay) paints each chunk as it arrives, with a progress dialog and Cancel.

    :meth:`run` returns when the job is over (a local event loop keeps the window alive);
    ``printed`` says how many pages went to the printer, ``cancelled``/``error`` why fewer.
    """

    def __init__(
        self,
        pdf: PdfPages,
        printer: QPrinter,
        pages: range,
        *,
        parent: QWidget | None = None,
        tasks: TaskRunner | None = None,
    ) -> None:
        from branch_crm.ui.tasks import TaskRunner

        self.pdf = pdf
        self.printer = printer
        self.pages = list(pages)
        self.parent = parent
        self.tasks = tasks if tasks is not None else TaskRunner(parent=parent)
        self._own_tasks = tasks is None
        self.printed = 0
        self.cancelled = False
        self.error: BaseException | None = None
        self.render_threads: set[str] = set()
        self._painter = QPainter()
        self._loop = QEventLoop()
        self._progress: QProgressDialog | None = None
        self._next = 0
        self._waiting: dict[int, list[QImage]] = {}
        self._chunks = [self.pages[i : i + CHUNK] for i in range(0, len(self.pages), CHUNK)]
        self._painted_chunks = 0
        self._submitted: set[int] = set()
        self._busy = False
        self._finished = False
        self.dpi = 0
        self.grey = False

    def run(self) -> int:
        """Print; returns the number of pages printed."""
        if not self.pages:
            return 0
        prepare_printer(self.printer, self.pdf.size(self.pages[0]))
        self.dpi = render_dpi(self.printer)
        self.grey = _grey(self.printer)
        if not self._painter.begin(self.printer):
            raise OSError(_("The printer could not be started."))
        self._progress = QProgressDialog(
            _("Printing {n} pages…").format(n=len(self.pages)),
            _("Cancel"),
            0,
            len(self.pages),
            self.parent,
        )
        self._progress.setObjectName("pdfPrintProgress")
        self._progress.setWindowModality(Qt.WindowModality.WindowModal)
        self._progress.setMinimumDuration(300)
        self._progress.canceled.connect(self.cancel)
        self._submit(0)
        self._submit(1)  # the next chunk renders while this one is painted
        if not self._finished:
            self._loop.exec()
        return self.printed

    def cancel(self) -> None:
        """Stop after the page being painted; the printer drops the unfinished job."""
        if self._finished:
            return
        self.cancelled = True
        self._finish()

    def _submit(self, number: int) -> None:
        if number >= len(self._chunks) or self._finished or number in self._submitted:
            return
        self._submitted.add(number)
        indexes = self._chunks[number]
        path, dpi, grey = self.pdf.path, self.dpi, self.grey
        threads = self.render_threads

        def work(control: Any) -> list[QImage]:
            threads.add(threading.current_thread().name)
            control.check()
            return render_pages(path, indexes, dpi, grey)

        def arrived(images: list[QImage]) -> None:
            self._arrived(number, images)

        self.tasks.submit(work, kind="cpu", on_result=arrived, on_error=self._failed)

    def _arrived(self, number: int, images: list[QImage]) -> None:
        if self._finished:
            return
        self._waiting[number] = images
        if self._busy:  # a chunk that arrived while another is painted (inline runner)
            return
        self._busy = True
        try:
            while self._painted_chunks in self._waiting and not self._finished:
                chunk = self._painted_chunks
                self._paint_chunk(self._chunks[chunk], self._waiting.pop(chunk))
                self._painted_chunks += 1
                self._submit(self._painted_chunks + 1)
        except Exception as exc:  # the printer refused a page
            self.error = exc
        finally:
            self._busy = False
        if self.error is not None or self._painted_chunks == len(self._chunks):
            self._finish()

    def _paint_chunk(self, indexes: list[int], images: list[QImage]) -> None:
        for index, image in zip(indexes, images, strict=True):
            if self.cancelled:
                return
            if self.printed and not self.printer.newPage():
                raise OSError(_("The printer could not start a new page."))
            _paint(self._painter, self.printer, image, self.pdf.size(index))
            self.printed += 1
            if self._progress is not None:
                self._progress.setValue(self.printed)

    def _failed(self, error: BaseException) -> None:
        from branch_crm.ui.tasks import JobCancelled

        if not isinstance(error, JobCancelled):
            self.error = error
        self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self.cancelled or self.error is not None:
            self.printer.abort()
        if self._painter.isActive():
            self._painter.end()
        if self._progress is not None:
            self._progress.reset()
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None
        if self._own_tasks:
            self.tasks.shutdown(wait=False)
        self._loop.quit()


def print_with_dialog(
    parent: QWidget | None,
    pdf: PdfPages,
    path: Path,
    *,
    tasks: TaskRunner | None = None,
    done: Callable[[PrintJob], None] | None = None,
) -> bool:
    """Ask for a printer and a page range with Qt's print dialog, then print (actual size,
    centred, rendered in the background with progress and Cancel); True when printed (a
    failure is shown to the user)."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(path.name)
    printer.setFromTo(1, pdf.count)
    if pdf.count:
        prepare_printer(printer, pdf.size(0))
    dialog = QPrintDialog(printer, parent)
    dialog.setObjectName("pdfPrintDialog")
    dialog.setMinMax(1, pdf.count)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    first, last = printer.fromPage(), printer.toPage()
    pages = range(first - 1, last) if first and last else range(pdf.count)
    job = PrintJob(pdf, printer, pages, parent=parent, tasks=tasks)
    try:
        printed = job.run()
    except Exception as exc:
        job.error = exc
        job._finish()
    if done is not None:
        done(job)
    if job.error is not None:
        log.error("printing %s failed: %s", path, job.error)
        messages.show_error(parent, _("Printing failed: {reason}").format(reason=job.error))
        return False
    if job.cancelled:
        log.info("printing %s cancelled after %d pages", path, job.printed)
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
