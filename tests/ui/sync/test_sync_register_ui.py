"""The register dialog against a real head office: a good code registers this PC and runs
the first round; a wrong code, a bad address or empty fields say what is wrong in words and
keep the dialog open; only administrators may register."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.support.sync import add_customer, queued
from tests.support.ui import Boxes, make_ctx


@pytest.fixture
def fresh_db(tmp_path: Path, hq: Any) -> Any:
    """A branch database (BR001) that is not registered yet."""
    from branch_crm.db import open_database

    db = open_database(tmp_path / "fresh.db")
    yield db
    db.dispose()


def _dialog(qtbot: Any, ctx: Any) -> Any:
    from branch_crm.ui.sync.controller import controller_for
    from branch_crm.ui.sync.register_dialog import RegisterDialog

    controller_for(ctx).refresh_status()
    dialog = RegisterDialog(ctx)
    qtbot.addWidget(dialog)
    return dialog


def _fill(qtbot: Any, dialog: Any, url: str, code: str) -> None:
    dialog.url.clear()
    qtbot.keyClicks(dialog.url, url)
    dialog.code.clear()
    qtbot.keyClicks(dialog.code, code)


def test_registering_with_a_good_code_syncs_at_once(
    qtbot: Any, hq: Any, fresh_db: Any, admin: Any, boxes: Boxes
) -> None:
    from branch_crm.services.syncing.service import sync_status

    add_customer(fresh_db, "BR001", "周八", "13800006666")  # queued before registration
    ctx = make_ctx(fresh_db, admin)
    dialog = _dialog(qtbot, ctx)
    assert dialog.controller.status is not None and not dialog.controller.status.registered
    _fill(qtbot, dialog, hq.base_url, hq.add_branch("BR001"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert boxes.infos and boxes.infos[0].startswith("Registered as branch BR001 (BR001) with")
    with fresh_db.session() as session:
        status = sync_status(session=session)
    assert status.registered and status.hq_url == hq.base_url
    assert dialog.controller.last_result is not None
    assert dialog.controller.last_result.error is None
    assert queued(fresh_db) == 0  # the first round sent what was waiting


def test_wrong_code_is_explained_and_the_dialog_stays(
    qtbot: Any, hq: Any, fresh_db: Any, admin: Any, boxes: Boxes
) -> None:
    hq.add_branch("BR001")
    dialog = _dialog(qtbot, make_ctx(fresh_db, admin))
    _fill(qtbot, dialog, hq.base_url, "WRONG-CODE-123")
    dialog.ok_button.click()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert not dialog.error.isHidden()
    assert dialog.error.text().startswith("Head office refused the registration:")
    assert dialog.ok_button.isEnabled() and dialog.ok_button.text() == "Register"
    qtbot.keyClicks(dialog.code, "X")  # editing clears the message
    assert dialog.error.isHidden()


@pytest.mark.parametrize(
    "case",
    [
        ("", "ABCD1234", "Enter head office's address"),
        ("http://127.0.0.1:9", "", "Enter the registration code"),
        ("ftp://hq.example.com", "ABCD1234", "must start with http:// or https://"),
        ("http://127.0.0.1:9", "ABCD1234", "Cannot reach head office at http://127.0.0.1:9"),
    ],
)
@pytest.mark.usefixtures("boxes")
def test_bad_input_is_named(
    qtbot: Any, fresh_db: Any, admin: Any, case: tuple[str, str, str]
) -> None:
    url, code, message = case
    dialog = _dialog(qtbot, make_ctx(fresh_db, admin))
    _fill(qtbot, dialog, url, code)
    dialog.ok_button.click()
    assert message in dialog.error.text()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_only_administrators_may_register(
    qtbot: Any, fresh_db: Any, supervisor: Any, boxes: Boxes
) -> None:
    dialog = _dialog(qtbot, make_ctx(fresh_db, supervisor))
    assert not dialog.ok_button.isEnabled() and not dialog.url.isEnabled()
    assert "Only an administrator" in dialog.error.text()


def test_sync_page_opens_the_dialog_and_shows_the_status(
    qtbot: Any, fresh_db: Any, admin: Any, boxes: Boxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.ui.sync import page as page_module
    from branch_crm.ui.sync.page import SyncPage

    opened: list[Any] = []

    def fake_exec(dialog: Any) -> int:
        opened.append(dialog)
        return 0

    monkeypatch.setattr(page_module.RegisterDialog, "exec", fake_exec)
    page = SyncPage(make_ctx(fresh_db, admin))
    qtbot.addWidget(page)
    page.controller.refresh_status()
    assert page.values["hq"].text() == "not registered yet"
    assert not page.sync_button.isEnabled()  # nothing to sync with yet
    page.register_button.click()
    assert len(opened) == 1 and opened[0].objectName() == "sync_register_dialog"
    assert "Automatic sync every 5 minutes" in page.interval.text()


@pytest.mark.usefixtures("boxes")
def test_settings_dialog_head_office_tab_opens_the_dialog(
    qtbot: Any, fresh_db: Any, admin: Any, supervisor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from branch_crm.ui.shell.settings_dialog import SettingsDialog
    from branch_crm.ui.sync.register_dialog import RegisterDialog

    opened: list[Any] = []
    monkeypatch.setattr(RegisterDialog, "exec", lambda dialog: opened.append(dialog) or 0)
    dialog = SettingsDialog(make_ctx(fresh_db, admin))
    qtbot.addWidget(dialog)
    assert dialog.register_button is not None
    assert dialog.register_button.text() == "Register with head office…"
    dialog.register_button.click()
    assert [d.objectName() for d in opened] == ["sync_register_dialog"]
    not_allowed = SettingsDialog(make_ctx(fresh_db, supervisor))
    qtbot.addWidget(not_allowed)
    assert not_allowed.register_button is None  # registering is an administrator's job
