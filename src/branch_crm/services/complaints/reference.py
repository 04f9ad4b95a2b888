"""Complaint reference data from head office: seeding the default policy, categories and root
causes (:mod:`branch_crm.reference.defaults`), and the lists labelled in the current language."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.i18n import current_language
from branch_crm.models import HQ_BRANCH, ReferenceCode, SlaPolicy
from branch_crm.reference.defaults import default_complaint_rows

__all__ = [
    "Code",
    "code_labels",
    "default_codes",
    "ensure_reference_data",
    "reference_codes",
]

log = logging.getLogger(__name__)


# --- reference data seeding -----------------------------------------------------------------


def ensure_reference_data(session: Session) -> int:
    """Seed the default policy, categories and root causes when absent; returns rows added."""
    added = 0
    (_table, policy_id, policy), *codes = default_complaint_rows()
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
    rows = [v for table, _id, v in default_complaint_rows() if table == "reference_code"]
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
