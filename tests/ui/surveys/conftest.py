"""Fixtures of the survey, training and PDF preview UI tests: a supervisor's app context on a
real SQLite database, synchronous jobs, and message boxes that record instead of blocking."""

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


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    """Patch the shell's message boxes so nothing modal blocks a test."""
    from branch_crm.ui import messages

    recorded = Boxes()

    def confirm(_parent: object, text: str, *args: object, **kwargs: object) -> bool:
        recorded.confirms.append(text)
        return recorded.answer

    monkeypatch.setattr(messages, "show_error", lambda _p, e, *a, **k: recorded.errors.append(e))
    monkeypatch.setattr(messages, "info", lambda _p, t, *a, **k: recorded.infos.append(t))
    monkeypatch.setattr(messages, "confirm", confirm)
    return recorded


@pytest.fixture
def ctx(qapp, db, supervisor, boxes):  # type: ignore[no-untyped-def]
    """A supervisor signed in; background jobs run synchronously (deterministic)."""
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, supervisor, tasks=TaskRunner(synchronous=True))


@pytest.fixture
def show(qtbot):  # type: ignore[no-untyped-def]
    """show(widget): show it, make its window active (focus and shortcuts work), return it."""

    def show_widget(widget):  # type: ignore[no-untyped-def]
        widget.show()
        qtbot.waitExposed(widget)
        widget.activateWindow()
        qtbot.waitUntil(widget.isActiveWindow, timeout=2000)
        return widget

    return show_widget
