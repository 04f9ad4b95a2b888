"""Main window: the listed pages by role, lazy pages, Ctrl+digit shortcuts, home cards, status
bar, live re-translation, sign out."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from branch_crm import i18n
from branch_crm.reference.roles import Permission
from branch_crm.ui import main_window
from branch_crm.ui.main_window import MainWindow, PageError
from branch_crm.ui.pages import PAGES, PageSpec
from branch_crm.ui.shell import home as home_page

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


class Probe(QWidget):
    """A page that records what the shell asked of it."""

    built = 0

    def __init__(self, ctx: Any, name: str) -> None:
        super().__init__()
        Probe.built += 1
        self.name = name
        self.shown = 0
        self.retranslated = 0

    def on_shown(self) -> None:
        self.shown += 1

    def retranslate_ui(self) -> None:
        self.retranslated += 1


def broken(ctx: Any) -> QWidget:
    raise RuntimeError("factory exploded")


def specs() -> list[PageSpec]:
    return [
        PageSpec("one", "Customers", "customers", lambda c: Probe(c, "one"), None, "Ctrl+1"),
        PageSpec("two", "Complaints", "complaints", lambda c: Probe(c, "two"), None),
        PageSpec("boss", "Staff", "staff", lambda c: Probe(c, "boss"), Permission.STAFF_MANAGE),
        PageSpec("bad", "Reports", "reports", broken, None),
    ]


@pytest.fixture
def window(show, ctx):
    Probe.built = 0
    return show(MainWindow(ctx, pages=specs()))


def test_pages_filtered_by_role_and_built_lazily(window, ctx) -> None:
    assert window.page_keys() == ["one", "two", "bad"]  # counter staff has no STAFF_MANAGE
    assert ctx.main_window is window
    assert window.current_page_key() == "one"
    assert Probe.built == 1  # the second page is built on first use only
    page = window.show_page("two")
    assert isinstance(page, Probe) and page.shown == 1
    assert Probe.built == 2
    window.show_page("one")
    assert window.show_page("two") is page and page.shown == 2
    assert window.show_page("boss") is None


def test_admin_sees_admin_pages(show, admin_ctx) -> None:
    window = show(MainWindow(admin_ctx, pages=specs()))
    assert "boss" in window.page_keys()


def test_shortcuts_switch_pages(qtbot, window) -> None:
    assert window.shortcuts == {"one": "Ctrl+1", "two": "Ctrl+2", "bad": "Ctrl+3"}
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_key() == "two"
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page_key() == "one"
    assert "Ctrl+2" in window.nav.item(1).toolTip()


def test_navigation_by_keyboard(qtbot, window) -> None:
    window.nav.setFocus()
    qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert window.current_page_key() == "two"


def test_broken_page_shows_message_not_traceback(window) -> None:
    page = window.show_page("bad")
    assert isinstance(page, PageError)
    assert "could not be opened" in page.label.text()


def test_language_change_retranslates_window_and_pages(window) -> None:
    page = window.show_page("two")
    before = page.retranslated
    assert window.file_menu.title() == "&File"
    i18n.set_language("zh_CN")
    assert page.retranslated == before + 1
    assert window.file_menu.title() != "&File"
    assert window.nav.item(0).text() == "客户"
    i18n.set_language("en")
    assert window.nav.item(0).text() == "Customers"


def test_status_bar_names_user_and_branch(window) -> None:
    window.set_branch_name("浦东网点")
    assert window.user_label.text() == "Signed in: 王芳 (Counter staff)"
    assert window.branch_label.text() == "Branch: BR001 · 浦东网点"


def test_listed_status_widget_and_home_cards(monkeypatch, show, ctx) -> None:
    monkeypatch.setattr(main_window, "STATUS_WIDGETS", (lambda ctx: QLabel("sync ok"),))
    cards = (lambda ctx: QLabel("first card"), lambda ctx: QLabel("3 open complaints"))
    monkeypatch.setattr(home_page, "HOME_CARDS", cards)
    home = next(s for s in PAGES if s.key == "home")
    window = show(MainWindow(ctx, pages=[home]))
    assert [w.text() for w in window.status_widgets] == ["sync ok"]
    page = window.page("home")
    assert [card.text() for card in page.cards] == ["first card", "3 open complaints"]
    assert page.empty.isHidden()


def test_home_without_cards_says_so(monkeypatch, show, ctx) -> None:
    monkeypatch.setattr(home_page, "HOME_CARDS", ())
    home = next(s for s in PAGES if s.key == "home")
    window = show(MainWindow(ctx, pages=[home]))
    page = window.page("home")
    assert page.cards == []
    assert page.empty.isVisible()
    assert "Nothing to show" in page.empty.text()
    assert "王芳" in page.greeting.text()


def test_sign_out_action_asks_the_launcher(qtbot, window) -> None:
    with qtbot.waitSignal(window.sig_sign_out_requested, timeout=1000):
        window.action_sign_out.trigger()


def test_page_may_veto_closing(qtbot, show, ctx) -> None:
    class Dirty(QWidget):
        def may_close(self) -> bool:
            return False

    window = show(MainWindow(ctx, pages=[PageSpec("d", "Dirty", "home", lambda c: Dirty())]))
    assert not window.close()
    assert window.isVisible()


def test_listed_pages_have_unique_keys_and_the_shell_pages() -> None:
    keys = [spec.key for spec in PAGES]
    assert len(keys) == len(set(keys))
    assert {"home", "staff", "audit"} <= set(keys)
    assert keys[0] == "home"


def test_open_customer_opens_the_counter_desk_profile(monkeypatch, window) -> None:
    from branch_crm.ui.counter import actions

    opened: list[str] = []
    monkeypatch.setattr(actions, "open_customer", lambda ctx, cid: opened.append(cid))
    window.open_customer("c-1")
    assert opened == ["c-1"]


def test_every_named_icon_draws_something(qapp) -> None:
    from PySide6.QtCore import QSize

    from branch_crm.ui.icons import ICONS, icon

    for name in ICONS:
        image = icon(name).pixmap(QSize(24, 24)).toImage()
        inked = sum(image.pixelColor(x, y).alpha() > 0 for x in range(24) for y in range(24))
        assert inked > 10, name
    assert icon("no such icon").isNull()


def test_home_greeting_shows_the_branch_date_not_the_machine_date(monkeypatch, qtbot, ctx) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine

    from branch_crm.ui.shell.home import HomePage

    monkeypatch.setattr(home_page, "HOME_CARDS", ())
    # 20:00 UTC on 1 March (the machine's zone is UTC here) is already 04:00 on 2 March in
    # Shanghai, the branch's business time zone
    evening = datetime(2025, 3, 1, 20, 0, tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(evening, tick=False) as traveller:
        page = HomePage(ctx)
        qtbot.addWidget(page)
        assert "Today is 2025-03-02." in page.greeting.text()
        traveller.move_to(evening + timedelta(days=1))  # the app stays open past midnight
        page.on_shown()
        assert "Today is 2025-03-03." in page.greeting.text()
