"""Start-up of the desktop app: database, demo data, first admin or sign-in, main window.

Kept light: heavy modules are imported when needed so the main window shows quickly, and
nothing proportional to the number of customers runs on the GUI thread.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from branch_crm import i18n
from branch_crm.errors import CrmError, DatabaseError
from branch_crm.i18n import _

if TYPE_CHECKING:
    from branch_crm.db import Database
    from branch_crm.services.context import Actor
    from branch_crm.services.restore import RestoreResult
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.main_window import MainWindow
    from branch_crm.ui.shell.catch_up import CatchUpStatus
    from branch_crm.ui.shell.single_instance import SingleInstance
    from branch_crm.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartupHooks:
    """What tests and the start-up benchmark change in a start. The product reads no
    environment variable or option for these: only code running in the same process can
    install them (:data:`TEST_HOOKS`, or ``Shell(hooks=...)``), as tests/ and
    bench/startup.py's driver do, so nothing in an installed app signs anybody in."""

    autologin: tuple[str, str] | None = None
    """(user name, password): sign in without the dialog; the password is still checked."""
    on_shown: Callable[[str | None], None] | None = None
    """Called with the shown page's key once the main window is shown."""
    quit_when_shown: bool = False
    """Quit as soon as the main window is shown (start-up benchmark)."""


TEST_HOOKS: StartupHooks | None = None
"""Set by a test or benchmark driver before the app starts; never set by the product."""
BACKUP_CHECK_MS = 3_600_000
"""How often a running app looks whether today's daily backup is still to be made."""
START_PAGE = "lookup"
"""Where the main window opens (courier mode opens on "courier")."""

DemoReporter = Callable[[list[str]], None]


def _collect_garbage_soon() -> None:
    QTimer.singleShot(0, gc.collect)


class Shell(QObject):
    """Drives the app from start to quit: sign in, main window, sign out and in again."""

    def __init__(
        self,
        app: QApplication,
        args: argparse.Namespace,
        *,
        on_demo_accounts: DemoReporter | None = None,
        hooks: StartupHooks | None = None,
    ) -> None:
        super().__init__()
        self.hooks = hooks or TEST_HOOKS or StartupHooks()
        self.app = app
        self.args = args
        self.on_demo_accounts = on_demo_accounts
        self.db: Database | None = None
        self.ctx: AppContext | None = None
        self.window: MainWindow | None = None
        self.branch_id = "BR001"
        self.branch_name = ""
        self.demo_accounts: list[str] = []
        self.exit_code = 0
        self._backup_started = False
        self.catch_up: CatchUpStatus | None = None
        self.chosen_path: Path | None = None
        """The file picked instead of a missing ``--db`` (see :meth:`confirm_path`)."""
        self.instance: SingleInstance | None = None
        self._reader: Database | None = None
        self.sign_in_tasks: TaskRunner | None = None

    # --- database ------------------------------------------------------------------------

    def db_path(self) -> Path:
        """The database file: the one chosen instead of a missing --db, --db, or the
        per-user default."""
        from branch_crm.db import default_db_path

        if self.chosen_path is not None:
            return self.chosen_path
        path = getattr(self.args, "db", None)
        return Path(path) if path else default_db_path()

    def confirm_path(self) -> bool:
        """A --db naming no file: ask before creating one (create here, choose another file,
        quit); False = quit. The default database needs no question."""
        from branch_crm.ui.shell.new_database import ask_database_path, is_expected

        path = self.db_path()
        if is_expected(path, explicit=bool(getattr(self.args, "db", None))):
            return True
        chosen = ask_database_path(path, demo=bool(getattr(self.args, "demo_if_new", False)))
        if chosen is None:
            return False
        self.chosen_path = chosen
        return True

    def claim_database(self) -> bool:
        """One copy per database: False when another copy runs on it (asked to come forward)."""
        from branch_crm.ui.shell.single_instance import SingleInstance

        instance = SingleInstance(self.db_path(), self)
        if instance.claim():
            self.instance = instance
            instance.sig_activate_requested.connect(self.bring_forward)
            return True
        if instance.answered:
            sys.stderr.write(
                _("Branch CRM is already running on {path}; its window is brought forward.")
                .format(path=self.db_path())
                + "\n"
            )  # fmt: skip
            return False
        from branch_crm.ui import messages

        text = _(
            "Branch CRM is already open on the database {path}, under another Windows user "
            "of this PC or on another PC. Close it there first, then start Branch CRM again."
        ).format(path=self.db_path())
        log.warning("%s", text)
        messages.show_error(None, text)
        return False

    def bring_forward(self) -> None:
        """Another start on this database: show this copy's window (or its dialog) in front."""
        from branch_crm.ui.shell.single_instance import bring_forward, front_window

        bring_forward(front_window(self.window))

    def open(self) -> bool:
        """Create demo data if asked and the file is new, then open; False after a dialog."""
        from branch_crm.db import open_database
        from branch_crm.ui.shell.db_error import show_database_error

        path = self.db_path()
        try:
            if getattr(self.args, "demo_if_new", False) and not path.exists():
                self._fill_demo(path)
            restored = self._apply_pending_restore(path)
            self.db = open_database(path)
            if restored is not None:
                self._record_restore(restored)
        except DatabaseError as exc:
            log.warning("database refused: %s", exc.message)
            show_database_error(exc)
            return False
        except CrmError as exc:
            from branch_crm.ui import messages

            messages.show_error(None, exc)
            return False
        except Exception as exc:  # never a traceback in front of a user
            log.exception("opening %s failed", path)
            from branch_crm.ui import messages

            messages.show_error(None, exc)
            return False
        self._read_settings()
        return True

    def _apply_pending_restore(self, path: Path) -> RestoreResult | None:
        """A restore asked for in the window (File → Restore from a backup…) is done here,
        before anything opens the database (services.restore)."""
        from branch_crm.services.restore import apply_pending_restore

        return apply_pending_restore(path)

    def _record_restore(self, result: RestoreResult) -> None:
        """The restore in the audit log, and in words for the person starting the app."""
        from branch_crm.services.context import system_actor, unit_of_work
        from branch_crm.services.restore import record_restore
        from branch_crm.services.settings import values as settings
        from branch_crm.timeutil import to_local
        from branch_crm.ui import messages

        assert self.db is not None
        with self.db.session() as session:
            branch = str(settings.get(session, "branch.code"))
        actor = system_actor(branch)
        with unit_of_work(self.db, actor) as session:
            record_restore(session=session, actor=actor, result=result)
        messages.info(
            None,
            _(
                "The backup of {when} was restored. The replaced database is kept as {path}. "
                "Sync now, before taking new work."
            ).format(when=f"{to_local(result.facts.when):%Y-%m-%d %H:%M}", path=result.set_aside),
            _("Restore from a backup"),
        )

    def _fill_demo(self, path: Path) -> None:
        from branch_crm.ui.shell.demo_fill import demo_account_lines, fill_demo_with_progress

        try:
            result = fill_demo_with_progress(path)
        except BaseException:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)  # a half-filled demo is no use
            raise
        if self.on_demo_accounts is not None:
            self.on_demo_accounts(demo_account_lines(result.staff))

    def _read_settings(self) -> None:
        from branch_crm.services.settings import values as settings

        with self.reader().session() as session:
            values = {
                key: settings.get(session, key)
                for key in ("language", "branch.code", "branch.name", "demo.accounts")
            }
        self.stored_language = str(values["language"] or "")
        if not getattr(self.args, "lang", None):
            wanted = self.stored_language or i18n.system_language()
            if wanted != i18n.current_language():
                i18n.set_language(wanted)
        self.branch_id = str(values["branch.code"] or "BR001")
        self.branch_name = str(values["branch.name"] or "")
        self.demo_accounts = [x for x in str(values["demo.accounts"] or "").splitlines() if x]

    def reader(self) -> Database:
        """The database on read-only connections (the GUI thread's before the window)."""
        from branch_crm.db import read_only_database

        assert self.db is not None
        if self._reader is None:
            self._reader = read_only_database(self.db)
        return self._reader

    def _save_language_if_changed(self) -> None:
        """A language picked in a sign-in dialog sticks for the next start: the window's
        first write (on its database thread; a failure is only logged)."""
        from branch_crm.services.settings.form import save_settings

        current = i18n.current_language()
        effective = self.stored_language or i18n.system_language()
        if self.ctx is None or current == effective or getattr(self.args, "lang", None):
            return

        def saved(_changed: list[str]) -> None:
            self.stored_language = current

        self.ctx.write(
            save_settings,
            values={"language": current},
            on_done=saved,
            on_error=lambda exc: log.warning("language not saved: %s", exc),
        )

    # --- signing in ----------------------------------------------------------------------

    def sign_in(self) -> Actor | None:
        """First admin on a new installation, else the sign-in dialog; None = quit.

        Their writes (recording a sign-in, creating the admin) run on a database thread of the
        sign-in's own, stopped (its writes done) before the window's starts."""
        from branch_crm.services.staff.accounts import needs_first_admin
        from branch_crm.ui.tasks import TaskRunner

        with self.reader().session() as session:
            first = needs_first_admin(session=session)
        self.sign_in_tasks = TaskRunner()
        try:
            actor = self._first_admin() if first else self._autologin() or self._login_dialog()
        finally:
            self.sign_in_tasks.shutdown(wait=True)
            self.sign_in_tasks.deleteLater()
            self.sign_in_tasks = None
        if actor is not None:
            self._read_settings_branch()
        return actor

    def _read_settings_branch(self) -> None:
        from branch_crm.services.settings import values as settings

        with self.reader().session() as session:
            self.branch_id = str(settings.get(session, "branch.code") or self.branch_id)
            self.branch_name = str(settings.get(session, "branch.name") or "")

    def _first_admin(self) -> Actor | None:
        from branch_crm.ui.shell.first_admin_dialog import FirstAdminDialog

        assert self.db is not None
        dialog = FirstAdminDialog(self.db, branch_id="", tasks=self.sign_in_tasks)
        accepted = dialog.exec()
        return dialog.actor if accepted else None

    def _login_dialog(self) -> Actor | None:
        from branch_crm.ui.shell.login_dialog import LoginDialog

        assert self.db is not None
        dialog = LoginDialog(
            self.db,
            self.branch_id,
            branch_name=self.branch_name,
            demo_accounts=self.demo_accounts,
            tasks=self.sign_in_tasks,
        )
        accepted = dialog.exec()
        return dialog.actor if accepted else None

    def _autologin(self) -> Actor | None:
        """Sign in as a test's or benchmark's :class:`StartupHooks` say, on the sign-in's
        database thread; None (the dialog follows) without them or when refused."""
        from branch_crm.services.staff.sign_in import authenticate
        from branch_crm.ui.shell.start_dialog import write_in_session

        db, tasks = self.db, self.sign_in_tasks
        if self.hooks.autologin is None or db is None or tasks is None:
            return None
        username, password = self.hooks.autologin
        kwargs = {"username": username, "password": password, "branch_id": self.branch_id}
        outcome: list[Actor | BaseException] = []
        loop = QEventLoop()

        def finish(result: Actor | BaseException) -> None:
            outcome.append(result)
            loop.quit()

        job = tasks.submit(
            lambda _control: write_in_session(db, authenticate, kwargs, branch=self.branch_id),
            on_result=finish,
            on_error=finish,
        )
        if not job.done:
            loop.exec()  # the event loop goes on while the database thread works
        if isinstance(outcome[0], CrmError):
            log.warning("automatic sign-in refused: %s", outcome[0].message)
            return None
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        return outcome[0]

    # --- main window ---------------------------------------------------------------------

    def show_main_window(self, actor: Actor) -> None:
        """Build and show the main window for ``actor``."""
        from branch_crm.ui.context import AppContext
        from branch_crm.ui.main_window import MainWindow
        from branch_crm.ui.shell.catch_up import CatchUpStatus

        assert self.db is not None
        self.ctx = AppContext(self.db, actor)
        self._save_language_if_changed()  # before any other write of the window
        window = MainWindow(self.ctx)
        window.set_branch_name(self.branch_name)
        self.catch_up = CatchUpStatus(self.ctx, window.statusBar())
        window.statusBar().addWidget(self.catch_up)
        window.sig_sign_out_requested.connect(self._on_window_sign_out_requested)
        window.sig_closed.connect(self._on_window_closed)
        self.window = window
        courier = bool(getattr(self.args, "courier", False))
        if courier and window.show_page("courier") is None:
            log.warning("courier mode is not available to %s", actor.username)
        if not courier:
            window.show_page(START_PAGE)  # the customer is waiting: start on the lookup
        window.show()
        QTimer.singleShot(0, self._focus_current_page)
        QTimer.singleShot(0, self._on_window_shown)

    def _focus_current_page(self) -> None:
        """Give the shown page the keyboard (the lookup's search box via its focus proxy)."""
        if self.window is None:
            return
        key = self.window.current_page_key()
        page = self.window.page(key) if key else None
        if page is not None:
            self.window.activateWindow()
            page.setFocus(Qt.FocusReason.ActiveWindowFocusReason)

    def _on_window_shown(self) -> None:
        if self.hooks.on_shown is not None:
            self.hooks.on_shown(self.window.current_page_key() if self.window else None)
        if self.hooks.quit_when_shown:
            self.quit()
            return
        if self.catch_up is not None:
            self.catch_up.start()  # new month's figures, lookup index backlog: off the GUI
        self._start_backup()

    def _start_backup(self) -> None:
        """After the window is up: the daily backup, off the GUI thread, then every hour."""

        if self._backup_started or self.ctx is None or self.db is None:
            return
        self._backup_started = True
        self._backup_timer = QTimer(self)
        self._backup_timer.setInterval(BACKUP_CHECK_MS)  # the app may run for days
        self._backup_timer.timeout.connect(self._run_backup)
        self._backup_timer.start()
        self._run_backup()

    def _run_backup(self) -> None:
        """Today's copy if there is none yet (a no-op otherwise), as the settings say."""
        from branch_crm.services.backup import scheduled_backup

        if self.ctx is None or self.db is None:
            return
        self.ctx.submit(
            scheduled_backup,
            kwargs={"db_path": self.db.path},
            kind="cpu",
            on_result=lambda r: log.info("daily backup: %s (new: %s)", r.path, r.created),
            on_error=lambda exc: log.warning("daily backup failed: %s", exc),
        )

    def _close_window(self) -> bool:
        window = self.window
        if window is None:
            return True
        window.sig_closed.disconnect(self._on_window_closed)
        if not window.close():
            window.sig_closed.connect(self._on_window_closed)
            return False
        if self.ctx is not None:
            self.ctx.close()  # queued writes still run; read connections closed
            self.ctx.deleteLater()  # its Qt objects (timers of its children) die on this thread
        # the old window's and context's Python objects are reference cycles: collect them
        # here on the GUI thread once the window is gone, not on whichever thread the
        # garbage collector would run next
        window.destroyed.connect(_collect_garbage_soon)
        window.deleteLater()
        self.window = None
        self.ctx = None
        self.catch_up = None
        return True

    def _on_window_sign_out_requested(self) -> None:
        if not self._close_window():
            return
        actor = self.sign_in()
        if actor is None:
            self.quit()
            return
        self.show_main_window(actor)

    def _on_window_closed(self) -> None:
        self.quit()

    def quit(self) -> None:
        """Finish queued writes, close the database and end the event loop."""
        if self.window is not None:
            self.window.sig_closed.disconnect(self._on_window_closed)
            self.window.close()
            self.window.deleteLater()
            self.window = None
        if self.ctx is not None:
            self.ctx.close()  # queued writes still run; read connections closed
            self.ctx = None
        QTimer.singleShot(0, self.app.quit)

    def run(self) -> int:
        """The whole life of the app; returns the process exit code."""
        if getattr(self.args, "reset_layout", False):  # branch-crm --reset-layout
            from branch_crm.ui.widgets.screen_fit import reset_layout

            reset_layout()
        if not self.confirm_path() or not self.claim_database():
            return 0
        if not self.open():
            self._dispose()
            return 2
        actor = self.sign_in()
        if actor is None:
            self._dispose()
            return 0
        self.show_main_window(actor)
        code = self.app.exec()
        self._dispose()
        return int(code)

    def _dispose(self) -> None:
        if self._reader is not None:
            self._reader.dispose()
            self._reader = None
        if self.db is not None:
            self.db.dispose()
            self.db = None
        if self.instance is not None:
            self.instance.release()
            self.instance = None


def run(args: argparse.Namespace, *, on_demo_accounts: DemoReporter | None = None) -> int:
    """Start the desktop app with parsed command-line ``args``; returns the exit code."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    from branch_crm import APP_NAME
    from branch_crm.ui.icons import icon
    from branch_crm.ui.messages import invalid_style_sheet
    from branch_crm.ui.tasks import GuiGarbageCollector

    GuiGarbageCollector.install(app)  # Qt objects in reference cycles die on the GUI thread
    app.setApplicationName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(icon("branch"))
    from branch_crm.ui import keys, theme
    from branch_crm.ui.shell.language import install_qt_translations

    theme.apply(app, extra_style_sheet=invalid_style_sheet())
    install_qt_translations(app)  # Qt's own OK/Cancel/context menu follow the language
    keys.install_help(app)  # Shift+F1: the keys of the window in front
    from branch_crm.ui.help.window import install as install_topic_help

    install_topic_help()  # F1: the help topic of the window in front (ui.help)
    return Shell(app, args, on_demo_accounts=on_demo_accounts).run()
