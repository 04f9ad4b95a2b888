"""Fixtures of the customer service tests: a unit-of-work runner and staff rows for names."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def call(db):  # type: ignore[no-untyped-def]
    """call(actor, fn, **kwargs): run a service function in its own unit of work."""
    from branch_crm.services.context import unit_of_work

    def run(actor: Any, fn: Callable[..., Any], **kwargs: Any) -> Any:
        with unit_of_work(db, actor) as session:
            if "actor" in inspect.signature(fn).parameters:
                return fn(session=session, actor=actor, **kwargs)
            return fn(session=session, **kwargs)

    return run


@pytest.fixture
def staff(db, admin):  # type: ignore[no-untyped-def]
    """Staff rows behind the role actors of tests/conftest.py (so names can be shown)."""
    from branch_crm.models import Staff
    from branch_crm.services.context import unit_of_work

    names = {
        "counter": "柜台小王",
        "courier": "揽件员老李",
        "supervisor": "主管",
        "admin": "管理员",
    }
    with unit_of_work(db, admin, audit=False) as session:
        for role, name in names.items():
            session.add(
                Staff(
                    id=f"staff-{role}",
                    username=role,
                    display_name=name,
                    role=role,
                    password_hash="x",
                )
            )
    return names


@pytest.fixture
def count(db):  # type: ignore[no-untyped-def]
    """count(sql): a scalar straight from the database file."""

    def run(sql: str) -> int:
        with db.engine.connect() as conn:
            return int(conn.exec_driver_sql(sql).scalar() or 0)

    return run
