"""Pickup preferences a courier records for a customer, with their history in words.

One live ``PickupPreference`` row per customer holds the current answers; every save is an
audited update of that row, so the history (who changed what, when) is read back from the
audit log and shown on the customer's timeline. The row's id is derived from the customer
(:func:`~branch_crm.sync.customer_merge.preference_id`): two PCs recording a customer's
first preferences offline create the same row, which sync merges column by column; a row
stored earlier under another id is found by its customer and updated.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.ids import new_id
from branch_crm.models import AuditEntry, Customer, DropOffPlace, PickupPreference, SpecialHandling
from branch_crm.reference.labels import DROP_OFF_PLACES, SPECIAL_HANDLING, WEEKDAY_NAMES, WEEKDAYS
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers.profile import actor_name
from branch_crm.services.permissions import require
from branch_crm.services.timeline_entry import TimelineEntry
from branch_crm.sync.customer_merge import preference_id
from branch_crm.timeutil import utcnow

MAX_WINDOWS = 4
MAX_CALL_BEFORE = 240
DROP_OFF_OTHER_MAX = 100
PACKAGING_MAX = 100
NOTES_MAX = 1000
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


@dataclass
class PreferenceInput:
    """What the preferences form submits."""

    availability: dict[str, list[tuple[str, str]]]
    away_weekends: bool = False
    drop_off: str = DropOffPlace.DOOR.value
    drop_off_other: str | None = None
    call_before_minutes: int = 0
    packaging: str | None = None
    special_handling: list[str] = field(default_factory=list)
    notes: str | None = None


@dataclass(frozen=True)
class PreferenceView:
    """The stored preferences of one customer."""

    customer_id: str
    availability: dict[str, tuple[tuple[str, str], ...]]
    away_weekends: bool
    drop_off: str
    drop_off_other: str | None
    call_before_minutes: int
    packaging: str | None
    special_handling: tuple[str, ...]
    notes: str | None
    recorded_by_name: str | None
    recorded_at: datetime | None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _validate_day(windows: list[tuple[str, str]]) -> str | None:
    """The message for a weekday's windows, or None when they are fine."""
    if len(windows) > MAX_WINDOWS:
        return _("At most {n} time windows per day.").format(n=MAX_WINDOWS)
    spans: list[tuple[int, int]] = []
    for window in windows:
        if len(window) != 2 or not all(isinstance(t, str) and _TIME.match(t) for t in window):
            return _("Write times as HH:MM, e.g. 09:00.")
        start, end = _minutes(window[0]), _minutes(window[1])
        if start >= end:
            return _("A time window must end after it starts ({start}-{end}).").format(
                start=window[0], end=window[1]
            )
        spans.append((start, end))
    spans.sort()
    for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
        if s2 < e1:
            return _("Time windows overlap.")
    return None


def validate_preferences(data: PreferenceInput) -> dict[str, str]:
    """Per-field messages (``availability.mon``, ``drop_off_other``...); empty when valid."""
    errors: dict[str, str] = {}
    for day, windows in data.availability.items():
        if day not in WEEKDAYS:
            errors["availability"] = _("Unknown weekday: {day}.").format(day=day)
            continue
        message = _validate_day(list(windows))
        if message:
            errors[f"availability.{day}"] = message
    if data.drop_off not in {d.value for d in DropOffPlace}:
        errors["drop_off"] = _("Choose where parcels are left or collected.")
    other = _text(data.drop_off_other)
    if data.drop_off == DropOffPlace.OTHER and other is None:
        errors["drop_off_other"] = _("Say where (e.g. the neighbour at No. 3).")
    elif other is not None and len(other) > DROP_OFF_OTHER_MAX:
        errors["drop_off_other"] = _("At most {n} characters.").format(n=DROP_OFF_OTHER_MAX)
    if not isinstance(data.call_before_minutes, int) or not (
        0 <= data.call_before_minutes <= MAX_CALL_BEFORE
    ):
        errors["call_before_minutes"] = _("Between 0 and {n} minutes.").format(n=MAX_CALL_BEFORE)
    packaging = _text(data.packaging)
    if packaging is not None and len(packaging) > PACKAGING_MAX:
        errors["packaging"] = _("At most {n} characters.").format(n=PACKAGING_MAX)
    known = {h.value for h in SpecialHandling}
    unknown = [h for h in data.special_handling if h not in known]
    if unknown:
        errors["special_handling"] = _("Unknown special handling: {value}.").format(
            value=", ".join(unknown)
        )
    notes = _text(data.notes)
    if notes is not None and len(notes) > NOTES_MAX:
        errors["notes"] = _("At most {n} characters.").format(n=NOTES_MAX)
    return errors


def _stored_availability(data: PreferenceInput) -> dict[str, Any]:
    """Weekday -> sorted [[start, end], ...] in weekday order, empty days left out."""
    return {
        day: sorted([list(w) for w in data.availability[day]])
        for day in WEEKDAYS
        if data.availability.get(day)
    }


def _current(session: Session, customer_id: str) -> PickupPreference | None:
    return session.scalars(
        select(PickupPreference).where(PickupPreference.customer_id == customer_id)
    ).first()


def _new_row_id(session: Session, customer_id: str) -> str:
    """The id of the customer's first preference row: the one every PC derives, so two PCs
    recording it offline write one row that merges per column; a fresh id in the (unlikely)
    case that a deleted row holds the derived one."""
    derived = preference_id(customer_id)
    taken = session.scalar(
        select(PickupPreference.id)
        .where(PickupPreference.id == derived)
        .execution_options(include_deleted=True)
    )
    return new_id() if taken else derived


def _view(session: Session, row: PickupPreference) -> PreferenceView:
    availability = {
        day: tuple((str(w[0]), str(w[1])) for w in windows)
        for day, windows in (row.availability or {}).items()
    }
    return PreferenceView(
        customer_id=row.customer_id,
        availability=availability,
        away_weekends=bool(row.away_weekends),
        drop_off=row.drop_off,
        drop_off_other=row.drop_off_other,
        call_before_minutes=row.call_before_minutes,
        packaging=row.packaging,
        special_handling=tuple(h for h in (row.special_handling or "").split(",") if h),
        notes=row.notes,
        recorded_by_name=actor_name(session, row.recorded_by),
        recorded_at=row.recorded_at,
    )


def _live_customer(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.deleted_at is not None:
        raise NotFound(_("This customer does not exist or was deleted."))
    return customer


def get_preferences(*, session: Session, customer_id: str) -> PreferenceView | None:
    """The customer's current pickup preferences, or None when none were recorded."""
    row = _current(session, customer_id)
    return _view(session, row) if row is not None else None


def save_preferences(
    *, session: Session, actor: Actor, customer_id: str, data: PreferenceInput
) -> PreferenceView:
    """Record (or change) the customer's pickup preferences, stamped with who and when."""
    require(actor, Permission.PREFERENCE_EDIT)
    errors = validate_preferences(data)
    if errors:
        raise ValidationError(errors)
    _live_customer(session, customer_id)
    row = _current(session, customer_id)
    if row is None:
        row = PickupPreference(id=_new_row_id(session, customer_id), customer_id=customer_id)
        session.add(row)
    values: dict[str, Any] = {
        "availability": _stored_availability(data),
        "away_weekends": bool(data.away_weekends),
        "drop_off": data.drop_off,
        "drop_off_other": _text(data.drop_off_other)
        if data.drop_off == DropOffPlace.OTHER
        else None,
        "call_before_minutes": int(data.call_before_minutes),
        "packaging": _text(data.packaging),
        "special_handling": ",".join(
            h.value for h in SpecialHandling if h.value in set(data.special_handling)
        ),
        "notes": _text(data.notes),
        "recorded_by": actor.staff_id,
        "recorded_at": utcnow(),
    }
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
    session.flush()
    return _view(session, row)


# --- history ------------------------------------------------------------------------------


def _availability_text(value: Any) -> str:
    if not value:
        return _("no times given")
    parts = []
    for day in WEEKDAYS:
        windows = value.get(day) if isinstance(value, dict) else None
        if windows:
            spans = ", ".join(f"{w[0]}-{w[1]}" for w in windows)
            parts.append(f"{_(WEEKDAY_NAMES[day])} {spans}")
    return "; ".join(parts) or _("no times given")


def _handling_text(value: Any) -> str:
    items = [h for h in str(value or "").split(",") if h]
    return ", ".join(_(SPECIAL_HANDLING.get(h, h)) for h in items) or _("none")


def _call_text(value: Any) -> str:
    return _("call {n} min before").format(n=value) if value else _("no call needed")


def _drop_off_text(value: Any) -> str:
    return _(DROP_OFF_PLACES[value]) if value in DROP_OFF_PLACES else str(value)


def _weekend_text(value: Any) -> str:
    return _("away at weekends") if value else _("at home at weekends")


_IN_WORDS = {
    "availability": _availability_text,
    "away_weekends": _weekend_text,
    "drop_off": _drop_off_text,
    "call_before_minutes": _call_text,
    "special_handling": _handling_text,
}


def value_in_words(key: str, value: Any) -> str:
    """A stored preference value in words (the history, the audit log)."""
    return _value_text(key, value)


def _value_text(key: str, value: Any) -> str:
    """A stored value in words."""
    if key in _IN_WORDS:
        return _IN_WORDS[key](value)
    if value in (None, ""):
        return _("none")
    return str(value)


HISTORY_FIELDS = {
    "availability": N_("Availability"),
    "away_weekends": N_("Weekends"),
    "drop_off": N_("Drop-off"),
    "drop_off_other": N_("Drop-off place"),
    "call_before_minutes": N_("Call before"),
    "packaging": N_("Packaging"),
    "special_handling": N_("Special handling"),
    "notes": N_("Notes"),
}


def _describe(changes: dict[str, Any], created: bool) -> str:
    lines = []
    for key, label in HISTORY_FIELDS.items():
        if key not in changes:
            continue
        old, new = changes[key] if isinstance(changes[key], list) else (None, changes[key])
        if created:
            if new in (None, "", {}, False, 0) and key not in ("drop_off",):
                continue
            lines.append(f"{_(label)}: {_value_text(key, new)}")
        else:
            lines.append(f"{_(label)}: {_value_text(key, old)} → {_value_text(key, new)}")
    return "; ".join(lines)


def preference_history(*, session: Session, customer_id: str) -> list[TimelineEntry]:
    """Every recording and change of the customer's pickup preferences, newest first."""
    ids = select(PickupPreference.id).where(PickupPreference.customer_id == customer_id)
    pref_ids = [r for (r,) in session.execute(ids.execution_options(include_deleted=True)).all()]
    if not pref_ids:
        return []
    rows = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == "pickup_preference", AuditEntry.entity_id.in_(pref_ids))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    ).all()
    entries = []
    for row in rows:
        created = row.action == "create"
        detail = _describe(row.changes or {}, created)
        if not created and not detail:
            detail = _("Checked with the customer, nothing changed.")
        recorder = (row.changes or {}).get("recorded_by")
        who = actor_name(session, row.actor_id) or (
            actor_name(session, recorder[1]) if isinstance(recorder, list) else None
        )
        entries.append(
            TimelineEntry(
                at=row.at,
                kind="preference",
                title=_("Pickup preferences recorded")
                if created
                else _("Pickup preferences changed"),
                detail=detail,
                actor_name=who,
            )
        )
    if not entries:
        entries = _recorded_without_history(session, customer_id)
    return entries


def _recorded_without_history(session: Session, customer_id: str) -> list[TimelineEntry]:
    """Preferences that came without a local audit trail (from head office or another
    branch by sync, or a bulk import): one entry for the recording the row itself names."""
    row = _current(session, customer_id)
    if row is None or row.recorded_at is None:
        return []
    changes = {key: [None, getattr(row, key)] for key in HISTORY_FIELDS}
    return [
        TimelineEntry(
            at=row.recorded_at,
            kind="preference",
            title=_("Pickup preferences recorded"),
            detail=_describe(changes, True),
            actor_name=actor_name(session, row.recorded_by),
        )
    ]
