"""Sync test helpers: writers on a branch PC (ORM sessions, like the services use) and
readers of what waits to be sent, a PC's node id and head office's parked rows."""

from __future__ import annotations

import sqlite3
from typing import Any

from branch_crm.db import Database
from branch_crm.models import Customer, CustomerPhone, Staff, SyncState
from branch_crm.timeutil import utcnow

STAMP = "2026-01-01 00:00:00.000000"
"""A datetime column as head office sends it (wire form)."""


def pulled_customer(name: str) -> dict[str, Any]:
    """A customer of BR001 as a pulled change's data carries it (wire values)."""
    return {
        "name": name,
        "name_pinyin": "",
        "name_initials": "",
        "customer_type": "individual",
        "need_tags": "",
        "marketing_consent": 0,
        "branch_id": "BR001",
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def add_customer(db: Database, branch: str, name: str, phone: str | None = None) -> str:
    """Create a customer (with a phone) at a branch; returns its id."""
    with db.session(actor_id="tester", branch_id=branch) as session:
        customer = Customer(name=name)
        session.add(customer)
        session.flush()
        if phone:
            session.add(CustomerPhone(customer_id=customer.id, phone=phone))
        return str(customer.id)


def on_staff(db: Database, actor: Any) -> Any:
    """``actor`` (an ``Actor``), with a staff row behind it on this PC (synced like any
    account, created if missing): head office accepts a conflict resolution only in the name
    of a staff member of the branch whose role may resolve conflicts."""
    with db.session(actor_id=actor.staff_id, branch_id=actor.branch_id) as session:
        if session.get(Staff, actor.staff_id) is None:
            session.add(
                Staff(
                    id=actor.staff_id,
                    username=actor.username,
                    display_name=actor.display_name,
                    role=str(actor.role),
                    password_hash="-",
                    branch_id=actor.branch_id,
                )
            )
    return actor


def edit_customer(db: Database, branch: str, customer_id: str, **values: Any) -> None:
    """Change columns of a customer."""
    with db.session(actor_id="tester", branch_id=branch) as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        for key, value in values.items():
            setattr(customer, key, value)


def delete_customer(db: Database, branch: str, customer_id: str) -> None:
    """Tombstone a customer."""
    edit_customer(db, branch, customer_id, deleted_at=utcnow())


def column(db: Database, table: str, pk: str, name: str) -> Any:
    """One stored value, read with raw SQL (tombstones included)."""
    with db.engine.connect() as conn:
        return conn.exec_driver_sql(f'SELECT "{name}" FROM "{table}" WHERE id = ?', (pk,)).scalar()


def queued(db: Database) -> int:
    """Changes waiting in the outbox."""
    with sqlite3.connect(db.path) as raw:
        return int(raw.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0])


def node_id(db: Database) -> str:
    """The sync node id of this PC."""
    with db.session() as session:
        state = session.get(SyncState, 1)
        assert state is not None
        return state.node_id


def parked_at_hq(hq: Any) -> int:
    """Rows head office holds parked (waiting for their parent)."""
    from sqlalchemy import func, select

    from branch_crm.hq import tables as t

    with hq.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(t.parked)) or 0)
