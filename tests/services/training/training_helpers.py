"""Helpers of the training tests: sessions written through the service, local times."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

CONTENT = [
    "每日行车前检查（水、电、油、胎、灭火器、飞翼装置）。",
    "装货后锁好飞翼门锁扣，行车减速慢行。",
    "运输中听从指挥，配合装卸。",
]
INCIDENT = "沪E*****车辆因锁扣未锁好、拐弯速度快导致货物掉落。要求吸取教训，落实安全。"


def local(text: str) -> datetime:
    """'2025-01-15 09:00' as an aware datetime in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def run(db: Any, actor: Any, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a service function in its own unit of work (actor passed when it takes one)."""
    from branch_crm.services.context import unit_of_work

    with unit_of_work(db, actor) as session:
        if "actor" in inspect.signature(fn).parameters:
            return fn(session=session, actor=actor, **kwargs)
        return fn(session=session, **kwargs)


def session_input(count: int = 3, **overrides: Any) -> Any:
    """A seed-003-like session (项目司机 at 上海分拨) with ``count`` expected drivers
    (``attendees=[...]`` replaces them)."""
    from branch_crm.services.training.inputs import AttendeeInput, SessionInput

    values: dict[str, Any] = {
        "title": "项目司机安全培训",
        "starts_at": local("2025-01-15 09:00"),
        "ends_at": local("2025-01-15 11:00"),
        "trainer": "王经理",
        "audience": "项目司机",
        "location": "上海分拨",
        "content_points": list(CONTENT),
        "incident_notice": INCIDENT,
        "attendees": [
            AttendeeInput(name=f"司机{i:02d}", contact=f"138-0013-{i:04d}")
            for i in range(1, count + 1)
        ],
    }
    values.update(overrides)
    return SessionInput(**values)
