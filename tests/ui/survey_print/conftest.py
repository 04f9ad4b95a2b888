"""Fixtures of the survey printing UI tests: contexts on a real database, patched boxes and
preview (the preview dialog belongs to the shared printing UI and has its own tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Shown:
    """What the patched message boxes and preview were asked to show."""

    errors: list[Any] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    previews: list[tuple[Path, str]] = field(default_factory=list)


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> Shown:
    from branch_crm.ui import messages
    from branch_crm.ui.survey_print import actions, batch_dialog

    seen = Shown()
    monkeypatch.setattr(messages, "show_error", lambda _p, e, *a, **k: seen.errors.append(e))
    monkeypatch.setattr(messages, "info", lambda _p, t, *a, **k: seen.infos.append(t))

    def preview(_parent: Any, path: Path, title: str) -> None:
        seen.previews.append((Path(path), title))

    monkeypatch.setattr(actions, "show_printed", preview)
    monkeypatch.setattr(batch_dialog, "show_printed", preview)
    return seen


def _context(db: Any, actor: Any) -> Any:
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.tasks import TaskRunner

    return AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=True))


@pytest.fixture
def sup_ctx(qapp, db, supervisor, shown):  # type: ignore[no-untyped-def]
    return _context(db, supervisor)


@pytest.fixture
def counter_ctx(qapp, db, counter, shown):  # type: ignore[no-untyped-def]
    return _context(db, counter)


@pytest.fixture
def people(db, supervisor) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Three strategic customers (one visit class A, cold chain) and one ordinary customer."""
    from branch_crm.models import Customer, CustomerPhone, CustomerStats
    from branch_crm.services.context import unit_of_work

    ids = {}
    with unit_of_work(db, supervisor) as session:
        for i, (name, tier, visit, tags) in enumerate((
            ("张三", "strategic", "A", "cold_chain"),
            ("李四", "strategic", None, ""),
            ("王五", "strategic", None, ""),
            ("赵六", "ordinary", "A", ""),
        )):  # fmt: skip
            row = Customer(name=name, visit_class=visit, need_tags=tags)
            session.add(row)
            session.flush()
            session.add(CustomerPhone(customer_id=row.id, phone=f"1380000000{i}", position=0))
            session.add(CustomerStats(customer_id=row.id, tier=tier, stage="new",
                                      lifecycle="active"))  # fmt: skip
            ids[name] = row.id
    return ids
