"""Scanned pages in, responses and review items out.

Every page is read (``reader``); the serial in its QR code decides the form and so the
customer: a serial that cannot be read, or that no printed form has, never stores an answer
(the page goes to review). A page read with confidence is keyed in through the same entry
service as a clerk's keying (``services.surveys.entry.enter_form_response``), so every rule
applies: once per form, follow-ups for detractors, the form marked returned. A page with a
box the reader is unsure of is stored whole only after a person has looked (``review``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import CrmError
from branch_crm.i18n import N_, _
from branch_crm.models import SurveyForm, SurveyScanItem, SurveyScanPage
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require
from branch_crm.services.surveys.entry import ResponseInput, enter_form_response
from branch_crm.services.surveys.scan.layout import FormLayout, page_layouts
from branch_crm.services.surveys.scan.pages import SUFFIXES, PageImage, count_pages, read_pages
from branch_crm.services.surveys.scan.reader import PageReading, read_page
from branch_crm.services.surveys.serials import normalize_serial
from branch_crm.services.surveys.template import active_template, get_template
from branch_crm.timeutil import utcnow

__all__ = [
    "ACTIONS",
    "REASONS",
    "PageOutcome",
    "ScanControl",
    "ScanSummary",
    "check_files",
    "expand_paths",
    "scan_files",
]

log = logging.getLogger(__name__)

ACTIONS = {
    "stored": N_("stored"),
    "review": N_("sent to review"),
    "unreadable": N_("unreadable, sent to review"),
    "skipped": N_("skipped"),
}
REASONS = {
    "unsure": N_("a box to check"),
    "no_page": N_("the page's corner marks were not found"),
    "no_serial": N_("the QR code could not be read"),
    "unknown": N_("no printed form has this serial"),
    "mismatch": N_("the boxes are not where this form has them"),
    "blank": N_("no box is marked"),
    "pages": N_("a form of several pages: key it by hand"),
    "refused": N_("the answers were refused"),
}


class ScanControl(Protocol):
    """Progress and cancel (ui.context submit passes one; the CLI prints progress)."""

    def progress(self, done: int, total: int, text: str = "") -> None: ...

    @property
    def cancelled(self) -> bool: ...


@dataclass(frozen=True)
class PageOutcome:
    """What happened to one page: ``action`` stored, review, unreadable or skipped."""

    source: str
    serial: str | None
    action: str
    detail: str
    response_id: str | None = None
    review_id: str | None = None
    follow_up: bool = False
    file: str = ""
    page_number: int = 0


@dataclass
class ScanSummary:
    """Every page's outcome, in order, and the counts."""

    pages: list[PageOutcome] = field(default_factory=list)
    cancelled: bool = False

    def count(self, action: str) -> int:
        """How many pages had ``action``."""
        return sum(1 for p in self.pages if p.action == action)


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a folder stands for its PDF and image files (by name)."""
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return out


def check_files(paths: Sequence[Path]) -> int:
    """The number of pages of all files; raises ScanFileError for the first that cannot be
    opened (before anything is stored)."""
    return sum(count_pages(path) for path in paths)


class _Layouts:
    """The layout of a page of a serial's form (from the form's template)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.branch = actor.branch_id
        self.forms: dict[str, SurveyForm | None] = {}

    def form(self, serial: str) -> SurveyForm | None:
        text = normalize_serial(serial, self.branch)
        if text not in self.forms:
            self.forms[text] = self.session.scalars(
                select(SurveyForm).where(SurveyForm.serial == text)
            ).first()
        return self.forms[text]

    def __call__(self, serial: str, page: int) -> list[FormLayout]:
        form = self.form(serial)
        if form is None:
            return []
        template = get_template(session=self.session, template_id=form.template_id)
        pages = page_layouts(template)
        return [pages[page - 1]] if 1 <= page <= len(pages) else []


def _base_layout(session: Session) -> FormLayout:
    return page_layouts(active_template(session=session))[0]


def _review(
    session: Session,
    actor: Actor,
    page: PageImage,
    reading: PageReading,
    *,
    reason: str,
    form: SurveyForm | None,
    detail: str | None = None,
) -> SurveyScanPage:
    answers = {i.item: i.value for i in reading.items if i.status != "review"}
    row = SurveyScanPage(
        scanned_at=utcnow(),
        scanned_by=actor.staff_id,
        source=page.label,
        serial=reading.serial,
        form_id=form.id if form is not None else None,
        reason=reason,
        detail=detail,
        status="open",
        answers=answers,
        suggestion_clip=next(iter(reading.suggestion_clips.values()), None),
        page_clip=reading.page_clip(),
    )
    session.add(row)
    session.flush()
    for position, item in enumerate(reading.items):
        if item.status != "review":
            continue
        session.add(
            SurveyScanItem(
                page_id=row.id,
                position=position,
                item=item.item,
                suggested=item.value,
                confidence=item.confidence,
                reason=item.reason,
                boxes=[[b.value, b.ink, b.style] for b in item.boxes],
                clip=reading.item_clip(item),
            )
        )
    session.flush()
    return row


def _waiting(session: Session, form_id: str) -> bool:
    return (
        session.scalars(
            select(SurveyScanPage.id).where(
                SurveyScanPage.form_id == form_id, SurveyScanPage.status == "open"
            )
        ).first()
        is not None
    )


def _outcome(
    page: PageImage, reading: PageReading, action: str, reason: str, row: SurveyScanPage | None
) -> PageOutcome:
    return PageOutcome(
        page.label, reading.serial, action, _(REASONS[reason]), review_id=row.id if row else None
    )


def _not_read(
    session: Session, actor: Actor, page: PageImage, reading: PageReading, form: SurveyForm | None
) -> PageOutcome:
    """A page whose answers were not read: to review (a returned form is skipped)."""
    reason = reading.status
    if reading.status == "no_page" and reading.serial and form is None:
        reason = "unknown"
    if form is not None and form.status == "returned":
        return PageOutcome(page.label, reading.serial, "skipped", _("already entered"))
    row = _review(session, actor, page, reading, reason=reason, form=form)
    action = "review" if reading.serial and form is not None else "unreadable"
    return _outcome(page, reading, action, reason, row)


def _handle(
    session: Session, actor: Actor, page: PageImage, reading: PageReading, layouts: _Layouts
) -> PageOutcome:
    form = layouts.form(reading.serial) if reading.serial else None
    if reading.status != "read":
        return _not_read(session, actor, page, reading, form)
    assert form is not None and reading.serial is not None
    skipped = _skip_reason(session, form)
    if skipped:
        return PageOutcome(page.label, form.serial, "skipped", skipped)
    return _store(session, actor, page, reading, form)


def _skip_reason(session: Session, form: SurveyForm) -> str | None:
    """Why a read page is not stored nor queued (None: it is)."""
    if form.status == "returned":
        return _("already entered")
    if form.status == "void":
        return _("the form was voided")
    if _waiting(session, form.id):
        return _("already waiting for review")
    return None


def _store(
    session: Session, actor: Actor, page: PageImage, reading: PageReading, form: SurveyForm
) -> PageOutcome:
    """Key in the answers of a page read with confidence; to review otherwise."""
    if reading.layout is not None and reading.layout.pages > 1:
        # each page holds part of the answers, and a form is entered once: a person keys it
        row = _review(session, actor, page, reading, reason="pages", form=form)
        return _outcome(page, reading, "review", "pages", row)
    unsure = [i for i in reading.items if i.status == "review"]
    if unsure:
        row = _review(session, actor, page, reading, reason="unsure", form=form)
        detail = _("{n} of {total} questions to check").format(
            n=len(unsure), total=len(reading.items)
        )
        return PageOutcome(page.label, form.serial, "review", detail, review_id=row.id)
    answers = {i.item: i.value for i in reading.items}
    if not any(v is not None for v in answers.values()):
        row = _review(session, actor, page, reading, reason="blank", form=form)
        return _outcome(page, reading, "review", "blank", row)
    data = ResponseInput(
        answers, suggestion_clip=next(iter(reading.suggestion_clips.values()), None)
    )
    try:
        with session.begin_nested():
            result = enter_form_response(
                session=session, actor=actor, serial=form.serial, data=data
            )
    except CrmError as exc:
        row = _review(
            session, actor, page, reading, reason="refused", form=form, detail=exc.message[:400]
        )
        return PageOutcome(page.label, form.serial, "review", exc.message, review_id=row.id)
    count = sum(1 for v in answers.values() if v is not None)
    detail = _("{n} answers").format(n=count)
    if result.follow_up_task_id:
        detail += _("; follow-up task created")
    return PageOutcome(
        page.label,
        form.serial,
        "stored",
        detail,
        response_id=result.response.id,
        follow_up=result.follow_up_task_id is not None,
    )


def scan_files(
    *,
    session: Session,
    actor: Actor,
    paths: Sequence[Path],
    control: ScanControl | None = None,
    on_page: Callable[[PageOutcome], None] | None = None,
) -> ScanSummary:
    """Read every page of ``paths`` (PDF, PNG, JPEG, TIFF; folders stand for their files),
    store what was read with confidence and queue the rest for review. A file that cannot be
    opened raises ScanFileError before any page is read."""
    require(actor, Permission.SURVEY_ENTER)
    files = expand_paths(paths)
    total = check_files(files)
    layouts = _Layouts(session, actor)
    base = _base_layout(session)
    summary = ScanSummary()
    for path in files:
        for page in read_pages(path):
            if control is not None and control.cancelled:
                summary.cancelled = True
                return summary
            reading = read_page(page.pixels, base=base, layouts_of=layouts)
            outcome = replace(
                _handle(session, actor, page, reading, layouts),
                file=str(page.path),
                page_number=page.number,
            )
            log.info("scan %s: %s %s", page.label, reading.serial, outcome.action)
            summary.pages.append(outcome)
            if on_page is not None:
                on_page(outcome)
            if control is not None:
                done = len(summary.pages)
                control.progress(
                    done, total, _("{done} of {total} pages").format(done=done, total=total)
                )
    return summary
