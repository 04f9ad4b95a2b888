"""Merging two customer records found to be one person (supervisors), from the customer list
or profile: "Merge with..." picks the other record, a dialog chooses the survivor's value
field by field, and everything of the other record moves to the survivor.

What moves is decided by the one rule of :mod:`branch_crm.sync.customer_merge` (phones,
pickup preferences field by field, the same month's volumes added up, complaints, survey
forms and responses, care tasks and follow-ups, visits). The other record becomes a tombstone
naming the survivor (``customer.merged_into``).

Sync: the merge travels as **one** change, the insert of a ``customer_merge`` row carrying
the two ids and the chosen values. This PC makes the row moves itself with capture off (they
are not sent one by one); head office carries the merge out the same way on its copy
(hq.merge_op), including rows of other PCs this one had not seen, and sends the results to
every PC of the branch. A change still naming the absorbed record later -- from a PC that
was offline -- is redirected to the survivor, at head office and on each PC
(sync.customer_merge.redirect_to_survivors).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, class_mapper

from branch_crm.errors import NotFound, ValidationError
from branch_crm.i18n import N_, _
from branch_crm.ids import keyed_id, new_id
from branch_crm.models import (
    Attachment,
    AuditEntry,
    CareTask,
    Complaint,
    Customer,
    CustomerMerge,
    CustomerPhone,
    MonthlyVolume,
    PickupPreference,
    Staff,
    SurveyResponse,
    Visit,
    synced_tables,
)
from branch_crm.models.base import SyncedMixin
from branch_crm.reference.labels import CUSTOMER_TYPES, VISIT_CLASSES, label, need_tags_text
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.customers import classification
from branch_crm.services.customers.search_index import INLINE_LIMIT, process_dirty
from branch_crm.services.dbapi import raw_connection
from branch_crm.services.permissions import require
from branch_crm.sync import codec
from branch_crm.sync.apply_rows import write_row
from branch_crm.sync.capture import capture_suspended
from branch_crm.sync.customer_merge import MOVED_BY_MERGE, MergeInput, Write, plan_merge
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

Side = Literal["survivor", "absorbed"]
FIELDS: tuple[tuple[str, str], ...] = (
    ("name", N_("Name")),
    ("customer_type", N_("Type")),
    ("company", N_("Company")),
    ("address", N_("Address")),
    ("birthday", N_("Birthday")),
    ("first_shipment_date", N_("First shipment")),
    ("account_manager_id", N_("Account manager")),
    ("need_tags", N_("Needs")),
    ("visit_class", N_("Visit class")),
    ("notes", N_("Notes")),
    ("marketing_consent", N_("Marketing consent")),
)
"""The profile fields chosen one by one, in the dialog's order."""
FOLLOWS = {"name": ("name_pinyin", "name_initials")}
"""Columns that go with a chosen field."""
COUNTED = (
    (Complaint, N_("complaints")),
    (SurveyResponse, N_("survey answers")),
    (CareTask, N_("care tasks and follow-ups")),
    (Visit, N_("visits")),
    (MonthlyVolume, N_("monthly volumes")),
    (PickupPreference, N_("pickup preferences")),
    (CustomerPhone, N_("phone numbers")),
)


@dataclass(frozen=True)
class MergeField:
    """One profile field of the two records, as the dialog shows it."""

    key: str
    label: str
    survivor: str
    absorbed: str

    @property
    def same(self) -> bool:
        return self.survivor == self.absorbed


@dataclass(frozen=True)
class MergeSide:
    """One of the two records: its name, phones and what it holds."""

    id: str
    name: str
    phones: tuple[str, ...]
    holds: tuple[tuple[str, int], ...]
    """(translated label, count) of the rows that move with it."""


@dataclass(frozen=True)
class MergePreview:
    """What the merge dialog shows before anything changes."""

    survivor: MergeSide
    absorbed: MergeSide
    fields: tuple[MergeField, ...]


def _live(session: Session, customer_id: str) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(_("This customer does not exist or was deleted."))
    return customer


def _checked(session: Session, survivor_id: str, absorbed_id: str) -> tuple[Customer, Customer]:
    if survivor_id == absorbed_id:
        raise ValidationError(
            {"other": _("Choose another customer: a record cannot merge with itself.")}
        )
    return _live(session, survivor_id), _live(session, absorbed_id)


LABELLED: dict[str, Callable[[Any], str]] = {
    "customer_type": lambda value: label(CUSTOMER_TYPES, value),
    "need_tags": need_tags_text,
    "visit_class": lambda value: label(VISIT_CLASSES, value),
    "marketing_consent": lambda value: _("Yes") if value else _("No"),
}
"""Fields shown by their label, not their stored code."""


def _shown(session: Session, key: str, value: Any) -> str:
    """A field value in words for the dialog."""
    if value is None or value == "":
        return ""
    if key == "account_manager_id":
        staff = session.get(Staff, value, execution_options={"include_deleted": True})
        return staff.display_name if staff is not None else str(value)
    if key in LABELLED:
        return str(LABELLED[key](value))
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _side(session: Session, customer: Customer) -> MergeSide:
    phones = session.scalars(
        select(CustomerPhone.phone)
        .where(CustomerPhone.customer_id == customer.id)
        .order_by(CustomerPhone.position)
    ).all()
    holds = []
    for model, what in COUNTED:
        count = session.scalar(
            select(func.count()).select_from(model).where(model.customer_id == customer.id)
        )
        holds.append((_(what), int(count or 0)))
    return MergeSide(customer.id, customer.name, tuple(phones), tuple(holds))


def merge_preview(
    *, session: Session, actor: Actor, survivor_id: str, absorbed_id: str
) -> MergePreview:
    """The two records side by side (supervisors)."""
    require(actor, Permission.RECORD_DELETE)
    survivor, absorbed = _checked(session, survivor_id, absorbed_id)
    fields = tuple(
        MergeField(
            key,
            _(label),
            _shown(session, key, getattr(survivor, key)),
            _shown(session, key, getattr(absorbed, key)),
        )
        for key, label in FIELDS
    )
    return MergePreview(_side(session, survivor), _side(session, absorbed), fields)


def default_choices(preview: MergePreview) -> dict[str, Side]:
    """The survivor's value, unless it is empty and the other record has one."""
    return {
        f.key: "absorbed" if not f.survivor.strip() and f.absorbed.strip() else "survivor"
        for f in preview.fields
    }


def _model(table: str) -> type[SyncedMixin]:
    return next(m for m in synced_tables() if m.__tablename__ == table)  # type: ignore[attr-defined]


def _as_row(obj: SyncedMixin) -> dict[str, Any]:
    return {a.key: getattr(obj, a.key) for a in class_mapper(type(obj)).column_attrs}


def _rows(session: Session, table: str, ids: tuple[str, str]) -> list[dict[str, Any]]:
    model = _model(table)
    found = session.scalars(select(model).where(model.customer_id.in_(ids)))  # type: ignore[attr-defined]
    return [_as_row(obj) for obj in found]


def _chosen(survivor: Customer, absorbed: Customer, choices: Mapping[str, str]) -> dict[str, Any]:
    unknown = set(choices) - {key for key, _label in FIELDS}
    if unknown or any(side not in ("survivor", "absorbed") for side in choices.values()):
        raise ValidationError({"fields": _("Choose one of the two values for each field.")})
    chosen: dict[str, Any] = {}
    for key, _label in FIELDS:
        source = absorbed if choices.get(key) == "absorbed" else survivor
        for column in (key, *FOLLOWS.get(key, ())):
            chosen[column] = getattr(source, column)
    return chosen


def _wire(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    columns = _model(table).__table__.columns  # type: ignore[attr-defined]
    return {c: codec.to_wire(columns[c].type, v) for c, v in values.items()}


def find_customer(*, session: Session, text: str) -> str:
    """The live customer a phone number or an id names (the command line's way to say
    which); NotFound in words otherwise."""
    from branch_crm.services.customers.phone_numbers import normalize_phone

    text = text.strip()
    if session.get(Customer, text) is not None:
        return text
    try:
        digits = normalize_phone(text)[0]
    except ValueError:
        digits = ""
    found = session.scalar(select(CustomerPhone.customer_id).where(CustomerPhone.phone == digits))
    if digits and found is not None:
        return str(found)
    raise NotFound(_("No customer has the phone number or id {text}.").format(text=text))


def merge_customers(
    *,
    session: Session,
    actor: Actor,
    survivor_id: str,
    absorbed_id: str,
    choices: Mapping[str, str] | None = None,
) -> str:
    """Fold ``absorbed_id`` into ``survivor_id`` (supervisors); ``choices``: field -> which
    record's value the survivor keeps ("survivor" or "absorbed"; the survivor's when left
    out). Returns the id of the ``customer_merge`` row (the one synced change)."""
    require(actor, Permission.RECORD_DELETE)
    survivor, absorbed = _checked(session, survivor_id, absorbed_id)
    chosen = _chosen(survivor, absorbed, choices or {})
    now = utcnow()
    merge_row = CustomerMerge(
        survivor_id=survivor.id,
        absorbed_id=absorbed.id,
        fields=_wire("customer", chosen),
        merged_at=now,
        merged_by=actor.staff_id,
        id=new_id(),
    )
    ids = (survivor.id, absorbed.id)
    tables = ("customer_phone", "pickup_preference", "monthly_volume", *MOVED_BY_MERGE)
    rows = {table: _rows(session, table, ids) for table in tables}
    rows["attachment"] = [
        _as_row(obj)
        for obj in session.scalars(
            select(Attachment).where(
                Attachment.owner_kind == "customer", Attachment.owner_id.in_(ids)
            )
        )
    ]
    plan = MergeInput(
        _as_row(survivor), _as_row(absorbed), rows, moved=MOVED_BY_MERGE, chosen=chosen
    )
    writes = plan_merge(plan, now)
    session.flush()
    conn = session.connection()
    with capture_suspended(conn):  # the moves travel as the merge row, not one by one
        for write in writes:
            _write(conn, write, merge_row.id)
    session.expire_all()
    audit_on = session.info.get("audit", True)
    session.info["audit"] = False  # the merge's own entry below says it all
    try:
        session.add(merge_row)
        session.flush()
    finally:
        session.info["audit"] = audit_on
    if audit_on:
        session.add(
            _audit(
                actor=actor,
                survivor=survivor_id,
                absorbed=absorbed_id,
                chosen=chosen,
                moved=len(writes),
                now=now,
            )
        )
        session.flush()
    _refresh(session, survivor_id, absorbed_id)
    log.info("customer %s merged into %s by %s", absorbed_id, survivor_id, actor.username)
    return merge_row.id


def _write(conn: Any, write: Write, merge_id: str) -> None:
    pk = write.pk
    if write.insert:
        taken = conn.exec_driver_sql(
            f'SELECT 1 FROM "{write.table}" WHERE id = ?', (write.pk,)
        ).scalar()
        if taken is not None:  # a deleted row holds the derived id: as head office does
            pk = keyed_id(write.table, write.pk, merge_id)
        values = {"created_at": utcnow(), "updated_at": utcnow(), **write.values}
        write_row(conn, write.table, pk, _wire(write.table, values), insert=True)
        return
    values = dict(write.values)
    if write.table != "customer":  # head office merges the customer columns alike, by stamp
        values["updated_at"] = utcnow()
    write_row(conn, write.table, pk, _wire(write.table, values), insert=False)


def _audit(
    *, actor: Actor, survivor: str, absorbed: str, chosen: dict[str, Any], moved: int, now: datetime
) -> AuditEntry:
    return AuditEntry(
        at=now,
        action="merge",
        entity="customer",
        entity_id=survivor,
        changes={
            "merged_into": [absorbed, survivor],
            "fields": [None, _wire("customer", chosen)],
            "rows": [None, moved],
        },
        actor_id=actor.staff_id,
        branch_id=actor.branch_id,
        created_by=actor.staff_id,
        updated_by=actor.staff_id,
    )


def _refresh(session: Session, survivor: str, absorbed: str) -> None:
    """Out of the lookup and list at once; the survivor classified again (its volumes)."""
    raw = raw_connection(session)
    raw.execute("DELETE FROM customer_stats WHERE customer_id = ?", (absorbed,))
    process_dirty(raw, limit=INLINE_LIMIT, first=[survivor, absorbed])
    classification.recompute_stats(session=session, customer_ids=[survivor])


__all__ = [
    "FIELDS",
    "MergeField",
    "MergePreview",
    "MergeSide",
    "default_choices",
    "find_customer",
    "merge_customers",
    "merge_preview",
]
