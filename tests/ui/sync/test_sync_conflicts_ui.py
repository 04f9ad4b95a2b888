"""The supervisors' conflicts page on a real conflict: branch BR002 registered 张三 with a
phone, then BR001 registered 张先生 with the same phone; head office parked BR001's phone
and recorded a conflict, which BR001 pulled. The page lists it with both sides, and each of
the three choices is carried out, synced, and reaches head office and the other branch."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sync_helpers import on_staff
from sync_ui_helpers import Boxes, add_customer, make_ctx, open_branch, value

from branch_crm.services.sync_service import run_sync

PHONE = "13855556666"


def _hq(hq: Any, sql: str, **params: Any) -> Any:
    with hq.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


@pytest.fixture
def clash(hq: Any, branch_db: Any, tmp_path: Path) -> Any:
    """(other branch's db, BR001 customer id, BR002 customer id) with one open conflict."""
    other = open_branch(hq, hq.base_url, tmp_path / "br002.db", "BR002")
    theirs = add_customer(other, "BR002", "张三", PHONE)
    assert run_sync(other).error is None
    mine = add_customer(branch_db, "BR001", "张先生", PHONE)
    result = run_sync(branch_db)
    assert result.error is None and result.conflicts == 1
    yield other, mine, theirs
    other.dispose()


def _page(qtbot: Any, branch_db: Any, actor: Any) -> Any:
    from branch_crm.ui.sync.conflicts_page import ConflictsPage

    page = ConflictsPage(make_ctx(branch_db, actor))
    qtbot.addWidget(page)
    return page


def test_conflict_listed_with_both_sides(
    qtbot: Any, branch_db: Any, supervisor: Any, clash: Any, boxes: Boxes
) -> None:
    page = _page(qtbot, branch_db, supervisor)
    model = page.model
    assert model.rowCount() == 1
    cells = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert cells[1:] == ["Same phone on two customers", PHONE, "BR002", "张三"]
    assert page.summary.text().startswith("1 open.")
    assert page.mine.title() == f"This branch: {PHONE}"
    assert page.mine.body.text().splitlines()[:2] == ["张先生", "Phone: 138 5555 6666"]
    assert page.theirs.title() == f"Branch BR002: {PHONE}"
    assert page.theirs.body.text() == "张三\n(not on this PC)"
    assert page.merge.isEnabled() and page.keep_mine.isEnabled()


@dataclass
class Scene:
    """The conflicts page of BR001's supervisor, and what the test needs around it."""

    page: Any
    boxes: Boxes
    branch_db: Any
    other: Any
    mine: str
    theirs: str


@pytest.fixture
def scene(qtbot: Any, branch_db: Any, supervisor: Any, clash: Any, boxes: Boxes) -> Scene:
    other, mine, theirs = clash
    boss = on_staff(branch_db, supervisor)  # head office wants a real supervisor of BR001
    return Scene(_page(qtbot, branch_db, boss), boxes, branch_db, other, mine, theirs)


@pytest.mark.parametrize("choice", ["keep_mine", "keep_theirs", "merge"])
def test_each_choice_is_carried_out_and_synced(hq: Any, scene: Scene, choice: str) -> None:
    page, boxes, branch_db, other = scene.page, scene.boxes, scene.branch_db, scene.other
    mine, theirs = scene.mine, scene.theirs
    button = {"keep_mine": page.keep_mine, "keep_theirs": page.keep_theirs, "merge": page.merge}
    button[choice].click()
    assert len(boxes.confirms) == 1 and PHONE in boxes.confirms[0]
    if choice == "merge":
        assert "张三 is merged into 张先生" in boxes.confirms[0]
    assert boxes.errors == []
    assert page.model.rowCount() == 0 and page.summary.text() == "No open conflicts."
    assert page.controller.last_result is not None  # the resolution was synced at once
    assert page.controller.last_result.error is None
    assert _hq(hq, "SELECT status || ':' || resolution FROM sync_conflict") == f"resolved:{choice}"
    assert run_sync(other).error is None
    assert run_sync(branch_db).error is None
    live_owner = _hq(
        hq,
        "SELECT c.branch_id FROM customer_phone p JOIN customer c ON c.id = p.customer_id "
        "WHERE p.phone = :phone AND p.deleted_at IS NULL",
        phone=PHONE,
    )
    other_live = value(
        other, "SELECT COUNT(*) FROM customer_phone WHERE phone = ? AND deleted_at IS NULL", PHONE
    )
    mine_live = value(
        branch_db,
        "SELECT COUNT(*) FROM customer_phone WHERE phone = ? AND deleted_at IS NULL",
        PHONE,
    )
    if choice == "keep_theirs":
        assert (live_owner, other_live, mine_live) == ("BR002", 1, 0)
    else:
        assert (live_owner, other_live, mine_live) == ("BR001", 0, 1)
    absorbed = value(other, "SELECT deleted_at FROM customer WHERE id = ?", theirs)
    assert (absorbed is not None) == (choice == "merge")
    assert value(branch_db, "SELECT deleted_at FROM customer WHERE id = ?", mine) is None


def test_counter_staff_do_not_get_the_page(counter: Any) -> None:
    from branch_crm.services.permissions import allowed
    from branch_crm.ui.pages import discover_pages

    spec = next(s for s in discover_pages() if s.key == "sync_conflicts")
    assert spec.permission is not None and not allowed(counter, spec.permission)
