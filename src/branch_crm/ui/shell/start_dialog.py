"""What the sign-in and first-admin dialogs share: a heading, the language box, a problem
line, the OK and Quit buttons, and their one write, done on the database thread.

Nobody is signed in yet, so there is no app context: the dialog sends its write (checking a
password records the sign-in; the first admin is created) to a task runner's one database
thread with :func:`write_in_session` and hears back on the GUI thread. Another program holding
the file makes the write wait there while the dialog goes on; then it is stored, or the
problem line says the database is busy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from branch_crm.db import Database
from branch_crm.errors import CrmError
from branch_crm.i18n import _
from branch_crm.services.context import Actor
from branch_crm.ui.messages import ERROR_LABEL_STYLE, database_problem, error_text
from branch_crm.ui.shell.language import notifier
from branch_crm.ui.shell.widgets import LanguageBox, heading_font
from branch_crm.ui.tasks import Job, TaskRunner
from branch_crm.ui.widgets.screen_fit import fit_window

log = logging.getLogger(__name__)

T = TypeVar("T")


def write_in_session(
    db: Database, fn: Callable[..., T], kwargs: dict[str, Any], *, branch: str
) -> T:
    """Run ``fn(session=..., **kwargs)`` in a committing session of ``db`` stamped with
    ``branch`` (on the database thread). A failure of the file itself (locked by another
    program, read-only, damaged) becomes the CrmError that says so, logged in one line
    without a traceback."""
    try:
        with db.session(branch_id=branch) as session:
            return fn(session=session, **kwargs)
    except CrmError:
        raise
    except Exception as exc:
        problem = database_problem(exc, db.path)
        if problem is None:
            raise
        log.info("%s refused by the database: %s", getattr(fn, "__name__", fn), exc)
        raise problem from exc


class StartDialog(QDialog):
    """The frame of a dialog shown before anyone is signed in (``name`` prefixes the object
    names: ``<name>_dialog``, ``_title``, ``_language``, ``_error``, ``_ok``, ``_quit``).

    ``tasks`` runs the write (the launcher's runner of the sign-in); without one the dialog
    makes its own. ``actor`` holds the signed-in staff member after ``accept``."""

    def __init__(
        self,
        db: Database,
        *,
        name: str,
        tasks: TaskRunner | None = None,
        width: int = 420,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.actor: Actor | None = None
        self._own_tasks = tasks is None
        self.tasks = tasks if tasks is not None else TaskRunner(parent=self)
        self._job: Job | None = None
        self.setObjectName(f"{name}_dialog")
        self.setModal(True)
        fit_window(self, (width, 0))
        self.layout_ = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName(f"{name}_title")
        self.title.setFont(heading_font(self.title.font()))
        self.layout_.addWidget(self.title)
        self.language = LanguageBox(self)
        self.language.setObjectName(f"{name}_language")
        self.language_label = QLabel(self)
        self.language_label.setBuddy(self.language)
        self.error = QLabel(self)
        self.error.setObjectName(f"{name}_error")
        self.error.setStyleSheet(ERROR_LABEL_STYLE)
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName(f"{name}_ok")
        self.ok_button.setDefault(True)
        self.quit_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setObjectName(f"{name}_quit")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        notifier().sig_language_changed.connect(self._on_language_changed)

    # --- building (the subclass places the parts) ------------------------------------------

    def new_form(self) -> QFormLayout:
        """A form layout whose fields grow with the dialog."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return form

    def add_language_row(self, form: QFormLayout) -> None:
        """The language box as the last row of ``form``."""
        form.addRow(self.language_label, self.language)

    def add_error_and_buttons(self) -> None:
        """The problem line, then the buttons, at the bottom of the dialog."""
        self.layout_.addWidget(self.error)
        self.layout_.addWidget(self.buttons)

    # --- texts ------------------------------------------------------------------------------

    def retranslate_ui(self) -> None:
        """Re-apply the shared translated texts (the subclass adds its own)."""
        self.language_label.setText(_("&Language:"))
        self.language.setAccessibleName(_("Language"))
        self.quit_button.setText(_("Quit"))
        self.quit_button.setAccessibleName(_("Quit"))
        self.language.retranslate_ui()

    def _on_language_changed(self, _language: str) -> None:
        self.retranslate_ui()

    def show_error(self, message: str) -> None:
        """Show a problem in red above the buttons."""
        self.error.setText(message)
        self.error.setVisible(True)

    def error_message(self) -> str:
        """The problem shown now ('' if none)."""
        return self.error.text() if not self.error.isHidden() else ""

    # --- the write --------------------------------------------------------------------------

    def submit(self) -> None:
        """OK pressed: the subclass checks the input and calls :meth:`write`."""
        raise NotImplementedError

    def writing(self) -> bool:
        """True while the dialog's write waits for or runs on the database thread."""
        return self._job is not None

    def write(
        self,
        fn: Callable[..., T],
        kwargs: dict[str, Any],
        *,
        branch: str,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> bool:
        """Send ``fn`` to the database thread (see :func:`write_in_session`); ``on_done`` or
        ``on_error`` follow on the GUI thread. Meanwhile OK is disabled and the cursor busy;
        False (nothing sent) while the last write still runs."""
        if self._job is not None:
            return False
        self.ok_button.setEnabled(False)
        self.setCursor(Qt.CursorShape.BusyCursor)
        db = self.db

        def work(_control: Any) -> T:
            return write_in_session(db, fn, kwargs, branch=branch)

        def finished() -> None:
            self._job = None
            self.ok_button.setEnabled(True)
            self.unsetCursor()

        def done(result: T) -> None:
            finished()
            on_done(result)

        def failed(exc: BaseException) -> None:
            finished()
            on_error(exc)

        job = self.tasks.submit(work, kind="db", on_result=done, on_error=failed)
        if not job.done:
            self._job = job
        return True

    def problem_text(self, exc: BaseException) -> str:
        """What to show for a failed write (never a traceback)."""
        if isinstance(exc, CrmError):
            return exc.message
        return error_text(exc, self.db.path)

    def done(self, result: int) -> None:
        """Closing: a runner of the dialog's own stops (a write still queued is done, its
        answer no longer shown)."""
        if self._own_tasks:
            self.tasks.shutdown(wait=False)
        super().done(result)
