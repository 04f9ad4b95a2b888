"""Running a service function from a command, and its output: the unit of work of the
branch's system actor (what scheduled tasks and IT act as), one line at a time."""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def run_service(args: argparse.Namespace, fn: Callable[..., T], **kwargs: Any) -> T:
    """Call ``fn`` in a unit of work of the system actor of the database's branch (``actor``
    is passed when ``fn`` takes one)."""
    from branch_crm.db import default_db_path, open_database
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.settings import values as settings

    db = open_database(args.db or default_db_path())
    try:
        with db.session() as probe:
            branch = str(settings.get(probe, "branch.code"))
        actor = system_actor(branch)
        with unit_of_work(db, actor) as session:
            if "actor" in inspect.signature(fn).parameters:
                kwargs["actor"] = actor
            return fn(session=session, **kwargs)
    finally:
        db.dispose()


def say(text: str) -> None:
    """One line of normal output."""
    sys.stdout.write(text + "\n")
