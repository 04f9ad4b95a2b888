"""Pickup sheet action: selected customers -> real PDF -> preview, Print, Save PDF, open it or
its folder (and where the file is when no program opens it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from branch_crm.ui.counter import actions
from branch_crm.ui.counter.pickup_sheet import PickupSheetReady

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def test_nothing_selected_says_so(qtbot, ctx, boxes) -> None:  # type: ignore[no-untyped-def]
    actions.pickup_sheet(ctx, [], parent=None)
    assert boxes.infos == ["Select one or more customers first."]


def test_sheet_of_selected_results(qtbot, page, tmp_path, monkeypatch, boxes) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog

    with qtbot.waitSignal(page.lookup.sig_results_updated):
        qtbot.keyClicks(page.lookup.search_box, "5678")
    page.lookup.results.selectAll()
    qtbot.keyClick(page.lookup.search_box, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(page.findChildren(PickupSheetReady)), timeout=10000)
    (dialog,) = page.findChildren(PickupSheetReady)
    assert dialog.path.exists() and dialog.pages >= 1
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    text = "".join(p.extract_text() for p in PdfReader(dialog.path).pages)
    assert "张三" in text and "赵六" in text
    assert "李四" not in text

    target = tmp_path / "round.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == dialog.path.read_bytes()
    assert boxes.infos and str(target) in boxes.infos[-1]

    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert [Path(p) for p in opened] == [dialog.path.parent, dialog.path]
    dialog.close()


def test_too_many_selected_is_refused(qtbot, ctx, boxes, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter.customer_list import CustomerListPage

    page = CustomerListPage(ctx)
    qtbot.addWidget(page)
    monkeypatch.setattr(page, "selected_count", lambda: actions.MAX_SHEET_CUSTOMERS + 1)
    page.pickup_sheet()
    assert boxes.infos and "at most" in boxes.infos[0]


def make_sheet(path: Path, pages: int) -> Path:
    """A stand-in pickup sheet PDF of ``pages`` pages."""
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    for k in range(pages):
        canvas.drawString(100, 700, f"Sheet page {k + 1}")
        canvas.showPage()
    canvas.save()
    return path


def test_print_button_prints_every_page(qtbot, tmp_path, monkeypatch, boxes, show) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QDialog

    dialog = show(PickupSheetReady(make_sheet(tmp_path / "sheet.pdf", 2), customers=3))
    out = tmp_path / "printed.pdf"

    def accept(self: QPrintDialog) -> int:
        printer = self.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        printer.setResolution(72)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    assert dialog.print_button.text() == "Print…" and dialog.print_button.isDefault()
    qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    assert len(PdfReader(out).pages) == 2
    out.unlink()
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(PdfReader(out).pages) == 2
    assert boxes.errors == []


def test_open_without_a_viewer_says_where_the_file_is(qtbot, tmp_path, monkeypatch, boxes) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QDesktopServices

    dialog = PickupSheetReady(make_sheet(tmp_path / "sheet.pdf", 1), customers=1)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    assert len(boxes.infos) == 1
    assert str(dialog.path) in boxes.infos[0] and "No PDF viewer" in boxes.infos[0]
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert len(boxes.infos) == 2 and str(dialog.path) in boxes.infos[1]


def test_unreadable_sheet_says_printing_failed(qtbot, tmp_path, boxes) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf")
    dialog = PickupSheetReady(broken, customers=1)
    qtbot.addWidget(dialog)
    assert dialog.print_sheet() is False
    assert boxes.errors and "Printing failed" in str(boxes.errors[0])
