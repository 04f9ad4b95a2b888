"""The keys tables of the help topics, made from the keys the windows register (ui.keys).

A page's table lists what :func:`branch_crm.ui.keys.window_keys` finds inside the page (on
every tab of its tab widgets), plus the shortcuts given to its buttons; the "overview" topic
lists the main window's own keys (menus, pages, status bar). ``scripts/help_keys.py`` writes
the tables into the topic files; tests/ui/help/test_help_keys.py fails when one is stale.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QTabWidget, QWidget

from branch_crm.i18n import _
from branch_crm.ui import keys
from branch_crm.ui.help import topics


def _inside(obj: QObject | None, root: QWidget) -> bool:
    while obj is not None:
        if obj is root:
            return True
        obj = obj.parent()
    return False


def _tab_states(root: QWidget) -> Iterator[None]:
    """Each tab of each tab widget under ``root`` in front once (then the first again)."""
    yield None
    for tabs in root.findChildren(QTabWidget):
        first = tabs.currentIndex()
        for index in range(tabs.count()):
            if tabs.isTabEnabled(index):
                tabs.setCurrentIndex(index)
                QApplication.processEvents()
                yield None
        tabs.setCurrentIndex(first)


def _button_keys(window: QWidget, root: QWidget) -> Iterator[tuple[str, str]]:
    """Shortcuts set on buttons (``setShortcut``) other than their Alt+letter."""
    for button in root.findChildren(QAbstractButton):
        if button.window() is not window or not button.isVisibleTo(window):
            continue
        sequence = button.shortcut()
        if sequence.isEmpty() or sequence == QKeySequence.mnemonic(button.text()):
            continue
        yield sequence.toString(), keys._plain(button.text())


def _normal(sequence: str) -> str:
    """One spelling per key: Return and Enter are the same key to the user."""
    return sequence.replace("Return", "Enter")


def rows_of(window: QWidget, root: QWidget | None) -> list[tuple[str, str]]:
    """(key, what it does) of the keys registered inside ``root`` (a page or a dialog), or
    of the window outside every page when ``root`` is None; sorted, shortcuts before
    Alt+letter, each key once."""
    found: dict[str, tuple[bool, str]] = {}
    for _state in _tab_states(root) if root is not None else iter([None]):
        for key in keys.window_keys(window):
            mine = _inside(key.owner, root) if root is not None else not _in_a_page(window, key)
            if mine and key.description:
                found.setdefault(_normal(key.sequence), (key.kind == "mnemonic", key.description))
        if root is not None:
            for sequence, text in _button_keys(window, root):
                found.setdefault(_normal(sequence), (False, text))
    ordered = sorted(found.items(), key=lambda item: (item[1][0], item[0]))
    return [(sequence, text) for sequence, (_mnemonic, text) in ordered]


def _in_a_page(window: QWidget, key: keys.Key) -> bool:
    stack = getattr(window, "stack", None)
    return stack is not None and _inside(key.owner, stack)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").strip().rstrip(":：").strip()


def table(rows: list[tuple[str, str]]) -> str:
    """The Markdown block (markers included) of a keys table, in the current language."""
    native = QKeySequence.SequenceFormat.NativeText
    key_heading, does_heading = _("Shortcut key"), _("What it does")
    lines = [
        f"{topics.KEYS_BEGIN} (scripts/help_keys.py writes this table; do not edit) -->",
        "",
        f"| {key_heading} | {does_heading} |",
        "| --- | --- |",
    ]
    for sequence, text in rows:
        shown = QKeySequence(sequence).toString(native) or sequence
        lines.append(f"| {_cell(shown)} | {_cell(text)} |")
    if not rows:
        none = _("No shortcut keys of its own.")
        lines.append(f"| — | {none} |")
    lines += ["", topics.KEYS_END]
    return "\n".join(lines)


def replace_block(source: str, block: str) -> str:
    """``source`` with its keys block replaced by ``block`` (unchanged without markers)."""
    old = topics.keys_block(source)
    return source.replace(old, block) if old is not None else source


def blocks(window: QWidget) -> dict[str, str]:
    """Topic name -> its keys block in the current language, for every page of ``window``
    (a main window: ``page_keys()``, ``show_page()``, ``page()``) and the overview."""
    made: dict[str, str] = {}
    for key in window.page_keys():  # type: ignore[attr-defined]
        window.show_page(key)  # type: ignore[attr-defined]
        QApplication.processEvents()
        page = window.page(key)  # type: ignore[attr-defined]
        made[key] = table(rows_of(window, page))
    first = window.page_keys()[0]  # type: ignore[attr-defined]
    window.show_page(first)  # type: ignore[attr-defined]
    made[topics.OVERVIEW] = table(rows_of(window, None))
    return made
