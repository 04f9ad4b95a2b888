"""The attachments strip on the complaint detail (issue 19): choose (Ctrl+Shift+A), paste a
screenshot (Ctrl+V), drop files, a refusal said in the strip, thumbnails on the timeline,
Enter opens full size, a file not here yet shows "photo pending"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from branch_crm.ui.attachments.strip import AttachmentStrip
from branch_crm.ui.complaints.detail import ComplaintDetailDialog, open_complaint
from tests.support.attachments import jpeg, pdf

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture(autouse=True)
def _windows_closed_here(qapp) -> Any:  # type: ignore[no-untyped-def]
    """Close this test's windows inside it: a window deleted later would say Qt's
    "propagateSizeHints" warning in the next test, outside this module's ignore list."""
    from PySide6.QtCore import QCoreApplication, QEvent

    yield
    for widget in QApplication.topLevelWidgets():
        widget.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


@pytest.fixture
def complaint(ctx, add_customer, take) -> Any:  # type: ignore[no-untyped-def]
    return take(add_customer("张三", "13812345678"), "damage")


def _detail(qtbot, ctx, complaint_id: str) -> ComplaintDetailDialog:  # type: ignore[no-untyped-def]
    dialog = open_complaint(ctx, complaint_id)
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=2000)
    return dialog


def _names(strip: AttachmentStrip) -> list[str]:
    return [strip.list.item(i).text() for i in range(strip.list.count())]


def test_choose_paste_drop_and_a_refusal(
    qtbot, ctx, complaint, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    photo = tmp_path / "box.jpg"
    photo.write_bytes(jpeg(300, 200))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(photo)], ""))
    dialog = _detail(qtbot, ctx, complaint.id)
    strip = dialog.attachments
    assert strip.isVisible() and _names(strip) == []

    qtbot.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    qtbot.waitUntil(lambda: _names(strip) == ["box.jpg"], timeout=5000)
    thumb = strip.list.item(0).icon().pixmap(64, 64)
    assert thumb.width() == 64 and thumb.height() in (42, 43)  # the photo itself, scaled
    qtbot.waitUntil(lambda: dialog.timeline.topLevelItem(0).text(1)
                    == "Attachment added: box.jpg", timeout=5000)  # fmt: skip
    assert not dialog.timeline.topLevelItem(0).icon(1).isNull()

    screenshot = QImage(120, 80, QImage.Format.Format_RGB32)
    screenshot.fill(Qt.GlobalColor.darkCyan)
    QGuiApplication.clipboard().setImage(screenshot)
    strip.list.setFocus()
    qtbot.keyClick(strip.list, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(_names(strip)) == 2, timeout=5000)
    assert _names(strip)[1] == "screenshot.png"

    scan = tmp_path / "waybill.pdf"
    scan.write_bytes(pdf())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(scan))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    strip.dropEvent(drop)
    qtbot.waitUntil(lambda: len(_names(strip)) == 3, timeout=5000)

    strip.attach_paths([photo])  # the same photo again
    qtbot.waitUntil(lambda: "already attached" in strip.message.text(), timeout=5000)
    assert len(_names(strip)) == 3
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture at all")
    strip.attach_paths([bad])
    qtbot.waitUntil(lambda: "is not a photo" in strip.message.text(), timeout=5000)


def test_enter_opens_full_size_and_pending_is_shown(qtbot, ctx, complaint, tmp_path) -> None:  # type: ignore[no-untyped-def]
    dialog = _detail(qtbot, ctx, complaint.id)
    strip = dialog.attachments
    strip.attach_bytes(jpeg(800, 600), "parcel.jpg")
    qtbot.waitUntil(lambda: strip.list.count() == 1, timeout=5000)
    strip.list.setFocus()
    strip.list.setCurrentRow(0)
    qtbot.keyClick(strip.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _viewer() is not None, timeout=3000)
    viewer = _viewer()
    assert viewer.picture.pixmap().width() > 0
    viewer.close()

    view = strip.views[0]
    assert view.path is not None
    view.path.unlink()  # as on another PC: the row is here, the file not yet
    strip.reload()
    assert strip.list.item(0).toolTip().startswith("photo pending")
    assert strip.pending.isVisible() and "Photo pending (1)" in strip.pending.text()
    strip.open_selected()  # fetched on demand: this PC is not registered
    qtbot.waitUntil(lambda: "register this PC" in strip.message.text(), timeout=5000)


def _viewer() -> Any:
    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == "attachmentViewer" and widget.isVisible():
            return widget
    return None


def test_ctrl_p_previews_the_complaint_with_its_photos(qtbot, ctx, complaint) -> None:  # type: ignore[no-untyped-def]
    dialog = _detail(qtbot, ctx, complaint.id)
    dialog.attachments.attach_bytes(jpeg(300, 200), "parcel.jpg")
    qtbot.waitUntil(lambda: dialog.attachments.list.count() == 1, timeout=5000)
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(dialog, "preview", None) is not None, timeout=10000)
    preview = dialog.preview
    assert preview.pdf is not None and preview.pdf.count == 2  # the complaint, the photo
    preview.close()


def test_the_customer_profile_has_an_attachments_tab(qtbot, ctx, add_customer) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    customer = add_customer("李四", "13912345678")
    dialog = CustomerProfileDialog(ctx, customer_id=customer)
    qtbot.addWidget(dialog)
    assert dialog.tabs.tabText(2) == "Attac&hments"
    strip = dialog.attachments
    assert strip is not None and strip.owner_kind == "customer"
    strip.attach_bytes(jpeg(), "card.jpg")
    qtbot.waitUntil(lambda: strip.list.count() == 1, timeout=5000)
    new = CustomerProfileDialog(ctx)  # a new customer: attachments once it is saved
    qtbot.addWidget(new)
    assert new.attachments is None and new.tabs.count() == 2


def test_named_copies_for_the_viewer_are_removed_after_two_days(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import time

    from branch_crm.ui.attachments import strip

    now = time.time()
    old, fresh = tmp_path / "old", tmp_path / "fresh"
    for folder, age_days in ((old, 3), (fresh, 1)):
        folder.mkdir()
        (folder / "photo.jpg").write_bytes(b"x")
        os.utime(folder, (now - age_days * 86_400,) * 2)
    strip._prune_named_copies(tmp_path, now=now)
    assert not old.exists() and (fresh / "photo.jpg").exists()
