"""The background catch-up after start-up: a new month's classification and the lookup
index backlog are brought up to date in short jobs, with progress in the status bar."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

import pytest

from branch_crm.services.context import unit_of_work
from branch_crm.services.customers import classification
from branch_crm.services.customers.profile import create_customer
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.ui.shell.catch_up import CatchUpStatus, progress_text

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def make_stale(db: Any, actor: Any, names: tuple[str, ...] = ("张三", "李四", "王五")) -> None:
    """Customers whose stats are from an old month, as on the first start of a new month."""
    with unit_of_work(db, actor) as session:
        for number, name in enumerate(names):
            create_customer(
                session=session,
                actor=actor,
                data=CustomerInput(name=name, phones=[f"1381234000{number}"]),
            )
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE customer_stats SET computed_for = '2001-01'")
        conn.exec_driver_sql("DELETE FROM local_setting WHERE key = ?", (classification.BASIS_KEY,))


def stats_months(db: Any) -> set[str]:
    with db.engine.connect() as conn:
        return {r[0] for r in conn.exec_driver_sql("SELECT computed_for FROM customer_stats")}


def test_progress_texts() -> None:
    stats = classification.CatchUp("stats", 250, 1000)
    assert progress_text(stats) == "Updating customer figures… 25 %"
    index = classification.CatchUp("index", 1000, 3500)
    assert progress_text(index) == "Updating the search index… 2,500 customers left"
    assert progress_text(classification.CatchUp("done")) == ""


def test_catch_up_runs_in_steps_off_the_gui_with_progress(qtbot, db, staffed, monkeypatch) -> None:
    from branch_crm.ui.context import AppContext

    wang = staffed["wang"]
    make_stale(db, wang)
    monkeypatch.setattr(classification, "STATS_CHUNK", 1)
    ctx = AppContext.for_tests(db, wang)
    status = CatchUpStatus(ctx)
    qtbot.addWidget(status)
    shown: list[str] = []
    monkeypatch.setattr(status, "_show", shown.append)
    announced: list[frozenset[str]] = []
    ctx.bus.sig_data_changed.connect(announced.append)
    status.start()
    assert status.running
    qtbot.waitUntil(lambda: not status.running, timeout=10000)
    assert shown[0] == "Updating customer figures… 0 %"
    assert len([t for t in shown if "customer figures" in t]) >= 3  # one job per customer
    assert stats_months(db) == {classification.reference_month()}
    assert announced == [frozenset({"customer", "classification"})]
    assert status.isHidden()
    status.start()  # nothing due any more: one quick check, no announcement
    qtbot.waitUntil(lambda: not status.running, timeout=10000)
    assert len(announced) == 1
    ctx.tasks.shutdown(wait=True)


def test_customers_changed_elsewhere_start_it_again(qtbot, db, staffed) -> None:
    from branch_crm.ui.context import AppContext

    wang = staffed["wang"]
    make_stale(db, wang)
    ctx = AppContext.for_tests(db, wang)
    status = CatchUpStatus(ctx)
    qtbot.addWidget(status)
    ctx.bus.changed("customer")  # e.g. a sync round pulled customers
    assert status.running
    qtbot.waitUntil(lambda: not status.running, timeout=10000)
    assert stats_months(db) == {classification.reference_month()}
    ctx.tasks.shutdown(wait=True)


def test_a_failed_step_is_reported_and_tried_again_by_the_timer(
    qtbot, db, staffed, monkeypatch
) -> None:
    from branch_crm import i18n
    from branch_crm.errors import DatabaseLocked
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.shell import catch_up

    make_stale(db, staffed["wang"])
    calls: list[int] = []

    def locked_once(*, session: Any, state: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseLocked("in use", "x")
        return classification.catch_up_step(session=session, state=state)

    monkeypatch.setattr(catch_up, "catch_up_step", locked_once)
    monkeypatch.setattr(catch_up, "CHECK_MS", 300)  # the minute, shortened
    ctx = AppContext.for_tests(db, staffed["wang"])
    status = CatchUpStatus(ctx)
    qtbot.addWidget(status)
    status.start()
    qtbot.waitUntil(lambda: status.failed, timeout=10000)
    assert status.text() == "Customer figures could not be updated; trying again in 1 minute."
    assert not status.isHidden()
    i18n.set_language("zh_CN")
    status.retranslate_ui()
    assert status.text() == "客户指标未能更新，1 分钟后重试。"
    i18n.set_language("en")
    # what the text promises: the timer starts it again, and this time it gets through
    qtbot.waitUntil(lambda: len(calls) > 1 and not status.running, timeout=10000)
    assert not status.failed and status.isHidden()
    assert stats_months(db) == {classification.reference_month()}
    ctx.tasks.shutdown(wait=True)


def test_the_failure_text_names_the_real_interval(monkeypatch) -> None:
    from branch_crm.ui.shell import catch_up

    assert catch_up.failure_text().endswith("trying again in 1 minute.")
    monkeypatch.setattr(catch_up, "CHECK_MS", 5 * 60 * 1000)
    assert catch_up.failure_text().endswith("trying again in 5 minutes.")


def test_the_app_starts_it_once_the_window_is_shown(qtbot, qapp, db, db_path, staffed) -> None:
    from branch_crm.ui.shell.launcher import Shell

    make_stale(db, staffed["wang"])
    db.dispose()
    shell = Shell(qapp, Namespace(db=db_path, lang=None, demo_if_new=False, courier=False))
    assert shell.open()
    shell._start_backup = lambda: None  # type: ignore[method-assign]
    shell.show_main_window(staffed["wang"])
    assert shell.catch_up is not None and shell.window is not None
    assert shell.catch_up.parent() is shell.window.statusBar()
    qtbot.waitUntil(lambda: shell.catch_up is not None and shell.catch_up.running, timeout=3000)
    qtbot.waitUntil(lambda: not shell.catch_up.running, timeout=10000)  # type: ignore[union-attr]
    assert shell.db is not None and stats_months(shell.db) == {classification.reference_month()}
    shell.quit()
    shell._dispose()
