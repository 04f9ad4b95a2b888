"""The one keyboard model of the app: Ctrl+S saves the form that has focus, F1 opens the help
on the window in front (ui.help), Shift+F1 lists its shortcuts, and what a window's keys are
(for the help and the tests).

Shortcuts made with :func:`shortcut` carry a description (``N_``-marked, translated when
shown) so the F1 help can list them; buttons' and labels' mnemonics (Alt+letter) and the
actions' shortcuts are found by looking at the window itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QMenu,
    QMenuBar,
    QTabBar,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import N_, _

DESCRIPTION = "keyDescription"
"""Dynamic property of a QShortcut holding its N_-marked description."""

SAVE = N_("Save the form you are in")
HELP = N_("Show this list of keys")
TOPIC_HELP = N_("Help on this page or window")
GO_SEARCH = N_("Go to the search box")


def shortcut(
    owner: QWidget,
    keys: str | QKeySequence | QKeySequence.StandardKey,
    slot: Callable[[], object],
    description: str,
    *,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QShortcut:
    """A QShortcut on ``owner`` calling ``slot``, described for the F1 help."""
    made = QShortcut(QKeySequence(keys), owner)
    made.setContext(context)
    made.setProperty(DESCRIPTION, description)
    made.activated.connect(slot)
    return made


def save_shortcut(
    owner: QWidget,
    slot: Callable[[], object],
    *,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QShortcut:
    """Ctrl+S on ``owner``. A form embedded in a window with other forms uses
    ``WidgetWithChildrenShortcut`` so only the form holding the focus saves."""
    return shortcut(owner, QKeySequence.StandardKey.Save, slot, SAVE, context=context)


@dataclass(frozen=True)
class Key:
    """One key of a window: its sequence, what it does and the widget or action it is on."""

    sequence: str
    """Portable text, e.g. "Ctrl+S", "Alt+P"."""
    description: str
    owner: QObject
    kind: str
    """"shortcut", "action" or "mnemonic"."""


def _visible(widget: QWidget, window: QWidget) -> bool:
    return widget is window or widget.isVisibleTo(window)


_CJK_MNEMONIC = re.compile(r"\s*[(（]&\w[)）]")
"""A Chinese label's mnemonic, "保存(&S)": dropped with its brackets in plain text."""


def _plain(text: str) -> str:
    """A label without its mnemonic marker."""
    text = _CJK_MNEMONIC.sub("", text)
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").strip()


def _mnemonics(window: QWidget) -> Iterator[Key]:
    for widget in window.findChildren(QWidget):
        if widget.window() is not window or not _visible(widget, window):
            continue
        texts: list[str] = []
        if (isinstance(widget, QLabel) and widget.buddy() is not None) or isinstance(
            widget, QAbstractButton
        ):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox) and widget.isCheckable():
            texts.append(widget.title())
        elif isinstance(widget, QTabBar):
            texts += [widget.tabText(i) for i in range(widget.count()) if widget.isTabEnabled(i)]
        elif isinstance(widget, QMenuBar):
            texts += [a.text() for a in widget.actions() if a.isVisible()]
        for text in texts:
            sequence = QKeySequence.mnemonic(text)
            if not sequence.isEmpty():
                yield Key(sequence.toString(), _plain(text), widget, "mnemonic")


def _button_naming(window: QWidget, sequence: QKeySequence) -> str:
    """The text of a visible button whose label or tooltip names ``sequence`` ("Print
    (Ctrl+P)"): what a shortcut made without a description does."""
    names = {sequence.toString(), sequence.toString(QKeySequence.SequenceFormat.NativeText)}
    for button in window.findChildren(QAbstractButton):
        if button.window() is not window or not _visible(button, window):
            continue
        said = f"{button.text()} {button.toolTip()}"
        if button.text() and any(f"({name})" in said or f"（{name}）" in said for name in names):
            return _plain(button.text())
    return ""


def _shortcuts(window: QWidget) -> Iterator[Key]:
    for made in window.findChildren(QShortcut):
        parent = made.parent()
        if not isinstance(parent, QWidget) or parent.window() is not window:
            continue
        if not made.isEnabled() or not _visible(parent, window):
            continue
        description = made.property(DESCRIPTION) or ""
        for sequence in made.keys():  # noqa: SIM118 (QShortcut.keys)
            text = _plain(_(description)) if description else _button_naming(window, sequence)
            yield Key(sequence.toString(), text, made, "shortcut")


def _actions(window: QWidget) -> Iterator[Key]:
    seen: set[int] = set()
    owners = [window, *window.findChildren(QWidget)]
    mine = [o for o in owners if o is window or (o.window() is window and _visible(o, window))]
    everywhere = [  # application-wide shortcuts of other windows (the main window's pages)
        a
        for top in QApplication.topLevelWidgets()
        if top is not window and top.isVisible()
        for a in top.actions()
        if a.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut
    ]
    actions: list[QAction] = [a for o in mine for a in o.actions()] + everywhere
    actions += [a for bar in window.findChildren(QMenuBar) for a in _menu_actions(bar)]
    for action in actions:
        if id(action) in seen or not action.isEnabled():
            continue
        seen.add(id(action))
        for sequence in action.shortcuts():
            yield Key(sequence.toString(), _plain(action.text()), action, "action")


def _menu_actions(bar: QMenuBar) -> Iterator[QAction]:
    """The actions of a window's menus (their shortcuts work while the menus are closed)."""
    pending = [a.menu() for a in bar.actions() if a.menu() is not None]
    while pending:
        menu = pending.pop()
        if not isinstance(menu, QMenu):
            continue
        for action in menu.actions():
            if action.menu() is not None:
                pending.append(action.menu())
            elif not action.isSeparator():
                yield action


def window_keys(window: QWidget) -> list[Key]:
    """Every key active now in ``window`` (its visible widgets' mnemonics, shortcuts and
    actions), sorted by key."""
    keys = [*_shortcuts(window), *_actions(window), *_mnemonics(window)]
    return sorted(keys, key=lambda k: (k.kind == "mnemonic", k.sequence))


def clashes(window: QWidget) -> dict[str, list[Key]]:
    """Keys bound more than once in ``window`` now: sequence -> the bindings. Qt fires none
    of an ambiguous shortcut, and Alt+letter only cycles the focus between clashing
    mnemonics."""
    by_key: dict[str, list[Key]] = {}
    for key in window_keys(window):
        by_key.setdefault(key.sequence, []).append(key)
    result = {}
    for sequence, bound in by_key.items():
        owners = {id(k.owner) for k in bound}
        if len(owners) > 1:
            result[sequence] = bound
    return result


class KeyboardHelp(QDialog):
    """F1: the keys of one window, in a list (key | what it does)."""

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("keyboardHelp")
        self.setWindowTitle(_("Keys of this window"))
        self.list = QTreeWidget(self)
        self.list.setObjectName("keyboardHelpList")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels([_("Shortcut key"), _("What it does")])
        self.list.setAccessibleName(_("Keys of this window"))
        native = QKeySequence.SequenceFormat.NativeText
        rows = [("F1", _(TOPIC_HELP)), ("Shift+F1", _(HELP))]
        rows.append(("Esc", _("Close the window or cancel")))
        for key in window_keys(window):
            text = QKeySequence(key.sequence).toString(native)
            rows.append((text, key.description or _("(no description)")))
        seen: set[tuple[str, str]] = set()
        for row in rows:
            if row in seen:
                continue
            seen.add(row)
            self.list.addTopLevelItem(QTreeWidgetItem(list(row)))
        self.list.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(520, 420)

    def rows(self) -> list[tuple[str, str]]:
        """(key, description) of every line shown."""
        rows = []
        for i in range(self.list.topLevelItemCount()):
            item = self.list.topLevelItem(i)
            if item is not None:
                rows.append((item.text(0), item.text(1)))
        return rows


class _HelpKey(QObject):
    """Application-wide F1: the help topic of the active window (:func:`set_topic_help`);
    Shift+F1: the list of its keys."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() != Qt.Key.Key_F1:
            return False
        shifted = event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        if not shifted and event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        window = QApplication.activeWindow()
        if window is None or isinstance(window, KeyboardHelp):
            return False
        if shifted or not _topic_help:
            show_help(window)
        else:
            _topic_help[0](window)
        return True


_help_filter: list[_HelpKey] = []
_topic_help: list[Callable[[QWidget], object]] = []


def set_topic_help(opener: Callable[[QWidget], object]) -> None:
    """What F1 opens: ``opener(window)`` shows the help topic of ``window`` (ui.help.window
    installs it; without it F1 lists the keys, as Shift+F1 does)."""
    _topic_help[:] = [opener]


def show_help(window: QWidget) -> KeyboardHelp:
    """Open the keyboard help of ``window`` (non-blocking)."""
    dialog = KeyboardHelp(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def install_help(app: QApplication) -> None:
    """F1 anywhere shows the help of the window in front, Shift+F1 its keys (installed once)."""
    if _help_filter:
        return
    _help_filter.append(_HelpKey(app))
    app.installEventFilter(_help_filter[0])
