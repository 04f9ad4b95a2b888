"""Any list of the app to an .xlsx file: the columns in the reader's language, the rows
streamed from the database (flat memory), the filters used written above the table.

Each list is a module of this package with ``table(session, actor, filters) -> Table``;
:func:`export_list` writes one with :func:`branch_crm.excel.writer.write_table`, reporting
progress and stopping on cancel (a cancelled export leaves no file behind).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from branch_crm.errors import CrmError, ValidationError
from branch_crm.i18n import _
from branch_crm.services.exports.common import ExportFilters, Table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from branch_crm.services.context import Actor
    from branch_crm.services.surveys.forms import Control

__all__ = [
    "LISTS",
    "ExportCancelled",
    "ExportFilters",
    "ExportResult",
    "Table",
    "build_table",
    "export_list",
]

LISTS = ("customers", "complaints", "surveys", "followups", "attendance", "audit")
"""The lists that can be exported, by the name the CLI and the UI use."""


class ExportCancelled(CrmError):
    """The user cancelled an export; no file was written."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    rows: int
    which: str


def build_table(
    *, session: Session, actor: Actor, which: str, filters: ExportFilters | None = None
) -> Table:
    """The table of list ``which`` (one of :data:`LISTS`) with ``filters``; its rows are a
    generator reading ``session`` as they are written."""
    from branch_crm.services.exports import (
        attendance,
        audit,
        complaints,
        customers,
        followups,
        surveys,
    )

    builders = {
        "customers": customers.table,
        "complaints": complaints.table,
        "surveys": surveys.table,
        "followups": followups.table,
        "attendance": attendance.table,
        "audit": audit.table,
    }
    if which not in builders:
        raise ValidationError(
            {"list": _("Unknown list: {name}.").format(name=which)},
            _("Unknown list {name}; choose one of: {lists}.").format(
                name=which, lists=", ".join(LISTS)
            ),
        )
    flt = filters or ExportFilters()
    flt.check()
    return builders[which](session, actor, flt)


def export_list(
    *,
    session: Session,
    actor: Actor,
    which: str,
    output: Path,
    filters: ExportFilters | None = None,
    control: Control | None = None,
) -> ExportResult:
    """Write list ``which`` to the .xlsx file ``output``; the file appears only when
    complete. Raises :class:`ExportCancelled` on cancel, ``OSError`` when it cannot write."""
    from branch_crm.excel import writer

    table = build_table(session=session, actor=actor, which=which, filters=filters)
    total = max(table.total or 0, 0)  # 0: not known beforehand (a busy indicator)

    def progress(done: int) -> None:
        if control is not None:
            control.progress(
                done, max(done, total) if total else 0, _("{n:,} rows written…").format(n=done)
            )

    if control is not None:
        control.progress(0, total, _("Exporting…"))
    try:
        rows = writer.write_table(
            output,
            title=table.title,
            notes=table.notes,
            columns=table.columns,
            rows=table.rows,
            sheet_name=table.sheet,
            progress=progress,
            cancelled=(lambda: control.cancelled) if control is not None else None,
        )
    except writer.ExportCancelled:
        raise ExportCancelled(_("The export was cancelled; no file was written.")) from None
    return ExportResult(path=Path(output), rows=rows, which=which)
