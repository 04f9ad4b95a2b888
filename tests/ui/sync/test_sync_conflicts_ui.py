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
from sync_ui_helpers import open_branch, value

from branch_crm.services.syncing.service import run_sync
from branch_crm.timeutil import local_today
from tests.support.sync import add_customer, on_staff
from tests.support.ui import Boxes, make_ctx

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
    assert not page.merge.isHidden() and not page.keep_theirs.isHidden()
    assert page.renumber.isHidden()  # a phone is not renumbered


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
    from branch_crm.ui.pages import PAGES

    spec = next(s for s in PAGES if s.key == "sync_conflicts")
    assert spec.permission is not None and not allowed(counter, spec.permission)


# --- a clash on a number people read out ----------------------------------------------------


def _take_complaint(db: Any, actor: Any, customer_id: str) -> str:
    from branch_crm.services.complaints.intake import ComplaintInput, take_complaint
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, actor) as session:
        data = ComplaintInput(customer_id, "phone", "delay", "parcel two days late")
        return take_complaint(session=session, actor=actor, data=data).id


@pytest.fixture
def number_clash(
    hq: Any, branch_db: Any, supervisor: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """Two PCs of BR001 (an older version on each) took a complaint under one number the
    same day; the other PC synced first, so head office set this PC's complaint aside.
    Yields (head office, other PC's db, the number, this PC's complaint id, the other's)."""
    from branch_crm.services.complaints import numbers as complaints_numbers

    other = open_branch(hq, hq.base_url, tmp_path / "br001_pc2.db", "BR001")
    customer = add_customer(branch_db, "BR001", "王五", "13911112222")
    assert run_sync(branch_db).error is None and run_sync(other).error is None
    number = "BR001-20261207-0001"
    with monkeypatch.context() as patch:
        patch.setattr(complaints_numbers, "next_number", lambda *_args: number)
        theirs = _take_complaint(other, supervisor, customer)
        mine = _take_complaint(branch_db, supervisor, customer)
    assert run_sync(other).error is None
    result = run_sync(branch_db)
    assert result.error is None and result.conflicts == 1
    yield hq, other, number, mine, theirs
    other.dispose()


def test_a_complaint_number_clash_offers_only_a_new_number(
    qtbot: Any, branch_db: Any, supervisor: Any, number_clash: Any, boxes: Boxes
) -> None:
    hq, other, number, mine, theirs = number_clash
    page = _page(qtbot, branch_db, on_staff(branch_db, supervisor))
    model = page.model
    cells = [model.data(model.index(0, column)) for column in range(model.columnCount())]
    assert cells[1:4] == ["Same complaint number", number, "BR001"]
    assert not page.renumber.isHidden() and page.renumber.isEnabled()
    assert page.renumber.text() == "Give mine a new number"
    for button in (page.keep_mine, page.keep_theirs, page.merge):
        assert button.isHidden()
    assert page.mine.title() == f"Set aside: {number}"
    assert page.theirs.title() == f"Holds {number}"
    assert page.mine.body.text().splitlines()[:2] == [f"Complaint {number}", "Customer: 王五"]
    assert "parcel two days late" in page.mine.body.text()
    assert "(set aside on this PC until the clash is resolved)" in page.theirs.body.text()

    page.renumber.click()
    assert len(boxes.confirms) == 1 and number in boxes.confirms[0]
    assert boxes.errors == []
    new = value(branch_db, "SELECT number FROM complaint WHERE id = ?", mine)
    # a new number of the day the complaint was taken (today, in local time)
    assert new.startswith(f"BR001-{local_today():%Y%m%d}-") and new != number
    assert boxes.infos == [f"The complaint's number is now {new}."]
    assert page.model.rowCount() == 0
    assert _hq(hq, "SELECT status || ':' || resolution FROM sync_conflict") == "resolved:renumber"
    for _ in range(2):
        assert run_sync(other).error is None and run_sync(branch_db).error is None
    for db in (branch_db, other):
        numbers = dict.fromkeys((mine, theirs))
        for pk in numbers:
            numbers[pk] = value(db, "SELECT number FROM complaint WHERE id = ?", pk)
        assert numbers == {mine: new, theirs: number}
        assert value(db, "SELECT COUNT(*) FROM sync_parked") == 0


def test_a_survey_serial_clash_offers_a_new_serial_or_giving_the_form_up(
    qtbot: Any, branch_db: Any, supervisor: Any, boxes: Boxes
) -> None:
    from datetime import UTC, datetime

    from branch_crm.services.syncing.conflicts import ConflictView, RecordView
    from branch_crm.ui.sync.conflicts_page import ConflictRow

    page = _page(qtbot, branch_db, supervisor)
    at = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    serial = "BR001-26120700019"
    conflict = ConflictView(
        id="c1",
        kind="unique",
        table="survey_form",
        value=serial,
        row_id="f2",
        other_row_id="f1",
        customer_id="k2",
        other_branch="BR001",
        other_customer_id="k1",
        other_customer_name="张三",
        status="open",
        resolution=None,
        created_at=at,
    )
    mine = RecordView("survey_form", "f2", serial, "李四", at, "printed", None, False, False)
    page._on_loaded([ConflictRow(conflict, None, None, mine, None)])
    assert not page.renumber.isHidden() and not page.keep_theirs.isHidden()
    assert page.keep_mine.isHidden() and page.merge.isHidden()
    assert page.mine.body.text().splitlines() == [
        f"Survey form {serial}",
        "Customer: 李四",
        "Printed: 2026-12-07 10:00",
        "Status: printed",
    ]
    assert page.theirs.body.text() == "(not on this PC)"
    boxes.answer = False
    page.renumber.click()
    page.keep_theirs.click()
    assert "The paper form still shows" in boxes.confirms[0]
    assert "never handed out" in boxes.confirms[1]
