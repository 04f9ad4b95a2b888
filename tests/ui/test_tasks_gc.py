"""Qt objects die on the GUI thread only: delivered jobs keep nothing alive (no reference
cycles through a job to the app context or the widgets of its callbacks), the workers hold
no Qt object, and the app's garbage collector runs on the GUI thread. The crash this
prevents (a QTimer freed on a worker thread; Qt segfaults at its next timer event) kills
the process, so the end-to-end checks run in a child process (tasks_gc_child.py)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QTimer

from branch_crm.ui.context import AppContext, accepts
from branch_crm.ui.tasks import GuiGarbageCollector, JobCancelled, TaskRunner

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

CHILD = "tests.ui.tasks_gc_child"  # run as a module from the repository root
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    """Only reference counting frees objects during the test (what must die, dies so)."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


class Card(QObject):
    """A widget-like object with a parentless running timer and job callbacks."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.timer = QTimer()
        self.timer.start(50)
        self.seen: list[Any] = []

    def loaded(self, value: Any) -> None:
        self.seen.append(value)

    def failed(self, exc: BaseException) -> None:
        self.seen.append(type(exc).__name__)


def _fails_with_context(ctx: AppContext) -> None:
    raise ValueError(f"failed for {ctx.actor.username}")  # the traceback reaches ``ctx``


def test_delivered_jobs_keep_neither_context_nor_widgets_alive(
    qtbot, db, admin, no_automatic_gc
) -> None:
    ctx = AppContext(db, admin)  # real threads
    card = Card(ctx)
    jobs = []
    for kind in ("db", "net", "cpu"):
        jobs.append(ctx.submit(lambda kind=kind: kind, on_result=card.loaded, kind=kind))
        jobs.append(ctx.submit(card.loaded, kwargs={"value": kind}, kind=kind))  # a bound method
        jobs.append(
            ctx.submit(_fails_with_context, kwargs={"ctx": ctx}, on_error=card.failed, kind=kind)
        )
    assert ctx.tasks.wait_idle(5)
    assert sorted(map(str, card.seen)).count("ValueError") == 3
    ctx.tasks.shutdown(wait=True)  # sign-out
    for job in jobs:  # delivered: the outcome stays, what the job reached is let go
        assert job.done and job.work is None and job.on_result is None and job.on_error is None
    failed = [job.error for job in jobs if job.error is not None]
    assert len(failed) == 3 and all(e.__traceback__ is None for e in failed)
    alive = [weakref.ref(ctx), weakref.ref(card), weakref.ref(ctx.tasks), weakref.ref(ctx.bus)]
    del ctx, card
    assert [ref() for ref in alive] == [None] * 4  # freed here by reference counting


def test_jobs_that_never_started_are_released_at_shutdown(qtbot, db, admin) -> None:
    runner = TaskRunner()
    ctx = AppContext(db, admin, tasks=runner)
    gate = threading.Event()
    busy = [ctx.submit(lambda: gate.wait(5), kind="net") for _ in range(4)]  # every net worker
    waiting = ctx.submit(lambda: "never", on_result=print, kind="net")
    runner.shutdown(wait=False)
    assert waiting.done and isinstance(waiting.error, JobCancelled)
    assert waiting.work is None and waiting.on_result is None
    assert waiting not in runner.pending()
    gate.set()
    assert runner.wait_idle(5)
    assert all(job.done and job.work is None for job in busy)


def test_a_job_control_does_not_keep_its_job_alive(qtbot, no_automatic_gc) -> None:
    kept: list[Any] = []
    runner = TaskRunner(synchronous=True)
    job = runner.submit(kept.append)
    alive = weakref.ref(job)
    del job
    assert alive() is None  # no job <-> control cycle
    kept[0].progress(1, 2)  # a control kept past its job is harmless
    assert not kept[0].cancelled


def test_the_parameter_cache_keeps_no_function_alive(no_automatic_gc) -> None:
    class Page:
        def load(self, *, session: Any) -> None: ...

    def closure_over(page: Page) -> Any:
        def closure(actor: Any) -> Page:
            return page

        return closure

    page = Page()
    closure = closure_over(page)
    assert accepts(page.load, "session") and not accepts(page.load, "actor")
    assert accepts(closure, "actor")
    alive = [weakref.ref(page), weakref.ref(closure)]
    del page, closure
    assert [ref() for ref in alive] == [None, None]
    assert accepts(print, "x") is False  # builtins (no signature, no weak reference) still work


def test_gui_garbage_collector_collects_on_the_gui_thread_only(qtbot) -> None:
    collector = GuiGarbageCollector(interval_ms=10_000)
    try:
        assert not gc.isenabled()
        freed_on: list[str] = []

        class Cyclic(QObject):
            def __init__(self) -> None:
                super().__init__()
                self.me = self
                self.timer = QTimer()
                self.timer.start(50)

            def __del__(self) -> None:
                freed_on.append(threading.current_thread().name)

        Cyclic()

        def allocate() -> None:  # far past the collection thresholds, on a worker thread
            for _ in range(50_000):
                a: list[Any] = []
                a.append(a)

        worker = threading.Thread(target=allocate, name="worker")
        worker.start()
        worker.join()
        assert freed_on == []  # the worker did not collect
        collector.check()  # the GUI thread's timer
        assert freed_on == [threading.current_thread().name]
        assert collector.collections == 1
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled()


def _run_child(mode: str, db_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-m", CHILD, mode, str(db_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("mode", ["jobs", "shell"])
def test_discarded_contexts_survive_garbage_collection_on_worker_threads(
    db, db_path, staffed, mode
) -> None:
    db.dispose()
    done = _run_child(mode, db_path)
    assert done.returncode == 0, (done.returncode, done.stderr[-3000:])
    assert done.stdout.strip().endswith("survived")
    assert "another thread" not in done.stderr  # "Timers cannot be stopped from another thread"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
