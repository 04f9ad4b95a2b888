"""Windows that fit the screen they open on, and remember their size and layout.

Every top-level window and dialog calls :func:`fit_window` instead of ``resize()``: on its
first show the window takes its saved geometry (when it still fits) or its preferred size,
clamped to the available geometry of its screen (the taskbar left out) and centred; the main
window is maximised on small screens. Geometry is saved when the window hides. Splitters and
table headers keep their state with :func:`remember_splitter` / :func:`remember_header`.

Everything is stored with QSettings (INI format, per user) under the group ``layout/``;
``branch-crm --reset-layout`` (:func:`reset_layout`) forgets it. Tests point QSettings at a
temporary folder (``QSettings.setPath``) so they never touch the user's file.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QByteArray, QEvent, QObject, QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent, QScreen
from PySide6.QtWidgets import (
    QFrame,
    QHeaderView,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolTip,
    QWidget,
)

log = logging.getLogger(__name__)

ORGANIZATION = "BranchCRM"
APPLICATION = "branch-crm"
GROUP = "layout"
LAYOUT_VERSION = 1
"""Raised when saved states would no longer match the widgets (columns added, ...)."""

FRAME_ALLOWANCE = QSize(16, 40)
"""Room left for the window frame and title bar, which the window system adds outside."""

SMALL_SCREEN = QSize(1500, 900)
"""Below this available size the main window opens maximised."""


def settings() -> QSettings:
    """The per-user settings file of the desktop app (INI everywhere, also on Windows)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION
    )


def _key(name: str, part: str) -> str:
    return f"{GROUP}/v{LAYOUT_VERSION}/{name}/{part}"


def reset_layout() -> None:
    """Forget every remembered window size, splitter and column width."""
    store = settings()
    store.remove(GROUP)
    store.sync()


def screen_of(widget: QWidget) -> QScreen:
    """The screen a window opens on: its parent window's, else its own, else the primary."""
    parent = widget.parentWidget()
    if parent is not None and parent.window().isVisible():
        return parent.window().screen()
    screen = widget.screen()
    return screen if screen is not None else QGuiApplication.primaryScreen()


def usable_rect(screen: QScreen) -> QRect:
    """The available geometry of ``screen`` less the room of a window frame."""
    area = screen.availableGeometry()
    return QRect(
        area.topLeft(),
        QSize(
            max(200, area.width() - FRAME_ALLOWANCE.width()),
            max(200, area.height() - FRAME_ALLOWANCE.height()),
        ),
    )


def fitted_size(preferred: QSize, minimum: QSize, area: QRect) -> QSize:
    """``preferred`` (at least ``minimum``) clamped to ``area``."""
    width = min(max(preferred.width(), minimum.width()), area.width())
    height = min(max(preferred.height(), minimum.height()), area.height())
    return QSize(width, height)


def is_small_screen(screen: QScreen) -> bool:
    """True for screens where a big window should simply take the whole screen."""
    area = screen.availableGeometry()
    return area.width() < SMALL_SCREEN.width() or area.height() < SMALL_SCREEN.height()


class _ScreenFit(QObject):
    """Event filter on one window: places it on its first show, saves it on every hide."""

    def __init__(self, window: QWidget, preferred: QSize, name: str, maximize_small: bool):
        super().__init__(window)
        self.target = window
        self.preferred = preferred
        self.name = name
        self.maximize_small = maximize_small
        self.placed = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # a window being destroyed may still send events once this wrapper is gone
        if watched is getattr(self, "target", None):
            kind = event.type()
            if kind == QEvent.Type.Show and not self.placed:
                self.placed = True
                self.place()
            elif kind in (QEvent.Type.Hide, QEvent.Type.Close) and self.placed:
                self.save()
        return False

    def place(self) -> None:
        window = self.target
        screen = screen_of(window)
        area = usable_rect(screen)
        saved = settings().value(_key(self.name, "geometry"))
        if isinstance(saved, QByteArray) and not saved.isEmpty():
            try:
                restored = window.restoreGeometry(saved)
            except Exception:  # a damaged value must not stop the window from opening
                log.warning("could not restore the geometry of %s", self.name, exc_info=True)
                restored = False
            if restored and window.isMaximized():
                return
            if restored and area.contains(QRect(window.pos(), window.size())):
                return
        if self.maximize_small and is_small_screen(screen):
            window.resize(fitted_size(self.preferred, QSize(0, 0), area))
            window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
            return
        hint = window.sizeHint()  # a dimension of 0 asks for the layout's own size
        wanted = QSize(
            self.preferred.width() or hint.width(), self.preferred.height() or hint.height()
        )
        size = fitted_size(wanted, window.minimumSizeHint(), area)
        window.resize(size)
        centre = self._centre(area)
        top_left = QPoint(centre.x() - size.width() // 2, centre.y() - size.height() // 2)
        top_left.setX(max(area.left(), min(top_left.x(), area.right() - size.width())))
        top_left.setY(max(area.top(), min(top_left.y(), area.bottom() - size.height())))
        window.move(top_left)

    def _centre(self, area: QRect) -> QPoint:
        parent = self.target.parentWidget()
        if parent is not None and parent.window().isVisible():
            centre = parent.window().frameGeometry().center()
            if area.contains(centre):
                return centre
        return area.center()

    def save(self) -> None:
        settings().setValue(_key(self.name, "geometry"), self.target.saveGeometry())


def fit_window(
    window: QWidget,
    preferred: tuple[int, int],
    *,
    name: str | None = None,
    maximize_small: bool = False,
) -> None:
    """Give ``window`` its preferred size (width, height), clamped to its screen and centred
    when first shown, or its remembered geometry; remember it under ``name`` (default: the
    objectName, else the class name). ``maximize_small``: maximise on small screens."""
    key = name or window.objectName() or type(window).__name__
    if all(preferred):
        window.resize(*preferred)  # until shown (tests and layouts read it)
    _ScreenFit(window, QSize(*preferred), key, maximize_small)


class VerticalScroll(QScrollArea):
    """A frameless scroll area that scrolls only up and down: as wide as its content needs
    (never cutting it off at the side), as low as the window allows."""

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        if content is None:
            return super().minimumSizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(content.minimumSizeHint().width() + bar, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        content = self.widget()
        if content is None:
            return super().sizeHint()
        hint = content.sizeHint()
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + bar, hint.height())


def scrolling(content: QWidget, parent: QWidget | None = None) -> QScrollArea:
    """``content`` in a frameless vertical scroll area: a long form scrolls while the dialog's
    buttons below it stay on screen."""
    area = VerticalScroll(parent)
    area.setWidget(content)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


def remember_splitter(splitter: QSplitter, name: str) -> None:
    """Restore the splitter's sizes saved under ``name`` and save them whenever moved."""
    key = _key(name, "splitter")
    saved = settings().value(key)
    if isinstance(saved, QByteArray) and not saved.isEmpty():
        splitter.restoreState(saved)
    splitter.splitterMoved.connect(lambda *_: settings().setValue(key, splitter.saveState()))


class ColumnFit(QObject):
    """Columns of a table sized to their content, the ``stretch`` column taking the rest and
    everything shrunk (text elided, the full text in a tooltip) so no horizontal scroll bar
    appears; widths the user sets with the mouse are kept (and remembered under ``name``)."""

    def __init__(
        self, view: QTableView, stretch: int, name: str, *, widest: int = 240, least: int = 40
    ) -> None:
        super().__init__(view)
        self.view = view
        self.stretch = stretch
        self.key = _key(name, "columns")
        self.widest = widest
        self.least = least
        self.user: dict[int, int] = {}
        saved = settings().value(self.key)
        if isinstance(saved, str) and saved:
            self.user = {int(k): int(v) for k, v in (p.split(":") for p in saved.split(","))}
        self.busy = False
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.sectionResized.connect(self._on_section_resized)
        view.viewport().installEventFilter(self)
        model = view.model()
        if model is not None:
            model.modelReset.connect(self.fit)
            model.layoutChanged.connect(self.fit)
            model.headerDataChanged.connect(lambda *_: self.fit())

    def wanted(self, column: int) -> int:
        if column in self.user:
            return self.user[column]
        view, header = self.view, self.view.horizontalHeader()
        content = max(
            header.sectionSizeFromContents(column).width(), view.sizeHintForColumn(column)
        )
        return max(self.least, min(self.widest, content))

    def fit(self) -> None:
        model = self.view.model()
        if model is None or self.busy:
            return
        columns = [c for c in range(model.columnCount()) if not self.view.isColumnHidden(c)]
        others = [c for c in columns if c != self.stretch]
        widths = {c: self.wanted(c) for c in others}
        room = self.view.viewport().width() - max(self.least * 3, 120)
        total = sum(widths.values())
        if total > room > 0:
            widths = {c: max(self.least, w * room // total) for c, w in widths.items()}
        self.busy = True
        try:
            header = self.view.horizontalHeader()
            for column, width in widths.items():
                header.resizeSection(column, width)
            rest = self.view.viewport().width() - sum(widths.values())
            if self.stretch in columns:
                header.resizeSection(self.stretch, max(self.least, rest))
        finally:
            self.busy = False

    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        if self.busy or not QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton:
            return
        if column != self.stretch:
            self.user[column] = new
            settings().setValue(self.key, ",".join(f"{k}:{v}" for k, v in self.user.items()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not hasattr(self, "view"):  # the table is being destroyed
            return False
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self.fit()
        elif kind == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            return self._tooltip(event)
        return False

    def _tooltip(self, event: QHelpEvent) -> bool:
        """The full text of an elided cell (a cell's own tooltip wins)."""
        index = self.view.indexAt(event.pos())
        if not index.isValid() or index.data(Qt.ItemDataRole.ToolTipRole):
            return False
        text = index.data(Qt.ItemDataRole.DisplayRole)
        if not isinstance(text, str) or not text:
            return False
        needed = self.view.fontMetrics().horizontalAdvance(text) + 8
        if needed <= self.view.columnWidth(index.column()):
            return False
        QToolTip.showText(event.globalPos(), text, self.view.viewport())
        return True


def fit_columns(view: QTableView, stretch: int, name: str, *, widest: int = 240) -> ColumnFit:
    """Size ``view``'s columns to the room there is (see :class:`ColumnFit`; no column but
    ``stretch`` wider than ``widest`` unless the user widens it); call once the model is set."""
    fitter = ColumnFit(view, stretch, name, widest=widest)
    fitter.fit()
    return fitter


def remember_header(header: QHeaderView, name: str) -> bool:
    """Restore the column widths and order saved under ``name`` (call once the model is set)
    and save them whenever the user resizes or moves a column; True when restored."""
    key = _key(name, "header")
    saved = settings().value(key)
    restored = False
    if isinstance(saved, QByteArray) and not saved.isEmpty():
        restored = bool(header.restoreState(saved))

    def store(*_args: object) -> None:
        settings().setValue(key, header.saveState())

    header.sectionResized.connect(lambda _i, _old, _new: _user_resized(header, store))
    header.sectionMoved.connect(store)
    return restored


def _user_resized(header: QHeaderView, store: object) -> None:
    """Save only resizes made with the mouse (a press on the header), not automatic ones."""
    if QGuiApplication.mouseButtons() & Qt.MouseButton.LeftButton and callable(store):
        store()
