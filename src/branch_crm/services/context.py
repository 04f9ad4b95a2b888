"""Who is acting: passed to every service call so rights and attribution are explicit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from branch_crm.db import Database
from branch_crm.models import Role


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member (or the system, for demo data and sync)."""

    staff_id: str | None
    username: str
    display_name: str
    role: Role
    branch_id: str


def system_actor(branch_id: str) -> Actor:
    """The actor of work nobody signed in for (demo data, migrations, scheduled sync)."""
    return Actor(None, "system", "system", Role.ADMIN, branch_id)


@contextmanager
def as_system(session: Session) -> Iterator[Session]:
    """Attribute the changes made inside to the system, not to the session's signed-in actor
    (automatic work such as the SLA sweep run from a clerk's window): what is pending is
    flushed under its own actor first, what is made inside is flushed as the system's."""
    with acting_as(session, None):
        yield session


@contextmanager
def acting_as(session: Session, actor: Actor | None) -> Iterator[Session]:
    """Attribute the changes made inside to ``actor`` (None: the system); what is pending is
    flushed under the session's own actor first."""
    saved = session.info.get("actor_id")
    session.flush()
    session.info["actor_id"] = actor.staff_id if actor is not None else None
    try:
        yield session
        session.flush()
    finally:
        session.info["actor_id"] = saved


@contextmanager
def unit_of_work(db: Database, actor: Actor, *, audit: bool = True) -> Iterator[Session]:
    """A session that attributes every change to ``actor``; commits on success."""
    with db.session(actor_id=actor.staff_id, branch_id=actor.branch_id, audit=audit) as session:
        session.info["actor"] = actor
        yield session
