"""One database writer: a save waits for another program's lock on the database thread while
the window goes on (its event loop keeps ticking), completes once the lock is gone or says
clearly that the file is busy, and is never written twice; the GUI thread's lookups run on a
read-only connection and issue no write statement."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from sqlalchemy import event, func, select

from branch_crm.db import BUSY_TIMEOUT_MS
from branch_crm.models import AuditEntry, Customer
from branch_crm.services.context import unit_of_work
from branch_crm.services.customers.profile import create_customer, get_customer, update_customer
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.ui.context import AppContext, ReadWroteError
from branch_crm.ui.counter.lookup_page import LookupPage
from branch_crm.ui.counter.profile import CustomerProfileDialog
from branch_crm.ui.tasks import TaskRunner
from tests.support.locking import TICK_MS, Ticks, other_program

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

HOLD_S = 1.0
"""How long another program holds the write lock (well inside the 5 s busy timeout)."""
WRITE_SQL = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


@pytest.fixture
def threaded(qapp, db, counter, boxes) -> Iterator[AppContext]:  # type: ignore[no-untyped-def]
    """Counter staff signed in with the real task runner (database thread, pools)."""
    ctx = AppContext.for_tests(db, counter, tasks=TaskRunner())
    yield ctx
    ctx.close()


@pytest.fixture
def customer_id(db, counter) -> str:  # type: ignore[no-untyped-def]
    with unit_of_work(db, counter) as session:
        data = CustomerInput(name="冯三", phones=["13577778888"])
        return create_customer(session=session, actor=counter, data=data).id


def company_updates(db: Any, customer_id: str) -> list[Any]:
    """The audit entries of company changes of the customer (one per stored save)."""
    with db.session(audit=False) as session:
        rows = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity_id == customer_id, AuditEntry.action == "update"
            )
        ).all()
    return [row for row in rows if "company" in row.changes]


def profile(qtbot: Any, ctx: AppContext, customer_id: str) -> CustomerProfileDialog:
    dialog = CustomerProfileDialog(ctx, customer_id=customer_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.form.company, "Locked Ltd")
    return dialog


def test_a_save_waits_for_another_programs_lock_while_the_window_goes_on(
    qtbot, db, threaded, customer_id
) -> None:  # type: ignore[no-untyped-def]
    dialog = profile(qtbot, threaded, customer_id)
    holder = other_program(db)
    # the GUI thread itself releases the lock: if the save held the event loop, this could
    # not run before the busy timeout, and the save would fail
    QTimer.singleShot(int(HOLD_S * 1000), holder.rollback)
    with Ticks() as ticks:
        started = time.monotonic()
        assert dialog.save()  # sent to the database thread, at once
        sent_after = time.monotonic() - started
        assert not dialog.save()  # a second press while it waits: refused, not queued
        qtbot.waitUntil(lambda: dialog.message.text() == "Saved.", timeout=HOLD_S * 1000 + 4000)
        waited = time.monotonic() - started
    holder.close()
    assert sent_after < 0.1
    assert waited >= HOLD_S * 0.9  # it did wait for the lock ...
    assert ticks.longest_gap() < 0.3  # ... while the event loop ticked at its pace
    assert len(ticks.times) >= HOLD_S * 1000 / TICK_MS / 3
    assert threaded.read(get_customer, customer_id=customer_id).company == "Locked Ltd"
    assert len(company_updates(db, customer_id)) == 1  # written once
    assert not dialog.is_dirty()


def test_inline_save_on_the_gui_thread_would_freeze_the_window(db, counter, customer_id) -> None:  # type: ignore[no-untyped-def]
    """The measurement above is sensitive: the same save run inline on the GUI thread (what
    the old ``ctx.call`` did) holds the event loop for as long as the lock is held."""
    holder = other_program(db)
    release = threading.Timer(0.5, holder.rollback)
    release.start()
    with Ticks() as ticks:
        QTimer.singleShot(0, lambda: _inline_save(db, counter, customer_id))
        deadline = time.monotonic() + 3
        while len(ticks.times) < 20 and time.monotonic() < deadline:
            from PySide6.QtCore import QCoreApplication

            QCoreApplication.processEvents()
            time.sleep(0.001)
    release.join()
    holder.close()
    assert ticks.longest_gap() >= 0.4


def _inline_save(db: Any, counter: Any, customer_id: str) -> None:
    with unit_of_work(db, counter) as session:
        data = CustomerInput(name="冯三", phones=["13577778888"], company="Inline Ltd")
        update_customer(session=session, actor=counter, customer_id=customer_id, data=data)


def test_a_save_that_outlasts_the_busy_timeout_says_so_and_keeps_the_form(
    qtbot, db, threaded, customer_id, *, lock_database, capfd, caplog
) -> None:  # type: ignore[no-untyped-def]
    dialog = profile(qtbot, threaded, customer_id)
    with lock_database(db), Ticks() as ticks:  # the app waits 50 ms for the lock here
        assert dialog.save()
        qtbot.waitUntil(lambda: "is busy" in dialog.message.text(), timeout=4000)
    shown = dialog.message.text()
    assert shown == (
        f"The database {db.path} is busy: another program is using it. Try again in a moment."
    )
    assert ticks.longest_gap() < 0.3
    assert dialog.is_dirty() and dialog.form.company.text() == "Locked Ltd"  # nothing lost
    assert threaded.read(get_customer, customer_id=customer_id).company is None
    assert company_updates(db, customer_id) == []  # nothing half-written
    assert "Traceback" not in capfd.readouterr().err
    assert not [r for r in caplog.records if r.exc_info]  # expected: no traceback logged
    assert dialog.save()  # the lock is gone: the same form saves
    qtbot.waitUntil(lambda: dialog.message.text() == "Saved.", timeout=4000)
    assert len(company_updates(db, customer_id)) == 1


@pytest.fixture
def statements(ctx) -> Iterator[dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """Every SQL statement run from now on, by connection kind ("read": the GUI thread's
    read-only connections, "write": the writer's), traced by SQLite itself (the lookup's
    hot path runs on the DBAPI connection, below SQLAlchemy's events)."""
    seen: dict[str, list[str]] = {"read": [], "write": []}
    engines = {"read": ctx.reader.engine, "write": ctx.db.engine}
    hooks = []
    for kind, engine in engines.items():
        engine.dispose()  # new connections, traced from the start

        def trace(dbapi_conn: Any, _record: Any, kind: str = kind) -> None:
            dbapi_conn.set_trace_callback(seen[kind].append)

        event.listen(engine, "connect", trace)
        hooks.append((engine, trace))
    yield seen
    for engine, trace in hooks:
        event.remove(engine, "connect", trace)


def test_a_lookup_writes_nothing_even_with_customers_waiting_to_be_indexed(
    qtbot, ctx, people, show, statements
) -> None:  # type: ignore[no-untyped-def]
    with ctx.db.engine.begin() as conn:  # a sync page changed 张三 behind the lookup's back
        conn.exec_driver_sql("UPDATE customer SET name = '张叁' WHERE name = '张三'")
    statements["write"].clear()
    page = show(LookupPage(ctx, debounce_ms=0))
    for text in ("zs", "13812345678", "5678", "张"):
        page.lookup.search_box.clear()
        with qtbot.waitSignal(page.lookup.sig_results_updated, timeout=2000):
            page.lookup.search_box.setText(text)  # as typed (an input method for 张)
        assert page.lookup.model.hits()
    assert statements["read"]  # the lookup ran on the read-only connection ...
    assert [s for s in statements["read"] if WRITE_SQL.match(s)] == []  # ... writing nothing
    assert statements["write"] == []  # and the writer's connection was not touched
    with ctx.db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM search_dirty").scalar() == 1


def test_the_read_connection_refuses_writes(ctx, people) -> None:  # type: ignore[no-untyped-def]
    def sneaky(*, session: Any) -> None:
        session.add(Customer(name="不该写入"))

    with pytest.raises(ReadWroteError):
        ctx.read(sneaky)
    with ctx.reader.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA query_only").scalar() == 1
    with ctx.db.session() as session:
        assert session.scalar(select(func.count()).where(Customer.name == "不该写入")) == 0


def test_reads_never_wait_for_a_write_lock(db, ctx, people) -> None:  # type: ignore[no-untyped-def]
    holder = other_program(db)
    try:
        started = time.monotonic()
        hits = ctx.read(get_customer, customer_id=people["张三"].id)
        # a read that waited for the lock would wait the whole busy timeout (5 s) and fail;
        # the bound leaves room for a loaded machine
        assert time.monotonic() - started < BUSY_TIMEOUT_MS / 1000 / 2 and hits.name == "张三"
    finally:
        holder.rollback()
        holder.close()
