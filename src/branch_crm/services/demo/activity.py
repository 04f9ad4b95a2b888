"""Demo activity so every page has something to show: returned surveys (paper forms and
answers taken by phone or at the counter, some from detractors, so follow-ups exist), open,
overdue, done and cancelled follow-ups, and training sessions with attendance.

``add_demo_activity(session, customers=N, seed=S)`` drives the real services (entry, care,
training) as the demo's staff, at past dates; the same seed gives the same answers, people
and sessions. Called by ``branch-crm demo`` after the complaints; a few hundred rows, well
under a second.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import CareTask, Customer, Role, Staff, SurveyForm
from branch_crm.services.care import follow_ups
from branch_crm.services.context import Actor, acting_as
from branch_crm.services.pc_code import this_pc_code
from branch_crm.services.surveys import entry, serials
from branch_crm.services.surveys.template import active_template
from branch_crm.services.training.inputs import AttendanceMark, AttendeeInput, SessionInput
from branch_crm.services.training.sessions import create_session, record_attendance
from branch_crm.timeutil import BUSINESS_TZ, local_today

SUGGESTIONS = [
    "取件很准时，谢谢",
    "希望周末也能上门取件",
    "快递员态度很好",
    "价格能再优惠一点吗",
    "包装可以更结实一些",
    "派送太慢，等了三天",
    "电话一直打不通",
    "上次的件外箱压坏了",
]
DONE_NOTES = ["已电话致歉并说明原因", "已安排专人跟进，客户表示理解", "已赠送优惠券，客户满意"]
CANCEL_NOTES = ["两次电话未接通", "客户表示不需要回访"]
TRAININGS = [
    ("旺季收派安全培训", "安全主管", ["大件搬运姿势", "电动车安全驾驶", "夜间派送注意事项"]),
    ("客户投诉处理规范", "陈静", ["首问负责", "24小时内回复", "赔付标准"]),
    ("冷链件收寄要求", "质控部", ["温控包装", "时效承诺", "禁寄物品"]),
    ("新版系统操作", "周涛", ["客户查询", "揽件偏好", "问卷录入"]),
]
EXTERNAL = [("刘洋", "13912340001"), ("赵敏", "13912340002"), ("孙伟", "13912340003")]
ATTENDANCE = ("present", "present", "present", "late", "absent", "excused")


@dataclass(frozen=True)
class DemoActivity:
    """What :func:`add_demo_activity` made."""

    responses: int
    follow_ups: int
    training_sessions: int


def _actors(session: Session, branch_id: str) -> tuple[Actor, Actor]:
    """The demo's counter clerk and supervisor."""
    staff = session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.username))
    found: dict[str, Actor] = {}
    for s in staff:
        found.setdefault(s.role, Actor(s.id, s.username, s.display_name, Role(s.role), branch_id))
    supervisor = found.get(Role.SUPERVISOR) or found.get(Role.ADMIN)
    counter = found.get(Role.COUNTER) or supervisor
    if counter is None or supervisor is None:
        raise RuntimeError("demo activity needs the demo staff")
    return counter, supervisor


def _answers(rng: random.Random, codes: list[tuple[str, str]], detractor: bool) -> dict[str, int]:
    answers: dict[str, int] = {}
    for code, kind in codes:
        if kind == "nps":
            answers[code] = rng.randint(1, 6) if detractor else rng.choice([7, 8, 9, 9, 10, 10])
        elif kind == "ces":
            answers[code] = rng.randint(1, 3) if detractor else rng.randint(5, 7)
        else:
            low = detractor and rng.random() < 0.3
            answers[code] = rng.randint(1, 2) if low else rng.randint(3, 5)
    return answers


def _form(session: Session, actor: Actor, customer_id: str, template_id: str, day: date) -> str:
    """A form recorded as printed on ``day`` (no PDF: the demo's paper is imaginary)."""
    pc_code = this_pc_code(session)
    sequence = serials.next_sequence(session, actor.branch_id, pc_code, day)
    serial = serials.make_serial(actor.branch_id, pc_code, day, sequence)
    printed = datetime.combine(day, time(10), tzinfo=BUSINESS_TZ).astimezone(UTC)
    session.add(
        SurveyForm(serial=serial, template_id=template_id, customer_id=customer_id,
                   printed_at=printed, status="printed")
    )  # fmt: skip
    session.flush()
    return serial


def _surveys(
    session: Session, rng: random.Random, clerk: Actor, customer_ids: list[str], today: date
) -> list[tuple[str, date]]:
    """Answers of the chosen customers; returns (follow-up task id, answer day) pairs."""
    template = active_template(session=session)
    codes = [(item.code, item.kind) for item in template.scored()]
    tasks: list[tuple[str, date]] = []
    for index, customer_id in enumerate(customer_ids):
        answered = today - timedelta(days=rng.randint(0, 45))
        detractor = index % 4 == 0  # a quarter: enough follow-ups to work through
        if index in (0, 4):  # the two newest detractors: follow-ups due tomorrow and today
            answered = today - timedelta(days=index // 4)
        said = rng.choice(SUGGESTIONS[5:] if detractor else SUGGESTIONS[:5])
        answers: dict[str, int | None] = dict(_answers(rng, codes, detractor))
        data = entry.ResponseInput(
            answers,
            suggestion=said if rng.random() < 0.6 else None,
            answered_on=answered,
        )
        if index % 3 == 0:  # paper forms, printed a few days before they came back
            printed = answered - timedelta(days=rng.randint(1, 7))
            serial = _form(session, clerk, customer_id, template.id, printed)
            result = entry.enter_form_response(session=session, actor=clerk, serial=serial,
                                               data=data)  # fmt: skip
        else:
            channel = "phone" if index % 3 == 1 else "counter"
            result = entry.record_direct_response(
                session=session, actor=clerk, customer_id=customer_id, channel=channel, data=data
            )
        if result.follow_up_task_id:
            tasks.append((result.follow_up_task_id, answered))
    return tasks


def _work_follow_ups(
    session: Session,
    rng: random.Random,
    staff: tuple[Actor, Actor],
    tasks: list[tuple[str, date]],
    today: date,
) -> None:
    """Opened when the answer came, due a day later; the older ones mostly worked (every
    fourth worked one cancelled, the others done), the rest open (some overdue, every other
    one handed to the clerk by the supervisor)."""
    clerk, supervisor = staff
    worked = 0
    for number, (task_id, answered) in enumerate(tasks):
        task = session.get(CareTask, task_id)
        if task is None:
            continue
        with _backdating(session):  # the demo's past, not a change anyone made
            task.due_on = answered + timedelta(days=1)
            task.created_at = datetime.combine(answered, time(12), tzinfo=BUSINESS_TZ)
        if (today - answered).days <= 10 or rng.random() < 0.2:
            if number % 2 == 0 and task.assignee_id is None:
                with acting_as(session, supervisor):
                    follow_ups.reassign_follow_up(
                        session=session,
                        actor=supervisor,
                        task_id=task_id,
                        assignee_id=clerk.staff_id,
                    )
            continue
        worked += 1
        if worked % 4 == 2:
            follow_ups.cancel_follow_up(session=session, actor=clerk, task_id=task_id,
                                        reason=rng.choice(CANCEL_NOTES))  # fmt: skip
        else:
            follow_ups.complete_follow_up(session=session, actor=clerk, task_id=task_id,
                                          note=rng.choice(DONE_NOTES))  # fmt: skip


@contextmanager
def _backdating(session: Session) -> Iterator[None]:
    """Changes that only place demo rows in the past: flushed without audit entries."""
    session.flush()
    saved = session.info.get("audit", True)
    session.info["audit"] = False
    try:
        yield
        session.flush()
    finally:
        session.info["audit"] = saved


def _trainings(session: Session, rng: random.Random, supervisor: Actor, today: date) -> int:
    """Three past sessions with attendance recorded and one coming up."""
    staff = session.execute(
        select(Staff.id, Staff.display_name).where(Staff.active.is_(True)).order_by(Staff.username)
    ).all()
    for index, (title, trainer, points) in enumerate(TRAININGS):
        day = today + timedelta(days=(-40 + 12 * index) if index < 3 else 5)
        starts = datetime.combine(day, time(14), tzinfo=BUSINESS_TZ)
        attendees = [AttendeeInput(name, staff_id=sid) for sid, name in staff]
        attendees += [AttendeeInput(n, contact=c) for n, c in EXTERNAL[: 1 + index % 3]]
        view = create_session(
            session=session,
            actor=supervisor,
            data=SessionInput(title, starts, starts + timedelta(hours=2), trainer=trainer,
                              audience="全体员工", location="网点二楼会议室",
                              content_points=points, attendees=attendees),
        )  # fmt: skip
        if index < 3:
            marks = [AttendanceMark(a.id, rng.choice(ATTENDANCE)) for a in view.attendees]
            if index == 1:
                marks.append(AttendanceMark(None, "present", name="周敏", contact="13912340009"))
            record_attendance(session=session, actor=supervisor, session_id=view.id, marks=marks)
    return len(TRAININGS)


def add_demo_activity(
    session: Session, *, branch_id: str, customers: int, seed: int
) -> DemoActivity:
    """Surveys, follow-ups and training sessions for a freshly filled demo branch."""
    rng = random.Random(seed * 7919 + 17)
    today = local_today()
    clerk, supervisor = _actors(session, branch_id)
    wanted = max(20, min(40, customers // 50))
    pool = list(
        session.scalars(select(Customer.id).order_by(Customer.local_no).limit(max(wanted * 5, 50)))
    )
    chosen = rng.sample(pool, min(wanted, len(pool)))
    with acting_as(session, clerk):  # the audit log names who did it, as in real use
        tasks = _surveys(session, rng, clerk, chosen, today)
        _work_follow_ups(session, rng, (clerk, supervisor), tasks, today)
    with acting_as(session, supervisor):
        sessions = _trainings(session, rng, supervisor, today)
    session.flush()
    return DemoActivity(len(chosen), len(tasks), sessions)
