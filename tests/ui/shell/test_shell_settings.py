"""Settings dialog: live language switch, validation beside fields, policy overrides, rights."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from branch_crm import i18n
from branch_crm.models import PolicySetting
from branch_crm.models.base import HQ_BRANCH
from branch_crm.services.settings import values as settings
from branch_crm.ui.main_window import MainWindow
from branch_crm.ui.pages import PageSpec
from branch_crm.ui.shell.settings_dialog import SettingsDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def stored(db, key: str):
    with db.session() as session:
        return settings.get(session, key)


@pytest.fixture
def dialog(show, admin_ctx):
    return show(SettingsDialog(admin_ctx))


def test_language_switch_retranslates_open_window_live(show, admin_ctx, db) -> None:
    page = PageSpec("x", "Customers", "customers", lambda c: QWidget())
    window = show(MainWindow(admin_ctx, pages=[page]))
    dialog = show(SettingsDialog(admin_ctx, window))
    box = dialog.editors["language"]
    box.setCurrentIndex(box.findData("zh_CN"))
    assert i18n.current_language() == "zh_CN"
    assert window.nav.item(0).text() == "客户"  # the main window behind changed already
    assert dialog.ok_button.text() == "保存"
    dialog.save()
    assert stored(db, "language") == "zh_CN"


def test_cancel_takes_the_language_back(dialog, db) -> None:
    box = dialog.editors["language"]
    box.setCurrentIndex(box.findData("zh_CN"))
    assert i18n.current_language() == "zh_CN"
    dialog.reject()
    assert i18n.current_language() == "en"
    assert stored(db, "language") == ""


def test_bad_values_shown_beside_fields_nothing_saved(qtbot, dialog, db) -> None:
    url = dialog.editors["hq.url"]
    url.setText("")
    qtbot.keyClicks(url, "hq.example.com")
    name = dialog.editors["branch.name"]
    name.setText("x" * 60 + "y")  # the edit caps at 60; the service says why beyond that
    dialog.editors["company.name"].setText("示例速运")
    dialog.save()
    assert dialog.isVisible()
    assert "https://" in dialog.errors.message("hq.url")
    assert dialog.errors.message("branch.name") == ""
    assert dialog.tabs.currentWidget().isAncestorOf(url)
    assert stored(db, "company.name") == ""  # all or nothing
    qtbot.keyClick(url, Qt.Key.Key_Backspace)  # editing clears the message
    assert dialog.errors.message("hq.url") == ""


def test_valid_values_saved(dialog, db, admin_ctx) -> None:
    dialog.editors["hq.url"].setText("https://hq.example.com/")
    dialog.editors["sync.interval_minutes"].setValue(15)
    dialog.editors["auth.max_failed_logins"].setValue(3)
    dialog.save()
    assert not dialog.isVisible()
    assert stored(db, "hq.url") == "https://hq.example.com"
    assert stored(db, "sync.interval_minutes") == 15
    assert stored(db, "auth.max_failed_logins") == 3


def test_branch_code_change_needs_confirmation(dialog, db, boxes) -> None:
    dialog.editors["branch.code"].setText("br002")
    boxes.answer = False
    dialog.save()
    assert boxes.confirms and "BR002" in boxes.confirms[0]
    assert stored(db, "branch.code") == "BR001"
    boxes.answer = True
    dialog.save()
    assert stored(db, "branch.code") == "BR002"


def test_policy_shows_head_office_value_and_local_override(show, admin_ctx, db) -> None:
    with db.session(branch_id=HQ_BRANCH) as session:
        session.add(PolicySetting(key="tier.key_min", value={"value": 1200}, branch_id=HQ_BRANCH))
    dialog = show(SettingsDialog(admin_ctx))
    editor = dialog.policy["tier.key_min"]
    assert editor.head_office.text() == "Head office: 1200"
    assert not editor.override.isChecked() and not editor.value.isEnabled()
    editor.override.setChecked(True)
    editor.value.setValue(900)
    dialog.save()
    assert stored(db, "tier.key_min") == 900
    again = show(SettingsDialog(admin_ctx))
    assert again.policy["tier.key_min"].override.isChecked()
    again.policy["tier.key_min"].override.setChecked(False)
    again.save()
    assert stored(db, "tier.key_min") == 1200  # head office's value applies again


def test_counter_staff_may_only_change_language(show, ctx, db) -> None:
    dialog = show(SettingsDialog(ctx))
    assert dialog.read_only_note.isVisible()
    assert not dialog.editors["hq.url"].isEnabled()
    assert dialog.editors["language"].isEnabled()
    assert not dialog.policy["tier.key_min"].override.isEnabled()
    box = dialog.editors["language"]
    box.setCurrentIndex(box.findData("en"))
    dialog.save()
    assert not dialog.isVisible()
    assert stored(db, "language") == "en"


def test_money_is_shown_and_typed_in_yuan_and_kept_in_fen(show, admin_ctx, db) -> None:
    key = "complaint.compensation_limit_cents"
    dialog = show(SettingsDialog(admin_ctx))
    editor = dialog.policy[key]
    assert editor.head_office.text() == "Head office: ¥200.00"  # not "20000"
    assert editor.value.value() == 200 and editor.value.prefix() == "¥"
    assert "(yuan)" in dialog.labels[key].text()
    editor.override.setChecked(True)
    editor.value.setValue(350.5)
    dialog.save()
    assert stored(db, key) == 35050  # fen, as the complaint rules read it
    again = show(SettingsDialog(admin_ctx))
    assert again.policy[key].value.value() == 350.5
    assert again.policy["complaint.high_value_cents"].head_office.text() == "Head office: ¥1,000.00"
