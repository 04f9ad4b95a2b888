"""Head office's classification thresholds for the dashboard: its published policy settings
over the branch's defaults (used by the live figures and by the summaries)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from branch_crm.hq import tables as t
from branch_crm.models.base import HQ_BRANCH

__all__ = ["POLICY_DEFAULTS", "policy_values"]

policy = t.ENTITIES["policy_setting"][0]

POLICY_DEFAULTS: dict[str, float] = {
    "tier.strategic_min": 5000,
    "tier.key_min": 1000,
    "tier.ordinary_min": 30,
    "stage.stable_months": 3,
    "lifecycle.dormant_months": 6,
    "churn.drop_ratio": 0.5,
    "churn.min_parcels": 30,
}
"""The branch's defaults (``services/settings/values.py``), used where head office has not
published a policy setting of its own."""


def policy_values(conn: Connection) -> dict[str, float]:
    """Head office's classification thresholds (its policy settings over the defaults)."""
    values = dict(POLICY_DEFAULTS)
    rows = conn.execute(
        select(policy.c.key, policy.c.value).where(
            policy.c.branch_id == HQ_BRANCH,
            policy.c.key.in_(list(POLICY_DEFAULTS)),
            policy.c.deleted_at.is_(None),
        )
    )
    for key, value in rows:
        raw = json.loads(value) if isinstance(value, str) else value
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            values[key] = raw
    return values
