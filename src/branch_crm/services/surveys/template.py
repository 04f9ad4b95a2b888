"""The satisfaction survey template: versioned, owned by head office, seeded when missing.

The default follows DOMAIN.md "Satisfaction survey": the eight 1–5 criteria of table 4-14,
NPS 0–10, a customer-effort question (CES, 1–7 agreement) and an open suggestion.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from branch_crm.db import is_read_only
from branch_crm.errors import NotFound
from branch_crm.i18n import _
from branch_crm.models import HQ_BRANCH, SurveyTemplate
from branch_crm.services.reference_ids import reference_id

log = logging.getLogger(__name__)

DEFAULT_CODE = "satisfaction"
DEFAULT_VERSION = 1
KINDS = ("scale5", "nps", "ces", "text")
RANGES = {"scale5": (1, 5), "nps": (0, 10), "ces": (1, 7)}

# (code, kind, Chinese text, English text) — table 4-14 of seed 003, NPS of seed 001.
DEFAULT_ITEMS: tuple[tuple[str, str, str, str], ...] = (
    (
        "timeliness",
        "scale5",
        "时效性：取件、运输、派送准时",
        "Timeliness: pickup, transport, delivery",
    ),
    ("accuracy", "scale5", "准确性：货物无误送达", "Accuracy: the right goods to the right place"),
    (
        "integrity",
        "scale5",
        "完整性：包装完好、无损无丢",
        "Integrity: goods arrive whole, nothing lost",
    ),
    ("attitude", "scale5", "服务态度：沟通友好、处理及时", "Service attitude: friendly and prompt"),
    (
        "transparency",
        "scale5",
        "信息透明度：价格与流程清楚",
        "Transparency: clear prices and process",
    ),
    (
        "problem_solving",
        "scale5",
        "问题解决能力：处理快、效果好",
        "Problem solving: quick, effective",
    ),
    (
        "feedback",
        "scale5",
        "客户反馈机制：意见有人听、有回应",
        "Feedback channel: heard and answered",
    ),
    ("value", "scale5", "成本效益：费用合理", "Cost-effectiveness: fair charges"),
    (
        "nps",
        "nps",
        "您有多大可能向朋友或同事推荐我们？",
        "How likely are you to recommend us to a friend or colleague?",
    ),
    (
        "ces",
        "ces",
        "“寄件、查件和解决问题都很省事。”您是否同意？",
        "“Sending, tracking and sorting out problems was easy.” Do you agree?",
    ),
    ("suggestion", "text", "您对我们还有什么意见或建议？", "What else should we improve?"),
)


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


def default_items() -> list[dict[str, Any]]:
    """The default questions as stored in ``SurveyTemplate.items``."""
    return [
        {"code": code, "kind": kind, "text_zh": zh, "text_en": en}
        for code, kind, zh, en in DEFAULT_ITEMS
    ]


def _item(raw: Mapping[str, Any]) -> SurveyItem:
    return SurveyItem(
        code=str(raw["code"]),
        kind=str(raw.get("kind", "scale5")),
        text_zh=str(raw.get("text_zh") or raw.get("text_en") or raw["code"]),
        text_en=str(raw.get("text_en") or raw.get("text_zh") or raw["code"]),
    )


def _usable_items(raw_items: Any) -> tuple[SurveyItem, ...]:
    """The questions of a stored template; entries head office got wrong are left out (an
    unknown kind, no code, a code used twice) so one bad line cannot stop printing."""
    items: list[SurveyItem] = []
    seen: set[str] = set()
    for raw in raw_items if isinstance(raw_items, list) else ():
        if not isinstance(raw, Mapping) or raw.get("kind", "scale5") not in KINDS:
            continue
        code = str(raw.get("code") or "").strip()
        if not code or code in seen:
            log.warning("survey template item skipped: %r", raw)
            continue
        seen.add(code)
        items.append(_item({**raw, "code": code}))
    return tuple(items)


def template_view(row: SurveyTemplate) -> TemplateView:
    """Plain view of a template row."""
    return TemplateView(
        id=row.id,
        code=row.code,
        version=row.version,
        title_zh=row.title_zh or row.title_en or "",
        title_en=row.title_en or row.title_zh or "",
        items=_usable_items(row.items),
    )


DEFAULT_TEMPLATE_ID = reference_id("survey_template", DEFAULT_CODE, str(DEFAULT_VERSION))
SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)
"""created_at/updated_at of the default template as a PC seeds it (head office's copy,
received on the first pull, replaces them)."""


def default_template_values() -> dict[str, Any]:
    """The columns of the default template, the same on every PC and at head office."""
    return {
        "code": DEFAULT_CODE,
        "version": DEFAULT_VERSION,
        "title_zh": "客户满意度调查表",
        "title_en": "Customer satisfaction survey",
        "items": default_items(),
        "active": True,
    }


def seed_default_template(conn: Connection) -> bool:
    """Insert the default template unless this database holds it (even as a tombstone);
    True if it was added. Every PC does this when its database is created or migrated, so a
    form printed anywhere can be applied everywhere (head office publishes it too)."""
    query = select(SurveyTemplate.id).where(SurveyTemplate.id == DEFAULT_TEMPLATE_ID)
    if conn.execute(query).first() is not None:  # a plain connection: tombstones too
        return False
    conn.execute(
        insert(SurveyTemplate).values(
            id=DEFAULT_TEMPLATE_ID,
            branch_id=HQ_BRANCH,
            created_at=SEEDED_AT,
            updated_at=SEEDED_AT,
            **default_template_values(),
        )
    )
    log.info("default survey template seeded")
    return True


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
