"""The "Follow-ups" home card: counts, the next tasks, Enter shows the task on the page,
refresh on data changes; the feature module registers card, page and timeline."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _card(ctx: Any, show: Any) -> Any:
    from branch_crm.ui.care.home_card import FollowUpHomeCard

    return show(FollowUpHomeCard(ctx))


def test_card_counts_and_next_tasks(qtbot, ctx, show, tasks) -> None:  # type: ignore[no-untyped-def]
    card = _card(ctx, show)
    assert card.title() == "Follow-ups"
    assert card.summary.text() == "3 open · 1 overdue · 1 due today · 1 mine"
    items = [card.top.item(i).text() for i in range(card.top.count())]
    assert items[0] == "2 days overdue · 张三 138 1234 5678 · Survey follow-up: NPS 3"
    assert items[1].startswith("today · 李四")
    assert len(items) == 3


def test_card_refreshes_on_care_changes(qtbot, ctx, show, tasks, ctx_write) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.care import follow_ups

    card = _card(ctx, show)
    ctx_write(ctx, follow_ups.complete_follow_up, task_id=tasks["overdue"][0], note="已告知")
    with qtbot.waitSignal(card.sig_loaded):
        ctx.bus.changed("care")
    assert card.counts.open == 2 and card.counts.overdue == 0


def test_empty_card(qtbot, ctx, show) -> None:  # type: ignore[no-untyped-def]
    card = _card(ctx, show)
    assert card.summary.text() == "0 open · 0 overdue · 0 due today · 0 mine"
    assert card.top.item(0).text() == "Nothing to follow up. Well done!"
    assert not card.customer_button.isEnabled()


def test_courier_card_shows_own_tasks(qtbot, courier_ctx, show, tasks) -> None:  # type: ignore[no-untyped-def]
    card = _card(courier_ctx, show)
    assert card.counts.open == 1 and card.top.count() == 1
    assert "王五" in card.top.item(0).text()


def test_open_customer_button(qtbot, ctx, show, tasks, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter import actions

    seen: list[str] = []
    monkeypatch.setattr(actions, "open_customer", lambda _ctx, cid: seen.append(cid))
    card = _card(ctx, show)
    card.top.setCurrentRow(1)
    card.customer_button.click()
    assert seen == [tasks["today"][1]]


def test_enter_on_a_task_shows_it_on_the_page(qtbot, ctx, show, tasks, opened) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.main_window import MainWindow
    from branch_crm.ui.pages import PAGES

    window = show(MainWindow(ctx, pages=[s for s in PAGES if s.key in ("home", "care")]))
    assert window.page_keys() == ["home", "care"]
    home = window.page("home")
    card = next(c for c in home.cards if c.objectName() == "careHomeCard")
    card.top.setFocus()
    card.top.setCurrentRow(2)
    qtbot.keyClick(card.top, Qt.Key.Key_Return)
    assert window.current_page_key() == "care"
    page = window.page("care")
    assert page.current_task_id() == tasks["later"][0]
    assert page.table.hasFocus()
    # the Done shortcut works while the page is shown, wherever the focus is in the window
    window.nav.setFocus()
    qtbot.keyClick(window.nav, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert [d.row.id for d in opened] == [tasks["later"][0]]
    opened[0].reject()
    # the Ctrl+6 shortcut and the "All follow-ups" button reach the page too
    window.show_page("home")
    card.open_button.click()
    assert window.current_page_key() == "care"
    assert window.shortcuts["care"] == "Ctrl+6"


def test_feature_has_its_card_timeline_and_icons(qapp) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.services.care.timeline import care_timeline
    from branch_crm.services.timeline import SOURCES
    from branch_crm.ui.counter.timeline_icons import TIMELINE_ICONS
    from branch_crm.ui.icons import ICONS
    from branch_crm.ui.shell.home import HOME_CARDS

    assert care_timeline in SOURCES
    assert TIMELINE_ICONS["care_done"] == "care_done"
    assert any(f.__name__ == "_follow_ups_card" for f in HOME_CARDS)
    assert {"care_tasks", "care_done", "care_cancel", "care_assign"} <= set(ICONS)


def test_chinese_card(qtbot, ctx, show, tasks) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    card = _card(ctx, show)
    set_language("zh_CN")
    card.retranslate_ui()
    assert card.title() == "客户回访"
    assert card.summary.text() == "待办 3 · 逾期 1 · 今日到期 1 · 我的 1"
    assert card.top.item(1).text().startswith("今天 · 李四")
