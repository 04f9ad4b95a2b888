"""The sign-in sheet of a training session (PDF, written atomically by printing.pdf_file)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.orm import Session

from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.settings.print_header import output_error, print_header
from branch_crm.services.training.inputs import display_contact
from branch_crm.services.training.sessions import get_session
from branch_crm.timeutil import to_local

log = logging.getLogger(__name__)


def print_signin_sheet(
    *,
    session: Session,
    actor: Actor,
    session_id: str,
    output: Path,
    language: str | None = None,
) -> Path:
    """Write the sign-in sheet of a session to ``output`` (PDF) and return the path."""
    from branch_crm.printing.signin_sheet import SigninRow, SigninSheet, render_signin_sheet

    require(actor, Permission.TRAINING_MANAGE)
    view = get_session(session=session, session_id=session_id)
    header = print_header(session, language)
    sheet = SigninSheet(
        company=header.company,
        title=view.title,
        starts_at=to_local(view.starts_at),
        ends_at=to_local(view.ends_at) if view.ends_at else None,
        audience=view.audience or "",
        trainer=view.trainer or "",
        location=view.location or "",
        content_points=view.content_points,
        incident_notice=view.incident_notice or "",
        rows=tuple(SigninRow(a.name, display_contact(a.contact)) for a in view.attendees),
        reference=f"{header.branch_label} · {view.reference}",
        language=header.language,
    )
    try:
        render_signin_sheet(Path(output), sheet)
    except OSError as exc:
        raise output_error(Path(output), exc) from exc
    log.info("sign-in sheet of %s written to %s", view.reference, output)
    return Path(output)
