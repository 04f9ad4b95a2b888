"""Every change to a synced row is attributable: who, when, what changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from branch_crm.db import Database
from branch_crm.models import AuditEntry, Customer


def test_create_update_and_tombstone_are_audited(db: Database) -> None:
    with db.session(actor_id="staff-1", branch_id="BR001") as session:
        customer = Customer(name="张三")
        session.add(customer)
    with db.session(actor_id="staff-2", branch_id="BR001") as session:
        row = session.get(Customer, customer.id)
        assert row is not None
        row.name = "张三丰"
    with db.session(actor_id="staff-3", branch_id="BR001") as session:
        row = session.get(Customer, customer.id)
        assert row is not None
        row.deleted_at = datetime.now(UTC)
    with db.session(branch_id="BR001") as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "customer").order_by(AuditEntry.at)
        ).all()
    assert [(e.action, e.actor_id, e.entity_id) for e in entries] == [
        ("create", "staff-1", customer.id),
        ("update", "staff-2", customer.id),
        ("delete", "staff-3", customer.id),
    ]
    assert entries[0].changes["name"] == [None, "张三"]
    assert entries[0].changes["customer_type"] == [None, "individual"]
    assert entries[1].changes == {"name": ["张三", "张三丰"]}
    assert customer.created_by == "staff-1"


def test_hard_delete_of_a_synced_row_is_refused(db: Database) -> None:
    with db.session(branch_id="BR001") as session:
        customer = Customer(name="李四")
        session.add(customer)
    with pytest.raises(RuntimeError, match="tombstone"), db.session(branch_id="BR001") as session:
        row = session.get(Customer, customer.id)
        session.delete(row)
    with db.session(branch_id="BR001") as session:
        assert session.get(Customer, customer.id) is not None


def test_tombstones_are_hidden_from_queries_unless_asked(db: Database) -> None:
    with db.session(branch_id="BR001") as session:
        session.add_all(
            [Customer(name="王五"), Customer(name="赵六", deleted_at=datetime.now(UTC))]
        )
    with db.session(branch_id="BR001") as session:
        live = session.scalars(select(Customer.name)).all()
        everything = session.scalars(
            select(Customer.name).execution_options(include_deleted=True)
        ).all()
    assert live == ["王五"]
    assert sorted(everything) == ["王五", "赵六"]
