"""Exporting a list to Excel from the app: File → Export… and each list page's Export…
button. Asks for the file (a default name with the local date), writes it off the GUI
thread with progress and Cancel (services.exports on a read-only session), says where it
went.

A page offers its list by having ``export_request() -> (list name, ExportFilters)``: the
list and the filters it shows right now (the main window's File → Export… asks the page in
front).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from branch_crm.i18n import N_, _
from branch_crm.timeutil import local_today
from branch_crm.ui import messages
from branch_crm.ui.icons import icon

if TYPE_CHECKING:
    from branch_crm.services.exports import ExportFilters, ExportResult
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import Job

log = logging.getLogger(__name__)

FILE_NAMES = {
    "customers": N_("Customers"),
    "complaints": N_("Complaints"),
    "surveys": N_("Survey responses"),
    "followups": N_("Follow-ups"),
    "attendance": N_("Training attendance"),
    "audit": N_("Audit log"),
}
"""The start of each list's default file name (translated), the local date follows."""

_last_folder: list[Path] = []
"""The folder of the last export in this run of the app (the next one starts there)."""


@runtime_checkable
class Exportable(Protocol):
    """A page whose list can be exported."""

    def export_request(self) -> tuple[str, ExportFilters]: ...


def default_folder() -> Path:
    """Where the file dialog starts: the last export's folder, else Documents, else home."""
    if _last_folder and _last_folder[-1].is_dir():
        return _last_folder[-1]
    documents = Path.home() / "Documents"
    return documents if documents.is_dir() else Path.home()


def default_name(which: str) -> str:
    """E.g. ``Customers 2026-12-08.xlsx`` (客户 2026-12-08.xlsx in Chinese)."""
    title = _(FILE_NAMES.get(which, which)).replace("/", "-")
    return f"{title} {local_today():%Y-%m-%d}.xlsx"


def ask_path(parent: QWidget | None, which: str) -> Path | None:
    """The file to write, asked with the save dialog (".xlsx" added when missing)."""
    target, _filter = QFileDialog.getSaveFileName(
        parent,
        _("Export to Excel"),
        str(default_folder() / default_name(which)),
        _("Excel workbooks (*.xlsx)"),
    )
    if not target:
        return None
    path = Path(target)
    return path if path.suffix.lower() == ".xlsx" else path.with_name(path.name + ".xlsx")


def run_export(
    ctx: AppContext,
    which: str,
    filters: ExportFilters,
    output: Path,
    parent: QWidget | None = None,
) -> Job:
    """Write the list to ``output`` off the GUI thread (progress, Cancel); say where it went."""
    from branch_crm.services.exports import ExportCancelled, export_list

    def on_result(result: ExportResult) -> None:
        _last_folder[:] = [result.path.parent]
        messages.info(
            parent,
            _("{rows:,} rows exported to {path}").format(rows=result.rows, path=result.path),
            _("Export to Excel"),
        )

    def on_error(exc: BaseException) -> None:
        if isinstance(exc, ExportCancelled):
            messages.info(parent, exc.message, _("Export to Excel"))
        elif isinstance(exc, OSError):
            messages.show_error(
                parent,
                _("Could not write {path}: {reason}").format(
                    path=output, reason=exc.strerror or exc
                ),
            )
        else:
            messages.show_error(parent, exc)

    return ctx.submit(
        export_list,
        kwargs={"which": which, "output": output, "filters": filters},
        on_result=on_result,
        on_error=on_error,
        title=_("Exporting to Excel…"),
        cancellable=True,
        kind="cpu",  # a read-only session: writes of the app go on meanwhile
    )


def export_page(ctx: AppContext, page: QWidget) -> Job | None:
    """Ask for the file and export the list ``page`` shows; None when there is none or the
    user cancelled the file dialog."""
    if not isinstance(page, Exportable):
        messages.info(page, _("This page has no list to export."), _("Export to Excel"))
        return None
    which, filters = page.export_request()
    output = ask_path(page, which)
    if output is None:
        return None
    return run_export(ctx, which, filters, output, page)


def export_button(parent: QWidget, name: str) -> QPushButton:
    """A list page's "Export…" button (its text set by :func:`retranslate_button`)."""
    button = QPushButton(icon("export"), "", parent)
    button.setObjectName(name)
    return button


def retranslate_button(button: QPushButton, text: str | None = None) -> None:
    """The button's texts in the current language (``text``: its label with a mnemonic
    free on its page)."""
    button.setText(text or _("E&xport…"))
    button.setToolTip(_("Write this list, with its filters, to an Excel file"))
    button.setAccessibleName(_("Export to Excel"))
