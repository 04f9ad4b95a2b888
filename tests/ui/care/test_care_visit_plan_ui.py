"""The visit-plan page (supervisors): its figures are visit_compliance's, the account-manager
filter, opening a customer behind, the month's visit list printed to a PDF read back with
pypdf (names, Chinese text, pages), and the page only for those who see reports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from branch_crm.services.care.visits import record_visit, visit_compliance

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

MONTH = "2027-03"


@pytest.fixture
def planned(db, counter, supervisor, clock):  # type: ignore[no-untyped-def]
    """March 2027 (frozen on the 20th): customers of classes A/B/C with two account managers
    and none, some visited; returns {name: customer id}."""
    from branch_crm.models import Customer, CustomerPhone
    from branch_crm.services.context import unit_of_work

    clock(datetime(2027, 3, 20, 2, 0, tzinfo=UTC))
    specs = [
        ("张三", "A", "staff-counter", 4),
        ("李四", "A", "staff-supervisor", 1),
        ("王五", "B", "staff-counter", 2),
        ("赵六", "B", None, 0),
        ("钱七", "C", "staff-supervisor", 1),
        ("孙八", "C", "staff-counter", 0),
        ("周九", "C", None, 0),
    ]
    ids: dict[str, str] = {}
    with unit_of_work(db, counter) as session:
        for number, (name, cls, manager, _visits) in enumerate(specs):
            customer = Customer(name=name, visit_class=cls, account_manager_id=manager,
                                address="上海市浦东新区世纪大道" + str(100 + number) + "号",
                                company=f"{name}商贸有限公司" if number % 2 == 0 else None,
                                )  # fmt: skip
            session.add(customer)
            session.flush()
            session.add(CustomerPhone(customer_id=customer.id, phone=f"1381234{number:04d}",
                                      position=0))  # fmt: skip
            ids[name] = customer.id
    for name, _cls, _manager, visits in specs:
        for day in range(visits):
            with unit_of_work(db, counter) as session:
                record_visit(session=session, actor=counter, customer_id=ids[name],
                             kind="visit", outcome="拜访顺利",
                             at=datetime(2027, 3, 2 + day, 3, 0, tzinfo=UTC))  # fmt: skip
    return ids


def _page(ctx: Any, show: Any) -> Any:
    from branch_crm.ui.care.visit_plan import VisitPlanPage

    page = show(VisitPlanPage(ctx))
    assert page.current_month() == MONTH  # this month first
    return page


def _column(table: Any, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_figures_are_visit_compliance(
    *, qtbot: Any, supervisor_ctx: Any, show: Any, planned: Any, call: Any, supervisor: Any
) -> None:
    page = _page(supervisor_ctx, show)
    expected = call(supervisor, visit_compliance, month=MONTH)
    assert page.figures == expected
    assert _column(page.classes, 0) == ["A", "B", "C"]
    assert _column(page.classes, 1) == [str(c.customers) for c in expected.classes]
    assert _column(page.classes, 2) == [str(c.visited) for c in expected.classes]
    assert _column(page.classes, 4) == [str(c.required_visits) for c in expected.classes]
    assert _column(page.classes, 5) == [str(c.visits) for c in expected.classes]
    # March has 31 days: A every 7 days -> 4 visits, B every 14 -> 2, C monthly -> 1
    assert _column(page.classes, 1) == ["2", "2", "3"]
    assert _column(page.classes, 2) == ["1", "1", "1"]  # 张三 4/4, 王五 2/2, 钱七 1/1
    assert _column(page.classes, 3) == ["50 %", "50 %", "33 %"]
    assert _column(page.classes, 6)[0] == "0 / 4 · 0 of 2 customers met"
    assert _column(page.managers, 0) == [m.manager_name or "No account manager"
                                         for m in expected.managers]  # fmt: skip
    assert _column(page.managers, 3) == [str(m.behind) for m in expected.managers]
    assert _column(page.behind, 0) == [b.name for b in expected.behind]
    assert set(_column(page.behind, 0)) == {"李四", "赵六", "孙八", "周九"}
    assert page.behind_caption.text() == "Customers behind in 2027-03: 4"


def test_feedback_forms_done_and_due_per_class(
    *, qtbot: Any, supervisor_ctx: Any, show: Any, planned: Any, db: Any, admin: Any
) -> None:
    from branch_crm.models import SurveyResponse
    from branch_crm.reference.defaults import DEFAULT_TEMPLATE_ID
    from branch_crm.services.context import unit_of_work

    answered = [("张三", 3), ("钱七", 2), ("王五", 1)]  # 张三: 2 count (quota); 钱七: 1
    with unit_of_work(db, admin) as session:
        for name, count in answered:
            for day in range(count):
                session.add(SurveyResponse(template_id=DEFAULT_TEMPLATE_ID,
                                           customer_id=planned[name], channel="phone",
                                           answers={}, answered_on=datetime(
                                               2027, 3, 3 + day, 2, tzinfo=UTC)))  # fmt: skip
    page = _page(supervisor_ctx, show)
    assert _column(page.classes, 6) == [
        "2 / 4 · 1 of 2 customers met",
        "1 / 4 · 0 of 2 customers met",
        "1 / 3 · 1 of 3 customers met",
    ]
    assert page.classes.horizontalHeaderItem(6).text() == "Feedback forms done / due"


def test_filter_by_account_manager(
    *, qtbot: Any, supervisor_ctx: Any, show: Any, planned: Any, call: Any, supervisor: Any
) -> None:
    page = _page(supervisor_ctx, show)
    page.manager.setCurrentIndex(page.manager.findData("staff-counter"))
    expected = call(supervisor, visit_compliance, month=MONTH, account_manager_id="staff-counter")
    assert page.figures == expected
    assert _column(page.behind, 0) == ["孙八"]
    assert _column(page.classes, 1) == ["1", "1", "1"]
    # Enter on a manager row filters to theirs
    page.manager.setCurrentIndex(0)
    row = _column(page.managers, 0).index("赵主管")
    page.managers.setCurrentCell(row, 0)
    page.managers.setFocus()
    qtbot.keyClick(page.managers, Qt.Key.Key_Return)
    assert page.current_manager() == "staff-supervisor"
    assert _column(page.behind, 0) == ["李四"]


def test_another_month_and_opening_a_customer(
    *, qtbot: Any, supervisor_ctx: Any, show: Any, planned: Any, monkeypatch: Any
) -> None:
    from branch_crm.ui.counter import actions

    seen: list[str] = []
    monkeypatch.setattr(actions, "open_customer", lambda _ctx, cid: seen.append(cid))
    page = _page(supervisor_ctx, show)
    page.behind.setCurrentCell(_column(page.behind, 0).index("赵六"), 0)
    page.behind.setFocus()
    qtbot.keyClick(page.behind, Qt.Key.Key_Return)
    assert seen == [planned["赵六"]]
    page.month.setCurrentIndex(page.month.findData("2027-02"))
    assert page.figures.month == "2027-02"
    assert _column(page.classes, 5) == ["0", "0", "0"]  # no visits in February
    assert page.behind.rowCount() == 7


def test_print_visit_list_pdf(
    *, qtbot: Any, supervisor_ctx: Any, show: Any, planned: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    from pypdf import PdfReader

    from branch_crm.ui.care import visit_plan
    from branch_crm.ui.printing import preview

    shown: list[tuple[Path, str]] = []
    monkeypatch.setattr(preview, "preview_pdf", lambda _p, path, title: shown.append((path, title)))
    monkeypatch.setattr(visit_plan, "printout_path", lambda month: tmp_path / f"{month}.pdf")
    page = _page(supervisor_ctx, show)
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    [(path, title)] = shown
    assert title == "Visit list 2027-03" and path == tmp_path / "2027-03.pdf"
    reader = PdfReader(str(path))
    texts = [p.extract_text() for p in reader.pages]
    # one page per account manager with customers behind: 王柜台, 赵主管, nobody
    assert len(reader.pages) == 3
    assert "孙八" in texts[0] and "王柜台" in texts[0]
    assert "李四" in texts[1] and "赵主管" in texts[1]
    assert "赵六" in texts[2] and "周九" in texts[2] and "No account manager" in texts[2]
    assert "张三" not in "".join(texts)  # visited enough: not on the list
    assert "Page 1 of 3" in texts[0]


def test_page_is_for_those_who_see_reports(
    *, qtbot: Any, ctx: Any, supervisor_ctx: Any, show: Any
) -> None:
    from branch_crm.ui.main_window import MainWindow

    counter_window = show(MainWindow(ctx))
    assert "visit_plan" not in counter_window.page_keys()
    counter_window.close()
    window = show(MainWindow(supervisor_ctx))
    assert "visit_plan" in window.page_keys()
    assert window.shortcuts["visit_plan"] == "Ctrl+Shift+P"
