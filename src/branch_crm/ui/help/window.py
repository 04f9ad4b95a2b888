"""The help window (F1): the topic of the page or dialog in front, a topic list, a search
across every topic of the current language, Back/Forward. Non-modal, one per application,
beside the main window; everything it shows ships with the app (no network).

A dialog gets its own topic with ``widget.setProperty("helpTopic", "<topic>")`` or by its
objectName in :data:`DIALOG_TOPICS`; any other window shows the topic of the main window's
page in front.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QKeySequence,
    QShowEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm import i18n
from branch_crm.i18n import N_, _
from branch_crm.ui import keys
from branch_crm.ui.help import topics
from branch_crm.ui.icons import icon
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.widgets import screen_fit
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)

TOPIC_PROPERTY = "helpTopic"
SCHEME = "help"
NAME_ROLE = Qt.ItemDataRole.UserRole
HIGHLIGHT = "#ffe066"
PREFERRED_SIZE = (640, 740)
"""Beside a maximised main window on a 1366×768 screen, it leaves the page's left half free."""
DIALOG_TOPICS = {
    "customerProfile": "customer_profile",
    "takeComplaintDialog": "complaint_take",
    "complaintDetail": "complaint_detail",
    "complaintStepDialog": "complaint_detail",
    "careVisitDialog": "care_visit",
    "deleted_items_dialog": "deleted_items",
    "merge_pick_dialog": "deleted_items",
    "merge_dialog": "deleted_items",
    "surveyScanDialog": "survey_scan",
    "surveyReviewDialog": "survey_scan",
    "settings_dialog": "settings",
    "backup_dialog": "backup",
    "restore_dialog": "backup",
}
"""objectName of a dialog -> its help topic."""

SEARCH_KEY = N_("Search the help")
BACK_KEY = N_("Back to the topic before")
FORWARD_KEY = N_("Forward again")


def topic_url(name: str) -> QUrl:
    """The address of a topic inside the help window ("help:complaints")."""
    return QUrl(f"{SCHEME}:{name}")


class HelpBrowser(QTextBrowser):
    """A text browser reading ``help:`` topics and ``icon:`` pictures from the package."""

    def loadResource(self, kind: int, name: QUrl | str) -> Any:
        """Qt: the Markdown of a topic, the picture of an icon, nothing from outside."""
        name = QUrl(name)
        if name.scheme() == SCHEME:
            found = topics.topic(i18n.current_language(), name.path())
            return topics.expand(found.source) if found else _("There is no such topic.")
        if name.scheme() == "icon":
            return icon(name.path()).pixmap(QSize(16, 16))
        return None  # never the network, never a file outside the package

    def doSetSource(
        self,
        name: QUrl | str,
        /,
        type: QTextDocument.ResourceType = QTextDocument.ResourceType.UnknownResource,
    ) -> None:
        """Qt: every ``help:`` page is Markdown; other links are not followed."""
        url = QUrl(name)
        if url.scheme() == SCHEME:
            super().doSetSource(url, QTextDocument.ResourceType.MarkdownResource)


class HelpWindow(QWidget):
    """Topic list and search on the left, the topic on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("helpWindow")
        self.back = QToolButton(self)
        self.back.setObjectName("helpBack")
        self.back.setIcon(self.style().standardIcon(self.style().StandardPixmap.SP_ArrowBack))
        self.forward = QToolButton(self)
        self.forward.setObjectName("helpForward")
        self.forward.setIcon(self.style().standardIcon(self.style().StandardPixmap.SP_ArrowForward))
        self.search = QLineEdit(self)
        self.search.setObjectName("helpSearch")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("helpTopics")
        self.list.setSpacing(1)
        self.status = QLabel(self)
        self.status.setObjectName("helpSearchStatus")
        self.status.setWordWrap(True)
        self.browser = HelpBrowser(self)
        self.browser.setObjectName("helpText")
        self.browser.setOpenLinks(True)
        self.browser.setOpenExternalLinks(False)
        self._layout()
        self._connect()
        self._beside = not screen_fit.settings().contains(
            f"{screen_fit.GROUP}/v{screen_fit.LAYOUT_VERSION}/{self.objectName()}/geometry"
        )
        fit_window(self, PREFERRED_SIZE)
        notifier().sig_language_changed.connect(self._on_language_changed)
        self.retranslate_ui()

    def _layout(self) -> None:
        left = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(self.back)
        row.addWidget(self.forward)
        row.addWidget(self.search, 1)
        left.addLayout(row)
        left.addWidget(self.status)
        left.addWidget(self.list, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(self.browser, 1)
        self.list.setMinimumWidth(200)
        self.list.setMaximumWidth(260)
        self.search.setMaximumWidth(260 - 2 * 32)

    def _connect(self) -> None:
        self.back.clicked.connect(self.browser.backward)
        self.forward.clicked.connect(self.browser.forward)
        self.browser.backwardAvailable.connect(self.back.setEnabled)
        self.browser.forwardAvailable.connect(self.forward.setEnabled)
        self.browser.sourceChanged.connect(self._on_browser_source_changed)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.list.itemActivated.connect(self._open_item)
        keys.shortcut(self, QKeySequence.StandardKey.Find, self.focus_search, SEARCH_KEY)
        keys.shortcut(self, QKeySequence.StandardKey.Back, self.browser.backward, BACK_KEY)
        keys.shortcut(self, QKeySequence.StandardKey.Forward, self.browser.forward, FORWARD_KEY)
        self.back.setEnabled(False)
        self.forward.setEnabled(False)

    # --- topics ----------------------------------------------------------------------------

    def current_topic(self) -> str:
        """The name of the topic shown."""
        return self.browser.source().path()

    def show_topic(self, name: str) -> None:
        """Show a topic (the overview when this language has no such topic)."""
        language = i18n.current_language()
        if topics.topic(language, name) is None:
            log.info("no help topic %r in %s", name, language)
            name = topics.OVERVIEW
        if self.current_topic() == name:
            self.browser.reload()
        else:
            self.browser.setSource(topic_url(name))
        self._highlight()

    def _on_browser_source_changed(self, url: QUrl) -> None:
        found = topics.topic(i18n.current_language(), url.path())
        title = found.title if found else url.path()
        self.setWindowTitle(_("Help — {topic}").format(topic=title))
        self._select_in_list(url.path())
        self._highlight()

    def _fill_topics(self) -> None:
        language = i18n.current_language()
        self.list.blockSignals(True)
        self.list.clear()
        for name in topics.topic_names(language):
            found = topics.topic(language, name)
            item = QListWidgetItem(found.title if found else name)
            item.setData(NAME_ROLE, name)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._select_in_list(self.current_topic())
        self.status.setText("")
        self.status.setVisible(False)

    def _select_in_list(self, name: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(NAME_ROLE) == name:
                self.list.blockSignals(True)
                self.list.setCurrentRow(row)
                self.list.blockSignals(False)
                return

    def _on_list_current_changed(self, item: QListWidgetItem | None, _old: object) -> None:
        if item is not None:
            self._open_item(item)

    def _open_item(self, item: QListWidgetItem) -> None:
        name = item.data(NAME_ROLE)
        if name and name != self.current_topic():
            self.browser.setSource(topic_url(name))

    # --- search ----------------------------------------------------------------------------

    def focus_search(self) -> None:
        """Ctrl+F: the cursor in the search box, its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def hits(self) -> list[topics.Hit]:
        """What the search box finds now."""
        return topics.search(i18n.current_language(), self.search.text())

    def _on_search_text_changed(self, text: str) -> None:
        if not text.strip():
            self._fill_topics()
            self._highlight()
            return
        found = self.hits()
        self.list.blockSignals(True)
        self.list.clear()
        for hit in found:
            item = QListWidgetItem(hit.title)
            item.setToolTip(hit.snippet)
            item.setData(NAME_ROLE, hit.name)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.status.setVisible(True)
        self.status.setText(
            i18n.ngettext("{n} topic", "{n} topics", len(found)).format(n=len(found))
            if found
            else _("Nothing found for “{text}”.").format(text=text.strip())
        )
        if found and self.current_topic() not in {hit.name for hit in found}:
            self.browser.setSource(topic_url(found[0].name))  # the best hit, marked
        self._select_in_list(self.current_topic())
        self._highlight()

    def _on_search_return_pressed(self) -> None:
        if self.list.count():
            item = self.list.currentItem() or self.list.item(0)
            self._open_item(item)
            self.browser.setFocus(Qt.FocusReason.OtherFocusReason)

    def _highlight(self) -> None:
        """Mark every word of the search in the topic shown; scroll to the first."""
        words = self.search.text().split()
        selections: list[QTextEdit.ExtraSelection] = []
        document = self.browser.document()
        marked = QTextCharFormat()
        marked.setBackground(QColor(HIGHLIGHT))
        marked.setForeground(QColor("#000000"))
        for word in words:
            cursor = document.find(word, 0)
            while not cursor.isNull():
                selection = QTextEdit.ExtraSelection()
                selection.cursor = cursor
                selection.format = marked
                selections.append(selection)
                cursor = document.find(word, cursor)
        self.browser.setExtraSelections(selections)
        if selections:
            first = QTextCursor(selections[0].cursor)
            self.browser.setTextCursor(first)
            self.browser.ensureCursorVisible()

    def highlighted(self) -> list[str]:
        """The texts marked in the topic shown (for the tests)."""
        return [s.cursor.selectedText() for s in self.browser.extraSelections()]

    # --- window ----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Qt: the first time ever, stand at the right edge of the screen, beside the app
        (later the size and place the user left it in, ui.widgets.screen_fit)."""
        super().showEvent(event)
        if self._beside:
            self._beside = False
            area = screen_fit.usable_rect(screen_fit.screen_of(self))
            frame = screen_fit.FRAME_ALLOWANCE
            x = area.right() - self.width() - frame.width() // 2
            self.move(max(area.left(), x), area.top())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Qt: Esc clears the search box when it has text, else closes the window."""
        if event.key() == Qt.Key.Key_Escape:
            if self.search.hasFocus() and self.search.text():
                self.search.clear()
            else:
                self.close()
            return
        if event.key() == Qt.Key.Key_Down and self.search.hasFocus():
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().keyPressEvent(event)

    def retranslate_ui(self) -> None:
        """Re-apply every translated text and reload the topic in the new language."""
        self.back.setToolTip(_("Back (Alt+Left)"))
        self.back.setAccessibleName(_("Back"))
        self.forward.setToolTip(_("Forward (Alt+Right)"))
        self.forward.setAccessibleName(_("Forward"))
        self.search.setPlaceholderText(_("Search the help (Ctrl+F)"))
        self.search.setAccessibleName(_("Search the help"))
        self.list.setAccessibleName(_("Help topics"))
        self.browser.setAccessibleName(_("Help text"))
        self.browser.clearHistory()
        if self.search.text().strip():
            self._on_search_text_changed(self.search.text())
        else:
            self._fill_topics()
        if self.current_topic():
            self.browser.reload()
            self._on_browser_source_changed(self.browser.source())

    def _on_language_changed(self, _language: str = "") -> None:
        if shiboken6.isValid(self):
            self.retranslate_ui()


_window: list[HelpWindow] = []


def help_window() -> HelpWindow:
    """The application's help window (made on first use, beside the main window)."""
    if _window and shiboken6.isValid(_window[0]):
        return _window[0]
    _window.clear()
    made = HelpWindow(_main_window())
    _window.append(made)
    return made


def _main_window() -> QWidget | None:
    for widget in QApplication.topLevelWidgets():
        if widget.objectName() == "main_window" and widget.isVisible():
            return widget
    return None


def topic_for(window: QWidget | None) -> str:
    """The topic of the window in front: its own (property or objectName), else the page
    of the main window that opened it, else the overview."""
    widget = window
    while widget is not None:
        named = widget.property(TOPIC_PROPERTY)
        if isinstance(named, str) and named:
            return named
        if widget.objectName() in DIALOG_TOPICS:
            return DIALOG_TOPICS[widget.objectName()]
        current = getattr(widget, "current_page_key", None)
        if callable(current) and widget.objectName() == "main_window":
            key = current()
            return str(key) if key else topics.OVERVIEW
        parent = widget.parentWidget()
        widget = parent.window() if parent is not None else None
    main = _main_window()
    current = getattr(main, "current_page_key", None)
    if callable(current) and current():
        return str(current())
    return topics.OVERVIEW


def show_help(window: QWidget | None = None, topic: str | None = None) -> HelpWindow:
    """Open (or bring forward) the help window on ``topic`` or on the topic of ``window``."""
    shown = help_window()
    name = topic or topic_for(window)
    if not shown.isVisible():
        shown.show()
    shown.show_topic(name)
    shown.raise_()
    shown.activateWindow()
    return shown


def install() -> None:
    """F1 anywhere opens the help window on the topic of the window in front (with
    :func:`branch_crm.ui.keys.install_help`, which catches the key)."""
    keys.set_topic_help(show_help)
