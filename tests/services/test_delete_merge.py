"""Issue 19, "delete and merge safely": soft deletes with a reason, restore within 30 days,
the deleted-items list, permissions, and merging two customers field by field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from branch_crm.errors import NotFound, PermissionDenied, ValidationError
from branch_crm.services import deletion
from branch_crm.services.complaints import intake
from branch_crm.services.customers import merging
from branch_crm.services.customers.preferences import (
    PreferenceInput,
    get_preferences,
    save_preferences,
)
from branch_crm.services.customers.profile import create_customer, get_customer
from branch_crm.services.customers.search import matching_customer_ids
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.timeutil import utcnow


def _customer(call: Any, actor: Any, name: str, phone: str, **extra: Any) -> str:
    data = CustomerInput(name=name, phones=[phone], **extra)
    return str(call(actor, create_customer, data=data).id)


def _complaint(call: Any, actor: Any, customer_id: str) -> str:
    data = intake.ComplaintInput(customer_id, "counter", "loss", "parcel lost")
    return str(call(actor, intake.take_complaint, data=data).id)


def _rows(db: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return list(conn.exec_driver_sql(sql, params).fetchall())


def test_customer_delete_is_for_supervisors_and_restores_with_its_phones(
    call: Any, db: Any, counter: Any, supervisor: Any
) -> None:
    cid = _customer(call, counter, "张三", "13812345678")
    with pytest.raises(PermissionDenied):
        call(counter, deletion.delete_customer, customer_id=cid)
    call(supervisor, deletion.delete_customer, customer_id=cid, reason="test record")
    with pytest.raises(NotFound):
        call(counter, get_customer, customer_id=cid)
    assert call(counter, matching_customer_ids, query="13812345678") == []
    (item,) = call(supervisor, deletion.list_deleted)
    assert (item.kind, item.what, item.reason, item.restorable) == (
        "customer",
        "张三",
        "test record",
        True,
    )
    with pytest.raises(PermissionDenied):
        call(counter, deletion.list_deleted)
    restored = call(supervisor, deletion.restore, kind="customer", record_id=cid)
    assert restored.skipped_phones == ()
    view = call(counter, get_customer, customer_id=cid)
    assert [p.phone for p in view.phones] == ["13812345678"]
    assert call(supervisor, deletion.list_deleted) == []
    actions = [a for (a,) in _rows(db, "SELECT action FROM audit_entry WHERE entity_id = ?", cid)]
    assert "delete" in actions and "undelete" in actions


def test_restoring_skips_a_number_another_customer_took_meanwhile(
    call: Any, counter: Any, supervisor: Any
) -> None:
    cid = _customer(call, counter, "张三", "13812345678")
    call(supervisor, deletion.delete_customer, customer_id=cid)
    _customer(call, counter, "李四", "13812345678")
    restored = call(supervisor, deletion.restore, kind="customer", record_id=cid)
    assert restored.skipped_phones == ("13812345678",)
    assert call(counter, get_customer, customer_id=cid).phones == ()


def test_complaint_delete_needs_a_reason_and_hides_it_until_restored(
    call: Any, db: Any, counter: Any, supervisor: Any
) -> None:
    cid = _customer(call, counter, "张三", "13812345678")
    complaint = _complaint(call, counter, cid)
    with pytest.raises(PermissionDenied):
        call(counter, deletion.delete_complaint, complaint_id=complaint, reason="dup")
    with pytest.raises(ValidationError) as info:
        call(supervisor, deletion.delete_complaint, complaint_id=complaint, reason="  ")
    assert "reason" in info.value.fields
    call(supervisor, deletion.delete_complaint, complaint_id=complaint, reason="entered twice")
    (item,) = call(supervisor, deletion.list_deleted)
    assert item.kind == "complaint" and item.reason == "entered twice" and "张三" in item.what
    assert _rows(db, "SELECT deleted_at IS NOT NULL FROM complaint WHERE id = ?", complaint) == [
        (1,)
    ]
    call(supervisor, deletion.restore, kind="complaint", record_id=complaint)
    assert _rows(db, "SELECT deleted_at, restored_at IS NOT NULL FROM complaint") == [(None, 1)]


def test_older_than_thirty_days_is_listed_but_not_restorable(
    call: Any, counter: Any, supervisor: Any
) -> None:
    cid = _customer(call, counter, "张三", "13812345678")
    call(supervisor, deletion.delete_customer, customer_id=cid)
    later = utcnow() + timedelta(days=deletion.RESTORE_DAYS + 1)
    (item,) = call(supervisor, deletion.list_deleted, now=later)
    assert not item.restorable and item.why_not and "30" in item.why_not
    with pytest.raises(ValidationError):
        call(supervisor, deletion.restore, kind="customer", record_id=cid, now=later)


def test_preferences_delete_and_undo_by_a_courier(
    call: Any, counter: Any, courier: Any, supervisor: Any
) -> None:
    cid = _customer(call, counter, "张三", "13812345678")
    call(
        courier,
        save_preferences,
        customer_id=cid,
        data=PreferenceInput(availability={"mon": [("09:00", "12:00")]}, packaging="box"),
    )
    pref = call(courier, deletion.delete_preferences, customer_id=cid)
    assert call(courier, get_preferences, customer_id=cid) is None
    call(courier, deletion.restore, kind="pickup_preference", record_id=pref)
    view = call(courier, get_preferences, customer_id=cid)
    assert view is not None and view.packaging == "box"


def _seed_pair(call: Any, counter: Any) -> tuple[str, str]:
    keep = _customer(call, counter, "王五", "13900000001", address="")
    other = _customer(
        call, counter, "王五（柜台2）", "13900000002", address="上海市浦东新区", company="五金店"
    )
    return keep, other


def test_merge_moves_everything_and_keeps_the_chosen_fields(
    call: Any, db: Any, counter: Any, supervisor: Any
) -> None:
    keep, other = _seed_pair(call, counter)
    complaint = _complaint(call, counter, other)
    with pytest.raises(PermissionDenied):
        call(counter, merging.merge_customers, survivor_id=keep, absorbed_id=other)
    preview = call(supervisor, merging.merge_preview, survivor_id=keep, absorbed_id=other)
    choices = merging.default_choices(preview)
    assert choices["address"] == "absorbed" and choices["name"] == "survivor"
    choices["name"] = "absorbed"
    queued_before = _rows(db, "SELECT count(*) FROM sync_outbox")[0][0]
    call(supervisor, merging.merge_customers, survivor_id=keep, absorbed_id=other, choices=choices)
    view = call(counter, get_customer, customer_id=keep)
    assert view.name == "王五（柜台2）" and view.address == "上海市浦东新区"
    assert view.company == "五金店"
    assert sorted(p.phone for p in view.phones) == ["13900000001", "13900000002"]
    assert _rows(db, "SELECT customer_id FROM complaint WHERE id = ?", complaint) == [(keep,)]
    assert _rows(
        db, "SELECT merged_into, deleted_at IS NOT NULL FROM customer WHERE id = ?", other
    ) == [(keep, 1)]
    # one change for the merge (plus its audit entry), not one per moved row
    queued = _rows(
        db, "SELECT table_name FROM sync_outbox ORDER BY seq LIMIT -1 OFFSET ?", queued_before
    )
    assert sorted(t for (t,) in queued) == ["audit_entry", "customer_merge"]
    with pytest.raises(NotFound):
        call(supervisor, merging.merge_customers, survivor_id=keep, absorbed_id=other)
    items = call(supervisor, deletion.list_deleted)
    assert [i.restorable for i in items] == [False]
    assert "王五（柜台2）" in (items[0].why_not or "")


def test_merge_refuses_the_same_record(call: Any, counter: Any, supervisor: Any) -> None:
    keep, _other = _seed_pair(call, counter)
    with pytest.raises(ValidationError):
        call(supervisor, merging.merge_customers, survivor_id=keep, absorbed_id=keep)
