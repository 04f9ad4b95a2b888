"""Fixtures of the survey printing UI tests: the previews shown (the preview dialog belongs to
the shared printing UI and has its own tests), and customers to print for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.ui import Boxes


@dataclass
class Shown:
    """What the patched message boxes and preview were asked to show."""

    errors: list[Any] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)
    previews: list[tuple[Path, str]] = field(default_factory=list)


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch, boxes: Boxes) -> Shown:
    """The message boxes (``boxes``) and the PDF previews the tests were shown."""
    from branch_crm.ui.survey_print import actions, batch_dialog

    seen = Shown(errors=boxes.errors, infos=boxes.infos)

    def preview(_parent: Any, path: Path, title: str) -> None:
        seen.previews.append((Path(path), title))

    monkeypatch.setattr(actions, "show_printed", preview)
    monkeypatch.setattr(batch_dialog, "show_printed", preview)
    return seen


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
