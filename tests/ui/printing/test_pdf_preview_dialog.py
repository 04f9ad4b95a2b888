"""PDF preview: lazy pdfium pages, zoom by keyboard, printing through QPrinter, Save PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFileDialog
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from branch_crm.ui.printing import preview as pv

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def make_pdf(path: Path, pages: int) -> Path:
    """A PDF whose page k carries a big 'Page k' and a black bar (ink to find)."""
    canvas = Canvas(str(path), pagesize=A4)
    for k in range(1, pages + 1):
        canvas.setFont("Helvetica", 40)
        canvas.drawString(100, 700, f"Page {k}")
        canvas.rect(100, 100, 300, 40, fill=1)
        canvas.showPage()
    canvas.save()
    return path


@pytest.fixture
def dialog(qtbot, tmp_path, boxes, show):  # type: ignore[no-untyped-def]
    widget = pv.PdfPreviewDialog(make_pdf(tmp_path / "three.pdf", 3), "Preview test")
    qtbot.addWidget(widget)
    show(widget)
    return widget


def test_pages_render_and_zoom_by_keyboard(qtbot, dialog) -> None:  # type: ignore[no-untyped-def]
    assert dialog.windowTitle() == "Preview test"
    assert dialog.summary.text() == "3 pages"
    assert len(dialog.preview.labels) == 3
    qtbot.waitUntil(lambda: 0 in dialog.preview.rendered)
    first = dialog.preview.labels[0]
    assert first.pixmap() is not None and not first.pixmap().isNull()
    width = first.width()
    assert abs(width - round(595.3 * 96 / 72)) <= 1  # 100 % = A4 at 96 dpi
    qtbot.keyClick(dialog, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert dialog.preview.zoom == 1.25 and dialog.zoom_label.text() == "125 %"
    assert first.width() > width
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.preview.zoom == 0.8
    qtbot.keyClick(
        dialog,
        Qt.Key.Key_F,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    room = dialog.preview.viewport().width()
    assert first.width() <= room and first.width() > room * 0.8
    qtbot.waitUntil(lambda: dialog.preview.rendered.get(0) == dialog.preview.zoom)


def test_print_to_a_printer_writes_every_page(qtbot, dialog, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    printer.setResolution(150)
    assert dialog.print_to(printer) == 3
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == 3
    image = pv.PdfPages(tmp_path / "printed.pdf")
    try:
        dark = image.image(2, 0.5).convertToFormat(image.image(2, 0.5).Format.Format_Grayscale8)
        values = {
            dark.pixelColor(x, y).value()
            for x in range(0, dark.width(), 4)
            for y in range(0, dark.height(), 4)
        }
        assert min(values) < 60  # the black bar made it onto the printed page
    finally:
        image.close()


def test_print_dialog_prints_the_chosen_range(qtbot, dialog, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    out = tmp_path / "range.pdf"

    def accept(self: QPrintDialog) -> int:
        printer = self.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(100)
        printer.setFromTo(2, 3)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(PdfReader(out).pages) == 2


def test_cancelled_print_dialog_prints_nothing(dialog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrintDialog

    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert dialog.print_dialog() is False


def test_save_pdf(qtbot, dialog, tmp_path, monkeypatch, boxes) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "copy"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = target.with_suffix(".pdf")
    assert saved.read_bytes() == dialog.path.read_bytes()
    assert boxes.infos == [f"Saved {saved}"]
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: (str(tmp_path / "no" / "such" / "x.pdf"), ""),
    )
    assert dialog.save_as() is None
    assert "Could not save" in boxes.errors[0]


def test_unreadable_pdf_still_saves(qtbot, tmp_path, monkeypatch, boxes) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not a PDF")
    widget = pv.PdfPreviewDialog(broken)
    qtbot.addWidget(widget)
    assert "No preview available" in widget.summary.text()
    assert not widget.print_button.isEnabled()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "kept.pdf"), "")
    )
    assert widget.save_as() == tmp_path / "kept.pdf"
    assert (tmp_path / "kept.pdf").read_bytes() == broken.read_bytes()


def test_long_documents_keep_few_pages_rendered(qtbot, tmp_path, boxes, show) -> None:  # type: ignore[no-untyped-def]
    widget = pv.PdfPreviewDialog(make_pdf(tmp_path / "long.pdf", 40))
    qtbot.addWidget(widget)
    show(widget)
    bar = widget.preview.verticalScrollBar()
    for value in range(0, bar.maximum() + 1, max(1, bar.maximum() // 20)):
        bar.setValue(value)
        widget.preview.render_visible()
    bar.setValue(bar.maximum())
    widget.preview.render_visible()
    assert 39 in widget.preview.rendered
    assert len(widget.preview.rendered) <= pv.KEEP_RENDERED
    blank = [
        i
        for i, label in enumerate(widget.preview.labels)
        if label.pixmap() is None or label.pixmap().isNull()
    ]
    assert len(blank) >= 40 - pv.KEEP_RENDERED
    widget.close()


def test_open_without_a_viewer_says_where_the_file_is(dialog, monkeypatch, boxes) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    assert dialog.open_external() is False
    assert len(boxes.infos) == 1 and str(dialog.path) in boxes.infos[0]
