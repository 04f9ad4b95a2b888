"""UI test helpers: message boxes that record instead of blocking, app contexts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest


@dataclass
class Boxes:
    """What the patched ui.messages functions were asked to show."""

    errors: list[Any] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    confirms: list[str] = field(default_factory=list)
    answer: bool = True
    """What every confirmation answers."""


def record_boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    """Patch the message boxes so nothing modal blocks a test; returns what they record."""
    from branch_crm.ui import messages

    recorded = Boxes()

    def confirm(_parent: object, text: str, *args: object, **kwargs: object) -> bool:
        recorded.confirms.append(text)
        return recorded.answer

    monkeypatch.setattr(messages, "show_error", lambda _p, e, *a, **k: recorded.errors.append(e))
    monkeypatch.setattr(messages, "info", lambda _p, t, *a, **k: recorded.infos.append(t))
    monkeypatch.setattr(messages, "confirm", confirm)
    return recorded


def make_ctx(db: Any, actor: Any, *, synchronous: bool = True) -> Any:
    """An app context on ``db`` for ``actor``; jobs run synchronously (deterministic) unless
    asked for real threads."""
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=synchronous))


@pytest.fixture
def new_windows_closed() -> Any:
    """Windows a test opened (profiles, dialogs, previews) are closed and deleted after it,
    so a later language switch does not re-lay them out under another test."""
    import shiboken6
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    before = {id(w) for w in QApplication.topLevelWidgets()}
    yield
    from branch_crm.ui.counter import actions

    for widget in QApplication.topLevelWidgets():
        if id(widget) in before or not shiboken6.isValid(widget):
            continue
        if hasattr(widget, "_close_confirmed"):
            widget._close_confirmed = True
        widget.close()
        widget.deleteLater()
    actions._open.clear()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
