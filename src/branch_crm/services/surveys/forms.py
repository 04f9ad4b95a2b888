"""Printing satisfaction surveys: one personalised form, or a batch for a selection, in one PDF.

Every printed form is recorded (``SurveyForm``) with a unique serial (services.surveys.serials).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from branch_crm.errors import CrmError, NotFound, ValidationError
from branch_crm.i18n import _
from branch_crm.ids import new_id
from branch_crm.models import (
    Complaint,
    ComplaintStatus,
    Customer,
    CustomerPhone,
    CustomerStats,
    SurveyForm,
)
from branch_crm.printing.survey_form import (
    FormTooLong,
    Question,
    SurveyFormWriter,
    build_header,
)
from branch_crm.reference.form_layout import MAX_PAGES, FormLayout, form_layout
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers.validation import normalize_phone
from branch_crm.services.pc_code import serial_pc_code
from branch_crm.services.permissions import require
from branch_crm.services.settings.print_header import PrintHeader, output_error, print_header
from branch_crm.services.surveys import serials
from branch_crm.services.surveys.template import TemplateView, active_template
from branch_crm.timeutil import to_local, utcnow

log = logging.getLogger(__name__)


CHUNK = 200
MAX_BATCH = 20_000


class PrintCancelled(CrmError):
    """The user cancelled a batch; nothing was recorded and no file was left behind."""


class Control(Protocol):
    """Progress and cancel of a long job (ui.context submit passes one)."""

    def progress(self, done: int, total: int, text: str = "") -> None: ...

    @property
    def cancelled(self) -> bool: ...


class ListFilterLike(Protocol):
    """The customer-list filter (services.customers.listing.ListFilter has these fields)."""

    tier: str | None
    lifecycle: str | None
    visit_class: str | None
    need_tag: str | None
    churn_risk: bool | None


@dataclass(frozen=True)
class Selection:
    """Which customers a batch is for; every given criterion must hold."""

    complaint_closed_days: int | None = None
    tier: str | None = None
    list_filter: ListFilterLike | None = None
    customer_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PrintedSurveys:
    """Result of a print job: the PDF and the forms recorded for it."""

    path: Path
    count: int
    batch_id: str | None
    first_serial: str | None
    last_serial: str | None


def _selection_query(selection: Selection, now: datetime) -> Select[tuple[str]]:
    query = select(Customer.id).where(Customer.deleted_at.is_(None))
    if selection.customer_ids is not None:
        query = query.where(Customer.id.in_(selection.customer_ids))
    if selection.complaint_closed_days is not None:
        since = now - timedelta(days=selection.complaint_closed_days)
        closed = select(Complaint.customer_id).where(
            Complaint.status == ComplaintStatus.CLOSED,
            Complaint.closed_at >= since,
            Complaint.deleted_at.is_(None),
        )
        query = query.where(Customer.id.in_(closed))
    flt = selection.list_filter
    tier = selection.tier or (flt.tier if flt is not None else None)
    needs_stats = tier is not None or (
        flt is not None and (flt.lifecycle is not None or flt.churn_risk is not None)
    )
    if needs_stats:
        # customers without computed figures count as walk-in / new / no churn risk, the way
        # the customer list shows them, so a batch prints for exactly the listed customers
        query = query.outerjoin(CustomerStats, CustomerStats.customer_id == Customer.id)
    if tier is not None:
        query = query.where(func.coalesce(CustomerStats.tier, "walk_in") == tier)
    if flt is not None:
        if flt.lifecycle is not None:
            query = query.where(func.coalesce(CustomerStats.lifecycle, "new") == flt.lifecycle)
        if flt.churn_risk is not None:
            churn = func.coalesce(CustomerStats.churn_risk, False)
            query = query.where(churn.is_(True) if flt.churn_risk else churn.is_(False))
        if flt.visit_class is not None:
            query = query.where(Customer.visit_class == flt.visit_class)
        if flt.need_tag is not None:
            padded = "," + Customer.need_tags + ","
            query = query.where(padded.contains(f",{flt.need_tag},", autoescape=True))
    return query.order_by(Customer.name_pinyin, Customer.name, Customer.id)


def select_customers(*, session: Session, selection: Selection) -> list[str]:
    """Ids of the customers a batch would print for, in print order (by name)."""
    return list(session.scalars(_selection_query(selection, utcnow())))


def count_selection(*, session: Session, selection: Selection) -> int:
    """How many forms a batch would print."""
    inner = _selection_query(selection, utcnow()).order_by(None).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


# -- printing ------------------------------------------------------------------------------


def template_layout(template: TemplateView) -> FormLayout:
    """Where everything is on the printed forms of ``template`` (the same in every language;
    see reference.form_layout): what a scanner reads a returned form with."""
    return form_layout([(item.code, item.kind) for item in template.items])


def too_long(template: TemplateView, pages: int) -> ValidationError:
    """The refusal to print a template whose form needs more than ``MAX_PAGES`` pages."""
    message = _(
        "The survey template {code} v{version} needs {pages} pages; a form has at most "
        "{most}. Ask head office to shorten the template; nothing was printed."
    ).format(code=template.code, version=template.version, pages=pages, most=MAX_PAGES)
    return ValidationError({"template": message}, message)


def check_printable(template: TemplateView) -> None:
    """Refuse (ValidationError) a template whose form cannot be printed, before any work."""
    pages = template_layout(template).page_count
    if pages > MAX_PAGES:
        raise too_long(template, pages)


def _date_text(day: date, language: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if language.startswith("zh") else f"{day}"


def _writer(
    output: Path, template: TemplateView, header: PrintHeader, day: date
) -> SurveyFormWriter:
    questions = [
        Question(i.kind, i.text(header.language), i.low, i.high, i.code) for i in template.items
    ]
    return SurveyFormWriter(
        output,
        build_header(
            title=template.title(header.language),
            company=header.company,
            branch=header.branch_label,
            date_text=_date_text(day, header.language),
            language=header.language,
            questions=questions,
        ),
    )


def _names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    rows = session.execute(select(Customer.id, Customer.name).where(Customer.id.in_(ids)))
    return {cid: name for cid, name in rows}


def _chunks(ids: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _print(
    session: Session,
    actor: Actor,
    ids: Sequence[str],
    output: Path,
    *,
    batch: bool,
    language: str | None,
    control: Control | None,
) -> PrintedSurveys:
    """Record one form per customer and draw it; chunked so memory stays flat."""
    template = active_template(session=session)
    check_printable(template)
    header = print_header(session, language)
    now = utcnow()
    day = to_local(now).date()
    pc_code = serial_pc_code(session)
    sequence = serials.next_sequence(session, actor.branch_id, pc_code, day)
    batch_id = new_id() if batch else None
    output = Path(output)
    try:  # printing.pdf_file writes atomically: output appears only once complete
        writer = _writer(output, template, header, day)
    except OSError as exc:
        raise output_error(output, exc) from exc
    except FormTooLong as exc:
        raise too_long(template, exc.pages) from None
    first: str | None = None
    last: str | None = None
    total = len(ids)
    try:
        for chunk in _chunks(ids):
            names = _names(session, chunk)
            for customer_id in chunk:
                if control is not None and control.cancelled:
                    raise PrintCancelled(_("Printing was cancelled; no form was recorded."))
                serial = serials.make_serial(actor.branch_id, pc_code, day, sequence)
                sequence += 1
                session.add(
                    SurveyForm(
                        serial=serial,
                        template_id=template.id,
                        customer_id=customer_id,
                        batch_id=batch_id,
                        printed_at=now,
                        status="printed",
                    )
                )
                writer.add(serial, names.get(customer_id, ""))
                first = first or serial
                last = serial
            session.flush()
            if control is not None:
                done = min(total, writer.forms)
                control.progress(
                    done, total, _("{done} of {total} forms").format(done=done, total=total)
                )
        writer.close()
    except BaseException as exc:
        writer.discard()
        if isinstance(exc, OSError):
            raise output_error(output, exc) from exc
        raise
    log.info("printed %d survey forms to %s", total, output)
    return PrintedSurveys(output, total, batch_id, first, last)


def print_survey_form(
    *,
    session: Session,
    actor: Actor,
    customer_id: str,
    output: Path,
    language: str | None = None,
) -> PrintedSurveys:
    """Print one personalised form for a customer (recorded with its serial)."""
    require(actor, Permission.SURVEY_PRINT)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound(_("Customer {id} does not exist.").format(id=customer_id))
    return _print(
        session, actor, [customer_id], output, batch=False, language=language, control=None
    )


def print_survey_batch(
    *,
    session: Session,
    actor: Actor,
    selection: Selection,
    output: Path,
    language: str | None = None,
    control: Control | None = None,
) -> PrintedSurveys:
    """Print one form per selected customer into ONE PDF, with progress and cancel."""
    require(actor, Permission.SURVEY_BATCH)
    if (
        selection.complaint_closed_days is not None
        and not 1 <= selection.complaint_closed_days <= 365
    ):
        raise ValidationError(
            {"complaint_closed_days": _("Enter a number of days between 1 and 365.")}
        )
    ids = select_customers(session=session, selection=selection)
    if not ids:
        raise ValidationError(
            {"selection": _("No customer matches this selection.")},
            _("No customer matches this selection; nothing was printed."),
        )
    if len(ids) > MAX_BATCH:
        raise ValidationError(
            {"selection": _("At most {n} forms per batch.").format(n=MAX_BATCH)},
        )
    if control is not None:
        control.progress(0, len(ids), _("Printing {n} forms…").format(n=len(ids)))
    return _print(session, actor, ids, output, batch=True, language=language, control=control)


def customer_by_phone(*, session: Session, phone: str) -> str:
    """The id of the live customer with this phone (as typed: +86, spaces, dashes allowed)."""
    try:
        digits, _kind = normalize_phone(phone)
    except ValueError as exc:
        raise ValidationError({"phone": f"{phone}: {exc}"}, f"{phone}: {exc}") from None
    found = session.scalars(
        select(CustomerPhone.customer_id)
        .join(Customer, Customer.id == CustomerPhone.customer_id)
        .where(
            CustomerPhone.phone == digits,
            CustomerPhone.deleted_at.is_(None),
            Customer.deleted_at.is_(None),
        )
    ).first()
    if found is None:
        raise NotFound(_("No customer has the phone number {phone}.").format(phone=phone))
    return found
