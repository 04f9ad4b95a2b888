"""Background work for the UI: database work on one ordered thread, network and CPU on pools.

Results and errors come back to the GUI thread by a queued signal, so callbacks may touch
widgets. ``TaskRunner(synchronous=True)`` runs every job inline (deterministic tests).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from branch_crm.i18n import _

log = logging.getLogger(__name__)

KINDS = ("db", "net", "cpu")
NET_WORKERS = 4
CPU_WORKERS = 2
PROGRESS_DELAY_MS = 400
"""A progress dialog appears only for jobs that take longer than this (no flashing)."""


class JobCancelled(Exception):
    """Raised by ``JobControl.check()`` inside a job whose user pressed Cancel."""


class JobControl:
    """Handed to a job function that takes ``control``: progress reports and cancellation."""

    def __init__(self, job: Job) -> None:
        self._job = job
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
        self._job._report_progress(done, total, text)


class Job:
    """One submitted piece of work; ``done``, ``result`` and ``error`` once finished."""

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
        self.work = work
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

    @property
    def cancelled(self) -> bool:
        """True when cancelled."""
        return self.control.cancelled

    def cancel(self) -> None:
        """Request cancellation; a job that never checks still finishes, its result dropped."""
        self.control.cancel()

    def _report_progress(self, done: int, total: int | None, text: str | None) -> None:
        self.progress_state = (done, total, text)
        if self._runner is not None:
            self._runner._progress(self)

    def run(self) -> None:
        """Run the work here (any thread); store the outcome."""
        try:
            self.result = self.work(self.control)
        except BaseException as exc:  # delivered to on_error on the GUI thread
            self.error = exc


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit, the slot runs there."""

    sig_finished = Signal(object)
    sig_progress = Signal(object)


class TaskRunner(QObject):
    """Runs jobs off the GUI thread (or inline when ``synchronous``)."""

    sig_job_started = Signal(object)
    sig_job_finished = Signal(object)

    def __init__(self, *, synchronous: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self.dialog_parent: QWidget | None = None
        self._relay = _Relay()
        self._relay.sig_finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._relay.sig_progress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._db_queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._db_thread: threading.Thread | None = None
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
        job._runner = self
        self._pending[job.id] = job
        self.sig_job_started.emit(job)
        if self.synchronous:
            job.run()
            self._on_finished(job)
            return job
        if self._closed:  # a timer of a closed window fired late: drop the job quietly
            log.debug("job %s submitted after shutdown; dropped", job.id)
            job.error = JobCancelled()
            job.done = True
            self._pending.pop(job.id, None)
            return job
        if title:
            QTimer.singleShot(PROGRESS_DELAY_MS, lambda j=job: self._show_dialog(j))
        if kind == "db":
            self._ensure_db_thread()
            self._db_queue.put(job)
        else:
            self._pool(kind).submit(self._run_and_relay, job)
        return job

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
        if self._db_thread is not None:
            self._db_queue.put(None)
            if wait:
                self._db_thread.join(timeout=10)
        for pool in self._pools.values():
            pool.shutdown(wait=wait, cancel_futures=True)
        for dialog in self._dialogs.values():
            dialog.close()
        self._dialogs.clear()

    # --- worker side -----------------------------------------------------------------------

    def _ensure_db_thread(self) -> None:
        with self._lock:
            if self._db_thread is None:
                self._db_thread = threading.Thread(
                    target=self._db_loop, name="branch-crm-db-writer", daemon=True
                )
                self._db_thread.start()

    def _db_loop(self) -> None:
        while True:
            job = self._db_queue.get()
            if job is None:
                return
            self._run_and_relay(job)

    def _pool(self, kind: str) -> ThreadPoolExecutor:
        with self._lock:
            pool = self._pools.get(kind)
            if pool is None:
                workers = NET_WORKERS if kind == "net" else CPU_WORKERS
                pool = ThreadPoolExecutor(workers, thread_name_prefix=f"branch-crm-{kind}")
                self._pools[kind] = pool
            return pool

    def _run_and_relay(self, job: Job) -> None:
        if job.cancelled:
            job.error = JobCancelled()
        else:
            job.run()
        try:
            self._relay.sig_finished.emit(job)
        except RuntimeError:  # the relay is gone (application quitting)
            log.debug("job %s finished after shutdown", job.id)

    def _progress(self, job: Job) -> None:
        if self.synchronous:
            self._on_progress(job)
            return
        try:
            self._relay.sig_progress.emit(job)
        except RuntimeError:
            log.debug("progress of job %s after shutdown", job.id)

    # --- GUI side --------------------------------------------------------------------------

    @Slot(object)
    def _on_finished(self, job: Job) -> None:
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

    @Slot(object)
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
            dialog.setCancelButton(None)  # type: ignore[arg-type]
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
