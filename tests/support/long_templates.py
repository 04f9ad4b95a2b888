"""Survey templates longer than the default: table 4-14 plus exercise card 4-7 (13 criteria on
a 1-5 scale) and 18 criteria, with NPS, CES and the suggestion (issue 16)."""

from __future__ import annotations

from typing import Any

from branch_crm.reference.defaults import DEFAULT_ITEMS

EXERCISE_4_7: tuple[tuple[str, str, str, str], ...] = (
    ("service_quality", "scale5", "服务质量：专业、规范", "Service quality: professional, orderly"),
    ("reliability", "scale5", "可靠性：承诺的都能做到", "Reliability: what is promised is done"),
    ("price", "scale5", "价格合理性：与服务相符", "Price: reasonable for the service"),
    (
        "complaint_handling",
        "scale5",
        "投诉处理效率：快速受理、及时反馈结果",
        "Complaint handling: taken quickly, result reported in time",
    ),
    (
        "customised",
        "scale5",
        "个性化服务：能按我的需要安排取派件",
        "Customised service: pickups and deliveries arranged to my needs",
    ),
)
MORE: tuple[tuple[str, str, str, str], ...] = (
    ("packaging", "scale5", "包装材料：结实、环保", "Packaging: sturdy and green"),
    ("tracking", "scale5", "查件：物流信息及时准确", "Tracking: status on time and correct"),
    ("courier", "scale5", "快递员：守时、礼貌、着装规范", "Courier: punctual, polite, tidy"),
    ("counter", "scale5", "网点柜台：排队时间短", "Counter: short queues at the branch"),
    ("claims", "scale5", "理赔：流程简单、赔付及时", "Claims: simple, paid in time"),
)


def long_items(criteria: int) -> list[dict[str, Any]]:
    """Stored ``items`` of a template with ``criteria`` 1-5 questions (8, 13 or 18) and the
    default NPS, CES and suggestion."""
    default = [i for i in DEFAULT_ITEMS if i[1] == "scale5"]
    extra = [*EXERCISE_4_7, *MORE]
    scales = [*default, *extra][:criteria]
    rest = [i for i in DEFAULT_ITEMS if i[1] != "scale5"]
    return [
        {"code": code, "kind": kind, "text_zh": zh, "text_en": en}
        for code, kind, zh, en in [*scales, *rest]
    ]
