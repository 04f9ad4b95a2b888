"""What a supervisor types for a training session and its attendance, and the checks on it
(no database): statuses, limits, attendees without duplicates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from branch_crm.i18n import N_, _
from branch_crm.services.customers.phone_numbers import format_phone, normalize_phone

STATUSES = ("expected", "present", "late", "absent", "excused")
MARKED = ("present", "late", "absent", "excused")
STATUS_LABELS = {
    "expected": N_("Not recorded"),
    "present": N_("Present"),
    "late": N_("Late"),
    "absent": N_("Absent"),
    "excused": N_("Excused"),
}
MAX_POINTS = 30
MAX_ATTENDEES = 500
LIMITS = {"title": 200, "trainer": 50, "audience": 100, "location": 100, "name": 50,
          "contact": 50, "remarks": 200, "point": 500, "incident_notice": 2000}  # fmt: skip


def status_label(status: str) -> str:
    """The translated name of an attendance status."""
    return _(STATUS_LABELS.get(status, status))


# --- input and views ---------------------------------------------------------------------------


@dataclass
class AttendeeInput:
    """An expected attendee: a staff member (``staff_id``) or an external name + contact."""

    name: str
    contact: str | None = None
    staff_id: str | None = None
    id: str | None = None
    """Set when editing an attendee already on the session (keeps its attendance)."""


@dataclass
class SessionInput:
    """What the supervisor types when planning a session (times are aware datetimes)."""

    title: str
    starts_at: datetime | None
    ends_at: datetime | None = None
    trainer: str | None = None
    audience: str | None = None
    location: str | None = None
    content_points: list[str] = field(default_factory=list)
    incident_notice: str | None = None
    attendees: list[AttendeeInput] = field(default_factory=list)


@dataclass(frozen=True)
class AttendanceMark:
    """One attendance entry; ``attendee_id`` None adds a walk-in named ``name``."""

    attendee_id: str | None
    status: str
    remarks: str | None = None
    name: str | None = None
    contact: str | None = None


# --- validation --------------------------------------------------------------------------------


def clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def normalize_contact(raw: str | None) -> str | None:
    """A phone number typed any way becomes its digits; other contacts (WeChat...) stay."""
    text = clean(raw)
    if text is None:
        return None
    try:
        return normalize_phone(text)[0]
    except ValueError:
        return text


def display_contact(contact: str | None) -> str:
    """Readable contact: phone numbers grouped ('138 0013 8000'), anything else as stored."""
    return format_phone(contact) if contact else ""


def too_long(errors: dict[str, str], key: str, value: str | None, limit: int) -> None:
    if value and len(value) > limit:
        errors[key] = _("At most {n} characters.").format(n=limit)


def person_key(staff_id: str | None, name: str, contact: str | None) -> str:
    if staff_id:
        return f"staff:{staff_id}"
    digits = re.sub(r"\D", "", contact or "")
    return f"person:{name.strip()}|{digits or (contact or '').strip().lower()}"


def _validate_attendees(attendees: Sequence[AttendeeInput], errors: dict[str, str]) -> None:
    if len(attendees) > MAX_ATTENDEES:
        errors["attendees"] = _("At most {n} attendees.").format(n=MAX_ATTENDEES)
    seen: dict[str, int] = {}
    for index, person in enumerate(attendees):
        name = clean(person.name)
        if name is None:
            errors[f"attendees.{index}.name"] = _("Enter the attendee's name.")
            continue
        too_long(errors, f"attendees.{index}.name", name, LIMITS["name"])
        too_long(errors, f"attendees.{index}.contact", clean(person.contact), LIMITS["contact"])
        key = person_key(person.staff_id, name, normalize_contact(person.contact))
        if key in seen:
            message = _("{name} is already on the list (row {row}).")
            errors[f"attendees.{index}.name"] = message.format(name=name, row=seen[key] + 1)
        seen.setdefault(key, index)


def validate_session(data: SessionInput) -> dict[str, str]:
    """Field -> message for everything wrong with ``data`` (no database access)."""
    errors: dict[str, str] = {}
    if clean(data.title) is None:
        errors["title"] = _("Enter a title.")
    too_long(errors, "title", clean(data.title), LIMITS["title"])
    if data.starts_at is None:
        errors["starts_at"] = _("Enter the date and time.")
    elif data.starts_at.tzinfo is None:
        raise ValueError("starts_at must be an aware datetime")
    if data.ends_at is not None and data.starts_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    for key in ("trainer", "audience", "location", "incident_notice"):
        too_long(errors, key, clean(getattr(data, key)), LIMITS[key])
    points = [p for p in (clean(p) for p in data.content_points) if p]
    if len(points) > MAX_POINTS:
        errors["content_points"] = _("At most {n} content points.").format(n=MAX_POINTS)
    for index, point in enumerate(data.content_points):
        too_long(errors, f"content_points.{index}", clean(point), LIMITS["point"])
    _validate_attendees(data.attendees, errors)
    return errors


def check_mark(index: int, mark: AttendanceMark, errors: dict[str, str]) -> None:
    if mark.status not in MARKED and mark.status != "expected":
        errors[f"marks.{index}.status"] = _("Choose present, late, absent or excused.")
    too_long(errors, f"marks.{index}.remarks", clean(mark.remarks), LIMITS["remarks"])
    if mark.attendee_id is None:
        if clean(mark.name) is None:
            errors[f"marks.{index}.name"] = _("Enter the attendee's name.")
        too_long(errors, f"marks.{index}.name", clean(mark.name), LIMITS["name"])
        too_long(errors, f"marks.{index}.contact", clean(mark.contact), LIMITS["contact"])
