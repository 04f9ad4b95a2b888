"""Task runner and AppContext: ordered database work off the GUI thread, pools, progress and
cancel, errors delivered on the GUI thread, synchronous test mode, DataBus."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from branch_crm.errors import NotFound, ValidationError
from branch_crm.models import LocalSetting
from branch_crm.services.settings import values as settings
from branch_crm.ui.context import AppContext, DataBus
from branch_crm.ui.tasks import JobCancelled, TaskRunner
from tests.support.ui import make_ctx

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def runner(qapp):
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown(wait=True)


@pytest.fixture
def threaded_ctx(qapp, db, staffed, runner, boxes):
    return AppContext(db, staffed["boss"], tasks=runner)


def test_db_jobs_run_in_order_on_one_thread_off_the_gui(qtbot, runner) -> None:
    seen: list[tuple[int, str]] = []
    results: list[int] = []
    gui = threading.get_ident()
    callback_threads: set[int] = set()

    def work(n: int) -> Any:
        def run(control: Any) -> int:
            time.sleep(0.01 if n % 2 else 0.0)  # uneven durations must not reorder
            seen.append((n, threading.current_thread().name))
            return n

        return run

    def on_result(value: int) -> None:
        callback_threads.add(threading.get_ident())
        results.append(value)

    for n in range(8):
        runner.submit(work(n), on_result=on_result)
    qtbot.waitUntil(lambda: len(results) == 8, timeout=5000)
    assert [n for n, _name in seen] == list(range(8))
    assert {name for _n, name in seen} == {"branch-crm-db-writer"}
    assert results == list(range(8))
    assert callback_threads == {gui}


def test_net_jobs_run_on_their_own_pool(qtbot, runner) -> None:
    names: list[str] = []
    runner.submit(lambda c: names.append(threading.current_thread().name), kind="net")
    qtbot.waitUntil(lambda: bool(names), timeout=5000)
    assert names[0].startswith("branch-crm-net")
    with pytest.raises(ValueError):
        runner.submit(lambda c: None, kind="gpu")


def test_errors_arrive_on_gui_thread(qtbot, runner) -> None:
    errors: list[tuple[BaseException, int]] = []

    def fail(control: Any) -> None:
        raise NotFound("gone")

    runner.submit(fail, on_error=lambda exc: errors.append((exc, threading.get_ident())))
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0][0], NotFound)
    assert errors[0][1] == threading.get_ident()


def test_unhandled_error_goes_to_message_box(qtbot, runner, boxes) -> None:
    def fail(control: Any) -> None:
        raise ValidationError({"x": "bad x"})

    runner.submit(fail)
    assert runner.wait_idle(5)
    assert len(boxes.errors) == 1 and isinstance(boxes.errors[0], ValidationError)


def test_progress_dialog_and_cancel(qtbot, runner) -> None:
    started = threading.Event()
    release = threading.Event()
    outcome: list[str] = []

    def long_job(control: Any) -> str:
        started.set()
        for step in range(100):
            control.progress(step, 100, f"step {step}")
            if step == 5:
                release.wait(5)
            control.check()
        return "finished"

    job = runner.submit(
        long_job,
        title="Printing 100 forms…",
        cancellable=True,
        on_result=outcome.append,
        on_error=lambda exc: outcome.append(type(exc).__name__),
    )
    assert started.wait(5)
    dialog = runner.show_progress_now(job)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.value() == 5, timeout=5000)
    assert dialog.maximum() == 100
    assert dialog.labelText() == "step 5"
    cancel = dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)  # the user presses Cancel
    assert job.cancelled
    release.set()
    qtbot.waitUntil(lambda: job.done, timeout=5000)
    assert outcome == []  # a cancelled job reports nothing
    assert runner.progress_dialog(job) is None


def test_window_stays_responsive_during_a_long_job(qtbot, runner) -> None:
    from PySide6.QtCore import QTimer

    release = threading.Event()
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    runner.submit(lambda c: release.wait(5))
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=2000)  # events flow meanwhile
    release.set()
    assert runner.wait_idle(5)
    timer.stop()


def test_synchronous_mode_runs_inline(qapp) -> None:
    runner = TaskRunner(synchronous=True)
    results: list[int] = []
    job = runner.submit(lambda c: 41 + 1, on_result=results.append)
    assert job.done and results == [42]
    errors: list[BaseException] = []
    runner.submit(lambda c: 1 / 0, on_error=errors.append)
    assert isinstance(errors[0], ZeroDivisionError)


def test_cancelled_before_start_is_skipped(qtbot, runner) -> None:
    gate = threading.Event()
    ran: list[str] = []
    runner.submit(lambda c: gate.wait(5))
    second = runner.submit(lambda c: ran.append("second"))
    second.cancel()
    gate.set()
    assert runner.wait_idle(5)
    assert ran == []
    assert isinstance(second.error, JobCancelled)


def test_context_write_passes_session_and_actor(db, staffed, boxes, ctx_write) -> None:
    def service(*, session: Any, actor: Any, key: str) -> str:
        settings.put(session, actor, key, "Demo Co")
        return actor.username

    admin_ctx = make_ctx(db, staffed["boss"])
    assert ctx_write(admin_ctx, service, key="company.name") == "boss"
    with admin_ctx.db.session() as session:
        assert settings.get(session, "company.name") == "Demo Co"


def test_context_submit_writes_through_the_db_thread(qtbot, threaded_ctx) -> None:
    def slow_write(*, session: Any, actor: Any, control: Any, value: str) -> str:
        control.progress(1, 2, "half")
        settings.put(session, actor, "branch.name", value)
        return threading.current_thread().name

    done: list[str] = []
    for value in ("first", "second", "third"):
        threaded_ctx.submit(slow_write, kwargs={"value": value}, on_result=done.append)
    qtbot.waitUntil(lambda: len(done) == 3, timeout=5000)
    assert set(done) == {"branch-crm-db-writer"}
    with threaded_ctx.db.session() as session:
        row = session.scalars(select(LocalSetting).where(LocalSetting.key == "branch.name")).one()
    assert row.value == {"value": "third"}  # the last submitted write wins: order kept


def test_data_bus_carries_what_changed(qtbot, qapp) -> None:
    bus = DataBus()
    with qtbot.waitSignal(bus.sig_data_changed, timeout=1000) as blocker:
        bus.changed("customer", "preference")
    assert blocker.args == [frozenset({"customer", "preference"})]


def test_jobs_after_shutdown_are_dropped_quietly(qapp) -> None:
    runner = TaskRunner()
    ran: list[int] = []
    runner.shutdown(wait=True)
    job = runner.submit(lambda c: ran.append(1), on_result=ran.append)  # a late timer
    assert job.done and isinstance(job.error, JobCancelled)
    assert ran == [] and runner.pending() == []


def test_job_on_a_database_locked_by_another_program_says_so(
    qtbot, threaded_ctx, runner, boxes, lock_database
) -> None:
    from branch_crm.errors import DatabaseLocked
    from branch_crm.ui.messages import error_text

    def two_writes(*, session: Any, actor: Any) -> None:
        settings.put(session, actor, "branch.name", "Half")
        session.flush()
        settings.put(session, actor, "company.name", "Written")

    with threaded_ctx.db.session() as session:
        name_before = settings.get(session, "branch.name")
        company_before = settings.get(session, "company.name")
    with lock_database(threaded_ctx.db):  # another program holds the write lock
        threaded_ctx.submit(two_writes)  # no on_error: the shell's message box reports it
        assert runner.wait_idle(5)
    assert len(boxes.errors) == 1 and isinstance(boxes.errors[0], DatabaseLocked)
    text = error_text(boxes.errors[0])
    assert text == (
        f"The database {threaded_ctx.db.path} is busy: another program is using it. "
        "Try again in a moment."
    )
    with threaded_ctx.db.session() as session:  # the unit of work rolled back: nothing written
        assert settings.get(session, "branch.name") == name_before
        assert settings.get(session, "company.name") == company_before


def test_error_text_explains_database_failures_and_keeps_bugs_generic() -> None:
    import sqlite3

    from sqlalchemy.exc import IntegrityError, OperationalError

    from branch_crm.i18n import set_language
    from branch_crm.ui.messages import error_text

    def wrapped(raw: Exception) -> Exception:
        return OperationalError("UPDATE customer SET ...", {}, raw)

    locked = wrapped(sqlite3.OperationalError("database is locked"))
    assert error_text(locked, "/data/branch.db") == (
        "The database /data/branch.db is busy: another program is using it. Try again in a moment."
    )
    assert error_text(locked) == (  # a job that did not say which file
        "The database is busy: another program is using it. Try again in a moment."
    )
    read_only = sqlite3.OperationalError("attempt to write a readonly database")
    assert "/data/branch.db cannot be written" in error_text(read_only, "/data/branch.db")
    damaged = sqlite3.DatabaseError("database disk image is malformed")
    assert "is damaged" in error_text(damaged, "/data/branch.db")
    # programming errors are not blamed on the file
    for bug in (
        IntegrityError("INSERT ...", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        wrapped(sqlite3.OperationalError("no such column: nmae")),
    ):
        assert error_text(bug, "/data/branch.db").startswith("Something went wrong")
    set_language("zh_CN")
    assert error_text(locked, "/data/branch.db") == (
        "数据库 /data/branch.db 正忙：其他程序正在使用它。请稍后重试。"
    )
