"""The Today card's feedback forms (tasks counted in the summary, the month's forms done /
due of the list's customers) and its visit list: counter staff print their own customers'
only, a supervisor looking at everyone's prints everyone's (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from branch_crm.timeutil import local_today

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def classed(db, counter):  # type: ignore[no-untyped-def]
    """Class A and C customers of the counter clerk and of the supervisor, none visited; a
    feedback-form task due today on the counter clerk's A customer."""
    from branch_crm.models import CareTask, Customer
    from branch_crm.services.context import unit_of_work

    ids: dict[str, str] = {}
    with unit_of_work(db, counter) as session:
        for name, cls, manager in (
            ("柜台甲", "A", "staff-counter"),
            ("柜台丙", "C", "staff-counter"),
            ("主管丙", "C", "staff-supervisor"),
        ):
            customer = Customer(name=name, visit_class=cls, account_manager_id=manager)
            session.add(customer)
            session.flush()
            ids[name] = customer.id
        session.add(CareTask(customer_id=ids["柜台甲"], kind="feedback", due_on=local_today(),
                             status="open", title="Feedback form 1 of 2",
                             assignee_id="staff-counter"))  # fmt: skip
    return ids


def _card(ctx: Any, show: Any) -> Any:
    from branch_crm.ui.care.home_card import TodayCard

    return show(TodayCard(ctx))


def test_feedback_forms_in_the_summary(*, qtbot: Any, ctx: Any, show: Any, classed: Any) -> None:
    from branch_crm.i18n import set_language

    card = _card(ctx, show)
    # counter staff: their own customers (A: 2 forms, C: 1)
    assert card.listed.feedback.due == 3 and card.listed.feedback.done == 0
    assert card.summary.text() == (
        "0 overdue · 1 due today: 1 feedback form · Feedback forms this month: 0 / 3"
    )
    set_language("zh_CN")
    card.retranslate_ui()
    assert "本月意见反馈表：0 / 3" in card.summary.text()
    assert card.print_button.text() == "打印拜访清单(&I)…"


def _printing(monkeypatch: Any, tmp_path: Path) -> list[tuple[Path, str]]:
    from branch_crm.ui.care import visit_plan
    from branch_crm.ui.printing import preview

    shown: list[tuple[Path, str]] = []
    monkeypatch.setattr(preview, "preview_pdf", lambda _p, path, title: shown.append((path, title)))
    monkeypatch.setattr(visit_plan, "printout_path", lambda month: tmp_path / f"{month}.pdf")
    return shown


def _text(path: Path) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_counter_staff_print_their_own_visit_list(
    *, qtbot: Any, ctx: Any, show: Any, classed: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    shown = _printing(monkeypatch, tmp_path)
    card = _card(ctx, show)
    assert "your customers" in card.print_button.toolTip()
    card.print_button.click()
    [(path, title)] = shown
    month = local_today().strftime("%Y-%m")
    assert path == tmp_path / f"{month}.pdf" and title.startswith("Visit list")
    text = _text(path)
    assert "柜台甲" in text and "柜台丙" in text and "王柜台" in text
    assert "主管丙" not in text  # the supervisor's customer


def test_a_supervisor_prints_everyones_or_their_own(
    *, qtbot: Any, supervisor_ctx: Any, show: Any, classed: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    shown = _printing(monkeypatch, tmp_path)
    card = _card(supervisor_ctx, show)
    assert card.current_scope() == "all" and "per account manager" in card.print_button.toolTip()
    assert card.listed.feedback.due == 4  # the branch's: 2 + 1 + 1
    card.print_button.click()
    text = _text(shown[-1][0])
    assert "柜台甲" in text and "主管丙" in text
    card.scope.setCurrentIndex(card.scope.findData("mine"))
    assert card.listed.feedback.due == 1
    card.print_button.click()
    text = _text(shown[-1][0])
    assert "主管丙" in text and "柜台甲" not in text
