"""The home page: the cards of today's work (:data:`HOME_CARDS`) in a responsive grid."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from branch_crm.i18n import _
from branch_crm.timeutil import local_today
from branch_crm.ui.context import AppContext

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext

log = logging.getLogger(__name__)

COLUMNS = 2


def _complaints_card(ctx: AppContext) -> QWidget:
    """Counts and the open complaints with the least time left."""
    from branch_crm.ui.complaints.widgets import ComplaintHomeCard

    return ComplaintHomeCard(ctx)


def _today_card(ctx: AppContext) -> QWidget:
    """The calls, visits and greetings due today and overdue, with their actions."""
    from branch_crm.ui.care.home_card import TodayCard

    return TodayCard(ctx)


def _sync_card(ctx: AppContext) -> QWidget:
    """Waiting changes, last success or error, conflicts; Sync now."""
    from branch_crm.ui.sync.widgets import SyncHomeCard

    return SyncHomeCard(ctx)


HOME_CARDS: tuple[Callable[[AppContext], QWidget], ...] = (
    _today_card,
    _complaints_card,
    _sync_card,
)
"""The cards of the home page in order (two columns, row by row), ``factory(ctx) -> QWidget``
(None: no card). A card whose ``wide`` attribute is true takes a whole row."""


class HomePage(QWidget):
    """Greeting, then every home card (or a note that there is none)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("home_page")
        outer = QVBoxLayout(self)
        self.greeting = QLabel(self)
        self.greeting.setObjectName("home_greeting")
        font = self.greeting.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.greeting.setFont(font)
        outer.addWidget(self.greeting)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        self.grid = QGridLayout(body)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.grid.setSpacing(12)
        for column in range(COLUMNS):
            self.grid.setColumnStretch(column, 1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.cards: list[QWidget] = []
        cell = 0  # the next free cell, row by row
        for factory in HOME_CARDS:
            try:
                card = factory(ctx)
            except Exception:
                log.exception("home card %r failed", factory)
                continue
            if card is None:
                continue
            if getattr(card, "wide", False) is True:
                cell += -cell % COLUMNS  # a wide card starts a row and fills it
                self.grid.addWidget(card, cell // COLUMNS, 0, 1, COLUMNS)
                cell += COLUMNS
            else:
                self.grid.addWidget(card, cell // COLUMNS, cell % COLUMNS)
                cell += 1
            self.cards.append(card)
        self.empty = QLabel(body)
        self.empty.setObjectName("home_empty")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(not self.cards)
        if not self.cards:
            self.grid.addWidget(self.empty, 0, 0, 1, COLUMNS)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        """Re-apply translated texts here and on every card."""
        self._update_greeting()
        self.empty.setText(_("Nothing to show here yet: no feature has added work for today."))
        for card in self.cards:
            fn: object = getattr(card, "retranslate_ui", None)
            if callable(fn):
                fn()

    def _update_greeting(self) -> None:
        # the branch's date (business time zone), not the machine's: a PC on UTC would still
        # show yesterday until 08:00 in Shanghai
        self.greeting.setText(
            _("Hello, {name}. Today is {date}.").format(
                name=self.ctx.actor.display_name, date=local_today().isoformat()
            )
        )

    def on_shown(self) -> None:
        """The greeting follows the date (the app may run past midnight); cards with a
        ``refresh()`` reload when the page is shown."""
        self._update_greeting()
        for card in self.cards:
            fn: object = getattr(card, "refresh", None)
            if callable(fn):
                fn()
