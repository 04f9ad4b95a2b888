"""A service function called the way the app calls it: in its own unit of work."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any


def run_service(db: Any, actor: Any, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call ``fn`` in its own unit of work (the actor passed when it takes one)."""
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, actor) as session:
        if "actor" in inspect.signature(fn).parameters:
            return fn(session=session, actor=actor, **kwargs)
        return fn(session=session, **kwargs)
