"""Creating, editing and deleting customers through the real services and database."""

from __future__ import annotations

from datetime import date

import pytest

from branch_crm.errors import DuplicatePhoneError, NotFound, PermissionDenied, ValidationError
from branch_crm.services.customers.profile import (
    create_customer,
    delete_customer,
    get_customer,
    list_account_managers,
    update_customer,
)
from branch_crm.services.customers.validation import CustomerInput
from branch_crm.services.timeline import customer_timeline


def _data(name: str = "张三", *phones: str, **kwargs: object) -> CustomerInput:
    return CustomerInput(name=name, phones=list(phones or ["138 1234 5678"]), **kwargs)  # type: ignore[arg-type]


def test_create_stores_normalised_phones_and_derived_fields(call, counter, count) -> None:  # type: ignore[no-untyped-def]
    view = call(
        counter,
        create_customer,
        data=_data(
            " 曾小明 ",
            "+86 138-1234-5678",
            "(021) 5555 1234",
            company=" 上海顺达贸易有限公司 ",
            need_tags=["fragile", "cold_chain", "fragile"],
            visit_class="B",
            birthday=date(1990, 5, 1),
            marketing_consent=True,
        ),
    )
    assert view.name == "曾小明"
    assert [(p.phone, p.kind, p.display) for p in view.phones] == [
        ("13812345678", "mobile", "138 1234 5678"),
        ("02155551234", "landline", "021-5555 1234"),
    ]
    assert view.company == "上海顺达贸易有限公司"
    assert view.need_tags == ("cold_chain", "fragile")
    assert view.visit_class == "B" and view.marketing_consent
    assert view.classification.tier == "walk_in"
    assert view.classification.stage == "new"
    assert view.repeat_complainer is False
    assert count("SELECT count(*) FROM customer WHERE name_pinyin = 'zengxiaoming'") == 1
    assert count("SELECT count(*) FROM customer WHERE local_no IS NOT NULL") == 1
    assert count("SELECT count(*) FROM audit_entry WHERE entity = 'customer'") == 1
    assert count("SELECT count(*) FROM customer_stats") == 1


def test_local_numbers_are_unique_and_increasing(call, counter) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.models import Customer

    ids = [
        call(counter, create_customer, data=_data(f"客户{i}", f"1380000000{i}")).id
        for i in range(3)
    ]
    from sqlalchemy import select

    def numbers(session):  # type: ignore[no-untyped-def]
        rows = session.execute(select(Customer.id, Customer.local_no)).all()
        return {cid: no for cid, no in rows}

    found = call(counter, numbers)
    assert [found[i] for i in ids] == sorted(found[i] for i in ids)
    assert len(set(found.values())) == 3


def test_a_phone_of_another_customer_is_refused_and_nothing_is_written(  # type: ignore[no-untyped-def]
    call, counter, count
) -> None:
    first = call(counter, create_customer, data=_data("张三", "13812345678"))
    before = count("SELECT count(*) FROM audit_entry")
    with pytest.raises(DuplicatePhoneError) as info:
        call(counter, create_customer, data=_data("李四", "13900001111", "+86 138 1234 5678"))
    err = info.value
    assert err.customer_id == first.id and err.customer_name == "张三"
    assert set(err.fields) == {"phones.1"}
    assert "张三" in err.fields["phones.1"] and "138 1234 5678" in err.fields["phones.1"]
    assert count("SELECT count(*) FROM customer") == 1
    assert count("SELECT count(*) FROM customer_phone") == 1
    assert count("SELECT count(*) FROM audit_entry") == before


def test_invalid_input_writes_nothing(call, counter, count) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        call(counter, create_customer, data=_data("", "123"))
    assert set(info.value.fields) == {"name", "phones.0"}
    assert count("SELECT count(*) FROM customer") == 0
    assert count("SELECT count(*) FROM audit_entry") == 0


def test_roles_without_customer_edit_are_refused(call, courier, counter, count) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        call(courier, create_customer, data=_data())
    assert count("SELECT count(*) FROM customer") == 0
    view = call(counter, create_customer, data=_data())
    with pytest.raises(PermissionDenied):
        call(courier, update_customer, customer_id=view.id, data=_data("王五"))
    with pytest.raises(PermissionDenied):
        call(courier, delete_customer, customer_id=view.id)
    assert call(courier, get_customer, customer_id=view.id).name == "张三"


def test_update_reorders_adds_and_tombstones_phones(call, counter, count) -> None:  # type: ignore[no-untyped-def]
    view = call(counter, create_customer, data=_data("张三", "13812345678", "021-5555 1234"))
    updated = call(
        counter,
        update_customer,
        customer_id=view.id,
        data=_data("张三丰", "02155551234", "139 0000 1111", address="上海市浦东新区"),
    )
    assert [p.phone for p in updated.phones] == ["02155551234", "13900001111"]
    assert updated.name == "张三丰" and updated.address == "上海市浦东新区"
    assert count("SELECT count(*) FROM customer_phone WHERE deleted_at IS NOT NULL") == 1
    # the removed number is free for someone else now
    other = call(counter, create_customer, data=_data("李四", "13812345678"))
    assert other.phones[0].phone == "13812345678"


def test_update_keeps_own_phone_but_refuses_another_customers(call, counter) -> None:  # type: ignore[no-untyped-def]
    a = call(counter, create_customer, data=_data("张三", "13812345678"))
    b = call(counter, create_customer, data=_data("李四", "13900001111"))
    assert call(counter, update_customer, customer_id=a.id, data=_data("张三", "13812345678"))
    with pytest.raises(DuplicatePhoneError) as info:
        call(counter, update_customer, customer_id=a.id, data=_data("张三", "13900001111"))
    assert info.value.customer_id == b.id
    assert [p.phone for p in call(counter, get_customer, customer_id=a.id).phones] == [
        "13812345678"
    ]


def test_update_writes_an_audit_entry_with_old_and_new_values(call, counter, db) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from branch_crm.models import AuditEntry

    view = call(counter, create_customer, data=_data("张三"))
    call(counter, update_customer, customer_id=view.id, data=_data("张三", visit_class="A"))
    with db.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity == "customer")
        ).one()
    assert entry.changes == {"visit_class": [None, "A"]}
    assert entry.actor_id == counter.staff_id


def test_delete_is_a_tombstone_and_frees_the_phone(call, counter, supervisor, count) -> None:  # type: ignore[no-untyped-def]
    view = call(counter, create_customer, data=_data("张三", "13812345678"))
    call(supervisor, delete_customer, customer_id=view.id)
    assert count("SELECT count(*) FROM customer WHERE deleted_at IS NOT NULL") == 1
    assert count("SELECT count(*) FROM customer_phone WHERE deleted_at IS NOT NULL") == 1
    with pytest.raises(NotFound):
        call(counter, get_customer, customer_id=view.id)
    with pytest.raises(NotFound):
        call(counter, update_customer, customer_id=view.id, data=_data())
    with pytest.raises(NotFound):
        call(supervisor, delete_customer, customer_id=view.id)
    assert call(counter, create_customer, data=_data("李四", "13812345678")).name == "李四"


def test_account_manager_must_be_active_staff(call, counter, staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        call(counter, create_customer, data=_data(account_manager_id="nobody"))
    assert "account_manager_id" in info.value.fields
    view = call(counter, create_customer, data=_data(account_manager_id="staff-supervisor"))
    assert view.account_manager_name == "主管"
    managers = call(counter, list_account_managers)
    assert ("staff-supervisor", "主管") in managers
    assert [name for _id, name in managers] == sorted(name for _id, name in managers)


def test_timeline_shows_record_changes_and_other_providers(  # type: ignore[no-untyped-def]
    call, counter, staff, monkeypatch
) -> None:
    from datetime import UTC, datetime

    from branch_crm.services import timeline
    from branch_crm.services.timeline_entry import TimelineEntry

    view = call(counter, create_customer, data=_data("张三"))
    call(counter, update_customer, customer_id=view.id, data=_data("张三", "13900001111"))
    marker = datetime(2000, 1, 1, tzinfo=UTC)

    def provider(session, customer_id):  # type: ignore[no-untyped-def]
        return [TimelineEntry(marker, "test", f"visit {customer_id[:4]}", "", None)]

    monkeypatch.setattr(timeline, "SOURCES", (*timeline.SOURCES, provider))
    entries = call(counter, customer_timeline, customer_id=view.id)
    titles = [e.title for e in entries]
    assert titles[0] == "Customer details changed" and "phone" in entries[0].detail
    assert "Customer recorded" in titles
    assert titles.count(f"visit {view.id[:4]}") == 1
    assert entries[-1].at == marker  # newest first
    assert entries[0].actor_name == "柜台小王"


def test_one_save_changing_name_and_first_shipment_date(call, counter) -> None:  # type: ignore[no-untyped-def]
    """The name marks the customer for re-indexing and the new date changes its search rank
    in the same save: the stats upsert's trigger must not clash with the waiting mark."""
    view = call(counter, create_customer, data=_data("张三"))
    changed = _data("张三丰", first_shipment_date=date(2020, 1, 1))
    saved = call(counter, update_customer, customer_id=view.id, data=changed)
    assert saved.name == "张三丰"
    assert saved.first_shipment_date == date(2020, 1, 1)
