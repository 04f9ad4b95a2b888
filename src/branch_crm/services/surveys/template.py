"""The satisfaction survey template: versioned, owned by head office, seeded when missing.

The default (:mod:`branch_crm.reference.defaults`) follows DOMAIN.md "Satisfaction survey":
the eight 1–5 criteria of table 4-14, NPS 0–10, a customer-effort question (CES, 1–7
agreement) and an open suggestion. Stored questions are read with the head-office schema.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.db import is_read_only
from branch_crm.errors import NotFound
from branch_crm.i18n import _
from branch_crm.models import SurveyTemplate
from branch_crm.reference.defaults import (
    DEFAULT_TEMPLATE_ID,
    seed_default_template,
)
from branch_crm.reference.schema import RANGES, read_items

__all__ = [
    "SurveyItem",
    "TemplateView",
    "active_template",
    "ensure_default_template",
    "get_template",
    "template_view",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SurveyItem:
    """One question: ``kind`` is scale5, nps, ces or text; ``low``..``high`` its range."""

    code: str
    kind: str
    text_zh: str
    text_en: str

    @property
    def low(self) -> int:
        """Smallest allowed answer (0 for text items)."""
        return RANGES.get(self.kind, (0, 0))[0]

    @property
    def high(self) -> int:
        """Largest allowed answer (0 for text items)."""
        return RANGES.get(self.kind, (0, 0))[1]

    def text(self, language: str) -> str:
        """The question in ``language``."""
        return self.text_zh if language.startswith("zh") else self.text_en


@dataclass(frozen=True)
class TemplateView:
    """A survey template version and its questions, in order."""

    id: str
    code: str
    version: int
    title_zh: str
    title_en: str
    items: tuple[SurveyItem, ...]

    def title(self, language: str) -> str:
        """The title in ``language``."""
        return self.title_zh if language.startswith("zh") else self.title_en

    def scored(self) -> tuple[SurveyItem, ...]:
        """Items answered with a number (everything but the open suggestion)."""
        return tuple(i for i in self.items if i.kind != "text")

    def of_kind(self, kind: str) -> tuple[SurveyItem, ...]:
        """Items of one kind."""
        return tuple(i for i in self.items if i.kind == kind)


def template_view(row: SurveyTemplate) -> TemplateView:
    """Plain view of a template row."""
    return TemplateView(
        id=row.id,
        code=row.code,
        version=row.version,
        title_zh=row.title_zh or row.title_en or "",
        title_en=row.title_en or row.title_zh or "",
        items=tuple(
            SurveyItem(i.code, i.kind, i.text_zh, i.text_en) for i in read_items(row.items)
        ),
    )


def ensure_default_template(session: Session) -> str:
    """The default template's id, seeding the template first if this database lacks it
    (not on a read-only session: reads never write; the database was seeded when opened)."""
    if not is_read_only(session):
        seed_default_template(session.connection())
    return DEFAULT_TEMPLATE_ID


def active_template(*, session: Session) -> TemplateView:
    """The newest active template version (head office may publish new ones); a version
    without a single usable numbered question is passed over."""
    ensure_default_template(session)
    rows = session.scalars(
        select(SurveyTemplate)
        .where(SurveyTemplate.active.is_(True))
        .order_by(SurveyTemplate.version.desc(), SurveyTemplate.updated_at.desc())
    )
    for row in rows:
        view = template_view(row)
        if view.scored():
            return view
        log.warning("survey template %s v%s has no usable question; skipped", row.code, row.version)
    raise NotFound(_("No active survey template; sync with head office."))


def get_template(*, session: Session, template_id: str) -> TemplateView:
    """A template version by id (also inactive ones: old forms keep their questions)."""
    row = session.get(SurveyTemplate, template_id)
    if row is None:
        raise NotFound(_("Survey template {id} does not exist.").format(id=template_id))
    return template_view(row)
