"""Fixtures of the counter desk UI tests: an app context on a real SQLite database, real
services, and patched message boxes that record instead of blocking."""

from __future__ import annotations

from collections.abc import Iterator
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


def _context(db, actor):  # type: ignore[no-untyped-def]
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=True))


@pytest.fixture
def ctx(qapp, db, counter, boxes):  # type: ignore[no-untyped-def]
    """Counter staff signed in; background jobs run synchronously (deterministic)."""
    return _context(db, counter)


@pytest.fixture
def courier_ctx(qapp, db, courier, boxes):  # type: ignore[no-untyped-def]
    """A pickup courier signed in."""
    return _context(db, courier)


@pytest.fixture(autouse=True)
def _close_profiles(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Profile windows opened by a test are closed after it."""
    yield
    from branch_crm.ui.counter import actions

    for dialog in actions.open_profiles():
        dialog._close_confirmed = True
        dialog.close()
    actions._open.clear()


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


@pytest.fixture
def add_customer(ctx, ctx_write):  # type: ignore[no-untyped-def]
    """add_customer(name, phone, **fields) creates a customer through the real service."""
    from branch_crm.services.customers.profile import create_customer
    from branch_crm.services.customers.validation import CustomerInput

    def add(name: str, phone: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return ctx_write(
            ctx, create_customer, data=CustomerInput(name=name, phones=[phone], **kwargs)
        )

    return add


@pytest.fixture
def people(add_customer):  # type: ignore[no-untyped-def]
    """A few customers to find: name -> CustomerView."""
    rows = [
        ("张三", "13812345678", {"company": "上海顺达贸易有限公司"}),
        ("张三丰", "13900001111", {}),
        ("李四", "13712340000", {"company": "杭州云仓电子商务"}),
        ("王五", "021-5555 1234", {}),
        ("赵六", "15866665678", {}),
    ]
    return {name: add_customer(name, phone, **kw) for name, phone, kw in rows}
