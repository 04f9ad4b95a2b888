"""Typed settings, each declared once with its default (Picard ``options.py`` style).

Two scopes: ``local`` settings belong to this installation (language, branch, head-office
URL); ``policy`` settings are head-office numbers (DOMAIN.md defaults) that arrive with
reference data and that a branch admin may override locally.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm import install_defaults
from branch_crm.errors import ValidationError
from branch_crm.i18n import LANGUAGES, N_, _
from branch_crm.models import LocalSetting, PolicySetting
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import require

Scope = Literal["local", "policy"]


@dataclass(frozen=True)
class Setting:
    """A named, typed value with its default and a label for the settings dialog."""

    key: str
    default: Any
    kind: type
    scope: Scope
    label: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    money: bool = False
    """Stored in fen (cents), shown and typed in yuan."""


SETTINGS: dict[str, Setting] = {
    s.key: s
    for s in [
        Setting("language", "", str, "local", N_("Language"), choices=("", *LANGUAGES)),
        Setting("branch.code", "BR001", str, "local", N_("Branch code")),
        Setting("branch.name", "", str, "local", N_("Branch name")),
        Setting("company.name", "", str, "local", N_("Company name (printed forms)")),
        Setting("hq.url", "", str, "local", N_("Head-office URL")),
        Setting("hq.ca_file", "", str, "local", N_("CA certificate file (empty: the PC's store)")),
        Setting("sync.interval_minutes", 5, int, "local", N_("Sync every (minutes)"), 1, 1440),
        Setting(
            "sync.prefetch_mb",
            50,
            int,
            "local",
            N_("Photos fetched per sync (MB, 0: on opening)"),
            0,
            1000,
        ),
        Setting(
            "attachments.max_file_mb", 20, int, "local", N_("Largest attached file (MB)"), 1, 200
        ),
        Setting(
            "auth.max_failed_logins", 5, int, "local", N_("Wrong passwords before lock-out"), 1, 20
        ),
        Setting(
            "auth.lockout_minutes", 15, int, "local", N_("Lock-out duration (minutes)"), 1, 1440
        ),
        # DOMAIN.md "Customer classification" defaults
        Setting(
            "tier.strategic_min", 5000, int, "policy", N_("Strategic: parcels per month from"), 1
        ),
        Setting("tier.key_min", 1000, int, "policy", N_("Key: parcels per month from"), 1),
        Setting("tier.ordinary_min", 30, int, "policy", N_("Ordinary: parcels per month from"), 1),
        Setting("stage.stable_months", 3, int, "policy", N_("Stable after (months)"), 1),
        Setting("stage.loyal_months", 12, int, "policy", N_("Loyal after (months)"), 1),
        Setting(
            "lifecycle.dormant_months",
            6,
            int,
            "policy",
            N_("Dormant after months without shipments"),
            1,
        ),
        Setting(
            "churn.drop_ratio",
            0.5,
            float,
            "policy",
            N_("Churn risk when volume falls below this share"),
            0.05,
            0.95,
        ),
        Setting(
            "churn.min_parcels",
            30,
            int,
            "policy",
            N_("Churn risk only for customers shipping at least"),
            0,
        ),
        Setting(
            "complaint.compensation_limit_cents",
            20000,
            int,
            "policy",
            N_("Compensation a branch may grant without a supervisor (yuan)"),
            0,
            money=True,
        ),
        # complaints (issue 3): grade rules and the repeat-complainer flag
        Setting(
            "complaint.high_value_cents",
            100000,
            int,
            "policy",
            N_("Damage claims from this amount are high-value (yuan)"),
            0,
            money=True,
        ),
        Setting(
            "complaint.repeat_days",
            30,
            int,
            "policy",
            N_("A complaint within this many days of another is a repeat complaint"),
            1,
            365,
        ),
        Setting(
            "complaint.repeat_flag_days",
            90,
            int,
            "policy",
            N_("Flag customers with two or more complaints within (days)"),
            1,
            3650,
        ),
        # customer care (issue 15): the plan's look-ahead and the visit classes' quotas
        Setting(
            "care.lead_days",
            3,
            int,
            "policy",
            N_("Birthday, anniversary and festival calls this many days ahead"),
            0,
            60,
        ),
        Setting("care.visit_days_a", 7, int, "policy", N_("Class A: visit every (days)"), 1, 366),
        Setting("care.visit_days_b", 14, int, "policy", N_("Class B: visit every (days)"), 1, 366),
        Setting("care.visit_days_c", 30, int, "policy", N_("Class C: visit every (days)"), 1, 366),
        Setting(
            "care.feedback_a", 2, int, "policy", N_("Class A: feedback forms per month"), 0, 31
        ),
        Setting(
            "care.feedback_b", 2, int, "policy", N_("Class B: feedback forms per month"), 0, 31
        ),
        Setting(
            "care.feedback_c", 1, int, "policy", N_("Class C: feedback forms per month"), 0, 31
        ),
        # backups (issue 19): the daily copy's folder and how long copies are kept
        Setting("backup.keep_days", 7, int, "local", N_("Keep daily backups for (days)"), 1, 3650),
        Setting(
            "backup.folder",
            "",
            str,
            "local",
            N_("Daily backups folder (empty: beside the database)"),
        ),
        # app shell: the demo accounts shown on the sign-in dialog of a demo database
        Setting("demo.accounts", "", str, "local", N_("Demo accounts shown at sign-in")),
    ]
}


def _setting(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise KeyError(f"unknown setting {key!r}") from None


def get(session: Session, key: str) -> Any:
    """The effective value: local override, else head-office policy, else the value IT preset
    at install (``branch-crm.ini``, local settings of install_defaults.KEYS only), else the
    default."""
    setting = _setting(key)
    local = session.get(LocalSetting, key)
    if local is not None and "value" in local.value:
        return setting.kind(local.value["value"])
    if setting.scope == "policy":
        row = session.scalars(
            select(PolicySetting)
            .where(PolicySetting.key == key)
            .order_by(PolicySetting.updated_at.desc())
        ).first()
        if row is not None and "value" in row.value:
            return setting.kind(row.value["value"])
    elif key in install_defaults.KEYS and (value := install_defaults.preset(key)) is not None:
        return setting.kind(value)
    return setting.default


def get_many(session: Session, prefix: str = "") -> dict[str, Any]:
    """Effective values of every setting whose key starts with ``prefix``."""
    return {key: get(session, key) for key in SETTINGS if key.startswith(prefix)}


def validate(key: str, value: Any) -> Any:
    """Convert ``value`` to the setting's type or raise :class:`ValidationError`."""
    setting = _setting(key)
    try:
        converted = setting.kind(value)
    except (TypeError, ValueError):
        raise ValidationError({key: _("Enter a valid value.")}) from None
    if setting.minimum is not None and converted < setting.minimum:
        raise ValidationError({key: _("Must be at least {n}.").format(n=setting.minimum)})
    if setting.maximum is not None and converted > setting.maximum:
        raise ValidationError({key: _("Must be at most {n}.").format(n=setting.maximum)})
    if setting.choices is not None and converted not in setting.choices:
        raise ValidationError({key: _("Choose one of the offered values.")})
    return converted


def put(session: Session, actor: Actor | None, key: str, value: Any) -> None:
    """Store a local value (admins only, unless ``actor`` is None for first-run set-up)."""
    if actor is not None:
        require(actor, Permission.SETTINGS_EDIT)
    converted = validate(key, value)
    row = session.get(LocalSetting, key)
    if row is None:
        session.add(LocalSetting(key=key, value={"value": converted}))
    else:
        row.value = {"value": converted}


def label(key: str) -> str:
    """The translated label of a setting."""
    return _(_setting(key).label)
