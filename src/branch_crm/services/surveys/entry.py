"""Keying in returned surveys, answers taken by phone or at the counter, and corrections.

A printed form is entered once. A correction never edits a response: it writes a new
``SurveyResponse`` that supersedes the old one, so the history stays (responses are
insert-only for sync). A detractor (NPS <= 6) or any item scored <= 2 opens a follow-up
care task on the customer (services.surveys.follow_ups) and, when asked, a complaint.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.models import Customer, CustomerPhone, Staff, SurveyForm, SurveyResponse
from branch_crm.models.stored_text import Message, english, message, render
from branch_crm.reference.roles import Permission
from branch_crm.services.care.feedback import close_feedback_tasks
from branch_crm.services.complaints.intake import ComplaintInput, take_complaint
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.surveys.follow_ups import (
    cancel_follow_up,
    follow_up_reasons,
    open_follow_up,
)
from branch_crm.services.surveys.serials import normalize_serial, serial_is_valid
from branch_crm.services.surveys.template import TemplateView, active_template, get_template
from branch_crm.timeutil import BUSINESS_TZ, local_today, to_local, utcnow

log = logging.getLogger(__name__)


CHANNELS = ("paper", "phone", "counter")
CHANNEL_LABELS = {
    "paper": N_("Paper form"),
    "phone": N_("By phone"),
    "counter": N_("At the counter"),
}


MAX_SUGGESTION = 2000
COMPLAINT_CHANNEL = {"paper": "counter", "counter": "counter", "phone": "phone"}


def _refuse(field_name: str, message: str) -> ValidationError:
    """A one-field refusal whose message is also the headline (the CLI shows only that)."""
    return ValidationError({field_name: message}, message)


def channel_label(channel: str) -> str:
    """Translated name of an answer channel."""
    return _(CHANNEL_LABELS.get(channel, channel))


@dataclass
class ResponseInput:
    """Answers as keyed in: item code -> number (None = left blank), plus the suggestion."""

    answers: dict[str, int | None]
    suggestion: str | None = None
    answered_on: date | None = None
    raise_complaint: bool = False
    complaint_category: str = "other"
    complaint_note: str | None = None
    suggestion_clip: bytes | None = None
    """The handwritten suggestion as scanned (PNG; a correction keeps the scanned one)."""


@dataclass(frozen=True)
class ResponseView:
    """One stored response; ``current`` is False once a correction superseded it."""

    id: str
    form_id: str | None
    serial: str | None
    customer_id: str
    template_id: str
    channel: str
    answers: Mapping[str, int]
    suggestion: str | None
    answered_on: date
    supersedes_id: str | None
    entered_by_name: str | None
    entered_at: datetime
    current: bool


@dataclass(frozen=True)
class FormLookup:
    """A printed form found by serial, with its customer and any answers already entered."""

    form_id: str
    serial: str
    customer_id: str
    customer_name: str
    customer_phone: str
    template: TemplateView
    printed_at: datetime
    status: str
    current: ResponseView | None


@dataclass(frozen=True)
class EntryResult:
    """What keying in did: the response, a follow-up task and complaint when opened."""

    response: ResponseView
    reasons: tuple[str, ...]
    follow_up_task_id: str | None
    complaint_number: str | None


# -- reading -------------------------------------------------------------------------------


def parse_answer(template: TemplateView, code: str, raw: str) -> int | None:
    """Typed text -> answer (blank -> None); raises ValueError with a translated message."""
    item = next((i for i in template.scored() if i.code == code), None)
    if item is None:
        raise ValueError(_("Unknown question {code}.").format(code=code))
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not item.low <= int(text) <= item.high:
        raise ValueError(
            _("Enter a number from {low} to {high}.").format(low=item.low, high=item.high)
        )
    return int(text)


def validate_answers(template: TemplateView, data: ResponseInput) -> dict[str, str]:
    """Field -> message for everything wrong (item codes are the field names)."""
    errors: dict[str, str] = {}
    items = {i.code: i for i in template.scored()}
    for code, value in data.answers.items():
        item = items.get(code)
        if item is None:
            errors[code] = _("Unknown question {code}.").format(code=code)
        elif value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not item.low <= value <= item.high
        ):
            errors[code] = _("Enter a number from {low} to {high}.").format(
                low=item.low, high=item.high
            )
    if not any(v is not None for v in data.answers.values()) and not errors:
        errors["answers"] = _("Enter at least one answer.")
    if data.suggestion and len(data.suggestion) > MAX_SUGGESTION:
        errors["suggestion"] = _("At most {n} characters.").format(n=MAX_SUGGESTION)
    if data.answered_on is not None and data.answered_on > local_today():
        errors["answered_on"] = _("The answer date cannot be in the future.")
    return errors


def _staff_names(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(ids)))
    return {sid: name for sid, name in rows}


def _superseded_ids(session: Session, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    rows = session.scalars(
        select(SurveyResponse.supersedes_id).where(SurveyResponse.supersedes_id.in_(ids))
    )
    return {r for r in rows if r}


def _views(session: Session, rows: list[SurveyResponse]) -> list[ResponseView]:
    names = _staff_names(session, {r.entered_by for r in rows if r.entered_by})
    superseded = _superseded_ids(session, [r.id for r in rows])
    form_rows = session.execute(
        select(SurveyForm.id, SurveyForm.serial).where(
            SurveyForm.id.in_({r.form_id for r in rows if r.form_id})
        )
    )
    serials = {form_id: serial for form_id, serial in form_rows}
    return [
        ResponseView(
            id=r.id,
            form_id=r.form_id,
            serial=serials.get(r.form_id) if r.form_id else None,
            customer_id=r.customer_id,
            template_id=r.template_id,
            channel=r.channel,
            answers={k: int(v) for k, v in (r.answers or {}).items() if v is not None},
            suggestion=r.suggestion,
            answered_on=to_local(r.answered_on).date(),
            supersedes_id=r.supersedes_id,
            entered_by_name=names.get(r.entered_by or ""),
            entered_at=r.created_at,
            current=r.id not in superseded,
        )
        for r in rows
    ]


def _current_for_form(session: Session, form_id: str) -> SurveyResponse | None:
    rows = list(session.scalars(select(SurveyResponse).where(SurveyResponse.form_id == form_id)))
    superseded = {r.supersedes_id for r in rows if r.supersedes_id}
    current = [r for r in rows if r.id not in superseded]
    return max(current, key=lambda r: r.created_at) if current else None


def _form_by_serial(session: Session, actor: Actor, serial: str) -> SurveyForm:
    text = normalize_serial(serial, actor.branch_id)
    if not text:
        raise _refuse("serial", _("Type or scan the serial printed on the form."))
    form = session.scalars(select(SurveyForm).where(SurveyForm.serial == text)).first()
    if form is not None:
        return form
    if not serial_is_valid(text):
        raise _refuse(
            "serial", _("{serial} is not a valid serial (check the digits).").format(serial=text)
        )
    raise NotFound(_("No printed form has the serial {serial}.").format(serial=text))


def _primary_phone(session: Session, customer_id: str) -> str:
    phone = session.scalars(
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == customer_id)
        .order_by(CustomerPhone.position)
    ).first()
    return phone or ""


def lookup_form(*, session: Session, actor: Actor, serial: str) -> FormLookup:
    """The form with ``serial`` (typed or scanned), its customer and current answers."""
    require(actor, Permission.SURVEY_ENTER)
    form = _form_by_serial(session, actor, serial)
    customer = session.get(Customer, form.customer_id)
    current = _current_for_form(session, form.id)
    return FormLookup(
        form_id=form.id,
        serial=form.serial,
        customer_id=form.customer_id,
        customer_name=customer.name if customer else "",
        customer_phone=_primary_phone(session, form.customer_id),
        template=get_template(session=session, template_id=form.template_id),
        printed_at=form.printed_at,
        status=form.status,
        current=_views(session, [current])[0] if current else None,
    )


# -- writing -------------------------------------------------------------------------------


def _answered_at(day: date | None) -> datetime:
    if day is None or day == local_today():
        return utcnow()
    return datetime.combine(day, time(12), tzinfo=BUSINESS_TZ).astimezone(UTC)


def _complaint(
    session: Session,
    actor: Actor,
    response: SurveyResponse,
    *,
    serial: str | None,
    reasons: list[Message],
    data: ResponseInput,
) -> str:
    source = (
        message(N_("survey {serial}"), serial=serial)
        if serial
        else message(CHANNEL_LABELS.get(response.channel, response.channel))
    )
    origin = message(
        N_("From a satisfaction survey ({source}): {reasons}."),
        source=source,
        reasons=reasons or "-",
    )
    notes = [data.complaint_note.strip() if data.complaint_note else "", response.suggestion or ""]
    said = "\n".join(n for n in notes if n)
    stored = message("{origin}\n{notes}", origin=origin, notes=said) if said else origin
    view = take_complaint(
        session=session,
        actor=actor,
        data=ComplaintInput(
            customer_id=response.customer_id,
            channel=COMPLAINT_CHANNEL.get(response.channel, "counter"),
            category=data.complaint_category,
            description=english(stored),
            description_message=stored,
        ),
    )
    return view.number


def _store(
    session: Session,
    actor: Actor,
    *,
    template: TemplateView,
    customer_id: str,
    channel: str,
    data: ResponseInput,
    form: SurveyForm | None,
    supersedes: SurveyResponse | None,
    chain: set[str],
) -> EntryResult:
    errors = validate_answers(template, data)
    if form is not None and data.answered_on is not None:
        printed = to_local(form.printed_at).date()
        if data.answered_on < printed:
            errors["answered_on"] = _(
                "The answer date is before the form was printed ({printed})."
            ).format(printed=printed.isoformat())
    if errors:
        raise ValidationError(errors)
    answers = {k: v for k, v in data.answers.items() if v is not None}
    response = SurveyResponse(
        form_id=form.id if form else None,
        template_id=template.id,
        customer_id=customer_id,
        channel=channel,
        answers=answers,
        suggestion=(data.suggestion or "").strip() or None,
        answered_on=_answered_at(data.answered_on),
        supersedes_id=supersedes.id if supersedes else None,
        entered_by=actor.staff_id,
        suggestion_clip=data.suggestion_clip
        if data.suggestion_clip is not None or supersedes is None
        else supersedes.suggestion_clip,
    )
    session.add(response)
    if form is not None:
        form.status = "returned"
    session.flush()
    close_feedback_tasks(session, response)  # the plan's feedback form due (not a correction)
    reasons = follow_up_reasons(template, answers)
    task_id = open_follow_up(session, response, chain | {response.id}, reasons) if reasons else None
    if not reasons and chain:
        cancel_follow_up(session, chain)
    number = None
    if data.raise_complaint:
        serial = form.serial if form else None
        number = _complaint(session, actor, response, serial=serial, reasons=reasons, data=data)
    log.info("survey response %s stored (%s)", response.id, channel)
    said = tuple(render(reason) for reason in reasons)
    return EntryResult(_views(session, [response])[0], said, task_id, number)


def enter_form_response(
    *, session: Session, actor: Actor, serial: str, data: ResponseInput
) -> EntryResult:
    """Key in a returned paper form; a form already entered is refused (correct it instead)."""
    require(actor, Permission.SURVEY_ENTER)
    form = _form_by_serial(session, actor, serial)
    if form.status == "void":
        raise _refuse("serial", _("Form {serial} was voided.").format(serial=form.serial))
    existing = _current_for_form(session, form.id)
    if existing is not None:
        when = to_local(existing.created_at).strftime("%Y-%m-%d %H:%M")
        message = _("Form {serial} was already entered on {when}; correct it instead.")
        raise _refuse("serial", message.format(serial=form.serial, when=when))
    template = get_template(session=session, template_id=form.template_id)
    return _store(
        session,
        actor,
        template=template,
        customer_id=form.customer_id,
        channel="paper",
        data=data,
        form=form,
        supersedes=None,
        chain=set(),
    )


def record_direct_response(
    *, session: Session, actor: Actor, customer_id: str, channel: str, data: ResponseInput
) -> EntryResult:
    """Answers taken by phone or at the counter without a printed form."""
    require(actor, Permission.SURVEY_ENTER)
    if channel not in ("phone", "counter"):
        raise _refuse("channel", _("Choose by phone or at the counter."))
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound(_("Customer {id} does not exist.").format(id=customer_id))
    template = active_template(session=session)
    return _store(
        session,
        actor,
        template=template,
        customer_id=customer_id,
        channel=channel,
        data=data,
        form=None,
        supersedes=None,
        chain=set(),
    )


def _chain(session: Session, response: SurveyResponse) -> list[SurveyResponse]:
    """The response and every response it (transitively) superseded, oldest first."""
    chain = [response]
    while chain[0].supersedes_id:
        older = session.get(SurveyResponse, chain[0].supersedes_id)
        if older is None:
            break
        chain.insert(0, older)
    return chain


def correct_response(
    *, session: Session, actor: Actor, response_id: str, data: ResponseInput
) -> EntryResult:
    """Replace the current answers with corrected ones; the old response stays in history."""
    require(actor, Permission.SURVEY_ENTER)
    old = session.get(SurveyResponse, response_id)
    if old is None:
        raise NotFound(_("Survey response {id} does not exist.").format(id=response_id))
    if _superseded_ids(session, [old.id]):
        raise _refuse("response", _("This answer was already corrected; correct the newest one."))
    form = session.get(SurveyForm, old.form_id) if old.form_id else None
    template = get_template(session=session, template_id=old.template_id)
    if data.answered_on is None:
        data.answered_on = to_local(old.answered_on).date()
    return _store(
        session,
        actor,
        template=template,
        customer_id=old.customer_id,
        channel=old.channel,
        data=data,
        form=form,
        supersedes=old,
        chain={r.id for r in _chain(session, old)},
    )


def response_history(*, session: Session, response_id: str) -> list[ResponseView]:
    """A response and the ones it replaced, oldest first (for the correction history)."""
    row = session.get(SurveyResponse, response_id)
    if row is None:
        raise NotFound(_("Survey response {id} does not exist.").format(id=response_id))
    newest = row
    while True:
        newer = session.scalars(
            select(SurveyResponse).where(SurveyResponse.supersedes_id == newest.id)
        ).first()
        if newer is None:
            break
        newest = newer
    return _views(session, _chain(session, newest))


def customer_responses(*, session: Session, customer_id: str) -> list[ResponseView]:
    """The customer's current responses, newest first."""
    rows = list(
        session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.customer_id == customer_id)
            .order_by(SurveyResponse.answered_on.desc())
        )
    )
    return [v for v in _views(session, rows) if v.current]
