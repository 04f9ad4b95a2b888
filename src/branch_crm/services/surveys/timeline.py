"""Surveys on the customer's timeline: forms printed, answers received (and corrected), and
the follow-up tasks they caused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import _
from branch_crm.models import CareTask, Staff, SurveyForm, SurveyResponse, SurveyTemplate
from branch_crm.models.stored_text import render
from branch_crm.services.surveys.entry import channel_label
from branch_crm.services.surveys.follow_ups import FOLLOW_UP_KIND
from branch_crm.services.timeline_entry import TimelineEntry


def _kinds(session: Session, template_ids: set[str]) -> dict[str, dict[str, str]]:
    if not template_ids:
        return {}
    rows = session.execute(
        select(SurveyTemplate.id, SurveyTemplate.items).where(SurveyTemplate.id.in_(template_ids))
    )
    return {tid: {str(i["code"]): str(i.get("kind")) for i in items or ()} for tid, items in rows}


def summary(answers: Mapping[str, Any], kinds: Mapping[str, str]) -> str:
    """'satisfied 6/8 · NPS 9 · effort 6' for a set of answers."""
    scale = [int(v) for c, v in answers.items() if v is not None and kinds.get(c) == "scale5"]
    parts = []
    if scale:
        happy = sum(v >= 4 for v in scale)
        parts.append(_("satisfied {happy}/{total}").format(happy=happy, total=len(scale)))
    for code, value in answers.items():
        if value is None:
            continue
        if kinds.get(code) == "nps":
            parts.append(_("NPS {value}").format(value=value))
        elif kinds.get(code) == "ces":
            parts.append(_("effort {value}").format(value=value))
    return " · ".join(parts)


def _names(session: Session, ids: set[str]) -> dict[str, str]:
    ids.discard("")
    if not ids:
        return {}
    rows = session.execute(select(Staff.id, Staff.display_name).where(Staff.id.in_(ids)))
    return {staff_id: name for staff_id, name in rows}


def _responses(session: Session, customer_id: str) -> list[TimelineEntry]:
    rows = list(
        session.scalars(select(SurveyResponse).where(SurveyResponse.customer_id == customer_id))
    )
    kinds = _kinds(session, {r.template_id for r in rows})
    form_ids = {r.form_id for r in rows if r.form_id}
    serials = {
        form_id: serial
        for form_id, serial in session.execute(
            select(SurveyForm.id, SurveyForm.serial).where(SurveyForm.id.in_(form_ids))
        )
    }
    names = _names(session, {r.entered_by or "" for r in rows})
    entries = []
    for r in rows:
        title = (
            _("Survey answers corrected ({channel})")
            if r.supersedes_id
            else _("Survey answered ({channel})")
        ).format(channel=channel_label(r.channel))
        parts = [
            serials.get(r.form_id or "", ""),
            summary(r.answers or {}, kinds.get(r.template_id, {})),
        ]
        if r.suggestion:
            parts.append(r.suggestion)
        entries.append(
            TimelineEntry(
                at=r.answered_on,
                kind="survey_response",
                title=title,
                detail=" · ".join(p for p in parts if p),
                actor_name=names.get(r.entered_by or ""),
            )
        )
    return entries


def _forms(session: Session, customer_id: str) -> list[TimelineEntry]:
    rows = list(session.scalars(select(SurveyForm).where(SurveyForm.customer_id == customer_id)))
    names = _names(session, {r.created_by or "" for r in rows})
    return [
        TimelineEntry(
            at=r.printed_at,
            kind="survey_form",
            title=_("Survey form {serial} printed").format(serial=r.serial),
            detail=_("in a batch") if r.batch_id else "",
            actor_name=names.get(r.created_by or ""),
        )
        for r in rows
    ]


def _follow_ups(session: Session, customer_id: str) -> list[TimelineEntry]:
    rows = list(
        session.scalars(
            select(CareTask).where(
                CareTask.customer_id == customer_id, CareTask.kind == FOLLOW_UP_KIND
            )
        )
    )
    states = {"open": _("open"), "done": _("done"), "cancelled": _("cancelled")}
    return [
        TimelineEntry(
            at=r.created_at,
            kind="survey_follow_up",
            title=render(r.title_message, r.title),
            detail=_("Follow-up due {day} · {state}").format(
                day=r.due_on.isoformat(), state=states.get(r.status, r.status)
            ),
            actor_name=None,
        )
        for r in rows
    ]


def survey_timeline(session: Session, customer_id: str) -> list[TimelineEntry]:
    """The customer's survey events, newest first."""
    entries = [
        *_forms(session, customer_id),
        *_responses(session, customer_id),
        *_follow_ups(session, customer_id),
    ]
    return sorted(entries, key=lambda e: e.at, reverse=True)
