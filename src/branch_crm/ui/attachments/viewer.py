"""A photo full size: fitted to the window, Esc closes, +/- zoom."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPixmap
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout, QWidget

from branch_crm.i18n import _
from branch_crm.services.attachments.service import AttachmentView
from branch_crm.ui import keys
from branch_crm.ui.widgets.screen_fit import fit_window


class ImageViewer(QDialog):
    """One attached photo, as large as the screen allows."""

    def __init__(self, view: AttachmentView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentViewer")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(view.caption or view.original_name)
        assert view.path is not None
        self.original = QPixmap(str(view.path))
        self.zoom = 0.0  # 0: fit the window
        self.picture = QLabel(self)
        self.picture.setObjectName("attachmentPicture")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(_("Attached photo {name}").format(name=view.original_name))
        self.area = QScrollArea(self)
        self.area.setWidget(self.picture)
        self.area.setWidgetResizable(True)
        self.area.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(self.area)
        keys.shortcut(self, QKeySequence.StandardKey.ZoomIn, lambda: self.set_zoom(1.25),
                      _("Zoom in"))  # fmt: skip
        keys.shortcut(self, QKeySequence.StandardKey.ZoomOut, lambda: self.set_zoom(0.8),
                      _("Zoom out"))  # fmt: skip
        fit_window(self, (1200, 700))
        self._render()

    def set_zoom(self, factor: float) -> None:
        """Zoom in or out from the current size."""
        base = self.zoom or self._fit_scale()
        self.zoom = max(0.05, min(4.0, base * factor))
        self._render()

    def _fit_scale(self) -> float:
        area = self.area.viewport().size()
        if self.original.isNull() or self.original.width() == 0:
            return 1.0
        width, height = self.original.width(), self.original.height()
        return float(min(area.width() / width, area.height() / height, 1.0))

    def _render(self) -> None:
        scale = self.zoom or self._fit_scale()
        if self.original.isNull():
            self.picture.setText(_("The picture cannot be shown."))
            return
        self.picture.setPixmap(
            self.original.scaled(
                int(self.original.width() * scale),
                int(self.original.height() * scale),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def resizeEvent(self, event: object) -> None:
        """Fit again when the window changes size (unless zoomed)."""
        super().resizeEvent(event)  # type: ignore[arg-type]
        if not self.zoom:
            self._render()
