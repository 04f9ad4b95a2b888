"""Demo complaints: realistic cases driven through the real workflow at past instants.

``add_demo_complaints(session, n)`` spreads ``n`` complaints over the last six weeks for
existing customers: older ones mostly closed (some reopened), recent ones received, in
progress, waiting for the customer or awaiting the customer's confirmation, plus two grade-1
complaints nobody accepted yet (one due soon, one breached and escalated) so the queue shows
warnings and breaches. Called by ``branch-crm demo``.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.models import Customer, CustomerPhone, Role, Staff
from branch_crm.services.complaints import intake, policy, reference, sla, views, workflow
from branch_crm.services.context import Actor
from branch_crm.timeutil import utcnow

log = logging.getLogger(__name__)

CATEGORY_WEIGHTS = {
    "delay": 30,
    "damage": 14,
    "loss": 4,
    "wrong_delivery": 9,
    "tracking": 15,
    "attitude": 8,
    "billing": 7,
    "pickup_no_show": 9,
    "other": 4,
}
DESCRIPTIONS = {
    "delay": ["承诺次日达，三天了还没到", "生鲜件延误，客户很着急", "节前寄出的件一直在中转"],
    "damage": ["外箱压坏，里面的陶瓷杯碎了", "电脑屏幕有裂痕", "包装破损，少了一件配件"],
    "loss": ["物流显示已签收，但客户没收到", "中转站后再无轨迹，疑似丢失"],
    "wrong_delivery": ["派到了隔壁小区", "放错了快递柜，别人取走了"],
    "tracking": ["轨迹两天没有更新", "单号查不到任何信息"],
    "attitude": ["快递员电话里语气很差", "前台人员不耐烦"],
    "billing": ["首重价格和报价不一致", "保价费被重复收取"],
    "pickup_no_show": ["约了上午取件，等了一天没人来", "取件员改时间没有通知"],
    "other": ["发票一直没开", "想改收件地址但找不到人"],
}
ROOT_CAUSES = {
    "delay": ["line_haul_delay", "capacity", "force_majeure"],
    "damage": ["packaging", "rough_handling"],
    "loss": ["sorting_error", "tracking_scan"],
    "wrong_delivery": ["address", "courier_conduct", "sorting_error"],
    "tracking": ["tracking_scan"],
    "attitude": ["courier_conduct"],
    "billing": ["other", "customer_side"],
    "pickup_no_show": ["capacity", "courier_conduct"],
    "other": ["other"],
}
CORRECTIVE = {
    "line_haul_delay": "与干线承运商复盘晚点班次，超时件每日通报",
    "capacity": "高峰期增派临时取派人员",
    "force_majeure": "恶劣天气提前短信告知客户",
    "packaging": "易碎品加固包装并贴标识",
    "rough_handling": "装卸班组重新培训，加装监控",
    "sorting_error": "分拣口重新贴标，抽检错分",
    "tracking_scan": "强调每一环节扫描，漏扫计入考核",
    "address": "收件时核对地址和电话",
    "courier_conduct": "服务规范培训并纳入月度考评",
    "customer_side": "向客户说明计费规则",
    "other": "登记并跟进",
}
FEEDBACK = [
    "已与客户电话沟通处理结果",
    "已赔付并致歉",
    "已补发，客户表示理解",
    "已说明原因并给予优惠券",
]


@dataclass
class _Cast:
    """Who works the demo complaints."""

    counter: list[Actor]
    supervisor: Actor


def _cast(session: Session, branch_id: str) -> _Cast:
    staff = session.scalars(select(Staff).where(Staff.active.is_(True))).all()
    counters = [
        Actor(s.id, s.username, s.display_name, Role(s.role), branch_id)
        for s in staff
        if s.role == Role.COUNTER
    ]
    supervisors = [
        Actor(s.id, s.username, s.display_name, Role(s.role), branch_id)
        for s in staff
        if s.role in (Role.SUPERVISOR, Role.ADMIN)
    ]
    if not counters:
        counters = [
            Actor("demo-counter-1", "demo1", "王芳", Role.COUNTER, branch_id),
            Actor("demo-counter-2", "demo2", "李强", Role.COUNTER, branch_id),
        ]
    supervisor = supervisors[0] if supervisors else Actor(
        "demo-supervisor", "demo-sup", "陈主管", Role.SUPERVISOR, branch_id
    )  # fmt: skip
    return _Cast(counters, supervisor)


def _customers(session: Session, rng: random.Random, wanted: int) -> list[str]:
    ids = list(session.scalars(select(Customer.id).limit(max(wanted * 3, 50))))
    if ids:
        return ids
    for i in range(max(wanted * 2, 10)):
        customer = Customer(
            name=rng.choice("张王李赵刘陈杨黄周吴") + rng.choice("伟芳娜敏静磊强军")
        )
        session.add(customer)
        session.flush()
        session.add(
            CustomerPhone(
                customer_id=customer.id, phone=f"139{rng.randrange(10**8):08d}", position=0
            )
        )
        ids.append(customer.id)
        log.debug("demo customer %d created", i)
    return ids


def add_demo_complaints(
    session: Session,
    n: int,
    *,
    branch_id: str = "BR001",
    now: datetime | None = None,
    seed: int = 7,
) -> int:
    """Create ``n`` demo complaints through the workflow; returns how many were created."""
    now = now or utcnow()
    rng = random.Random(seed)
    reference.ensure_reference_data(session)
    cast = _cast(session, branch_id)
    customers = _customers(session, rng, n)
    recent = round(n * 0.3)  # still being worked: on time, due soon, a few overdue
    ages = [rng.uniform(0.1, 30) for _ in range(recent)]
    ages += [rng.uniform(2 * 24, 42 * 24) for _ in range(n - recent)]
    for start in sorted(now - timedelta(hours=age) for age in ages):
        _one(session, rng, cast, customer_id=rng.choice(customers), start=start, now=now)
    added = n + _overdue_pair(session, random.Random(seed + 1), cast, customers, now)
    sla.sweep(session=session, now=now)
    log.info("%d demo complaints added", added)
    return added


def _overdue_pair(
    session: Session, rng: random.Random, cast: _Cast, customers: list[str], now: datetime
) -> int:
    """Two grade-1 complaints nobody accepted yet, so the demo queue opens with one due soon
    (a loss, 50 of 60 minutes gone) and one breached and escalated to head office (a
    high-value damage, 100 minutes old); returns how many were added."""
    cases = (
        ("loss", 0, 50, "物流显示已签收，但客户没收到"),
        ("damage", 150_000, 100, "笔记本电脑屏幕碎裂，要求按保价赔偿"),
    )
    for category, cents, age_minutes, text in cases:
        data = intake.ComplaintInput(
            customer_id=rng.choice(customers),
            channel="counter",
            category=category,
            description=text,
            waybill_no=f"SF{rng.randrange(10**12, 10**13)}",
            compensation_requested_cents=cents,
        )
        start = now - timedelta(minutes=age_minutes)
        intake.take_complaint(session=session, actor=rng.choice(cast.counter), data=data, now=start)
    return len(cases)


def _one(
    session: Session,
    rng: random.Random,
    cast: _Cast,
    *,
    customer_id: str,
    start: datetime,
    now: datetime,
) -> None:
    category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
    clerk = rng.choice(cast.counter)
    cents = rng.choice([0, 0, 0, 2000, 5000, 15000, 30000, 120000]) if category != "tracking" else 0
    data = intake.ComplaintInput(
        customer_id=customer_id,
        channel=rng.choices(["counter", "phone", "online", "courier"], weights=[5, 4, 2, 1])[0],
        category=category,
        description=rng.choice(DESCRIPTIONS[category]),
        waybill_no=f"SF{rng.randrange(10**12, 10**13)}" if rng.random() < 0.8 else None,
        compensation_requested_cents=cents,
    )
    view = intake.take_complaint(session=session, actor=clerk, data=data, now=start)
    if now - start < timedelta(hours=3) and rng.random() < 0.6:
        return  # just came in
    target = policy.default_policy().target(view.grade, category)
    t = start + timedelta(minutes=target.response_minutes * rng.uniform(0.1, 1.1))
    if t >= now:
        return
    workflow.accept_complaint(session=session, actor=clerk, complaint_id=view.id, now=t)
    if rng.random() < 0.3:
        t += timedelta(hours=rng.uniform(0.5, 6))
        if t >= now:
            return
        workflow.wait_for_customer(
            session=session, actor=clerk, complaint_id=view.id, now=t, note="等客户提供照片"
        )
        t += timedelta(hours=rng.uniform(1, 30))
        if t >= now:
            return
        workflow.resume_complaint(session=session, actor=clerk, complaint_id=view.id, now=t)
    if cents and rng.random() < 0.6:
        granted = min(cents, 20000)
        workflow.grant_compensation(
            session=session, actor=clerk, complaint_id=view.id, amount_cents=granted, now=t,
            note="按规定赔付",
        )  # fmt: skip
    _finish(session, rng, cast, clerk, complaint_id=view.id, category=category, t=t, now=now)


def _finish(
    session: Session,
    rng: random.Random,
    cast: _Cast,
    clerk: Actor,
    *,
    complaint_id: str,
    category: str,
    t: datetime,
    now: datetime,
) -> None:
    view = views.get_complaint(session=session, complaint_id=complaint_id)
    target = policy.default_policy().target(view.grade, category)
    t += timedelta(minutes=target.resolution_minutes * rng.uniform(0.1, 1.05))
    if t >= now:
        return
    workflow.give_feedback(
        session=session, actor=clerk, complaint_id=complaint_id, now=t, note=rng.choice(FEEDBACK)
    )
    t += timedelta(hours=rng.uniform(1, 20))
    if t >= now:
        return
    if rng.random() < 0.08:  # not satisfied: reopened, answered again a day later
        workflow.reopen_complaint(
            session=session, actor=clerk, complaint_id=complaint_id, now=t, note="客户对结果不满意"
        )
        t += timedelta(hours=rng.uniform(2, 30))
        if t >= now:
            return
        workflow.give_feedback(
            session=session, actor=clerk, complaint_id=complaint_id, now=t, note="已重新处理并赔付"
        )
        t += timedelta(hours=rng.uniform(1, 10))
        if t >= now:
            return
    cause = rng.choice(ROOT_CAUSES[category])
    closer, confirmed = (clerk, True) if rng.random() < 0.9 else (cast.supervisor, False)
    workflow.close_complaint(
        session=session,
        actor=closer,
        complaint_id=complaint_id,
        root_cause=cause,
        corrective_action=CORRECTIVE[cause],
        customer_confirmed=confirmed,
        now=t,
        note=None if confirmed else "多次联系客户未果",
    )
