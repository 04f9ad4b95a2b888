"""The one home of the default reference rows every PC and head office seed (same ids, same
values): the default SLA policy, complaint categories and root causes, the default survey
template (DOMAIN.md "Complaints" and "Satisfaction survey")."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from branch_crm.models import HQ_BRANCH, ReferenceKind, SurveyTemplate
from branch_crm.reference.ids import reference_id

log = logging.getLogger(__name__)

# --- SLA policy, categories, root causes ---------------------------------------------------

DEFAULT_TARGETS: tuple[tuple[int, int, int], ...] = ((1, 60, 1440), (2, 120, 2880), (3, 240, 4320))
"""(grade, response minutes, resolution minutes): 1 h/24 h, 2 h/48 h, 4 h/72 h."""

DEFAULT_POLICY_ID = reference_id("sla_policy", "default")

DEFAULT_POLICY: dict[str, Any] = {
    "name": "default",
    "version": 1,
    "active": True,
    "calendar": "24x7",
    "working_hours": {},
    "timezone": "Asia/Shanghai",
    "warn_ratio": 0.75,
    "targets": [
        {"grade": g, "category": None, "response_minutes": r, "resolution_minutes": s}
        for g, r, s in DEFAULT_TARGETS
    ],
    "escalation": {"supervisor_ratio": 1.0, "head_office_ratio": 1.5},
}
"""The columns of the default policy: 24x7 in Asia/Shanghai, warning at 75%."""

CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("delay", "延误", "Delay"),
    ("damage", "破损", "Damage"),
    ("loss", "丢失", "Loss"),
    ("wrong_delivery", "错派", "Wrong delivery"),
    ("tracking", "物流信息未更新", "Tracking not updated"),
    ("attitude", "服务态度", "Service attitude"),
    ("billing", "计费问题", "Billing"),
    ("pickup_no_show", "上门取件未到", "Pickup no-show"),
    ("other", "其他", "Other"),
)
ROOT_CAUSES: tuple[tuple[str, str, str], ...] = (
    ("sorting_error", "分拣错误", "Sorting error"),
    ("line_haul_delay", "干线运输延误", "Line-haul delay"),
    ("packaging", "包装不当", "Inadequate packaging"),
    ("rough_handling", "装卸操作不当", "Rough handling"),
    ("courier_conduct", "快递员服务不规范", "Courier conduct"),
    ("tracking_scan", "漏扫/系统数据错误", "Missed scan or data error"),
    ("address", "地址信息错误", "Wrong or incomplete address"),
    ("capacity", "运力不足/爆仓", "Capacity shortage (peak)"),
    ("partner", "合作方原因", "Partner (carrier, warehouse)"),
    ("force_majeure", "天气/不可抗力", "Weather or force majeure"),
    ("customer_side", "客户原因", "Customer side"),
    ("other", "其他", "Other"),
)


def default_complaint_rows() -> list[tuple[str, str, dict[str, Any]]]:
    """(table, id, columns) of the default policy, categories and root causes."""
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("sla_policy", DEFAULT_POLICY_ID, copy.deepcopy(DEFAULT_POLICY))
    ]
    for kind, codes in (
        (ReferenceKind.COMPLAINT_CATEGORY, CATEGORIES),
        (ReferenceKind.ROOT_CAUSE, ROOT_CAUSES),
    ):
        for order, (code, name_zh, name_en) in enumerate(codes):
            values = {
                "list_kind": kind.value,
                "code": code,
                "name_zh": name_zh,
                "name_en": name_en,
                "sort_order": (order + 1) * 10,
                "active": True,
            }
            rows.append(("reference_code", reference_id(kind.value, code), values))
    return rows


# --- survey template -------------------------------------------------------------------------

DEFAULT_CODE = "satisfaction"
DEFAULT_VERSION = 1

# (code, kind, Chinese text, English text) — table 4-14 of seed 003, NPS of seed 001.
DEFAULT_ITEMS: tuple[tuple[str, str, str, str], ...] = (
    (
        "timeliness",
        "scale5",
        "时效性：取件、运输、派送准时",
        "Timeliness: pickup, transport, delivery",
    ),
    ("accuracy", "scale5", "准确性：货物无误送达", "Accuracy: the right goods to the right place"),
    (
        "integrity",
        "scale5",
        "完整性：包装完好、无损无丢",
        "Integrity: goods arrive whole, nothing lost",
    ),
    ("attitude", "scale5", "服务态度：沟通友好、处理及时", "Service attitude: friendly and prompt"),
    (
        "transparency",
        "scale5",
        "信息透明度：价格与流程清楚",
        "Transparency: clear prices and process",
    ),
    (
        "problem_solving",
        "scale5",
        "问题解决能力：处理快、效果好",
        "Problem solving: quick, effective",
    ),
    (
        "feedback",
        "scale5",
        "客户反馈机制：意见有人听、有回应",
        "Feedback channel: heard and answered",
    ),
    ("value", "scale5", "成本效益：费用合理", "Cost-effectiveness: fair charges"),
    (
        "nps",
        "nps",
        "您有多大可能向朋友或同事推荐我们？",
        "How likely are you to recommend us to a friend or colleague?",
    ),
    (
        "ces",
        "ces",
        "“寄件、查件和解决问题都很省事。”您是否同意？",
        "“Sending, tracking and sorting out problems was easy.” Do you agree?",
    ),
    ("suggestion", "text", "您对我们还有什么意见或建议？", "What else should we improve?"),
)


def default_items() -> list[dict[str, Any]]:
    """The default questions as stored in ``SurveyTemplate.items``."""
    return [
        {"code": code, "kind": kind, "text_zh": zh, "text_en": en}
        for code, kind, zh, en in DEFAULT_ITEMS
    ]


DEFAULT_TEMPLATE_ID = reference_id("survey_template", DEFAULT_CODE, str(DEFAULT_VERSION))
SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)
"""created_at/updated_at of the default template as a PC seeds it (head office's copy,
received on the first pull, replaces them)."""


def default_template_values() -> dict[str, Any]:
    """The columns of the default template, the same on every PC and at head office."""
    return {
        "code": DEFAULT_CODE,
        "version": DEFAULT_VERSION,
        "title_zh": "客户满意度调查表",
        "title_en": "Customer satisfaction survey",
        "items": default_items(),
        "active": True,
    }


def seed_default_template(conn: Connection) -> bool:
    """Insert the default template unless this database holds it (even as a tombstone);
    True if it was added. Every PC does this when its database is created or migrated, so a
    form printed anywhere can be applied everywhere (head office publishes it too)."""
    query = select(SurveyTemplate.id).where(SurveyTemplate.id == DEFAULT_TEMPLATE_ID)
    if conn.execute(query).first() is not None:  # a plain connection: tombstones too
        return False
    conn.execute(
        insert(SurveyTemplate).values(
            id=DEFAULT_TEMPLATE_ID,
            branch_id=HQ_BRANCH,
            created_at=SEEDED_AT,
            updated_at=SEEDED_AT,
            **default_template_values(),
        )
    )
    log.info("default survey template seeded")
    return True


def default_reference() -> list[tuple[str, str, dict[str, Any]]]:
    """(table, id, columns) of every reference row a PC seeds by itself (SLA policy,
    complaint categories and root causes, the survey template): head office holds the same."""
    template = ("survey_template", DEFAULT_TEMPLATE_ID, default_template_values())
    return [*default_complaint_rows(), template]
