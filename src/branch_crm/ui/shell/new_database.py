"""Before a database is created where none was expected: ``--db`` naming a file that does not
exist (a typing slip, a network drive not mounted) would otherwise start a new, empty branch
without a word. The app asks: create it here, choose another file, or quit. The default
database on a first run is expected and needs no question."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton, QWidget

from branch_crm.i18n import _


def is_expected(path: Path, *, explicit: bool) -> bool:
    """True when opening ``path`` needs no question: it exists, or it is the default
    database (no ``--db``, or ``--db`` naming the default file)."""
    if path.exists() or not explicit:
        return True
    from branch_crm.db import default_db_path

    return _same(path, default_db_path())


def _same(first: Path, second: Path) -> bool:
    return os.path.normcase(str(first.resolve())) == os.path.normcase(str(second.resolve()))


def _existing_ancestor(path: Path) -> Path:
    for folder in path.parents:
        if folder.is_dir():
            return folder
    return Path.home()


def build_new_database_box(path: Path, *, demo: bool, parent: QWidget | None = None) -> QMessageBox:
    """The question, its buttons named ``new_database_create`` / ``_choose`` / ``_quit``;
    Choose is the default (Enter never creates by accident), Esc quits."""
    box = QMessageBox(parent)
    box.setObjectName("new_database_box")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(_("No database here — Branch CRM"))
    box.setText(_("There is no database at {path}.").format(path=path))
    details = [_("Create a new, empty branch database there, choose another file, or quit?")]
    if not path.parent.is_dir():
        details.append(
            _("The folder {folder} does not exist either; it would be created.").format(
                folder=path.parent
            )
        )
    if demo:
        details.append(_("A new database is filled with demo data."))
    box.setInformativeText("\n\n".join(details))
    buttons = (
        ("new_database_create", _("&Create here"), QMessageBox.ButtonRole.AcceptRole),
        ("new_database_choose", _("C&hoose another file…"), QMessageBox.ButtonRole.ActionRole),
        ("new_database_quit", _("&Quit"), QMessageBox.ButtonRole.RejectRole),
    )
    made: dict[str, QPushButton] = {}
    for name, text, role in buttons:
        button = made[name] = box.addButton(text, role)
        button.setObjectName(name)
        button.setAccessibleName(text.replace("&", ""))
    box.setDefaultButton(made["new_database_choose"])
    box.setEscapeButton(made["new_database_quit"])
    return box


def choose_database_file(parent: QWidget | None, near: Path) -> Path | None:
    """A file dialog for an existing database or a new file's name; None when cancelled."""
    target, _filter = QFileDialog.getSaveFileName(
        parent,
        _("Choose the branch database"),
        str(_existing_ancestor(near) / near.name),
        ";;".join((_("Branch CRM databases (*.db)"), _("All files (*)"))),
        options=QFileDialog.Option.DontConfirmOverwrite,
    )
    if not target:
        return None
    chosen = Path(target)
    return chosen if chosen.suffix else chosen.with_suffix(".db")


def ask_database_path(
    path: Path, *, demo: bool = False, parent: QWidget | None = None
) -> Path | None:
    """Ask what to do about the missing ``path``: the path to open (``path`` itself or the
    file chosen instead), or None to quit. Cancelling the file dialog asks again."""
    while True:
        box = build_new_database_box(path, demo=demo, parent=parent)
        box.exec()
        clicked = box.clickedButton()
        name = clicked.objectName() if clicked is not None else "new_database_quit"
        box.deleteLater()
        if name == "new_database_create":
            return path
        if name != "new_database_choose":
            return None
        chosen = choose_database_file(parent, path)
        if chosen is not None:
            return chosen
