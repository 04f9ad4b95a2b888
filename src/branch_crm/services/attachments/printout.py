"""Print a complaint with its attachments (printing.complaint_sheet): the facts and the
timeline, then its photos on extra pages."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from branch_crm.services.attachments.service import list_attachments
from branch_crm.timeutil import to_local, utcnow

log = logging.getLogger(__name__)


def _when(value: datetime | None) -> str:
    return f"{to_local(value):%Y-%m-%d %H:%M}" if value else "-"


def print_complaint(
    *, session: Session, complaint_id: str, output: str | Path, language: str | None = None
) -> Path:
    """Write the complaint and its attachments as a PDF to ``output``; its path."""
    from branch_crm.printing.common import translator
    from branch_crm.printing.complaint_sheet import (
        ComplaintSheet,
        SheetAttachment,
        render_complaint_sheet,
    )
    from branch_crm.services.complaints import events as cs_events
    from branch_crm.services.complaints import labels, views
    from branch_crm.services.settings.print_header import output_error, print_header

    view = views.get_complaint(session=session, complaint_id=complaint_id)
    header = print_header(session, language)
    _ = translator(header.language)
    money = _("requested {requested}, granted {granted}").format(
        requested=labels.format_money(view.compensation_requested_cents),
        granted=labels.format_money(view.compensation_granted_cents),
    )
    facts = (
        (_("Customer"), f"{view.customer_name}  {view.customer_phone}".strip()),
        (_("Category"), view.category_label),
        (_("Waybill"), view.waybill_no or "-"),
        (_("Channel"), labels.channel_label(view.channel)),
        (_("Received"), _when(view.received_at)),
        (_("Status"), labels.status_label(view.status)),
        (_("Grade"), labels.grade_label(view.grade)),
        (_("Assignee"), view.assignee_name or "-"),
        (_("Compensation"), money),
        (_("Root cause and corrective action"),
         f"{view.root_cause_label}: {view.corrective_action}" if view.root_cause_label else "-"),
    )  # fmt: skip
    events = cs_events.complaint_events(session=session, complaint_id=complaint_id)
    attachments = list_attachments(session=session, owner_kind="complaint", owner_id=complaint_id)
    data = ComplaintSheet(
        company=header.company,
        number=view.number,
        facts=facts,
        description=view.description,
        events=tuple((_when(e.at), e.title, e.actor_name, e.note or "") for e in events),
        attachments=tuple(
            SheetAttachment(a.original_name, a.caption or "", a.path, a.is_image)
            for a in attachments
        ),
        printed_at=to_local(utcnow()).strftime("%Y-%m-%d %H:%M"),
        language=header.language,
    )
    try:
        pages = render_complaint_sheet(Path(output), data)
    except OSError as exc:
        raise output_error(Path(output), exc) from exc
    log.info("complaint %s printed to %s (%d pages)", view.number, output, pages)
    return Path(output)
