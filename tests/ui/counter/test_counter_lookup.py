"""The lookup page typed into for real: debounce, best match first, Enter/Esc/arrows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from branch_crm.ui.counter import actions
from branch_crm.ui.counter.lookup import split_prefill
from branch_crm.ui.counter.lookup_page import LookupPage

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def type_and_wait(qtbot, page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``text`` key by key and wait for the search after the last key."""
    with qtbot.waitSignal(page.lookup.sig_results_updated, timeout=2000):
        qtbot.keyClicks(page.lookup.search_box, text)


def names(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.name for hit in page.lookup.model.hits()]


def test_search_box_has_focus_at_start(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(page.lookup.search_box.hasFocus)
    assert page.lookup.search_box.objectName() == "searchBox"
    assert page.lookup.results.objectName() == "searchResults"
    assert page.lookup.search_box.accessibleName()


def test_full_phone_finds_one_customer_with_formatted_phone(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "13812345678")
    assert names(page) == ["张三"]
    model = page.lookup.model
    assert model.index(0, 1).data() == "138 1234 5678"
    assert model.index(0, 4).data() == "Phone"
    assert model.index(0, 3).data()  # tier label shown as a badge


def test_last_four_digits_and_match_kind(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "5678")
    assert sorted(names(page)) == ["张三", "赵六"]
    assert {page.lookup.model.index(r, 4).data() for r in range(2)} == {"Last 4 digits"}
    assert "2 matches" in page.lookup.status.text()


def test_pinyin_initials_and_results_update_as_you_type(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "zs")
    assert set(names(page)) == {"张三", "张三丰"}
    type_and_wait(qtbot, page, "f")
    assert names(page) == ["张三丰"]


def test_arrows_move_while_focus_stays_and_enter_opens_selected(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "5678")
    box = page.lookup.search_box
    first, second = (hit.customer_id for hit in page.lookup.model.hits())
    assert page.lookup.current_customer_id() == first
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert page.lookup.current_customer_id() == second
    assert box.hasFocus()
    qtbot.keyClick(box, Qt.Key.Key_Up)
    qtbot.keyClick(box, Qt.Key.Key_Up)  # stays on the first row
    assert page.lookup.current_customer_id() == first
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    opened = actions.open_profiles()
    assert [d.customer_id for d in opened] == [second]
    assert opened[0].form.name.text() in {"张三", "赵六"}


def test_enter_right_after_typing_opens_the_best_match(qtbot, ctx, people, show) -> None:  # type: ignore[no-untyped-def]
    page = LookupPage(ctx, debounce_ms=5000)  # the search has not run when Enter arrives
    qtbot.addWidget(page)
    show(page)
    qtbot.keyClicks(page.lookup.search_box, "15866665678")
    assert page.lookup.model.rowCount() == 0
    qtbot.keyClick(page.lookup.search_box, Qt.Key.Key_Enter)
    assert [d.customer_id for d in actions.open_profiles()] == [people["赵六"].id]


def test_escape_clears_box_and_results(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "zs")
    assert page.lookup.model.rowCount() > 0
    qtbot.keyClick(page.lookup.search_box, Qt.Key.Key_Escape)
    assert page.lookup.search_box.text() == ""
    assert page.lookup.model.rowCount() == 0
    assert page.lookup.search_box.hasFocus()


def test_typing_fast_searches_once_after_the_pause(qtbot, ctx, people, show) -> None:  # type: ignore[no-untyped-def]
    page = LookupPage(ctx, debounce_ms=80)
    qtbot.addWidget(page)
    show(page)
    searches: list[int] = []
    page.lookup.sig_results_updated.connect(searches.append)
    qtbot.keyClicks(page.lookup.search_box, "1381234")
    assert searches == []  # still typing: nothing searched yet
    qtbot.waitUntil(lambda: searches != [], timeout=2000)
    qtbot.wait(150)
    assert searches == [1]


def test_no_match_hints_at_new_customer(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "qqqxyz")
    assert page.lookup.model.rowCount() == 0
    assert "Ctrl+N" in page.lookup.status.text()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13812345678", ("", "13812345678")),
        ("+86 138-1234", ("", "+86 138-1234")),
        ("张三", ("张三", "")),
        ("  Li Ming ", ("Li Ming", "")),
        ("", ("", "")),
    ],
)
def test_split_prefill(typed: str, expected: tuple[str, str]) -> None:
    assert split_prefill(typed) == expected


def test_ctrl_n_prefills_phone_from_digits(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "13600001234")
    qtbot.keyClick(page.lookup.search_box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    dialogs = page.findChildren(CustomerProfileDialog)
    assert len(dialogs) == 1
    dialog = dialogs[0]
    assert dialog.customer_id is None
    assert dialog.form.phones[0].edit.text() == "13600001234"
    assert dialog.form.name.text() == ""
    dialog._close_confirmed = True
    dialog.close()


def test_ctrl_n_prefills_name_from_text(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    type_and_wait(qtbot, page, "Li Ming")
    qtbot.keyClick(page.lookup.search_box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    (dialog,) = page.findChildren(CustomerProfileDialog)
    assert dialog.form.name.text() == "Li Ming"
    assert dialog.form.phones[0].edit.text() == ""
    dialog._close_confirmed = True
    dialog.close()


def test_new_customer_then_found(qtbot, page, people, show) -> None:  # type: ignore[no-untyped-def]
    """A customer saved from the prefilled dialog is found by the next search."""
    type_and_wait(qtbot, page, "13600009999")
    assert page.lookup.model.rowCount() == 0
    page.new_customer()
    from branch_crm.ui.counter.profile import CustomerProfileDialog

    (dialog,) = page.findChildren(CustomerProfileDialog)
    show(dialog)
    qtbot.keyClicks(dialog.form.name, "Chen Jing")
    qtbot.keyClick(dialog.form.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.customer_id is not None
    qtbot.waitUntil(lambda: page.lookup.model.rowCount() == 1)  # refreshed on "customer"
    assert names(page) == ["Chen Jing"]


def test_chinese_labels_after_language_change(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.i18n import set_language

    type_and_wait(qtbot, page, "5678")
    set_language("zh_CN")
    page.retranslate_ui()
    model = page.lookup.model
    assert model.headerData(0, Qt.Orientation.Horizontal) == "姓名"
    assert model.index(0, 4).data() == "尾号后 4 位"
    assert page.new_button.text() == "新建客户"


def test_lookup_answers_while_a_backlog_waits(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    """Customers waiting to be re-indexed (a sync page, another program) are the catch-up's
    job, however few: typing finds customers at once from the index as it stands, and
    writes nothing."""
    with page.ctx.db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT OR IGNORE INTO search_dirty SELECT id FROM customer")
    type_and_wait(qtbot, page, "zs")
    assert set(names(page)) == {"张三", "张三丰"}
    with page.ctx.db.engine.connect() as conn:
        waiting = conn.exec_driver_sql("SELECT count(*) FROM search_dirty").scalar()
    assert waiting == 5
