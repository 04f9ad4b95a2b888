"""Satisfaction survey templates, printed forms and keyed-in responses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from branch_crm.models.base import BRANCH_ONLY_INDEX, Base, SyncedMixin, SyncKind, local_only


class SurveyTemplate(SyncedMixin, Base):
    """A versioned questionnaire from head office; published versions never change."""

    __tablename__ = "survey_template"
    __sync_kind__: ClassVar[SyncKind] = "reference"

    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    items: Mapped[list[Any]] = mapped_column(default=list)
    """[{"code", "kind" (scale5, nps, ces, text), "text_zh", "text_en"}, ...]"""
    active: Mapped[bool] = mapped_column(default=True)


class SurveyForm(SyncedMixin, Base):
    """One printed, numbered form handed to a customer."""

    __tablename__ = "survey_form"
    # "the last digits" of a serial (services.search_terms.code_match)
    __table_args__ = (Index("ix_survey_form_serial_tail", text("substr(serial, -4)")),)

    serial: Mapped[str] = mapped_column(String(40), unique=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("survey_template.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    batch_id: Mapped[str | None] = mapped_column(String(36), index=True)
    printed_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="printed")
    """printed, returned, void."""


class SurveyResponse(SyncedMixin, Base):
    """Answers to one survey; a correction is a new row that supersedes the old one."""

    __tablename__ = "survey_response"
    # the responses list, newest first (services.surveys.responses)
    __table_args__ = (
        Index("ix_survey_response_answered_on", "answered_on", "id", info=BRANCH_ONLY_INDEX),
    )
    __sync_kind__: ClassVar[SyncKind] = "insert_only"

    form_id: Mapped[str | None] = mapped_column(ForeignKey("survey_form.id"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("survey_template.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    """paper, phone, counter."""
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    suggestion: Mapped[str | None] = mapped_column(Text)
    answered_on: Mapped[datetime] = mapped_column()
    supersedes_id: Mapped[str | None] = mapped_column(String(36), index=True)
    entered_by: Mapped[str | None] = mapped_column(String(36))
    suggestion_clip: Mapped[bytes | None] = mapped_column(
        LargeBinary, deferred=True, **local_only(default=None)
    )
    """The handwritten suggestion as scanned (PNG), kept on the PC that scanned the form."""
