"""Review of scanned pages: the scanned row of each unsure question beside the question, the
answer chosen with the keyboard; unreadable pages keyed by hand from the paper.

Keys: a digit types the answer (10: 1 then 0), Left/Right step it, Backspace leaves it blank,
Enter accepts it and goes to the next question (after the last one the page is stored);
Ctrl+K keys the page by hand on the survey page, Ctrl+D dismisses the page, Up/Down in the
list choose another page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _
from branch_crm.ui import keys, messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.widgets.empty_state import EmptyState
from branch_crm.ui.widgets.screen_fit import fit_window

if TYPE_CHECKING:
    from branch_crm.services.surveys.entry import EntryResult
    from branch_crm.services.surveys.scan.review import ReviewItemView, ReviewPageView

log = logging.getLogger(__name__)

KEY_BY_HAND = N_("Key this page by hand on the survey page")
DISMISS = N_("Take this page off the review list")


def _pixmap(data: bytes | None, width: int) -> QPixmap:
    pixmap = QPixmap()
    if data:
        pixmap.loadFromData(data, "PNG")
    if not pixmap.isNull() and pixmap.width() > width:
        pixmap = pixmap.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    return pixmap


class AnswerPicker(QLabel):
    """The answer to one question, typed or stepped with the keyboard."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("surveyReviewAnswer")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumHeight(48)
        self.setStyleSheet("font-size: 20pt; border: 1px solid palette(mid);")
        self.low, self.high = 0, 0
        self.value: int | None = None
        self.typed = ""
        self.on_accept: Callable[[], None] = lambda: None

    def start(self, low: int, high: int, value: int | None) -> None:
        """A new question: range and the reader's guess."""
        self.low, self.high, self.value, self.typed = low, high, value, ""
        self._show()

    def _show(self) -> None:
        choices = []
        for v in range(self.low, self.high + 1):
            choices.append(f"[{v}]" if v == self.value else str(v))
        blank = _("blank") if self.value is None else ""
        self.setText("  ".join(choices) + (f"   ({blank})" if blank else ""))
        self.setAccessibleName(
            _("Answer: {value}").format(value=self.value if self.value is not None else _("blank"))
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
            self.typed = (self.typed + chr(key))[-2:]
            number = int(self.typed)
            if not self.low <= number <= self.high:
                number = int(self.typed[-1])
                self.typed = self.typed[-1]
            if self.low <= number <= self.high:
                self.value = number
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            step = -1 if key == Qt.Key.Key_Left else 1
            start = (
                self.value if self.value is not None else (self.low if step > 0 else self.high + 1)
            )
            self.value = min(self.high, max(self.low, start + step))
            self.typed = ""
        elif key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.value, self.typed = None, ""
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.on_accept()
            return
        else:
            super().keyPressEvent(event)
            return
        self._show()


class ReviewDialog(QDialog):
    """Pages waiting for a person, and the one being decided."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("surveyReviewDialog")
        self.ctx = ctx
        self.pages: list[ReviewPageView] = []
        self.page: ReviewPageView | None = None
        self.index = 0
        self.decided: dict[str, int | None] = {}
        fit_window(self, (1000, 660))
        self._build()
        self.retranslate_ui()
        self.reload()

    def _build(self) -> None:
        self.page_list = QListWidget(self)
        self.page_list.setObjectName("surveyReviewPages")
        self.empty = EmptyState(self.page_list, lambda: _("No scanned page waits for review."))
        self.heading = QLabel(self)
        self.heading.setObjectName("surveyReviewHeading")
        self.heading.setWordWrap(True)
        self.question = QLabel(self)
        self.question.setObjectName("surveyReviewQuestion")
        self.question.setWordWrap(True)
        self.clip = QLabel(self)
        self.clip.setObjectName("surveyReviewClip")
        self.clip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picker = AnswerPicker(self)
        self.picker.on_accept = self.accept_answer
        self.help = QLabel(self)
        self.help.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setObjectName("surveyReviewStatus")
        self.status.setWordWrap(True)
        self.key_button = QPushButton(self)
        self.key_button.setObjectName("surveyReviewKey")
        self.dismiss_button = QPushButton(self)
        self.dismiss_button.setObjectName("surveyReviewDismiss")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.addWidget(self.heading)
        column.addWidget(self.question)
        column.addWidget(self.clip, 1)
        column.addWidget(self.picker)
        column.addWidget(self.help)
        row = QHBoxLayout()
        row.addWidget(self.key_button)
        row.addWidget(self.dismiss_button)
        row.addStretch(1)
        column.addLayout(row)
        splitter = QSplitter(self)
        splitter.addWidget(self.page_list)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.page_list.currentRowChanged.connect(self._on_page_list_current_row_changed)
        self.key_button.clicked.connect(self.key_by_hand)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.buttons.rejected.connect(self.reject)
        keys.shortcut(self, "Ctrl+K", self.key_by_hand, KEY_BY_HAND)
        keys.shortcut(self, "Ctrl+D", self.dismiss, DISMISS)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text."""
        self.setWindowTitle(_("Review scanned forms"))
        self.key_button.setText(_("&Key by hand…"))
        self.key_button.setToolTip(_(KEY_BY_HAND) + " (Ctrl+K)")
        self.dismiss_button.setText(_("&Dismiss"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self.dismiss_button.setToolTip(_(DISMISS) + " (Ctrl+D)")
        self.help.setText(
            _(
                "Type the answer (Left/Right to step, Backspace for blank) and press Enter; "
                "the page is stored after its last question."
            )
        )
        self._show_page()

    def reload(self, keep: int = 0) -> None:
        """Read the waiting pages again and show one."""
        from branch_crm.services.surveys.scan.review import list_reviews

        self.pages = self.ctx.read(list_reviews, actor=self.ctx.actor)
        self.page_list.blockSignals(True)
        self.page_list.clear()
        for view in self.pages:
            text = f"{view.serial or _('no serial')} · {view.reason_text}\n{view.source}"
            self.page_list.addItem(QListWidgetItem(text))
        self.page_list.blockSignals(False)
        if self.pages:
            self.page_list.setCurrentRow(min(keep, len(self.pages) - 1))
            self._on_page_list_current_row_changed(self.page_list.currentRow())
        else:
            self.page = None
            self._show_page()

    def _on_page_list_current_row_changed(self, row: int) -> None:
        from branch_crm.services.surveys.scan.review import get_review

        if not 0 <= row < len(self.pages):
            return
        self.page = self.ctx.read(get_review, actor=self.ctx.actor, review_id=self.pages[row].id)
        self.index = 0
        self.decided = {}
        self._show_page()

    def current_item(self) -> ReviewItemView | None:
        """The question being decided (None for a page keyed by hand)."""
        if self.page is None or not self.page.keyable or self.index >= len(self.page.items):
            return None
        return self.page.items[self.index]

    def _show_page(self) -> None:
        page = self.page
        has = page is not None
        self.key_button.setEnabled(has)
        self.dismiss_button.setEnabled(has)
        if page is None:
            for label in (self.heading, self.question, self.clip):
                label.clear()
            self.picker.setVisible(False)
            return
        self.heading.setText(
            _("{serial} · {reason} · {source}").format(
                serial=page.serial or _("no serial"), reason=page.reason_text, source=page.source
            )
        )
        item = self.current_item()
        self.picker.setVisible(item is not None)
        if item is None:
            if page.keyable and not page.items:
                self.question.setText(_("No box is marked: key the form by hand or dismiss it."))
            else:
                self.question.setText(
                    _("Key this form by hand from the paper (Ctrl+K), then it leaves the list.")
                )
            self.clip.setPixmap(_pixmap(page.page_clip, 420))
            return
        self.question.setText(
            _("Question {n} of {total}: {question}").format(
                n=self.index + 1, total=len(page.items), question=item.question
            )
        )
        self.clip.setPixmap(_pixmap(item.clip, 640))
        self.picker.start(item.low, item.high, item.suggested)
        self.picker.setFocus()

    def accept_answer(self) -> None:
        """Keep the answer and go to the next question; store the page after the last."""
        from branch_crm.services.surveys.scan.review import resolve_review
        from branch_crm.ui.surveys.entry import result_text

        item = self.current_item()
        if item is None or self.page is None:
            return
        self.decided[item.item] = self.picker.value
        self.index += 1
        if self.index < len(self.page.items):
            self._show_page()
            return
        row = self.page_list.currentRow()
        serial = self.page.serial

        def stored(result: EntryResult) -> None:
            self.ctx.bus.changed("survey")
            self.reload(keep=row)
            self.status.setText(result_text(result, _("Survey {serial}").format(serial=serial)))

        def refused(exc: BaseException) -> None:
            messages.show_error(self, exc)
            self.index = 0
            self._show_page()

        self.ctx.write(
            resolve_review,
            on_done=stored,
            on_error=refused,
            busy=self,
            review_id=self.page.id,
            answers=dict(self.decided),
        )

    def key_by_hand(self) -> None:
        """Open the keyed entry with the page's serial (when read) and close this dialog."""
        page = self.page
        if page is None:
            return
        main = self.ctx.main_window
        surveys = main.show_page("surveys") if main is not None else None
        # the survey page's entry tab (duck-typed: the page opens this dialog, no import back)
        entry, tabs = getattr(surveys, "entry", None), getattr(surveys, "tabs", None)
        if entry is not None and tabs is not None:
            tabs.setCurrentWidget(entry)
            entry.serial.setText(page.serial or "")
            if page.serial:
                entry.look_up()
            else:
                entry.serial.setFocus()
        self.accept()

    def dismiss(self) -> None:
        """Take the page off the list."""
        from branch_crm.services.surveys.scan.review import close_review

        if self.page is None:
            return
        row = self.page_list.currentRow()
        self.ctx.write(
            close_review,
            on_done=lambda _none: self.reload(keep=row),
            busy=self,
            review_id=self.page.id,
        )


def open_review(ctx: AppContext, parent: QWidget | None = None) -> ReviewDialog:
    """Open the review dialog (non-modal) and return it."""
    dialog = ReviewDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
