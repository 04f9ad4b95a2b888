"""The sign-in sheet of a training session (PDF), written atomically."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from branch_crm.services.context import Actor
from branch_crm.services.permissions import Permission, require
from branch_crm.services.settings.print_header import output_error, print_header
from branch_crm.services.training.inputs import display_contact
from branch_crm.services.training.sessions import get_session
from branch_crm.timeutil import to_local

log = logging.getLogger(__name__)


def write_atomically(output: Path, render: Callable[[Path], object]) -> None:
    """Call ``render(tmp_path)`` and move the result to ``output`` (no half-written file)."""
    output = Path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".pdf", dir=output.parent)
        os.close(handle)
    except OSError as exc:
        raise output_error(output, exc) from exc
    tmp = Path(tmp_name)
    try:
        render(tmp)
        os.replace(tmp, output)
    except OSError as exc:
        raise output_error(output, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)


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
    write_atomically(Path(output), lambda tmp: render_signin_sheet(tmp, sheet))
    log.info("sign-in sheet of %s written to %s", view.reference, output)
    return Path(output)
