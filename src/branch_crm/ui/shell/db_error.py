"""A clear dialog for a database file that cannot be used (locked, read-only, corrupt, too new)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from branch_crm.errors import (
    DatabaseCorrupt,
    DatabaseError,
    DatabaseLocked,
    DatabaseOnNetwork,
    DatabaseReadOnly,
    DatabaseTooNew,
)
from branch_crm.i18n import _


def database_error_texts(exc: DatabaseError) -> tuple[str, str, str]:
    """(title, what happened, what to do) for a database error."""
    if isinstance(exc, DatabaseLocked):
        return (
            _("Database in use"),
            exc.message,
            _(
                "Close the other Branch CRM window or program using this file, then start"
                " Branch CRM again. If nothing else is open, restart the computer."
            ),
        )
    if isinstance(exc, DatabaseReadOnly):
        return (
            _("Database cannot be written"),
            exc.message,
            _(
                "Ask IT to give your Windows account write access to the file and its folder,"
                " or start Branch CRM with --db pointing to a writable place."
            ),
        )
    if isinstance(exc, DatabaseTooNew):
        return (
            _("Database from a newer version"),
            exc.message,
            _(
                "Install the same or a newer version of Branch CRM. This version does not"
                " change the file, so nothing is lost."
            ),
        )
    if isinstance(exc, DatabaseOnNetwork):
        return (
            _("Database on a network share"),
            exc.message,
            _(
                "Copy the file to a folder on this PC (the default is the Branch CRM data"
                " folder) and start Branch CRM with it. Backups may go to the share."
            ),
        )
    if isinstance(exc, DatabaseCorrupt):
        return (
            _("Database damaged"),
            exc.message,
            _(
                "Restore the newest backup from the backups folder next to the file (Branch"
                " CRM keeps one per day), or ask IT. Do not delete the damaged file."
            ),
        )
    return (_("Database problem"), exc.message, _("Ask IT for help."))


def build_database_error_box(exc: DatabaseError, parent: QWidget | None = None) -> QMessageBox:
    """The message box for ``exc`` (not shown yet; tests inspect it)."""
    title, what, todo = database_error_texts(exc)
    box = QMessageBox(parent)
    box.setObjectName("database_error_box")
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(f"{title} — Branch CRM")
    box.setText(title)
    box.setInformativeText(f"{what}\n\n{todo}\n\n" + _("File: {path}").format(path=exc.path or "?"))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAccessibleName(title)
    close = box.addButton(_("Close"), QMessageBox.ButtonRole.AcceptRole)
    close.setObjectName("database_error_close")
    box.setDefaultButton(close)
    box.setEscapeButton(close)
    return box


def show_database_error(exc: DatabaseError, parent: QWidget | None = None) -> None:
    """Show the dialog and wait until the user closes it."""
    build_database_error_box(exc, parent).exec()
