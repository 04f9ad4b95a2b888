"""Helpers of the sync UI tests (a module with a unique name, importable by tests)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Boxes:
    """What the patched ui.messages functions were asked to show."""

    errors: list[Any] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    confirms: list[str] = field(default_factory=list)
    answer: bool = True


def open_branch(hq: Any, url: str, path: Path, code: str) -> Any:
    """A branch database registered at head office through ``url``."""
    from branch_crm.hq.testing import registered_branch

    db, _client = registered_branch(url, path, code, hq.add_branch(code))
    return db


def make_ctx(db: Any, actor: Any, *, synchronous: bool = True) -> Any:
    """An app context; synchronous task runner unless asked for real threads."""
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=synchronous))


def add_customer(db: Any, branch: str, name: str, phone: str) -> str:
    """A customer with one phone, written with the ORM (captured for sync)."""
    from branch_crm.models import Customer, CustomerPhone

    with db.session(actor_id="tester", branch_id=branch) as session:
        customer = Customer(name=name)
        session.add(customer)
        session.flush()
        session.add(CustomerPhone(customer_id=customer.id, phone=phone))
        return str(customer.id)


def queued(db: Any) -> int:
    """Changes waiting in the outbox."""
    with sqlite3.connect(db.path) as raw:
        return int(raw.execute("SELECT COUNT(*) FROM sync_outbox").fetchone()[0])


def value(db: Any, sql: str, *params: Any) -> Any:
    """One value read with raw SQL."""
    with sqlite3.connect(db.path) as raw:
        row = raw.execute(sql, params).fetchone()
        return row[0] if row else None
