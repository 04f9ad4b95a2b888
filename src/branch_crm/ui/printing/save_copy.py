"""Save a copy of a printed PDF where the user chooses (the preview's and the pickup
sheet's "Save PDF")."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from branch_crm.i18n import _
from branch_crm.ui import messages


def save_pdf_copy(parent: QWidget, path: Path) -> Path | None:
    """Ask where, copy ``path`` there (".pdf" added when missing) and say so; None when
    cancelled or the copy failed (the reason shown)."""
    target, _filter = QFileDialog.getSaveFileName(
        parent, _("Save PDF"), str(Path.home() / path.name), _("PDF files (*.pdf)")
    )
    if not target:
        return None
    destination = Path(target)
    if destination.suffix.lower() != ".pdf":
        destination = destination.with_suffix(".pdf")
    try:
        if destination.resolve() != path.resolve():  # saving onto itself: nothing to copy
            shutil.copyfile(path, destination)
    except OSError as exc:
        messages.show_error(
            parent,
            _("Could not save {path}: {reason}").format(
                path=destination, reason=exc.strerror or exc
            ),
        )
        return None
    messages.info(parent, _("Saved {path}").format(path=destination))
    return destination
