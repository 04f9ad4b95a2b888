"""The audit log in words a supervisor reads: what kind of record, which customer or complaint
(by name or number), which field (by its label) and the values in display form.

:func:`resolve_names` runs with the query (it needs the database) and returns only stored
facts (names, numbers), so the rows stay language-neutral; the labels and value texts are
made at display time in the reader's language by :func:`entity_label` and
:func:`describe_changes`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import N_, _, current_language
from branch_crm.models import (
    CareTask,
    Complaint,
    ComplaintEvent,
    Customer,
    CustomerPhone,
    MonthlyVolume,
    PickupPreference,
    ReferenceCode,
    ReferenceKind,
    Staff,
    SurveyForm,
    SurveyResponse,
    TrainingAttendee,
    TrainingSession,
    Visit,
)
from branch_crm.models.stored_text import is_message, render
from branch_crm.reference.labels import CUSTOMER_TYPES, VISIT_CLASSES, label, need_tags_text
from branch_crm.services.care.follow_ups import kind_label, status_label
from branch_crm.services.complaints.labels import channel_label, format_money
from branch_crm.services.complaints.labels import status_label as complaint_status
from branch_crm.services.customers.history import FIELD_LABELS as CUSTOMER_FIELDS
from branch_crm.services.customers.preferences import HISTORY_FIELDS, value_in_words
from branch_crm.services.permissions import role_label
from branch_crm.services.training.inputs import status_label as attendance_label
from branch_crm.timeutil import to_local

ENTITY_LABELS = {
    "database": N_("Database"),
    "customer": N_("Customer"),
    "customer_phone": N_("Customer phone"),
    "pickup_preference": N_("Pickup preferences"),
    "monthly_volume": N_("Monthly volume"),
    "complaint": N_("Complaint"),
    "complaint_event": N_("Complaint step"),
    "care_task": N_("Follow-up"),
    "visit": N_("Visit"),
    "survey_form": N_("Survey form"),
    "survey_response": N_("Survey answers"),
    "survey_template": N_("Survey template"),
    "training_session": N_("Training session"),
    "training_attendee": N_("Training attendance"),
    "staff": N_("Staff account"),
    "sync_conflict": N_("Sync conflict"),
    "sync_rejected_change": N_("Change head office did not apply"),
    "sla_policy": N_("SLA policy"),
    "holiday": N_("Holiday"),
    "festival_date": N_("Festival date"),
    "policy_setting": N_("Setting"),
    "reference_code": N_("Reference list entry"),
    "customer_list": N_("Customer list"),
}

FIELD_LABELS: dict[str, str] = {
    "customer_id": N_("Customer"),
    "status": N_("Status"),
    "notes": N_("Notes"),
    "assignee_id": N_("Assigned to"),
    "account_manager_id": N_("Account manager"),
    "staff_id": N_("Staff member"),
    "deleted_at": N_("Deleted"),
    "kind": N_("Kind"),
    "number": N_("Number"),
    "waybill_no": N_("Waybill"),
    "channel": N_("Channel"),
    "category": N_("Category"),
    "description": N_("Description"),
    "grade": N_("Grade"),
    "root_cause": N_("Root cause"),
    "corrective_action": N_("Corrective action"),
    "compensation_requested_cents": N_("Compensation asked"),
    "compensation_granted_cents": N_("Compensation granted"),
    "escalation_level": N_("Escalation level"),
    "response_breached": N_("Response overdue"),
    "resolution_breached": N_("Resolution overdue"),
    "due_on": N_("Due"),
    "title": N_("Title"),
    "username": N_("User name"),
    "display_name": N_("Name"),
    "role": N_("Role"),
    "active": N_("Active"),
    "password_hash": N_("Password"),
    "month": N_("Month"),
    "parcels": N_("Parcels"),
    "revenue_cents": N_("Revenue"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "audience": N_("Audience"),
    "content_points": N_("Content"),
    "incident_notice": N_("Incident notice"),
    "answered_on": N_("Answered on"),
    "note": N_("Note"),
    "reason": N_("Reason"),
    "contact": N_("Contact"),
    "remarks": N_("Remarks"),
    "trainer": N_("Trainer"),
    "location": N_("Place"),
    "starts_at": N_("Starts"),
    "ends_at": N_("Ends"),
    "answers": N_("Answers"),
    "suggestion": N_("Suggestion"),
    "serial": N_("Serial"),
    "resolution": N_("Resolution"),
    "value": N_("Value"),
    "key": N_("Setting"),
    "title_message": N_("Title"),
    "outcome_message": N_("Outcome"),
    "description_message": N_("Description"),
    "detail_message": N_("Why"),
    "received_at": N_("Received"),
    "responded_at": N_("Responded at"),
    "resolved_at": N_("Resolved at"),
    "closed_at": N_("Closed"),
    "response_due_at": N_("Respond by"),
    "resolution_due_at": N_("Resolve by"),
    "paused_since": N_("Paused since"),
    "paused_seconds": N_("Time paused (seconds)"),
    "reopen_count": N_("Times reopened"),
    "suggested_grade": N_("Suggested grade"),
    "grade_reason": N_("Reason for the grade"),
    "done_at": N_("Done at"),
    "period": N_("Period"),
    "next_step": N_("Next step"),
    "next_visit_on": N_("Next visit"),
    "task_id": N_("Follow-up"),
    "at": N_("When"),
    "printed_at": N_("Printed at"),
}
CODE_LISTS = {"category": ReferenceKind.COMPLAINT_CATEGORY, "root_cause": ReferenceKind.ROOT_CAUSE}
"""Columns holding a code of a head-office list (named in both languages there)."""
"""Labels of columns by name, where no table-specific label applies."""

PEOPLE_COLUMNS = frozenset(
    {"assignee_id", "account_manager_id", "staff_id", "resolved_by", "recorded_by", "entered_by"}
)
CUSTOMER_COLUMNS = frozenset({"customer_id", "other_customer_id"})
HIDDEN = frozenset(
    {"id", "branch_id", "name_pinyin", "name_initials", "sla_policy_id", "sla_basis", "source_id"}
    | {"position", "session_id", "complaint_id", "form_id", "template_id", "supersedes_id"}
)
"""Bookkeeping columns a supervisor has no use for (the parent a record belongs to is
already named as its subject)."""
MONEY = frozenset({"compensation_requested_cents", "compensation_granted_cents", "revenue_cents"})

SURVEY_FORM_STATUS = {"printed": N_("printed"), "returned": N_("returned"), "void": N_("voided")}

CodeText = Callable[[Any], str]
CODE_TEXTS: dict[tuple[str, str], CodeText] = {
    ("customer", "customer_type"): lambda v: label(CUSTOMER_TYPES, v),
    ("customer", "visit_class"): lambda v: label(VISIT_CLASSES, v),
    ("customer", "need_tags"): lambda v: need_tags_text(v or ""),
    ("staff", "role"): lambda v: role_label(v) if v else "",
    ("complaint", "status"): complaint_status,
    ("complaint", "channel"): channel_label,
    ("care_task", "kind"): kind_label,
    ("care_task", "status"): status_label,
    ("training_attendee", "status"): attendance_label,
    ("survey_form", "status"): lambda v: _(SURVEY_FORM_STATUS[v]) if v in SURVEY_FORM_STATUS else v,
}


# --- labels (display time) -------------------------------------------------------------------


def entity_label(entity: str) -> str:
    """The translated name of a kind of record (the table name when unknown)."""
    text = ENTITY_LABELS.get(entity)
    return _(text) if text else entity


def field_label(entity: str, column: str) -> str:
    """The label of a column as the forms show it (the column name when unknown)."""
    if entity == "customer" and column in CUSTOMER_FIELDS:
        text = _(CUSTOMER_FIELDS[column])
        return text[:1].upper() + text[1:]
    if entity == "pickup_preference" and column in HISTORY_FIELDS:
        return _(HISTORY_FIELDS[column])
    label_id = FIELD_LABELS.get(column)
    return _(label_id) if label_id else column.replace("_", " ")


def value_text(
    entity: str,
    column: str,
    value: Any,
    names: Mapping[str, str],
    codes: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """A stored value in display form: names for ids, labels for codes, local times."""
    if value is None or value == "":
        return "—"
    if column in CODE_LISTS and codes and f"{column}:{value}" in codes:
        texts = codes[f"{column}:{value}"]
        return texts.get(current_language()) or texts.get("en") or str(value)
    if entity == "pickup_preference" and column in HISTORY_FIELDS:
        return value_in_words(column, value)
    if (entity, column) in CODE_TEXTS:
        return CODE_TEXTS[(entity, column)](value)
    if column in PEOPLE_COLUMNS or column in CUSTOMER_COLUMNS:
        return names.get(str(value), str(value)[:8])
    return _plain_text(column, value)


def _plain_text(column: str, value: Any) -> str:
    if is_message(value):  # language-neutral text: in the reader's language
        return render(value)
    if column == "deleted_at" or isinstance(value, bool):
        return _("yes") if value else _("no")
    if column in MONEY and isinstance(value, int):
        return format_money(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return _time_text(str(value))


def _time_text(text: str) -> str:
    """ISO instants (as the log stores them) in local time; anything else unchanged."""
    if len(text) >= 19 and text[10:11] == "T" and text[:4].isdigit():
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        return to_local(moment).strftime("%Y-%m-%d %H:%M")
    return text


def changed_fields(entity: str, changes: Mapping[str, Any]) -> list[str]:
    """The columns of an entry a supervisor sees (bookkeeping left out, and a text's English
    copy when its language-neutral message is there), in stored order."""
    return [k for k in changes if k not in HIDDEN and f"{k}_message" not in changes]


def describe_changes(
    entity: str,
    changes: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    *,
    limit: int = 6,
    width: int = 40,
    created: bool = False,
    codes: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """``Field: old → new; ...`` with labels and display values (``created``: the values)."""
    names = names or {}
    keys = changed_fields(entity, changes)
    parts = []
    for key in keys[:limit]:
        value = changes[key]
        if isinstance(value, list | tuple) and len(value) == 2:
            old, new = (_short(value_text(entity, key, v, names, codes), width) for v in value)
            text = new if created else f"{old} → {new}"
        else:
            text = _short(value_text(entity, key, value, names, codes), width)
        parts.append(_("{field}: {change}").format(field=field_label(entity, key), change=text))
    if len(keys) > limit:
        parts.append("…")
    return _("; ").join(parts)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# --- names (query time) ----------------------------------------------------------------------

CUSTOMER_CHILDREN: dict[str, Any] = {
    "customer_phone": CustomerPhone,
    "pickup_preference": PickupPreference,
    "monthly_volume": MonthlyVolume,
    "care_task": CareTask,
    "visit": Visit,
    "survey_form": SurveyForm,
    "survey_response": SurveyResponse,
}
"""Records that belong to a customer: the customer's name says which."""


def resolve_names(
    session: Session, entries: Iterable[tuple[str, str | None, Mapping[str, Any]]]
) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """For (entity, entity id, changes) triples: the subject of each record (customer name,
    complaint number and customer, staff name, training session) and the names of the people
    and customers whose ids occur in the changes."""
    wanted: dict[str, set[str]] = {}
    people: set[str] = set()
    customers: set[str] = set()
    for entity, entity_id, changes in entries:
        if entity_id:
            wanted.setdefault(entity, set()).add(entity_id)
        for key, value in changes.items():
            values = value if isinstance(value, list | tuple) else [value]
            ids = {v for v in values if isinstance(v, str) and v}
            if key in PEOPLE_COLUMNS:
                people |= ids
            elif key in CUSTOMER_COLUMNS:
                customers |= ids
    owner: dict[tuple[str, str], str] = {}  # record -> its customer's id
    for entity, model in CUSTOMER_CHILDREN.items():
        for rid, cid in _pairs(session, model.id, model.customer_id, wanted.get(entity)):
            owner[(entity, rid)] = cid
    for cid in wanted.get("customer", set()):
        owner[("customer", cid)] = cid
    events = _pairs(session, ComplaintEvent.id, ComplaintEvent.complaint_id,
                    wanted.get("complaint_event"))  # fmt: skip
    complaints = _complaints(session, wanted.get("complaint", set()) | {c for _e, c in events})
    for rid, (_number, cid) in complaints.items():
        owner[("complaint", rid)] = cid
    names = dict(_pairs(session, Customer.id, Customer.name, customers | set(owner.values())))
    subjects = {key: names.get(cid, "") for key, cid in owner.items()}
    for rid, (number, cid) in complaints.items():
        subjects[("complaint", rid)] = " · ".join(p for p in (number, names.get(cid)) if p)
    for eid, cid in events:
        subjects[("complaint_event", eid)] = subjects.get(("complaint", cid), "")
    staff_ids = people | wanted.get("staff", set())
    staff = dict(_pairs(session, Staff.id, Staff.display_name, staff_ids))
    for sid in wanted.get("staff", set()):
        subjects[("staff", sid)] = staff.get(sid, "")
    subjects |= _training(session, wanted)
    return subjects, {**names, **staff}


def resolve_codes(
    session: Session, changes: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, str]]:
    """``"category:damage"`` -> the code's names by language, for the list codes in
    ``changes`` (language-neutral: the reader's language picks one at display time)."""
    wanted: dict[str, set[str]] = {}
    for entry in changes:
        for column in CODE_LISTS.keys() & entry.keys():
            value = entry[column]
            values = value if isinstance(value, list | tuple) else [value]
            wanted.setdefault(column, set()).update(v for v in values if isinstance(v, str))
    found: dict[str, dict[str, str]] = {}
    for column, codes in wanted.items():
        rows = session.execute(
            select(ReferenceCode.code, ReferenceCode.name_zh, ReferenceCode.name_en).where(
                ReferenceCode.list_kind == CODE_LISTS[column], ReferenceCode.code.in_(codes)
            )
        )
        for code, zh, en in rows:
            found[f"{column}:{code}"] = {"zh_CN": zh, "en": en}
    return found


def _pairs(session: Session, key: Any, value: Any, ids: set[str] | None) -> list[tuple[str, str]]:
    if not ids:
        return []
    found: list[tuple[str, str]] = []
    ordered = sorted(ids)
    for i in range(0, len(ordered), 500):
        query = select(key, value).where(key.in_(ordered[i : i + 500]))
        rows = session.execute(query.execution_options(include_deleted=True))
        found += [(str(k), str(v or "")) for k, v in rows]
    return found


def _complaints(session: Session, ids: set[str]) -> dict[str, tuple[str, str]]:
    """complaint id -> (number, customer id)."""
    if not ids:
        return {}
    query = select(Complaint.id, Complaint.number, Complaint.customer_id).where(
        Complaint.id.in_(sorted(ids))
    )
    rows = session.execute(query.execution_options(include_deleted=True))
    return {cid: (number or "", customer or "") for cid, number, customer in rows}


def _training(session: Session, wanted: dict[str, set[str]]) -> dict[tuple[str, str], str]:
    subjects: dict[tuple[str, str], str] = {}
    sessions = {
        sid: (title, starts)
        for sid, title, starts in session.execute(
            select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at)
            .where(TrainingSession.id.in_(sorted(wanted.get("training_session", set()))))
            .execution_options(include_deleted=True)
        )
    }
    for sid, (title, starts) in sessions.items():
        subjects[("training_session", sid)] = _session_text(title, starts)
    ids = sorted(wanted.get("training_attendee", set()))
    if ids:
        rows = session.execute(
            select(TrainingAttendee.id, TrainingAttendee.name, TrainingSession.title)
            .join(TrainingSession, TrainingSession.id == TrainingAttendee.session_id)
            .where(TrainingAttendee.id.in_(ids))
            .execution_options(include_deleted=True)
        )
        for aid, name, title in rows:
            subjects[("training_attendee", aid)] = f"{name} · {title}"
    return subjects


def _session_text(title: str, starts: datetime | date | None) -> str:
    if isinstance(starts, datetime):
        return f"{title} · {to_local(starts):%Y-%m-%d}"
    return title
