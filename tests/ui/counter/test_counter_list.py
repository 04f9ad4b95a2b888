"""The million-row customer list model and page: model tester, paging, LRU bound,
filters, sorting off the GUI thread."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.customers.listing import ListFilter
from branch_crm.ui.counter.customer_list import CustomerListPage
from branch_crm.ui.counter.list_model import CustomerListModel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

NAMES = [f"客户{i:02d}" for i in range(23)]


@pytest.fixture
def many(add_customer):  # type: ignore[no-untyped-def]
    """23 customers, some with a visit class and need tags."""
    views = []
    for i, name in enumerate(NAMES):
        views.append(
            add_customer(
                name,
                f"139{i:08d}",
                visit_class="ABC"[i % 3] if i % 2 else None,
                need_tags=["fragile"] if i % 5 == 0 else [],
            )
        )
    return views


def loaded_model(ctx, **kwargs) -> CustomerListModel:  # type: ignore[no-untyped-def]
    model = CustomerListModel(ctx, **kwargs)
    model.reload()  # synchronous task runner in tests: keys are there now
    return model


def test_model_passes_qtmodeltester(qtmodeltester, ctx, many) -> None:  # type: ignore[no-untyped-def]
    model = loaded_model(ctx, page_size=7, max_pages=2)
    assert model.rowCount() == len(NAMES)
    qtmodeltester.check(model, force_py=True)


def test_rows_come_in_pages_with_a_bounded_cache(ctx, many) -> None:  # type: ignore[no-untyped-def]
    model = loaded_model(ctx, page_size=5, max_pages=2)
    names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert names == sorted(NAMES)  # sorted by name by default; every row readable
    assert model.page_fetches == 5  # 23 rows / 5 per page
    assert model.cached_pages() == 2  # the LRU bound holds
    model.index(0, 0).data()  # page 0 was evicted: fetched again
    assert model.page_fetches == 6
    model.index(1, 0).data()  # same page: cached
    assert model.page_fetches == 6


def test_sort_by_header_descending(ctx, many) -> None:  # type: ignore[no-untyped-def]
    model = loaded_model(ctx)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.index(0, 0).data() == max(NAMES)
    assert model.sort_state() == (0, Qt.SortOrder.DescendingOrder)


def test_unsortable_column_keeps_previous_sort(ctx, many) -> None:  # type: ignore[no-untyped-def]
    model = loaded_model(ctx)
    seen = []
    model.sig_sort_changed.connect(lambda c, o: seen.append((c, o)))
    model.sort(1, Qt.SortOrder.AscendingOrder)  # phone: not sortable
    assert seen == [(0, Qt.SortOrder.AscendingOrder)]
    assert model.sort_state() == (0, Qt.SortOrder.AscendingOrder)


def test_filters(ctx, many) -> None:  # type: ignore[no-untyped-def]
    model = loaded_model(ctx)
    model.set_filter(ListFilter(visit_class="A"))
    expected = [n for i, n in enumerate(NAMES) if i % 2 and "ABC"[i % 3] == "A"]
    assert sorted(model.index(r, 0).data() for r in range(model.rowCount())) == expected
    model.set_filter(ListFilter(need_tag="fragile"))
    assert model.rowCount() == len([i for i in range(len(NAMES)) if i % 5 == 0])


@pytest.fixture
def page(qtbot, ctx, many, show):  # type: ignore[no-untyped-def]
    widget = CustomerListPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    show(widget)
    widget.on_shown()
    return widget


def test_page_shows_count_and_filters_by_combo(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    assert page.count_label.text() == "23 customers"
    combo = page.filters.visit_class
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # "All" -> "Class A"
    assert combo.currentData() == "A"
    assert page.model.rowCount() < 23
    assert page.count_label.text() == f"{page.model.rowCount()} customers"
    qtbot.mouseClick(page.filters.clear_button, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 23


def test_header_click_sorts_and_indicator_follows(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    header = page.table.horizontalHeader()
    name_x = header.sectionViewportPosition(0) + 10
    from PySide6.QtCore import QPoint

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(name_x, 5))
    assert page.model.sort_state()[1] == Qt.SortOrder.DescendingOrder
    assert page.model.index(0, 0).data() == max(NAMES)
    phone_x = header.sectionViewportPosition(1) + 10
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(phone_x, 5))
    assert header.sortIndicatorSection() == 0  # refused: indicator back on the name column


def test_keys_load_off_the_gui_thread(qtbot, db, counter, many) -> None:  # type: ignore[no-untyped-def]
    """With the real (threaded) task runner the count arrives by signal; no freeze."""
    from branch_crm.ui.context import AppContext

    ctx = AppContext.for_tests(db, counter)
    model = CustomerListModel(ctx)
    with qtbot.waitSignal(model.sig_count_changed, timeout=5000) as blocker:
        model.reload()
        assert model.is_loading()
    assert blocker.args == [23]
    assert model.rowCount() == 23


def test_enter_opens_profile_and_multi_select(qtbot, page, many) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.ui.counter import actions

    page.table.setFocus()
    page.table.selectRow(2)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert [d.customer_id for d in actions.open_profiles()] == [page.model.customer_id(2)]
    page.table.selectRow(0)
    qtbot.keyClick(page.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert page.selected_ids() == [page.model.customer_id(0), page.model.customer_id(1)]


def test_new_customer_appears_after_save(qtbot, page, add_customer, ctx) -> None:  # type: ignore[no-untyped-def]
    add_customer("新客户", "13700000001")
    ctx.bus.changed("customer")
    qtbot.waitUntil(lambda: page.model.rowCount() == 24)
    assert page.count_label.text() == "24 customers"
