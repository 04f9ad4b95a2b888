"""Helpers of the complaint UI tests (a module with a unique name, importable by tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(text: str) -> datetime:
    """'2026-11-23 09:00' in Shanghai, aware."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def make_context(db: Any, actor: Any) -> Any:
    """An app context on ``db`` for ``actor`` with a synchronous task runner."""
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=True))


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
