"""A branch with a bit of everything for the report tests: the demo data (customers with
monthly volumes and their classification, complaints through the real workflow, surveys,
follow-ups, training sessions with attendance), built once per test module."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.support.accounts import BRANCH

CUSTOMERS = 800


def seeded_branch(path: Path) -> Path:
    """Fill a new database at ``path`` with the demo data; returns the path."""
    from branch_crm.services.demo.fill import fill_demo

    fill_demo(path, customers=CUSTOMERS, seed=3)
    return path


def supervisor() -> Any:
    """A supervisor actor of the test branch (no staff row behind it)."""
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    return Actor("staff-supervisor", "supervisor", "Supervisor", Role.SUPERVISOR, BRANCH)


def recent_period() -> Any:
    """The last 42 days up to today: the demo's complaints, surveys and sessions fall in it."""
    from branch_crm.services.reports.model import Period
    from branch_crm.timeutil import local_today

    today = local_today()
    return Period(today - timedelta(days=41), today)


EMPTY = (date(2001, 1, 1), date(2001, 1, 31))
"""A month long before any data."""
