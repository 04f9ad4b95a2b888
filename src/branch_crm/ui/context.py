"""The object every page and dialog receives: database, signed-in actor, tasks, data bus."""

from __future__ import annotations

import inspect
import logging
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal

from branch_crm.db import Database
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.ui.messages import database_problem
from branch_crm.ui.tasks import Job, JobControl, TaskRunner

if TYPE_CHECKING:
    from branch_crm.ui.main_window import MainWindow

__all__ = ["AppContext", "DataBus", "Job", "JobControl", "TaskRunner", "accepts"]

log = logging.getLogger(__name__)

T = TypeVar("T")


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
        self.main_window: MainWindow | None = None

    @classmethod
    def for_tests(
        cls, db: Database, actor: Actor, *, tasks: TaskRunner | None = None
    ) -> AppContext:
        """A context for tests and benchmarks: real threads unless ``tasks`` is given
        (``TaskRunner(synchronous=True)`` runs jobs inline, deterministically)."""
        return cls(db, actor, tasks=tasks)

    def _invoke(
        self, fn: Callable[..., Any], kwargs: dict[str, Any], control: JobControl | None
    ) -> Any:
        try:
            return self._invoke_raw(fn, kwargs, control)
        except Exception as exc:
            # another program locked the file mid-session (or it became read-only/damaged):
            # the unit of work has rolled back; callers get a typed CrmError naming the file
            # instead of a raw OperationalError ("Something went wrong")
            problem = database_problem(exc, self.db.path)
            if problem is None:
                raise
            log.warning("database failure in %s", getattr(fn, "__qualname__", fn), exc_info=exc)
            raise problem from exc

    def _invoke_raw(
        self, fn: Callable[..., Any], kwargs: dict[str, Any], control: JobControl | None
    ) -> Any:
        args = dict(kwargs)
        if accepts(fn, "actor") and "actor" not in args:
            args["actor"] = self.actor
        if control is not None and accepts(fn, "control"):
            args["control"] = control
        if accepts(fn, "session") and "session" not in args:
            with unit_of_work(self.db, self.actor) as session:
                return fn(session=session, **args)
        if accepts(fn, "db") and "db" not in args:
            args["db"] = self.db
        return fn(**args)

    def call(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run a service function now in a unit of work (commits); CrmError propagates."""
        result: T = self._invoke(fn, kwargs, None)
        return result

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

        ``kind``: "db" (one ordered thread), "net" (network pool) or "cpu". With ``title`` a
        progress dialog shows for long jobs (with Cancel when ``cancellable``); an error
        without ``on_error`` is shown with ui.messages.
        """
        arguments = dict(kwargs or {})
        if self.tasks.dialog_parent is None and self.main_window is not None:
            self.tasks.dialog_parent = self.main_window

        def work(control: JobControl) -> Any:
            return self._invoke(fn, arguments, control)

        return self.tasks.submit(
            work,
            kind=kind,
            on_result=on_result,
            on_error=on_error,
            title=title,
            cancellable=cancellable,
        )
