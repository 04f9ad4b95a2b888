"""The review queue of scanned pages: what the reader could not settle, for a person.

A page with unsure boxes is decided question by question (the clip of the scanned row beside
the question) and then stored through the keyed-entry service, with the answers read with
confidence; an unreadable page is keyed by hand from the paper (the page picture helps) and
then closed, or dismissed. Items are local to this PC (``models.survey_scan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import _, current_language
from branch_crm.models import SurveyForm, SurveyResponse, SurveyScanItem, SurveyScanPage
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.surveys.entry import EntryResult, ResponseInput, enter_form_response
from branch_crm.services.surveys.scan.intake import REASONS
from branch_crm.services.surveys.template import get_template
from branch_crm.timeutil import utcnow

__all__ = [
    "ReviewItemView",
    "ReviewPageView",
    "close_review",
    "get_review",
    "list_reviews",
    "open_review_count",
    "resolve_review",
]


@dataclass(frozen=True)
class ReviewItemView:
    """A question to decide: its text, range, the reader's guess and the scanned row."""

    item: str
    question: str
    low: int
    high: int
    suggested: int | None
    confidence: float
    reason: str
    clip: bytes | None


@dataclass(frozen=True)
class ReviewPageView:
    """A page waiting for a person. ``keyable``: its serial is known (its answers can be
    stored here); otherwise the clerk keys it from the paper."""

    id: str
    source: str
    serial: str | None
    reason: str
    reason_text: str
    detail: str | None
    scanned_at: datetime
    answers: Mapping[str, int | None]
    items: tuple[ReviewItemView, ...]
    page_clip: bytes | None
    suggestion_clip: bytes | None
    keyable: bool


def _open_pages(session: Session) -> list[SurveyScanPage]:
    rows = list(
        session.scalars(
            select(SurveyScanPage)
            .where(SurveyScanPage.status == "open")
            .order_by(SurveyScanPage.scanned_at, SurveyScanPage.id)
        )
    )
    # a form keyed in by hand meanwhile needs no review any more
    ids = {r.form_id for r in rows if r.form_id}
    answered = set(
        session.scalars(select(SurveyResponse.form_id).where(SurveyResponse.form_id.in_(ids))).all()
    )
    return [r for r in rows if r.form_id not in answered]


def open_review_count(*, session: Session) -> int:
    """How many scanned pages wait for review."""
    return int(
        session.scalar(
            select(func.count()).select_from(SurveyScanPage).where(SurveyScanPage.status == "open")
        )
        or 0
    )


def list_reviews(*, session: Session, actor: Actor) -> list[ReviewPageView]:
    """Pages waiting for review, oldest first (pictures not loaded: see get_review)."""
    require(actor, Permission.SURVEY_ENTER)
    return [_view(session, row, with_clips=False) for row in _open_pages(session)]


def get_review(*, session: Session, actor: Actor, review_id: str) -> ReviewPageView:
    """One review page with its pictures."""
    require(actor, Permission.SURVEY_ENTER)
    row = session.get(
        SurveyScanPage,
        review_id,
        options=[undefer(SurveyScanPage.page_clip), undefer(SurveyScanPage.suggestion_clip)],
    )
    if row is None:
        raise NotFound(_("Review item {id} does not exist.").format(id=review_id))
    return _view(session, row, with_clips=True)


def _view(session: Session, row: SurveyScanPage, *, with_clips: bool) -> ReviewPageView:
    query = select(SurveyScanItem).where(SurveyScanItem.page_id == row.id)
    if with_clips:
        query = query.options(undefer(SurveyScanItem.clip))
    items = list(session.scalars(query.order_by(SurveyScanItem.position)))
    form = session.get(SurveyForm, row.form_id) if row.form_id else None
    questions = {}
    if form is not None:
        template = get_template(session=session, template_id=form.template_id)
        language = current_language()  # the reader's language, as the entry form shows them
        questions = {i.code: (i.text(language), i.low, i.high) for i in template.items}
    return ReviewPageView(
        id=row.id,
        source=row.source,
        serial=row.serial,
        reason=row.reason,
        reason_text=_(REASONS.get(row.reason, row.reason)),
        detail=row.detail,
        scanned_at=row.scanned_at,
        answers=dict(row.answers or {}),
        items=tuple(
            ReviewItemView(
                item=i.item,
                question=questions.get(i.item, (i.item, 0, 0))[0],
                low=questions.get(i.item, (i.item, 0, 0))[1],
                high=questions.get(i.item, (i.item, 0, 0))[2],
                suggested=i.suggested,
                confidence=i.confidence,
                reason=i.reason,
                clip=i.clip if with_clips else None,
            )
            for i in items
        ),
        page_clip=row.page_clip if with_clips else None,
        suggestion_clip=row.suggestion_clip if with_clips else None,
        keyable=form is not None and row.reason in ("unsure", "blank", "refused"),
    )


def _open_row(session: Session, review_id: str) -> SurveyScanPage:
    row = session.get(SurveyScanPage, review_id)
    if row is None:
        raise NotFound(_("Review item {id} does not exist.").format(id=review_id))
    if row.status != "open":
        raise ValidationError(
            {"review": _("This page was already dealt with.")},
            _("This page was already dealt with."),
        )
    return row


def resolve_review(
    *, session: Session, actor: Actor, review_id: str, answers: Mapping[str, int | None]
) -> EntryResult:
    """Store the page's answers: those read with confidence, with ``answers`` (the clerk's
    decisions, item -> value or None for blank) over them; the same rules as keying."""
    require(actor, Permission.SURVEY_ENTER)
    row = _open_row(session, review_id)
    form = session.get(SurveyForm, row.form_id) if row.form_id else None
    if form is None:
        raise ValidationError(
            {"review": _("The serial of this page is unknown; key the form by hand.")},
            _("The serial of this page is unknown; key the form by hand."),
        )
    merged: dict[str, int | None] = dict(row.answers or {})
    merged.update(answers)
    result = enter_form_response(
        session=session,
        actor=actor,
        serial=form.serial,
        data=ResponseInput(merged, suggestion_clip=_clip(session, row)),
    )
    row.status = "done"
    row.response_id = result.response.id
    row.resolved_at = utcnow()
    row.resolved_by = actor.staff_id
    return result


def _clip(session: Session, row: SurveyScanPage) -> bytes | None:
    return session.scalar(select(SurveyScanPage.suggestion_clip).where(SurveyScanPage.id == row.id))


def close_review(*, session: Session, actor: Actor, review_id: str) -> None:
    """Take a page off the queue (keyed by hand, or not a form at all)."""
    require(actor, Permission.SURVEY_ENTER)
    row = _open_row(session, review_id)
    row.status = "dismissed"
    row.resolved_at = utcnow()
    row.resolved_by = actor.staff_id
