"""Sample training sessions (the service, UI, printing and CLI tests share them)."""

from __future__ import annotations

from typing import Any

from tests.support.clock import local

CONTENT = [
    "每日行车前检查（水、电、油、胎、灭火器、飞翼装置）。",
    "装货后锁好飞翼门锁扣，行车减速慢行。",
    "运输中听从指挥，配合装卸。",
]
INCIDENT = "沪E*****车辆因锁扣未锁好、拐弯速度快导致货物掉落。要求吸取教训，落实安全。"


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
