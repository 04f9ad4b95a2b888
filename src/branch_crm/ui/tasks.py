"""Background work for the UI: database work on one ordered thread, network and CPU on pools.

Results and errors come back to the GUI thread by a queued signal, so callbacks may touch
widgets. ``TaskRunner(synchronous=True)`` runs every job inline (deterministic tests).

Qt objects must die on the GUI thread: one deleted on a worker thread (a QTimer, a model, a
page, the app context) crashes Qt at its next timer event. So the worker side holds no Qt
object of its own (the worker loops are plain functions, the relay lives as long as the
program), and a delivered job lets go of its function, callbacks and traceback on the GUI
thread: nothing a job reached (the app context, the widgets of its callbacks) is left in a
reference cycle for the garbage collector to free on whatever thread it runs next.
:class:`GuiGarbageCollector` (installed by the desktop app) makes the collector itself run
only on the GUI thread, for the cycles the rest of the UI makes.
"""

from __future__ import annotations

import functools
import gc
import itertools
import logging
import queue
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from branch_crm.i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")

KINDS = ("db", "net", "cpu")
NET_WORKERS = 4
CPU_WORKERS = 2
PROGRESS_DELAY_MS = 400
"""A progress dialog appears only for jobs that take longer than this (no flashing)."""
GC_CHECK_MS = 1000
"""How often :class:`GuiGarbageCollector` looks whether a collection is due."""


class JobCancelled(Exception):
    """Raised by ``JobControl.check()`` inside a job whose user pressed Cancel."""


class JobControl:
    """Handed to a job function that takes ``control``: progress reports and cancellation.

    Holds its job weakly (no job <-> control reference cycle)."""

    def __init__(self, job: Job) -> None:
        self._job = weakref.ref(job)
        self._cancel = threading.Event()

    @property
    def cancelled(self) -> bool:
        """True once the user (or the code) cancelled the job."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self._cancel.set()

    def check(self) -> None:
        """Raise :class:`JobCancelled` when cancelled (a convenient stop point)."""
        if self.cancelled:
            raise JobCancelled

    def progress(self, done: int, total: int | None = None, text: str | None = None) -> None:
        """Report progress; shown in the job's progress dialog (thread-safe)."""
        job = self._job()
        if job is not None:
            job._report_progress(done, total, text)


class Job:
    """One submitted piece of work; ``done``, ``result`` and ``error`` once finished.

    Once delivered (or dropped) the job forgets its function and callbacks and the error its
    traceback (its frames reach the app context and the callers' widgets): the GUI thread
    lets go of them, not a worker or the garbage collector."""

    _ids = itertools.count(1)

    def __init__(
        self,
        work: Callable[[JobControl], Any],
        *,
        kind: str,
        on_result: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        title: str | None,
        cancellable: bool,
    ) -> None:
        self.id = next(self._ids)
        self.work: Callable[[JobControl], Any] | None = work
        self.kind = kind
        self.on_result = on_result
        self.on_error = on_error
        self.title = title
        self.cancellable = cancellable
        self.control = JobControl(self)
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.progress_state: tuple[int, int | None, str | None] = (0, None, None)
        self._runner: TaskRunner | None = None
        self._future: Future[None] | None = None

    @property
    def cancelled(self) -> bool:
        """True when cancelled."""
        return self.control.cancelled

    def cancel(self) -> None:
        """Request cancellation; a job that never checks still finishes, its result dropped."""
        self.control.cancel()

    def _report_progress(self, done: int, total: int | None, text: str | None) -> None:
        self.progress_state = (done, total, text)
        runner = self._runner
        if runner is not None:
            runner._progress(self)

    def run(self) -> None:
        """Run the work here (any thread); store the outcome."""
        work = self.work
        if work is None:  # already delivered or dropped
            return
        try:
            self.result = work(self.control)
        except BaseException as exc:  # delivered to on_error on the GUI thread
            self.error = exc
        finally:
            del work  # a traceback kept elsewhere (a log record) keeps this frame

    def _release(self) -> None:
        """Forget what the job reached (GUI thread, after delivery): function, callbacks,
        runner and the error's tracebacks. Result and error (without traceback) stay."""
        self.work = None
        self.on_result = None
        self.on_error = None
        self._runner = None
        self._future = None
        seen: set[int] = set()
        chain = [self.error]
        while chain:
            exc = chain.pop()
            if exc is None or id(exc) in seen:
                continue
            seen.add(id(exc))
            exc.__traceback__ = None  # its frames (and closures) reach the context
            chain += [exc.__cause__, exc.__context__]


class _Relay(QObject):
    """Lives on the GUI thread as long as the program; worker threads emit, the slots run on
    the GUI thread and hand the job to its runner. Workers reach no other Qt object."""

    sig_finished = Signal(object)
    sig_progress = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.sig_finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self.sig_progress.connect(self._deliver_progress, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _deliver(self, job: Job) -> None:
        runner = job._runner
        if runner is None:  # dropped at shutdown: already finished and released
            return
        try:
            runner._on_finished(job)  # marks the job done and releases it, whatever happens
        except RuntimeError:  # the runner's Qt object is gone
            log.debug("job %s finished after its runner was deleted", job.id)

    @Slot(object)
    def _deliver_progress(self, job: Job) -> None:
        runner = job._runner
        if runner is not None:
            runner._on_progress(job)


@functools.cache
def _the_relay() -> _Relay:
    """The program's one relay, created on the (GUI) thread that makes the first runner."""
    return _Relay()


class _Call:
    """A piece of work another thread waits for on the database thread (see
    :meth:`TaskRunner.call_in_db_thread`): no GUI delivery, the outcome goes to its future."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work
        self.future: Future[Any] = Future()

    def run(self) -> None:
        try:
            self.future.set_result(self.work())
        except BaseException as exc:  # re-raised in the waiting thread
            self.future.set_exception(exc)


def _db_loop(jobs: queue.SimpleQueue[Job | _Call | None], relay: _Relay) -> None:
    """The database thread: jobs in submission order until ``None``."""
    while True:
        job = jobs.get()
        if job is None:
            return
        if isinstance(job, _Call):
            job.run()
        else:
            _run_and_relay(job, relay)
        del job  # not kept while waiting for the next one


def _run_and_relay(job: Job, relay: _Relay) -> None:
    """Run ``job`` (worker thread) and send it to the GUI thread, which delivers and releases
    it; whichever thread lets go of the job last, the job by then holds no Qt object."""
    if job.cancelled:
        job.error = JobCancelled()
    else:
        job.run()
    try:
        relay.sig_finished.emit(job)
    except RuntimeError:  # the relay is gone (application quitting)
        log.debug("job %s finished after shutdown", job.id)


class GuiGarbageCollector(QObject):
    """Runs Python's cyclic garbage collector on the GUI thread only.

    Left automatic, the collector runs on whichever thread allocates when a threshold is
    reached (often the database thread), and frees the Qt objects of a cycle (a closed
    window's pages and timers, a signed-out context) there; Qt then crashes. This turns the
    automatic collector off and collects, with the same generation thresholds, from a timer
    of the GUI thread (the approach of calibre's GarbageCollector)."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = GC_CHECK_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.collections = 0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        gc.disable()
        self._timer.start()

    @Slot()
    def check(self) -> None:
        """Collect the generations whose count passed their threshold (like CPython does)."""
        counts = gc.get_count()
        generation = -1
        for level in range(3):
            if counts[level] > self.thresholds[level]:
                generation = level
            else:
                break
        if generation >= 0:
            gc.collect(generation)
            self.collections += 1

    _installed: ClassVar[list[GuiGarbageCollector]] = []

    @classmethod
    def install(cls, app: QObject) -> GuiGarbageCollector:
        """The program's collector (one per process), a child of ``app``."""
        if not cls._installed:
            cls._installed.append(cls(app))
        return cls._installed[0]

    def stop(self) -> None:
        """Give the collector back to Python (automatic again)."""
        self._timer.stop()
        gc.enable()


class TaskRunner(QObject):
    """Runs jobs off the GUI thread (or inline when ``synchronous``)."""

    sig_job_started = Signal(object)
    sig_job_finished = Signal(object)

    def __init__(self, *, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self.dialog_parent: QWidget | None = None
        self._relay = _the_relay()
        self._db_queue: queue.SimpleQueue[Job | _Call | None] = queue.SimpleQueue()
        self._db_thread: threading.Thread | None = None
        self._db_stopped = False
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pending: dict[int, Job] = {}
        self._dialogs: dict[int, QProgressDialog] = {}
        self._closed = False
        self._lock = threading.Lock()

    # --- submitting ------------------------------------------------------------------------

    def submit(
        self,
        work: Callable[[JobControl], Any],
        *,
        kind: str = "db",
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        title: str | None = None,
        cancellable: bool = False,
    ) -> Job:
        """Queue ``work(control)``; callbacks run on the GUI thread when it finishes."""
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        job = Job(
            work,
            kind=kind,
            on_result=on_result,
            on_error=on_error,
            title=title,
            cancellable=cancellable,
        )
        if self._closed:  # a timer of a closed window fired late: drop the job quietly
            log.debug("job %s submitted after shutdown; dropped", job.id)
            self._drop(job)
            return job
        job._runner = self
        self._pending[job.id] = job
        self.sig_job_started.emit(job)
        if self.synchronous:
            job.run()
            self._on_finished(job)
            return job
        if title:
            QTimer.singleShot(PROGRESS_DELAY_MS, lambda j=job: self._show_dialog(j))
        if kind == "db":
            if not self._put_db(job):
                self._drop(job)
        else:
            job._future = self._pool(kind).submit(_run_and_relay, job, self._relay)
        return job

    def call_in_db_thread(self, work: Callable[[], T]) -> T:
        """Run ``work()`` on the database thread, after the jobs queued before it, and wait for
        its result (it raises what ``work`` raised). For network and CPU jobs that write (a sync
        round): their writes take their turn with the GUI's instead of racing them. Inline
        when synchronous, when called on the database thread, or once that thread stopped."""
        if self.synchronous or threading.current_thread() is self._db_thread:
            return work()
        call = _Call(work)
        if not self._put_db(call):
            return work()
        result: T = call.future.result()
        return result

    def _put_db(self, item: Job | _Call) -> bool:
        """Queue ``item`` for the database thread (started on first use); False once it
        stopped (``shutdown``)."""
        with self._lock:
            if self._db_stopped:
                return False
            if self._db_thread is None:
                self._db_thread = threading.Thread(
                    target=_db_loop,
                    args=(self._db_queue, self._relay),
                    name="branch-crm-db-writer",
                    daemon=True,
                )
                self._db_thread.start()
            self._db_queue.put(item)
            return True

    def _drop(self, job: Job) -> None:
        """Finish a job that will never run (GUI thread): cancelled, released."""
        job.error = JobCancelled()
        job.done = True
        self._pending.pop(job.id, None)
        job._release()

    def pending(self) -> list[Job]:
        """Jobs submitted and not yet delivered."""
        return list(self._pending.values())

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Process events until every job is delivered (tests, shutdown); False on timeout."""
        import time

        from PySide6.QtCore import QCoreApplication

        deadline = time.monotonic() + timeout
        while self._pending:
            if time.monotonic() > deadline:
                return False
            QCoreApplication.processEvents()
            time.sleep(0.002)
        return True

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop accepting jobs; queued database jobs still run (no write is dropped), network
        and CPU jobs not yet started are cancelled."""
        self._closed = True
        for job in list(self._pending.values()):
            if job.kind != "db":
                job.cancel()
        with self._lock:
            self._db_stopped = True  # later calls from other threads run where they are
            if self._db_thread is not None:
                self._db_queue.put(None)
        if self._db_thread is not None and wait:
            self._db_thread.join(timeout=10)
        for pool in self._pools.values():
            pool.shutdown(wait=wait, cancel_futures=True)
        for job in list(self._pending.values()):
            future = job._future
            if future is not None and future.cancelled():  # never started: never delivered
                self._drop(job)
        for dialog in self._dialogs.values():
            dialog.close()
        self._dialogs.clear()

    # --- worker side -----------------------------------------------------------------------

    def _pool(self, kind: str) -> ThreadPoolExecutor:
        with self._lock:
            pool = self._pools.get(kind)
            if pool is None:
                workers = NET_WORKERS if kind == "net" else CPU_WORKERS
                pool = ThreadPoolExecutor(workers, thread_name_prefix=f"branch-crm-{kind}")
                self._pools[kind] = pool
            return pool

    def _progress(self, job: Job) -> None:
        if self.synchronous:
            self._on_progress(job)
            return
        try:
            self._relay.sig_progress.emit(job)
        except RuntimeError:
            log.debug("progress of job %s after shutdown", job.id)

    # --- GUI side --------------------------------------------------------------------------

    def _on_finished(self, job: Job) -> None:
        try:
            self._deliver(job)
        finally:
            job._release()  # on the GUI thread: nothing the job reached dies elsewhere

    def _deliver(self, job: Job) -> None:
        job.done = True
        self._pending.pop(job.id, None)
        dialog = self._dialogs.pop(job.id, None)
        if dialog is not None:
            dialog.close()
            dialog.deleteLater()
        self.sig_job_finished.emit(job)
        if self._closed:  # the window that asked is gone (signed out, quitting)
            log.debug("job %s finished after shutdown; callbacks skipped", job.id)
            return
        if job.error is not None:
            if isinstance(job.error, JobCancelled) or (job.cancelled and job.on_error is None):
                log.info("job %s cancelled", job.id)
                return
            if job.on_error is not None:
                job.on_error(job.error)
            else:
                self._report_unhandled(job.error)
            return
        if job.cancelled:
            log.info("job %s cancelled; result dropped", job.id)
            return
        if job.on_result is not None:
            job.on_result(job.result)

    def _report_unhandled(self, error: BaseException) -> None:
        from branch_crm.ui import messages

        messages.show_error(self.dialog_parent, error)

    def _on_progress(self, job: Job) -> None:
        dialog = self._dialogs.get(job.id)
        if dialog is None:
            return
        done, total, text = job.progress_state
        if total:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)

    def _show_dialog(self, job: Job) -> None:
        if job.done or job.id in self._dialogs or self._closed:
            return
        dialog = QProgressDialog(self.dialog_parent)
        dialog.setObjectName("task_progress")
        dialog.setAccessibleName(job.title or "")
        dialog.setWindowTitle(job.title or "")
        dialog.setLabelText(job.title or "")
        dialog.setMinimumDuration(0)
        dialog.setRange(0, 0)  # busy until the job reports a total
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if job.cancellable:
            dialog.setCancelButtonText(_("Cancel"))
            dialog.canceled.connect(job.cancel)
        else:
            dialog.setCancelButton(None)
        self._dialogs[job.id] = dialog
        self._on_progress(job)
        dialog.show()

    def progress_dialog(self, job: Job) -> QProgressDialog | None:
        """The progress dialog now shown for ``job`` (tests)."""
        return self._dialogs.get(job.id)

    def show_progress_now(self, job: Job) -> QProgressDialog | None:
        """Show the job's progress dialog without the delay (tests, long known jobs)."""
        self._show_dialog(job)
        return self._dialogs.get(job.id)
