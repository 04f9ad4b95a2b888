"""Two PCs of one branch plan offline on 28 September 2031 (Mid-Autumn on National Day) and
sync: the one joint greeting and the feedback-form tasks exist once everywhere, and a
feedback task closed by a survey answer on one PC stays closed (issue 15)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from branch_crm.db import Database
from branch_crm.models import Customer
from branch_crm.services.care.plan import plan_care
from branch_crm.services.context import Actor, unit_of_work
from branch_crm.services.surveys import entry
from tests.support.surveys import answers
from tests.sync.test_care_plan_sync import _hq_rejections, _hq_tasks, _sync, _tasks

DAY = date(2031, 9, 28)


def _plan(db: Database, actor: Actor) -> dict[str, int]:
    with unit_of_work(db, actor) as session:
        return dict(plan_care(session=session, actor=actor, today=DAY).created)


def test_joint_greeting_and_feedback_tasks_once_everywhere(  # type: ignore[no-untyped-def]
    make_branch, hq, supervisor, clock
) -> None:
    clock(datetime(2031, 9, 28, 2, 0, tzinfo=UTC))
    pc1, client1 = make_branch("BR001", name="pc1")
    pc2, client2 = make_branch("BR001", name="pc2")
    with unit_of_work(pc1, supervisor) as session:
        for name, cls in (("甲", "A"), ("丙", "C")):
            session.add(Customer(name=name, visit_class=cls))
    _sync(client1, client2)  # both PCs know the customers; now both go offline
    made1, made2 = _plan(pc1, supervisor), _plan(pc2, supervisor)
    # A: one greeting for both festivals, its first form (due 15 Sep); C: its form (30 Sep)
    assert made1 == made2
    assert (made1["greeting"], made1["feedback"]) == (1, 2)
    assert _tasks(pc1) == _tasks(pc2)
    # a survey answer for C keyed on PC 1 closes its feedback task there
    with unit_of_work(pc1, supervisor) as session:
        c = session.query(Customer).filter_by(name="丙").one().id
        data = entry.ResponseInput(answers())
        entry.record_direct_response(
            session=session, actor=supervisor, customer_id=c, channel="phone", data=data
        )
    closed = {pk for pk, (_kind, status) in _tasks(pc1).items() if status == "done"}
    assert len(closed) == 1
    _sync(client2, client1, client2, client1)
    expected = _tasks(pc1)
    assert _tasks(pc2) == expected and len(expected) == len(_tasks(pc2))
    assert {pk for pk, (_k, s) in expected.items() if s == "done"} == closed
    assert _hq_tasks(hq) == {pk: status for pk, (_k, status) in expected.items()}
    assert _hq_rejections(hq) == 0
    kinds: dict[str, int] = {}
    for kind, _status in expected.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds["greeting"] == 1 and kinds["feedback"] == 2
