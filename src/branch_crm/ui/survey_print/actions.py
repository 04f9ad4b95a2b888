"""Print one survey form for a customer (off the GUI thread), then preview it."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from branch_crm.i18n import _
from branch_crm.reference.roles import Permission
from branch_crm.services.permissions import allowed
from branch_crm.timeutil import to_local, utcnow
from branch_crm.ui import messages
from branch_crm.ui.context import AppContext

if TYPE_CHECKING:
    from branch_crm.services.surveys.forms import PrintedSurveys
    from branch_crm.ui.printing.preview import PdfPreviewDialog

log = logging.getLogger(__name__)


def survey_folder() -> Path:
    """Where printed survey PDFs go before the user saves them elsewhere."""
    from branch_crm.db import default_data_dir

    folder = default_data_dir() / "surveys"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_pdf_path(prefix: str, now: datetime | None = None) -> Path:
    """A fresh file name in the survey folder, named by the branch's local time like the
    pickup sheets, e.g. survey-20261123-101500-123456.pdf."""
    stamp = to_local(now or utcnow()).strftime("%Y%m%d-%H%M%S-%f")
    return survey_folder() / f"{prefix}-{stamp}.pdf"


def show_printed(parent: QWidget | None, path: Path, title: str) -> PdfPreviewDialog:
    """Open the in-app preview (print dialog, Save PDF) of a printed PDF."""
    from branch_crm.ui.printing.preview import preview_pdf

    return preview_pdf(parent, Path(path), title)


def print_survey(ctx: AppContext, customer_id: str, parent: QWidget | None = None) -> None:
    """Customer action "Print survey": record a numbered form and preview it."""
    from branch_crm.services.surveys.forms import print_survey_form

    if not allowed(ctx.actor, Permission.SURVEY_PRINT):
        messages.show_error(parent, _("You may not print surveys."))
        return

    def on_result(result: PrintedSurveys) -> None:
        ctx.bus.changed("survey")
        show_printed(
            parent, result.path, _("Survey form {serial}").format(serial=result.first_serial)
        )

    ctx.submit(
        print_survey_form,
        kwargs={"customer_id": customer_id, "output": new_pdf_path("survey")},
        on_result=on_result,
        on_error=lambda exc: messages.show_error(parent, exc),
        title=_("Printing the survey form…"),
    )
