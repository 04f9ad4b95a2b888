"""One base for the home-screen cards: title, summary line, a short list, an open button.

A card loads ``(counts, top rows)`` on the database worker now, when the bus announces a
change it watches, and on a timer; a subclass says what the counts and rows look like.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.ui.context import AppContext

log = logging.getLogger(__name__)

C = TypeVar("C")
"""The counts a card shows in its summary line."""
R = TypeVar("R")
"""One row of the card's short list."""


class _FitWidth(QStyledItemDelegate):
    """Rows as wide as the list: a long line ends in "…" instead of a side scroll bar."""

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(min(hint.width(), self.view.viewport().width()), hint.height())


class HomeCard(QGroupBox, Generic[C, R]):
    """Summary line, the top rows and an open button; subclasses fill in the texts."""

    TOP = 5
    sig_loaded = Signal(object)
    """The counts, after each load."""

    def __init__(
        self,
        ctx: AppContext,
        parent: QWidget | None,
        *,
        names: tuple[str, str, str, str],
        load: Callable[..., tuple[C, list[R]]],
        watch: frozenset[str],
        page_key: str,
        refresh_ms: int,
        open_icon: QIcon | None = None,
    ) -> None:
        """``names``: object names of the card, summary, list and open button."""
        super().__init__(parent)
        self.ctx = ctx
        self.counts: C | None = None
        self._rows: list[R] = []
        self._load, self._watch, self._page_key = load, watch, page_key
        self.setObjectName(names[0])
        self.summary = QLabel(self)
        self.summary.setObjectName(names[1])
        self.summary.setWordWrap(True)
        self.top = QListWidget(self)
        self.top.setObjectName(names[2])
        self.top.setMaximumHeight(150)
        self.top.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.top.setItemDelegate(_FitWidth(self.top))
        self.top.itemActivated.connect(self._on_top_item_activated)
        self.open_button = QPushButton(self)
        if open_icon is not None:
            self.open_button.setIcon(open_icon)
        self.open_button.setObjectName(names[3])
        self.open_button.clicked.connect(self._on_open_clicked)
        self._timer = QTimer(self)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self.refresh)

    def _finish(self, extra_buttons: Sequence[QPushButton] = ()) -> None:
        """Lay the card out and start loading (once the subclass built its widgets)."""
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (*extra_buttons, self.open_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.top)
        layout.addLayout(buttons)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._timer.start()
        self.ctx.bus.sig_data_changed.connect(self._on_bus_data_changed)
        self.retranslate_ui()
        self.refresh()

    # -- for subclasses ------------------------------------------------------------
    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self._render()

    def summary_text(self, counts: C) -> str:
        """The summary line."""
        raise NotImplementedError

    def item_for(self, row: R) -> QListWidgetItem:
        """The list entry of one row."""
        raise NotImplementedError

    def _rendered(self) -> None:
        """After the summary and list are filled (placeholders, button states)."""

    def _on_top_item_activated(self, item: QListWidgetItem) -> None:
        raise NotImplementedError

    # -- loading -------------------------------------------------------------------
    def refresh(self) -> None:
        """Count again (off the GUI thread)."""
        self.ctx.submit(
            self._load,
            kwargs={"top": self.TOP},
            on_result=self._on_loaded,
            on_error=self._on_failed,
        )

    def _on_bus_data_changed(self, what: frozenset[str]) -> None:
        if what & self._watch:
            self.refresh()

    def _on_loaded(self, result: tuple[C, list[R]]) -> None:
        self.counts, self._rows = result
        self._render()
        self.sig_loaded.emit(self.counts)

    def _on_failed(self, exc: BaseException) -> None:
        log.warning("%s counts failed: %s", self.objectName(), exc)

    def _render(self) -> None:
        counts = self.counts
        self.summary.setText(self.summary_text(counts) if counts is not None else _("Loading…"))
        self.top.clear()
        for row in self._rows:
            self.top.addItem(self.item_for(row))
        self._rendered()

    def _show_page(self) -> QWidget | None:
        window = self.ctx.main_window
        return window.show_page(self._page_key) if window is not None else None

    def _on_open_clicked(self) -> None:
        self._show_page()
