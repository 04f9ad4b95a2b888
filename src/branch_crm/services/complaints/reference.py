"""Complaint reference data from head office: the default policy, categories and root causes
every PC seeds, and the lists labelled in the current language."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import current_language
from branch_crm.models import HQ_BRANCH, ReferenceCode, ReferenceKind, SlaPolicy
from branch_crm.services.complaints.policy import DEFAULT_POLICY_ID, DEFAULT_TARGETS, default_policy
from branch_crm.services.reference_ids import reference_id

log = logging.getLogger(__name__)


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


# --- reference data seeding -----------------------------------------------------------------


def default_reference_rows() -> list[tuple[str, str, dict[str, Any]]]:
    """(table, id, columns) of the default policy, categories and root causes: every PC and
    head office seed these same rows (same ids, same values)."""
    policy = default_policy()
    rows: list[tuple[str, str, dict[str, Any]]] = [
        (
            "sla_policy",
            DEFAULT_POLICY_ID,
            {
                "name": policy.name,
                "version": policy.version,
                "active": True,
                "calendar": policy.calendar,
                "working_hours": {},
                "timezone": policy.timezone,
                "warn_ratio": policy.warn_ratio,
                "targets": [
                    {"grade": g, "category": None, "response_minutes": r, "resolution_minutes": s}
                    for g, r, s in DEFAULT_TARGETS
                ],
                "escalation": {"supervisor_ratio": 1.0, "head_office_ratio": 1.5},
            },
        )
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


def ensure_reference_data(session: Session) -> int:
    """Seed the default policy, categories and root causes when absent; returns rows added."""
    added = 0
    (_table, policy_id, policy), *codes = default_reference_rows()
    if session.scalar(select(SlaPolicy.id).limit(1)) is None:
        session.add(SlaPolicy(id=policy_id, branch_id=HQ_BRANCH, **policy))
        added += 1
    present = set(session.execute(select(ReferenceCode.list_kind, ReferenceCode.code)).tuples())
    for _table, row_id, values in codes:
        if (values["list_kind"], values["code"]) in present:
            continue
        session.add(ReferenceCode(id=row_id, branch_id=HQ_BRANCH, **values))
        added += 1
    if added:
        session.flush()
        session.info.pop("code_labels", None)
        log.info("seeded %d SLA reference rows", added)
    return added


@dataclass(frozen=True, slots=True)
class Code:
    """One entry of a head-office list, labelled in the current language."""

    code: str
    label: str
    active: bool = True


def default_codes(kind: str) -> list[Code]:
    """The entries :func:`ensure_reference_data` seeds for a list, labelled: what a read
    shows before anything was seeded (a read never seeds)."""
    zh = current_language().startswith("zh")
    rows = [v for table, _id, v in default_reference_rows() if table == "reference_code"]
    return [
        Code(v["code"], v["name_zh"] if zh else v["name_en"])
        for v in sorted(rows, key=lambda v: (v["sort_order"], v["code"]))
        if v["list_kind"] == kind
    ]


def reference_codes(session: Session, kind: str, *, include_inactive: bool = False) -> list[Code]:
    """The entries of a list in their order; one per code (the newest row wins)."""
    rows = session.scalars(
        select(ReferenceCode)
        .where(ReferenceCode.list_kind == kind)
        .order_by(ReferenceCode.updated_at)
    ).all()
    newest = {row.code: row for row in rows}
    zh = current_language().startswith("zh")
    ordered = sorted(newest.values(), key=lambda r: (r.sort_order, r.code))
    return [
        Code(r.code, (r.name_zh if zh else r.name_en) or r.code, r.active)
        for r in ordered
        if include_inactive or r.active
    ]


def code_labels(session: Session, kind: str) -> dict[str, str]:
    """code -> label (inactive codes included, so old complaints still read well).

    Cached for the session's lifetime (one unit of work), per list and language.
    """
    cache: dict[tuple[str, str], dict[str, str]] = session.info.setdefault("code_labels", {})
    key = (kind, current_language())
    if key not in cache:
        cache[key] = {
            c.code: c.label for c in reference_codes(session, kind, include_inactive=True)
        }
    return cache[key]
