"""Helpers of the complaint UI tests (a module with a unique name, importable by tests)."""

from __future__ import annotations

from typing import Any


def press(qtbot: Any, window: Any, key: Any, until: Any, modifier: Any = None) -> None:
    """Press a shortcut key in ``window`` (made active first) and wait until ``until()``.

    Buttons answer their shortcut with an animated click, a moment later.
    """
    from PySide6.QtCore import Qt

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    target = window.focusWidget() or window
    qtbot.keyClick(target, key, modifier or Qt.KeyboardModifier.NoModifier)
    qtbot.waitUntil(until, timeout=2000)
