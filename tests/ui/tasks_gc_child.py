"""Child process of test_tasks_gc.py: discarded app contexts whose jobs ran on real
threads, then Python's garbage collector on worker threads. A Qt object freed on a worker
thread crashes Qt at its next timer event, killing this process (hence a child process).

    python -m tests.ui.tasks_gc_child MODE DB_PATH    (from the repository root)

MODE ``jobs``: contexts and widgets reached only by their jobs (callbacks, functions,
errors), an explicit collection on a worker thread after each sign-out.
MODE ``shell``: the real launcher and main window, signed out and in as other users
several times with the app's garbage collector installed, while jobs that allocate a lot
(so the collector's thresholds are passed on worker threads) keep running; after each
sign-out an explicit collection on a worker thread too.
Prints ``survived`` at the end.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from argparse import Namespace
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from branch_crm.models import Role
from branch_crm.services.context import Actor

ROUNDS = 5


class Card(QWidget):
    """A page-like widget: the context, a parentless running timer, job callbacks."""

    def __init__(self, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx
        self.ticks = 0
        self.timer = QTimer()  # no parent: freed with this wrapper, on the freeing thread
        self.timer.setInterval(1)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        self.ticks += 1

    def loaded(self, value: Any) -> None:
        self.ticks += 1

    def failed(self, exc: BaseException) -> None:
        self.ticks += 1


def _garbage(n: int) -> int:
    """Allocate container cycles (passes the collector's thresholds on this thread)."""
    for _ in range(n):
        a: list[Any] = []
        a.append(a)
    return n


def _fail() -> None:
    raise ValueError("a job that fails")


def collect_on_a_worker() -> None:
    """Run Python's garbage collector on a worker thread."""
    worker = threading.Thread(target=gc.collect)
    worker.start()
    worker.join()


def spin(ms: int = 20) -> None:
    app = QCoreApplication.instance()
    assert app is not None
    timer = QTimer()
    timer.setSingleShot(True)
    done: list[int] = []
    timer.timeout.connect(lambda: done.append(1))
    timer.start(ms)
    while not done:
        QCoreApplication.processEvents()


def jobs_mode(db_path: Path) -> None:
    from branch_crm.db import open_database
    from branch_crm.ui.context import AppContext

    db = open_database(db_path)
    actor = Actor("staff-admin", "boss", "Boss", Role.ADMIN, "BR001")
    for _ in range(ROUNDS):
        ctx = AppContext(db, actor)
        card = Card(ctx)
        for n in range(10):
            ctx.submit(lambda n=n: n, on_result=card.loaded)
            ctx.submit(lambda n=n: n, on_result=card.loaded, kind="net")
            ctx.submit(_fail, on_error=card.failed, kind="cpu")
        assert ctx.tasks.wait_idle(10)
        ctx.tasks.shutdown(wait=True)  # sign-out
        del ctx, card
        collect_on_a_worker()
        spin()
    db.dispose()


def shell_mode(db_path: Path) -> None:
    from branch_crm.services.staff.sign_in import authenticate
    from branch_crm.ui.shell.launcher import Shell
    from branch_crm.ui.tasks import GuiGarbageCollector
    from tests.support.accounts import BRANCH, PASSWORDS

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    gc.set_threshold(50, 5, 5)  # collections due often
    GuiGarbageCollector.install(app)  # as launcher.run does

    shell = Shell(app, Namespace(db=db_path, lang=None, demo_if_new=False, courier=False))
    assert shell.open()
    assert shell.db is not None
    actors = []
    for username in ("boss", "chen", "wang"):
        with shell.db.session(branch_id=BRANCH) as session:
            password = PASSWORDS[username]
            actors.append(
                authenticate(
                    session=session, username=username, password=password, branch_id=BRANCH
                )
            )
    turn = iter(range(1, 100))
    Shell._login_dialog = lambda self: actors[next(turn) % len(actors)]  # type: ignore[method-assign]
    Shell._start_backup = lambda self: None  # type: ignore[method-assign]
    shell.show_main_window(actors[0])
    rounds = iter(range(ROUNDS * 2))

    def step() -> None:
        if next(rounds, None) is None:
            shell.quit()
            return
        assert shell.ctx is not None and shell.window is not None
        for _ in range(5):
            shell.ctx.submit(_garbage, kwargs={"n": 2000})
            shell.ctx.submit(_garbage, kwargs={"n": 2000}, kind="net")
        shell.window.action_sign_out.trigger()
        QTimer.singleShot(10, collect_on_a_worker)  # what the old collector could do
        QTimer.singleShot(30, step)

    QTimer.singleShot(50, step)
    code = app.exec()
    shell._dispose()
    assert code == 0, code


def main() -> int:
    mode, db_path = sys.argv[1], Path(sys.argv[2])
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    {"jobs": jobs_mode, "shell": shell_mode}[mode](db_path)
    QObject()  # the process survived its last timer events
    print("survived", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
