"""File → Restore from a backup…: the chosen file's facts (branch, PC, date, schema), what a
restore means for sync, and only then the restore.

The window never swaps the database under its open connections: the checked copy is put beside
the database and the app restores it when it next starts, before anything opens the file
(services.restore). That is the robust choice: nothing half-open, and a restore that fails its
checks at start leaves the database as it was.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from branch_crm.i18n import _
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext
from branch_crm.ui.messages import ERROR_LABEL_STYLE, error_text
from branch_crm.ui.widgets.screen_fit import fit_window

__all__ = ["RestoreDialog", "inspect_for_restore"]

log = logging.getLogger(__name__)


def inspect_for_restore(*, db_path: Path, backup: Path) -> tuple[Any, list[str]]:
    """The backup's facts and what restoring it means for sync (CrmError: why it may not)."""
    from branch_crm.services.backup_facts import check_restorable, current_facts, inspect_backup
    from branch_crm.services.restore import sync_explanation

    facts = inspect_backup(backup)
    current = current_facts(db_path)
    check_restorable(facts, current)
    return facts, sync_explanation(facts, current)


class RestoreDialog(QDialog):
    """Choose a backup, read its facts and the sync explanation, restore (at next start)."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, path: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("restore_dialog")
        self.facts: Any = None
        self.staged: Any = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        form = QFormLayout()
        row = QHBoxLayout()
        self.file = QLineEdit(self)
        self.file.setObjectName("restore_file")
        self.file.setMinimumWidth(420)
        self.file.editingFinished.connect(self.check_file)
        self.choose = QPushButton(self)
        self.choose.setObjectName("restore_choose")
        self.choose.clicked.connect(self.choose_file)
        row.addWidget(self.file, 1)
        row.addWidget(self.choose)
        self.file_label = QLabel(self)
        self.file_label.setBuddy(self.file)
        form.addRow(self.file_label, row)
        self.fact_labels = self._fact_rows(form)
        layout.addLayout(form)
        self.sync_title = QLabel(self)
        self.sync_title.setStyleSheet("font-weight: bold")
        layout.addWidget(self.sync_title)
        self.explanation = QLabel(self)
        self.explanation.setObjectName("restore_explanation")
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        self.status = QLabel(self)
        self.status.setObjectName("restore_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self._button_box())
        self.retranslate_ui()
        self._show_facts(None, [])
        fit_window(self, (720, 520))
        if path is not None:
            self.file.setText(str(path))
            self.check_file()

    def _button_box(self) -> QDialogButtonBox:
        self.buttons = QDialogButtonBox(self)
        self.restore = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore.setObjectName("restore_start")
        self.restore.setEnabled(False)
        self.cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.cancel.setObjectName("restore_cancel")
        self.restore.clicked.connect(self.start_restore)
        self.cancel.clicked.connect(self.reject)
        return self.buttons

    def _fact_rows(self, form: QFormLayout) -> dict[str, tuple[QLabel, QLabel]]:
        rows: dict[str, tuple[QLabel, QLabel]] = {}
        for key in ("branch", "pc", "taken", "schema", "contents"):
            name, value = QLabel(self), QLabel(self)
            value.setObjectName(f"restore_fact_{key}")
            value.setWordWrap(True)
            form.addRow(name, value)
            rows[key] = (name, value)
        return rows

    def retranslate_ui(self) -> None:
        """Texts in the current language."""
        self.setWindowTitle(_("Restore from a backup"))
        self.intro.setText(
            _(
                "Replaces this PC's database by a backup. The current database is kept beside "
                "it, renamed, not deleted. Branch CRM closes and restores the backup when it "
                "is started again."
            )
        )
        self.file_label.setText(_("Backup &file:"))
        self.choose.setText(_("&Choose…"))
        names = {
            "branch": _("Branch:"),
            "pc": _("PC:"),
            "taken": _("Taken:"),
            "schema": _("Version:"),
            "contents": _("Contents:"),
        }
        for key, (label, _value) in self.fact_labels.items():
            label.setText(names[key])
        self.sync_title.setText(_("What this means for sync"))
        self.restore.setText(_("&Restore…"))
        self.cancel.setText(_("Cancel"))

    def choose_file(self) -> None:
        """Pick the backup in the system's dialog (the daily copies' folder first)."""
        from branch_crm.services.backup import backup_dir

        start = self.file.text() or str(backup_dir(self.ctx.db.path))
        chosen, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose a backup"),
            start,
            ";;".join([_("Backups (*.db *.bak)"), _("All files (*)")]),
        )
        if chosen:
            self.file.setText(chosen)
            self.check_file()

    def check_file(self) -> None:
        """Read the chosen file's facts (off the GUI thread: a file on a share may be slow)."""
        text = self.file.text().strip()
        self.restore.setEnabled(False)
        if not text:
            self._show_facts(None, [])
            return
        self.status.setStyleSheet("")
        self.status.setText(_("Checking the file…"))
        self.ctx.submit(
            inspect_for_restore,
            kwargs={"db_path": self.ctx.db.path, "backup": Path(text)},
            kind="cpu",
            on_result=self._on_checked,
            on_error=self._on_refused,
        )

    def _on_checked(self, found: tuple[Any, list[str]]) -> None:
        facts, lines = found
        self._show_facts(facts, lines)
        self.status.setText("")
        self.restore.setEnabled(True)

    def _on_refused(self, exc: BaseException) -> None:
        self._show_facts(None, [])
        self.status.setStyleSheet(ERROR_LABEL_STYLE)
        self.status.setText(error_text(exc, self.ctx.db.path))

    def _show_facts(self, facts: Any, lines: list[str]) -> None:
        from branch_crm.timeutil import to_local

        self.facts = facts
        for _label, value in self.fact_labels.values():
            value.setText("—")
        self.explanation.setText("")
        if facts is None:
            return
        name = f" · {facts.branch_name}" if facts.branch_name else ""
        self.fact_labels["branch"][1].setText(f"{facts.branch or '—'}{name}")
        self.fact_labels["pc"][1].setText(facts.pc_code)
        when = f"{to_local(facts.when):%Y-%m-%d %H:%M}"
        if facts.taken_at is None:
            when = _("{time} (the file's time)").format(time=when)
        self.fact_labels["taken"][1].setText(when)
        schema = {
            "same": _("schema {schema}, this version's"),
            "older": _("schema {schema}, older: brought up to date when restored"),
            "newer": _("schema {schema}, newer"),
        }[facts.schema_state].format(schema=facts.schema)
        self.fact_labels["schema"][1].setText(schema)
        self.fact_labels["contents"][1].setText(
            _("{customers} customers, {complaints} complaints, {size} KB").format(
                customers=facts.customers,
                complaints=facts.complaints,
                size=max(1, facts.size // 1024),
            )
        )
        self.explanation.setText("\n".join(f"• {line}" for line in lines))

    def start_restore(self) -> None:
        """Confirm, put the checked copy beside the database, offer to close the app now."""
        from branch_crm.services.restore import stage_restore

        if self.facts is None:
            return
        if not messages.confirm(
            self,
            _(
                "Restore the backup of {when}? Branch CRM then closes; the backup replaces the "
                "database when you start it again."
            ).format(when=self.fact_labels["taken"][1].text()),
            _("Restore from a backup"),
        ):
            return
        self.restore.setEnabled(False)
        self.ctx.submit(
            stage_restore,
            kwargs={"db_path": self.ctx.db.path, "backup": self.facts.path},
            kind="cpu",
            title=_("Preparing the restore…"),
            on_result=self._on_staged,
            on_error=self._on_refused,
        )

    def _on_staged(self, pending: Any) -> None:
        self.staged = pending
        self.accept()
        window = self.ctx.main_window
        messages.info(
            window,
            _("The backup is ready. Branch CRM closes now; start it again to finish the restore."),
            _("Restore from a backup"),
        )
        quit_window = getattr(window, "quit", None)
        if callable(quit_window):
            quit_window()
