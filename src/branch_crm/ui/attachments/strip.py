"""The attachments strip of a complaint or a customer: thumbnails of its photos and scans.

Keyboard model: Ctrl+Shift+A chooses files, Ctrl+V in the strip pastes a screenshot or
copied files, Enter (or a double-click) opens the selected one full size, Delete takes it
off the record. Files dropped on the strip are attached too. A file whose row came from
another PC but whose bytes have not arrived shows "photo pending" and is fetched from head
office when opened.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QIcon,
    QImage,
    QImageReader,
    QKeyEvent,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.services.attachments import service
from branch_crm.services.attachments.service import AttachmentView
from branch_crm.services.attachments.transfer import fetch_attachment
from branch_crm.ui import keys
from branch_crm.ui.context import AppContext
from branch_crm.ui.icons import icon

log = logging.getLogger(__name__)

THUMB = 64
ATTACH_KEY = "Ctrl+Shift+A"
FILE_FILTER = "*.jpg *.jpeg *.png *.heic *.heif *.pdf *.JPG *.JPEG *.PNG *.HEIC *.PDF"


def thumbnail(view: AttachmentView, size: int = THUMB) -> QIcon:
    """A small picture of an attachment: the photo itself, a PDF sign, or "pending"."""
    if view.path is None:
        return icon("attachment_pending")
    if not view.is_image:
        return icon("attachment_pdf")
    reader = QImageReader(str(view.path))
    reader.setAutoTransform(True)
    original = reader.size()
    if original.isValid():
        reader.setScaledSize(original.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return QIcon(QPixmap.fromImage(image)) if not image.isNull() else icon("attachment_pdf")


class AttachmentStrip(QWidget):
    """Thumbnails of one record's attachments, with attach, paste, open and remove."""

    sig_changed = Signal()
    """An attachment was added or removed (the owner refreshes its timeline)."""

    def __init__(
        self, ctx: AppContext, owner_kind: str, owner_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentStrip")
        self.ctx, self.owner_kind, self.owner_id = ctx, owner_kind, owner_id
        self.views: list[AttachmentView] = []
        self.setAcceptDrops(True)
        self._build()
        self.retranslate_ui()
        self.reload()

    def _build(self) -> None:
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.list.setObjectName("attachmentList")
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setFlow(QListWidget.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 66, THUMB + 36))
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setFixedHeight(THUMB + 46)
        self.list.setWordWrap(True)
        self.list.setAcceptDrops(False)  # the strip takes the drop
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        self.list.installEventFilter(self)
        self.title.setBuddy(self.list)
        self.attach_button = self._button("attachAdd", "attach", self.choose_files)
        self.paste_button = self._button("attachPaste", "attachment_paste", self.paste)
        self.open_button = self._button("attachOpen", "open", self.open_selected)
        self.remove_button = self._button("attachRemove", "attachment_remove", self.remove_selected)
        self.pending = QLabel(self)
        self.pending.setObjectName("attachmentPending")
        self.pending.setWordWrap(True)
        self.pending.hide()
        self.message = QLabel(self)
        self.message.setObjectName("attachmentMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.title)
        buttons.addStretch(1)
        for button in (self.attach_button, self.paste_button, self.open_button,
                       self.remove_button):  # fmt: skip
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.list)
        layout.addWidget(self.pending)
        layout.addWidget(self.message)
        keys.shortcut(self, ATTACH_KEY, self.choose_files, _("Attach a photo or scan"))

    def _button(self, name: str, icon_name: str, slot: object) -> QPushButton:
        button = QPushButton(self)
        button.setObjectName(name)
        button.setIcon(icon(icon_name))
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.title.setText(_("Attachments (photos and scans)"))
        self.list.setAccessibleName(_("Attachments"))
        self.attach_button.setText(_("Attach file…"))
        self.attach_button.setToolTip(_("Choose photos or a PDF ({key}); or drop files here")
                                      .format(key=ATTACH_KEY))  # fmt: skip
        self.paste_button.setText(_("Paste"))
        self.paste_button.setToolTip(_("Attach a copied screenshot or files (Ctrl+V in the list)"))
        self.open_button.setText(_("Open"))
        self.open_button.setToolTip(_("Open full size (Enter)"))
        self.remove_button.setText(_("Remove"))
        self.remove_button.setToolTip(_("Take the selected file off this record (Delete)"))
        for button in (self.attach_button, self.paste_button, self.open_button,
                       self.remove_button):  # fmt: skip
            button.setAccessibleName(button.text().replace("…", ""))
        self._fill()

    # -- data --------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the record's attachments again."""
        try:
            self.views = self.ctx.read(service.list_attachments, owner_kind=self.owner_kind,
                                       owner_id=self.owner_id)  # fmt: skip
        except CrmError as exc:
            self._say(exc.message, error=True)
            return
        self._fill()

    def _fill(self) -> None:
        current = self.list.currentRow()
        self.list.clear()
        for view in self.views:
            item = QListWidgetItem(thumbnail(view), view.caption or view.original_name)
            item.setData(Qt.ItemDataRole.UserRole, view.id)
            tip = f"{view.original_name} · {view.mime}"
            if not view.available:
                tip = _("photo pending") + " · " + tip
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
            item.setToolTip(tip)
            item.setData(Qt.ItemDataRole.AccessibleTextRole, tip)
            self.list.addItem(item)
        pending = sum(1 for view in self.views if not view.available)
        self.pending.setText(
            _("Photo pending ({count}): it is on another PC; Enter fetches it from head office.")
            .format(count=pending) if pending else ""
        )  # fmt: skip
        self.pending.setVisible(bool(pending))
        if self.views:
            self.list.setCurrentRow(min(max(current, 0), len(self.views) - 1))
        has = bool(self.views)
        self.open_button.setEnabled(has)
        self.remove_button.setEnabled(has)

    def selected(self) -> AttachmentView | None:
        """The attachment under the cursor."""
        row = self.list.currentRow()
        return self.views[row] if 0 <= row < len(self.views) else None

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #b00020;" if error else "")
        self.message.setVisible(bool(text))

    # -- adding ------------------------------------------------------------------------
    def choose_files(self) -> None:
        """Ask for files and attach them."""
        paths, _filter = QFileDialog.getOpenFileNames(
            self, _("Attach photos or scans"), "",
            _("Photos and PDF ({patterns})").format(patterns=FILE_FILTER),
        )  # fmt: skip
        self.attach_paths([Path(p) for p in paths])

    def attach_paths(self, paths: list[Path]) -> None:
        """Attach files from disk, one write each (a refused one does not stop the others)."""
        for path in paths:
            self.ctx.write(service.attach_path, owner_kind=self.owner_kind,
                           owner_id=self.owner_id, path=path, on_done=self._on_attached,
                           on_error=self._on_refused)  # fmt: skip

    def attach_bytes(self, data: bytes, name: str) -> None:
        """Attach a picture held in memory (a pasted screenshot)."""
        self.ctx.write(service.attach_file, owner_kind=self.owner_kind, owner_id=self.owner_id,
                       data=data, name=name, on_done=self._on_attached,
                       on_error=self._on_refused)  # fmt: skip

    def paste(self) -> None:
        """Attach what the clipboard holds: files copied in Explorer, or a screenshot."""
        if not self.attach_mime(QGuiApplication.clipboard().mimeData()):
            self._say(_("The clipboard holds no picture or file to attach."), error=True)

    def attach_mime(self, mime: QMimeData | None) -> bool:
        """Attach dropped or pasted data; False when it holds nothing to attach."""
        if mime is None:
            return False
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if files:
            self.attach_paths(files)
            return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.attach_bytes(_png_bytes(image), _("screenshot.png"))
                return True
        return False

    def _on_attached(self, view: AttachmentView) -> None:
        self._say(_("{name} attached.").format(name=view.original_name))
        self.reload()
        self.ctx.bus.changed("attachment", self.owner_kind)
        self.sig_changed.emit()

    def _on_refused(self, exc: BaseException) -> None:
        if isinstance(exc, CrmError):
            self._say(exc.message, error=True)
            return
        log.exception("attaching failed", exc_info=exc)
        self._say(_("The file could not be attached: {reason}").format(reason=exc), error=True)

    # -- opening and removing ------------------------------------------------------------
    def open_selected(self) -> None:
        """Show the selected attachment full size (fetching it first when pending)."""
        view = self.selected()
        if view is None:
            return
        if view.path is not None:
            self.show_file(view)
            return
        self._say(_("Fetching {name} from head office…").format(name=view.original_name))
        self.ctx.submit(fetch_attachment, kwargs={"sha256": view.sha256}, kind="net",
                        on_result=partial(self._on_fetched, view),
                        on_error=self._on_refused)  # fmt: skip

    def _on_fetched(self, view: AttachmentView, _path: object = None) -> None:
        self._say("")
        self.reload()
        fresh = next((v for v in self.views if v.id == view.id), None)
        if fresh is not None and fresh.path is not None:
            self.show_file(fresh)

    def show_file(self, view: AttachmentView) -> None:
        """A photo in the app's viewer; a PDF in the PC's PDF reader."""
        assert view.path is not None
        if view.is_image:
            from branch_crm.ui.attachments.viewer import ImageViewer

            ImageViewer(view, self).open()
            return
        copy = _named_copy(view)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(copy)))

    def remove_selected(self) -> None:
        """Take the selected attachment off the record."""
        view = self.selected()
        if view is None:
            return
        self.ctx.write(service.remove_attachment, attachment_id=view.id,
                       on_done=partial(self._on_removed, view),
                       on_error=self._on_refused)  # fmt: skip

    def _on_removed(self, view: AttachmentView, _result: object = None) -> None:
        self._say(_("{name} removed from this record.").format(name=view.original_name))
        self.reload()
        self.ctx.bus.changed("attachment", self.owner_kind)
        self.sig_changed.emit()

    # -- Qt events -----------------------------------------------------------------------
    def eventFilter(self, watched: object, event: object) -> bool:
        """Ctrl+V and Delete in the list."""
        key = isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress
        if watched is self.list and key:
            assert isinstance(event, QKeyEvent)
            if event.matches(QKeySequence.StandardKey.Paste):
                self.paste()
                return True
            if event.key() == Qt.Key.Key_Delete:
                self.remove_selected()
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept files and pictures."""
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        """Attach what was dropped."""
        if self.attach_mime(event.mimeData()):
            event.acceptProposedAction()


def _png_bytes(image: QImage) -> bytes:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # PySide6 wants str here
    buffer.close()
    return bytes(array.data())


def _named_copy(view: AttachmentView) -> Path:
    """A copy of the file under its own name in a temporary folder (the store's files have
    no extension; the PC's reader needs one)."""
    import os
    import shutil
    import tempfile

    from branch_crm.services.attachments.store import MIME_EXTENSION

    assert view.path is not None
    root = Path(tempfile.gettempdir()) / "branch-crm-attachments"
    _prune_named_copies(root)
    folder = root / view.sha256[:16]
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(view.original_name).stem or "attachment"
    target = folder / f"{name}{MIME_EXTENSION.get(view.mime, '')}"
    if not target.exists():
        shutil.copyfile(view.path, target)
    os.utime(folder)  # opened again today: kept for NAMED_COPY_DAYS from now
    return target


NAMED_COPY_DAYS = 2
"""A named copy handed to the PC's viewer is removed this many days after it was made (the
viewer has long closed it; the store keeps the file)."""


def _prune_named_copies(root: Path, *, now: float | None = None) -> None:
    """Remove the named copies older than :data:`NAMED_COPY_DAYS` (one that a viewer still
    holds open on Windows stays until next time)."""
    import shutil
    import time

    if not root.is_dir():
        return
    limit = (time.time() if now is None else now) - NAMED_COPY_DAYS * 86_400
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder)
        except OSError:
            continue


def printout_path(stem: str) -> Path:
    """Where a printout goes before the user saves it elsewhere (the printouts folder)."""
    from branch_crm.db import default_data_dir
    from branch_crm.timeutil import to_local, utcnow

    folder = default_data_dir() / "printouts"
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)
    return folder / f"{safe}-{to_local(utcnow()):%Y%m%d-%H%M%S}.pdf"
