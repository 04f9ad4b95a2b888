"""Fixtures of the shell UI tests: a database with real staff accounts, app contexts per role,
and message boxes patched to record instead of blocking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from shell_accounts import BRANCH, PASSWORDS

__all__ = ["BRANCH", "PASSWORDS"]


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
def staffed(db):
    """The database with a first admin and one account per other role: username -> Actor."""
    from branch_crm.models import Role
    from branch_crm.services.context import Actor, unit_of_work
    from branch_crm.services.staff import accounts

    with db.session(branch_id=BRANCH) as session:
        boss = accounts.create_first_admin(
            session=session,
            username="boss",
            display_name="周涛",
            password=PASSWORDS["boss"],
            branch_id=BRANCH,
            branch_name="浦东网点",
        )
    admin = Actor(boss.id, "boss", "周涛", Role.ADMIN, BRANCH)
    actors = {"boss": admin}
    with unit_of_work(db, admin) as session:
        for username, name, role in (
            ("chen", "陈静", Role.SUPERVISOR),
            ("wang", "王芳", Role.COUNTER),
            ("li", "李强", Role.COURIER),
        ):
            view = accounts.create_staff(
                session=session,
                actor=admin,
                username=username,
                display_name=name,
                role=role.value,
                password=PASSWORDS[username],
            )
            actors[username] = Actor(view.id, username, name, role, BRANCH)
    return actors


def make_ctx(db: Any, actor: Any) -> Any:
    """An app context with the synchronous task runner (deterministic)."""
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=True))


@pytest.fixture
def admin_ctx(qapp, db, staffed, boxes):
    """The admin signed in."""
    return make_ctx(db, staffed["boss"])


@pytest.fixture
def supervisor_ctx(qapp, db, staffed, boxes):
    """The supervisor signed in."""
    return make_ctx(db, staffed["chen"])


@pytest.fixture
def counter_ctx(qapp, db, staffed, boxes):
    """Counter staff signed in."""
    return make_ctx(db, staffed["wang"])


@pytest.fixture
def show(qtbot):
    """show(widget): show it and make its window active (focus and shortcuts work)."""

    def show_widget(widget):
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
        widget.activateWindow()
        qtbot.waitUntil(widget.isActiveWindow, timeout=2000)
        return widget

    return show_widget
