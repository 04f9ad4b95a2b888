"""Fixtures of every UI test: message boxes that record instead of blocking, an app context
per role on the test database (jobs run synchronously), real staff accounts, ``show``, and
Qt's garbage freed on the GUI thread only.

The role contexts use the actors of tests/conftest.py; a folder whose tests need other
actors overrides those (tests/ui/shell signs in with the real ``staffed`` accounts)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.accounts import BRANCH, PASSWORDS
from tests.support.ui import Boxes, make_ctx, record_boxes


@pytest.fixture(autouse=True)
def _qt_garbage_dies_on_the_gui_thread() -> Iterator[None]:
    """Qt objects in reference cycles (a context its jobs hold, a closed window's timers) die
    on the GUI thread, as the app's GuiGarbageCollector makes sure: no automatic collection
    during a test, one on the GUI thread after it. Left automatic, the collector runs on
    whichever thread allocates (a worker's, uvicorn's, the fault proxy's) and Qt warns, or
    crashes at the next timer event of a QTimer freed there."""
    enabled = gc.isenabled()
    gc.disable()
    yield
    gc.collect()
    if enabled:
        gc.enable()


@pytest.fixture(autouse=True)
def _layout_settings_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Remembered window sizes and column widths (QSettings) go to a fresh folder per test,
    never to the user's settings."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    """Patch the message boxes so nothing modal blocks a test; what they were asked to show."""
    return record_boxes(monkeypatch)


@pytest.fixture
def ctx(qapp, db, counter, boxes):  # type: ignore[no-untyped-def]
    """Counter staff signed in."""
    return make_ctx(db, counter)


@pytest.fixture
def courier_ctx(qapp, db, courier, boxes):  # type: ignore[no-untyped-def]
    """A pickup courier signed in."""
    return make_ctx(db, courier)


@pytest.fixture
def supervisor_ctx(qapp, db, supervisor, boxes):  # type: ignore[no-untyped-def]
    """A supervisor signed in."""
    return make_ctx(db, supervisor)


@pytest.fixture
def admin_ctx(qapp, db, admin, boxes):  # type: ignore[no-untyped-def]
    """The administrator signed in."""
    return make_ctx(db, admin)


@pytest.fixture
def show(qtbot):  # type: ignore[no-untyped-def]
    """show(widget): show it and make its window active (focus and shortcuts work); the
    widget is closed after the test."""

    def show_widget(widget):  # type: ignore[no-untyped-def]
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
        widget.activateWindow()
        qtbot.waitUntil(widget.isActiveWindow, timeout=2000)
        return widget

    return show_widget


@pytest.fixture
def staffed(db) -> dict[str, Any]:
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
