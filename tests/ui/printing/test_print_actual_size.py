"""Issue 16: Print… prints at actual size (no fit to the printable area), centred, at the
printer's resolution, rendered off the GUI thread with progress and Cancel. The printer is a
real QPrinter writing PDF (offscreen); its output is read back with pypdf and pypdfium2."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from branch_crm.ui.printing import pdf_actions as pa
from branch_crm.ui.printing import preview as pv

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

MARK = (30.0, 40.0, 10.0)
"""A filled square: left and bottom edge in mm from the page's lower-left corner, side."""


def marked_pdf(path: Path, pages: int) -> Path:
    canvas = Canvas(str(path), pagesize=A4)
    x, y, side = MARK
    for _k in range(pages):
        canvas.rect(x * mm, y * mm, side * mm, side * mm, stroke=0, fill=1)
        canvas.rect(180 * mm, 270 * mm, 10 * mm, 10 * mm, stroke=0, fill=1)  # top right
        canvas.showPage()
    canvas.save()
    return path


def pdf_printer(out: Path, dpi: int) -> Any:
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    printer.setResolution(dpi)
    return printer


def dark_box_mm(path: Path, index: int, *, top_half: bool = False) -> tuple[float, ...]:
    """(left, bottom, right, top) in mm from the lower-left corner of the dark pixels in the
    lower (or upper) half of page ``index`` rendered at 20 px/mm."""
    import pypdfium2 as pdfium

    scale = 20 / (72 / 25.4)  # 20 px a millimetre
    document = pdfium.PdfDocument(str(path))
    try:
        image = document[index].render(scale=scale, grayscale=True).to_pil()
    finally:
        document.close()
    height = image.height
    band = (0, 0, image.width, height // 2) if top_half else (0, height // 2, image.width, height)
    crop = image.crop(band).point(lambda p: 255 if p < 128 else 0)
    left, top, right, bottom = crop.getbbox()
    top += band[1]
    bottom += band[1]
    px = image.width / 210
    return left / px, (height - bottom) / px, right / px, (height - top) / px


def test_a_page_prints_at_actual_size_and_in_place(tmp_path: Path, qtbot: Any) -> None:
    source = marked_pdf(tmp_path / "marks.pdf", 1)
    out = tmp_path / "printed.pdf"
    pdf = pv.PdfPages(source)
    try:
        assert pa.print_pages(pdf, pdf_printer(out, 300)) == 1
    finally:
        pdf.close()
    page = PdfReader(out).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1  # the paper is A4
    expected = dark_box_mm(source, 0)
    printed = dark_box_mm(out, 0)
    x, y, side = MARK
    assert expected == pytest.approx((x, y, x + side, y + side), abs=0.2)
    assert printed == pytest.approx(expected, abs=0.5)  # 1:1, not scaled from a corner
    assert dark_box_mm(out, 0, top_half=True) == pytest.approx((180, 270, 190, 280), abs=0.5)
    # the page went out at the printer's resolution, not a 96-dpi bitmap
    (image,) = page.images
    assert abs(image.image.width - round(210 / 25.4 * 300)) <= 2


def test_a_smaller_paper_gets_the_page_centred_not_shrunk(tmp_path: Path, qtbot: Any) -> None:
    from PySide6.QtGui import QPageSize

    source = marked_pdf(tmp_path / "marks.pdf", 1)
    out = tmp_path / "letter.pdf"
    printer = pdf_printer(out, 200)
    pdf = pv.PdfPages(source)
    try:
        pa.prepare_printer(printer, pdf.size(0))
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.Letter))  # the user's paper
        target = pa.page_target(printer, pdf.size(0))
    finally:
        pdf.close()
    per_mm = 200 / 25.4
    assert target.width() / per_mm == pytest.approx(210, abs=0.1)  # actual size
    assert target.height() / per_mm == pytest.approx(297, abs=0.1)
    assert target.x() / per_mm == pytest.approx((215.9 - 210) / 2, abs=0.1)  # centred
    assert target.y() / per_mm == pytest.approx((279.4 - 297) / 2, abs=0.1)


def test_print_dialog_renders_in_the_background_with_progress(
    tmp_path: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch, boxes: Any
) -> None:
    from PySide6.QtPrintSupport import QPrintDialog

    from branch_crm.ui.tasks import TaskRunner

    source = marked_pdf(tmp_path / "batch.pdf", 12)
    out = tmp_path / "batch-printed.pdf"

    def accept(self: QPrintDialog) -> int:
        printer = self.printer()
        printer.setOutputFormat(printer.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(150)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    jobs: list[pa.PrintJob] = []
    tasks = TaskRunner()
    pdf = pv.PdfPages(source)
    try:
        assert pa.print_with_dialog(None, pdf, source, tasks=tasks, done=jobs.append)
    finally:
        timer.stop()
        pdf.close()
        tasks.shutdown()
    (job,) = jobs
    assert job.printed == 12 and not job.cancelled and job.error is None
    assert job.render_threads and threading.current_thread().name not in job.render_threads
    assert all(name.startswith("branch-crm-cpu") for name in job.render_threads)
    assert ticks  # the GUI thread kept running its event loop while pages rendered
    reader = PdfReader(out)
    assert len(reader.pages) == 12
    assert dark_box_mm(out, 11) == pytest.approx(dark_box_mm(source, 11), abs=0.5)


def test_cancel_stops_the_job(tmp_path: Path, qtbot: Any) -> None:
    from branch_crm.ui.tasks import TaskRunner

    source = marked_pdf(tmp_path / "long.pdf", 10)
    out = tmp_path / "cancelled.pdf"
    printer = pdf_printer(out, 100)
    tasks = TaskRunner()
    pdf = pv.PdfPages(source)
    try:
        job = pa.PrintJob(pdf, printer, range(10), tasks=tasks)
        original = job._paint_chunk

        def paint_then_cancel(indexes: list[int], images: list[Any]) -> None:
            original(indexes, images)
            job.cancel()  # as the progress dialog's Cancel button does

        job._paint_chunk = paint_then_cancel  # type: ignore[method-assign]
        printed = job.run()
    finally:
        pdf.close()
        tasks.shutdown()
    assert job.cancelled and printed == pa.CHUNK < 10
