"""The object every page and dialog receives: database, signed-in actor, tasks, data bus.

One database writer (like Anki's collection operations): :meth:`AppContext.write` runs a
service function in a committing unit of work on the task runner's one ordered database
thread and calls back on the GUI thread; :meth:`AppContext.read` runs one at once on the GUI
thread on a read-only connection (``PRAGMA query_only``), which in WAL mode never waits for
a write lock and cannot write. Network and CPU jobs that write (a sync round) hand each write
to the same thread (``writer``).
"""

from __future__ import annotations

import inspect
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid
from sqlalchemy.orm import Session

from branch_crm.db import Database, read_only_database
from branch_crm.errors import DatabaseLocked
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.ui import messages
from branch_crm.ui.messages import database_problem
from branch_crm.ui.tasks import Job, JobControl, TaskRunner

if TYPE_CHECKING:
    from branch_crm.ui.shell.window import ShellWindow

__all__ = ["AppContext", "DataBus", "ReadWroteError", "accepts"]

log = logging.getLogger(__name__)

T = TypeVar("T")
READ_ONLY_MARK = "readonly database"
"""What SQLite says when a read-only (``query_only``) connection is asked to write
("attempt to write a readonly database")."""


class ReadWroteError(RuntimeError):
    """A function run with :meth:`AppContext.read` tried to write: a bug (it belongs in
    :meth:`AppContext.write`), never the file's fault."""


_parameter_cache: weakref.WeakKeyDictionary[Any, frozenset[str]] = weakref.WeakKeyDictionary()
_parameter_lock = threading.Lock()


def _signature_names(fn: Callable[..., Any]) -> frozenset[str]:
    try:
        return frozenset(inspect.signature(fn).parameters)
    except (TypeError, ValueError):  # builtins without a signature
        return frozenset()


def _parameters(fn: Callable[..., Any]) -> frozenset[str]:
    """Parameter names of ``fn``, cached weakly: a cache entry never keeps a function alive
    (a widget's bound method or closure would keep the widget and its app context alive
    after sign-out). A bound method is looked up by its function (``self`` included)."""
    key = getattr(fn, "__func__", fn)
    try:
        with _parameter_lock:
            names = _parameter_cache.get(key)
    except TypeError:  # not weakly referenceable or unhashable: no cache
        return _signature_names(fn)
    if names is None:
        names = _signature_names(key)
        with _parameter_lock:
            _parameter_cache[key] = names
    return names


def accepts(fn: Callable[..., Any], name: str) -> bool:
    """True when ``fn`` has a parameter called ``name``."""
    return name in _parameters(fn)


class DataBus(QObject):
    """One app-wide "data changed" signal carrying what changed; views decide to refresh."""

    sig_data_changed = Signal(object)  # frozenset[str], e.g. {"customer", "complaint"}

    def changed(self, *what: str) -> None:
        """Announce that data of the named kinds changed."""
        self.sig_data_changed.emit(frozenset(what))


class AppContext(QObject):
    """What the UI knows about the running app. Widgets never open sessions themselves."""

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        tasks: TaskRunner | None = None,
        bus: DataBus | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        # a runner of its own is a Qt child: deleting the context deletes it, on this thread
        self.tasks = tasks if tasks is not None else TaskRunner(parent=self)
        self.bus = bus if bus is not None else DataBus(self)
        self.main_window: ShellWindow | None = None
        self._reader: Database | None = None
        self._busy: weakref.WeakSet[QWidget] = weakref.WeakSet()

    @classmethod
    def for_tests(
        cls, db: Database, actor: Actor, *, tasks: TaskRunner | None = None
    ) -> AppContext:
        """A context for tests and benchmarks: real threads unless ``tasks`` is given
        (``TaskRunner(synchronous=True)`` runs jobs inline, deterministically)."""
        return cls(db, actor, tasks=tasks)

    @property
    def reader(self) -> Database:
        """The database on read-only connections (made on first use): the GUI thread's."""
        if self._reader is None:
            self._reader = read_only_database(self.db)
        return self._reader

    def close(self) -> None:
        """Stop the task runner (queued writes still run) and close the read connections."""
        self.tasks.shutdown(wait=True)
        if self._reader is not None:
            self._reader.dispose()

    # --- reading and writing ---------------------------------------------------------------

    def read(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run a read-only service function now, on this thread, on a read-only connection:
        it never waits for a write lock and never writes (ReadWroteError if it tries);
        CrmError propagates."""
        return self._invoke(fn, kwargs, None, read_only=True)  # type: ignore[no-any-return]

    def write(
        self,
        fn: Callable[..., T],
        /,
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        busy: QWidget | None = None,
        **kwargs: Any,
    ) -> Job | None:
        """Run a service function in a committing unit of work on the one database thread,
        after every write asked for before it; then ``on_done(result)`` on the GUI thread.

        A failure goes to ``on_error``, else it is shown (ui.messages): another program
        holding the file is a DatabaseLocked saying so, and nothing was written. ``busy`` is
        the form or dialog that asks: while its write runs a second one from it is refused
        (None is returned, so a double press never saves twice) and it shows a busy cursor;
        once it is deleted its callbacks are skipped.
        """
        if busy is not None:
            if busy in self._busy:
                log.debug("write %s refused: the last one of its form still runs", _name(fn))
                return None
            self._busy.add(busy)
            busy.setCursor(Qt.CursorShape.BusyCursor)

        def done(result: T) -> None:
            if self._idle(busy) and on_done is not None:
                on_done(result)

        def failed(exc: BaseException) -> None:
            if not self._idle(busy):
                return
            if on_error is not None:
                on_error(exc)
            else:
                messages.show_error(busy or self.tasks.dialog_parent, exc)

        return self.submit(fn, kwargs=kwargs, on_result=done, on_error=failed)

    def _idle(self, widget: QWidget | None) -> bool:
        """The write of ``widget`` finished: not busy any more. False when the widget is gone
        (its window closed and deleted meanwhile): nothing is left to call back."""
        if widget is None:
            return True
        self._busy.discard(widget)
        if not isValid(widget):
            log.debug("a write finished after its form was deleted")
            return False
        widget.unsetCursor()
        return True

    # --- running a service function ------------------------------------------------------

    def _invoke(
        self,
        fn: Callable[..., Any],
        kwargs: dict[str, Any],
        control: JobControl | None,
        *,
        read_only: bool = False,
        kind: str = "db",
    ) -> Any:
        try:
            return self._invoke_raw(fn, kwargs, control, read_only=read_only, kind=kind)
        except Exception as exc:
            if read_only and _wrote(exc):
                raise ReadWroteError(f"{_name(fn)} tried to write during a read") from exc
            # another program locked the file mid-session (or it became read-only/damaged):
            # the unit of work has rolled back; callers get a typed CrmError naming the file
            # instead of a raw OperationalError ("Something went wrong"). Expected: said in a
            # line of the log, without a traceback
            problem = database_problem(exc, self.db.path)
            if problem is None:
                raise
            level = logging.INFO if isinstance(problem, DatabaseLocked) else logging.WARNING
            log.log(level, "database failure in %s: %s", _name(fn), exc)
            raise problem from exc

    def _invoke_raw(
        self,
        fn: Callable[..., Any],
        kwargs: dict[str, Any],
        control: JobControl | None,
        *,
        read_only: bool,
        kind: str,
    ) -> Any:
        args = dict(kwargs)
        if accepts(fn, "actor") and "actor" not in args:
            args["actor"] = self.actor
        if control is not None and accepts(fn, "control"):
            args["control"] = control
        if accepts(fn, "writer") and "writer" not in args:
            args["writer"] = self.tasks.call_in_db_thread
        if accepts(fn, "session") and "session" not in args:
            if read_only or kind != "db":  # only the database thread writes
                with self._read_session(fn) as session:
                    return fn(session=session, **args)
            with unit_of_work(self.db, self.actor) as session:
                return fn(session=session, **args)
        if accepts(fn, "db") and "db" not in args:
            args["db"] = self.reader if read_only else self.db
        return fn(**args)

    @contextmanager
    def _read_session(self, fn: Callable[..., Any]) -> Iterator[Session]:
        """A session on a read-only connection, never committed (there is nothing to commit,
        and the commit hooks are the writer's); a change made in it fails at once."""
        session = self.reader.session_factory()
        actor = self.actor
        session.info.update(
            actor_id=actor.staff_id, branch_id=actor.branch_id, audit=False, actor=actor
        )
        try:
            yield session
            session.flush()  # a change left in the session fails here (query_only)
        except Exception as exc:
            if _wrote(exc):
                raise ReadWroteError(f"{_name(fn)} tried to write on a read-only session") from exc
            raise
        finally:
            session.close()

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *,
        kwargs: dict[str, Any] | None = None,
        on_result: Callable[[T], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        title: str | None = None,
        cancellable: bool = False,
        kind: str = "db",
    ) -> Job:
        """Run a service function off the GUI thread; callbacks run on the GUI thread.

        ``kind``: "db" (the one ordered database thread: its ``session`` commits), "net"
        (network pool) or "cpu" (their ``session`` is read-only; a function taking ``writer``
        gets :meth:`TaskRunner.call_in_db_thread` to write with). With ``title`` a progress
        dialog shows for long jobs (with Cancel when ``cancellable``); an error without
        ``on_error`` is shown with ui.messages.
        """
        arguments = dict(kwargs or {})
        if self.tasks.dialog_parent is None and self.main_window is not None:
            self.tasks.dialog_parent = self.main_window

        def work(control: JobControl) -> Any:
            return self._invoke(fn, arguments, control, kind=kind)

        return self.tasks.submit(
            work,
            kind=kind,
            on_result=on_result,
            on_error=on_error,
            title=title,
            cancellable=cancellable,
        )


def _name(fn: Callable[..., Any]) -> str:
    return str(getattr(fn, "__qualname__", fn))


def _wrote(exc: BaseException) -> bool:
    """True for SQLite refusing a write on a read-only (``query_only``) connection."""
    return READ_ONLY_MARK in str(exc).lower()
