"""Merging two customers moves the absorbed customer's attachments to the survivor: one row
per file (the survivor's own copy of a file it already shows is kept, not doubled), with
the id every PC derives for the survivor's row, and the moves travel as the merge row."""

from __future__ import annotations

from typing import Any

from branch_crm.services.attachments import service
from branch_crm.services.customers import merging
from branch_crm.services.customers.profile import create_customer
from branch_crm.services.customers.validation import CustomerInput
from tests.support.attachments import jpeg, png


def _customer(call: Any, actor: Any, name: str, phone: str) -> str:
    return str(call(actor, create_customer, data=CustomerInput(name=name, phones=[phone])).id)


def _attach(call: Any, actor: Any, owner: str, data: bytes, name: str) -> Any:
    return call(actor, service.attach_file, owner_kind="customer", owner_id=owner,
                data=data, name=name)  # fmt: skip


def test_merge_moves_the_attachments_and_dedupes_the_same_file(
    call: Any, db: Any, counter: Any, supervisor: Any
) -> None:
    keep = _customer(call, counter, "王五", "13900000001")
    other = _customer(call, counter, "王五2", "13900000002")
    _attach(call, counter, keep, png(), "card.png")
    twice = _attach(call, counter, other, png(), "card-again.png")
    moved = _attach(call, counter, other, jpeg(), "id.jpg")
    with db.engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT max(seq) FROM sync_outbox").scalar() or 0
    call(supervisor, merging.merge_customers, survivor_id=keep, absorbed_id=other)
    shown = call(counter, service.list_attachments, owner_kind="customer", owner_id=keep)
    assert sorted(v.original_name for v in shown) == ["card.png", "id.jpg"]
    copy = next(v for v in shown if v.original_name == "id.jpg")
    assert copy.id == service.attachment_id("customer", keep, moved.sha256)
    assert copy.available and copy.sha256 == moved.sha256
    assert call(counter, service.list_attachments, owner_kind="customer", owner_id=other) == []
    with db.engine.connect() as conn:
        gone = conn.exec_driver_sql(
            "SELECT id FROM attachment WHERE deleted_at IS NOT NULL ORDER BY id"
        ).fetchall()
        queued = conn.exec_driver_sql(
            "SELECT table_name FROM sync_outbox WHERE seq > ?", (before,)
        ).fetchall()
    assert sorted(pk for (pk,) in gone) == sorted([twice.id, moved.id])
    assert "attachment" not in {t for (t,) in queued}  # carried by the merge row
