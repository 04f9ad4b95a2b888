"""Qt's own texts follow the app's language: with the UI in Chinese no button or menu text
that Qt provides (OK/Cancel/Close, message-box buttons, the line edit's Undo/Copy/Paste menu)
is English; back in English they are English again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QMessageBox

from branch_crm import i18n
from branch_crm.ui.shell.language import install_qt_translations

SB = QDialogButtonBox.StandardButton
MB = QMessageBox.StandardButton
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
"""An English word; a mnemonic "(&U)" or a key "Ctrl+Z" after a tab is not one."""


@pytest.fixture
def qt_texts(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    install_qt_translations(qapp)
    yield
    i18n.set_language("en")


def visible_text(text: str) -> str:
    """What is read: without the shortcut after a tab and without the mnemonic marker."""
    return re.sub(r"\(&\w\)|&", "", text.split("\t", maxsplit=1)[0])


def box_texts(box: QDialogButtonBox) -> list[str]:
    return [visible_text(b.text()) for b in box.buttons()]


def menu_texts(edit: QLineEdit) -> list[str]:
    menu = edit.createStandardContextMenu()
    assert menu is not None
    texts = [visible_text(a.text()) for a in menu.actions() if not a.isSeparator()]
    menu.deleteLater()
    return texts


def test_qt_texts_are_chinese_in_the_chinese_ui(qtbot, qt_texts) -> None:  # type: ignore[no-untyped-def]
    english_box = QDialogButtonBox(SB.Ok | SB.Cancel | SB.Close)
    qtbot.addWidget(english_box)
    assert sorted(box_texts(english_box)) == ["Cancel", "Close", "OK"]
    i18n.set_language("zh_CN")
    box = QDialogButtonBox(SB.Ok | SB.Cancel | SB.Close | SB.Save | SB.Yes | SB.No)
    qtbot.addWidget(box)
    texts = box_texts(box)
    assert "确定" in texts and "取消" in texts and "关闭" in texts
    message = QMessageBox(QMessageBox.Icon.Question, "", "", MB.Yes | MB.No | MB.Ok | MB.Cancel)
    qtbot.addWidget(message)
    edit = QLineEdit("文字")
    qtbot.addWidget(edit)
    menu = menu_texts(edit)
    assert any("复制" in t for t in menu) and any("粘贴" in t for t in menu)
    shown = texts + [visible_text(b.text()) for b in message.buttons()] + menu
    assert [t for t in shown if LATIN_WORD.search(t)] == []
    QApplication.processEvents()  # the box made in English re-translates itself
    assert [t for t in box_texts(english_box) if LATIN_WORD.search(t)] == []


def test_back_to_english(qtbot, qt_texts) -> None:  # type: ignore[no-untyped-def]
    i18n.set_language("zh_CN")
    i18n.set_language("en")
    box = QDialogButtonBox(SB.Ok | SB.Cancel)
    qtbot.addWidget(box)
    assert sorted(box_texts(box)) == ["Cancel", "OK"]
    edit = QLineEdit("text")
    qtbot.addWidget(edit)
    assert any("Copy" in t for t in menu_texts(edit))


def test_a_live_switch_keeps_the_apps_own_button_texts(qtbot, qt_texts) -> None:  # type: ignore[no-untyped-def]
    """Qt re-translates a button box's standard buttons on a language change; the app's own
    text on such a button ("Save" on OK) must still win."""
    from branch_crm.ui.shell.language import notifier

    box = QDialogButtonBox(SB.Ok | SB.Cancel)
    qtbot.addWidget(box)
    box.show()
    ok = box.button(SB.Ok)
    ok.setText(i18n._("Save"))

    def retranslate(_language: str) -> None:
        ok.setText(i18n._("Save"))

    notifier().sig_language_changed.connect(retranslate)
    try:
        i18n.set_language("zh_CN")
        QApplication.processEvents()
        assert ok.text() == "保存" and box.button(SB.Cancel).text() == "取消"
        i18n.set_language("en")
        QApplication.processEvents()
        assert ok.text() == "Save" and box.button(SB.Cancel).text() == "Cancel"
    finally:
        notifier().sig_language_changed.disconnect(retranslate)
