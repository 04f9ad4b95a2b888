"""The settings screen's service: every setting with its source, and an all-or-nothing save.

Local settings belong to this installation. Policy settings come from head office (or the
DOMAIN.md default until head office sends one); an admin may override one locally.
Only admins change settings (Permission.SETTINGS_EDIT); the language is everyone's choice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from branch_crm.errors import ValidationError
from branch_crm.i18n import _
from branch_crm.models import LocalSetting, PolicySetting
from branch_crm.reference.roles import Permission
from branch_crm.services.context import Actor
from branch_crm.services.permissions import allowed, require
from branch_crm.services.settings import values as settings

EVERYONE_MAY_CHANGE = frozenset({"language"})
HIDDEN = frozenset({"demo.accounts"})
BRANCH_CODE_MAX = 16
BRANCH_CODE_RE = re.compile(rf"^[A-Z0-9][A-Z0-9_-]{{1,{BRANCH_CODE_MAX - 1}}}$")
NAME_MAX = 60
"""The longest branch or company name."""
URL_MAX = 300
"""The longest head-office address the settings screen takes."""


@dataclass(frozen=True)
class SettingView:
    """One setting for the form: its value now and where that value comes from."""

    key: str
    label: str
    kind: str  # "str" | "int" | "float"
    scope: str  # "local" | "policy"
    value: Any
    """The effective value."""
    head_office: Any
    """Policy only: head office's value, or the built-in default until head office sends one."""
    overridden: bool
    """Policy only: a local value replaces head office's."""
    default: Any
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...] | None
    editable: bool
    money: bool = False
    """The value is an amount in fen (cents): the form shows and takes yuan
    (:func:`yuan` / :func:`fen`)."""


def yuan(fen: float) -> float:
    """An amount stored in fen, in yuan (20000 -> 200.0)."""
    return fen / 100


def fen(amount: float) -> int:
    """An amount typed in yuan, in fen as stored (200 -> 20000; 0.005 rounds)."""
    return round(amount * 100)


def _head_office(session: Session, key: str) -> Any:
    setting = settings.SETTINGS[key]
    row = session.scalars(
        select(PolicySetting)
        .where(PolicySetting.key == key)
        .order_by(PolicySetting.updated_at.desc())
    ).first()
    if row is not None and "value" in row.value:
        return setting.kind(row.value["value"])
    return setting.default


def settings_overview(*, session: Session, actor: Actor) -> list[SettingView]:
    """Every visible setting in declaration order."""
    admin = allowed(actor, Permission.SETTINGS_EDIT)
    views = []
    for key, setting in settings.SETTINGS.items():
        if key in HIDDEN:
            continue
        local = session.get(LocalSetting, key)
        overridden = setting.scope == "policy" and local is not None and "value" in local.value
        head = _head_office(session, key) if setting.scope == "policy" else setting.default
        views.append(
            SettingView(
                key=key,
                label=settings.label(key),
                kind=setting.kind.__name__,
                scope=setting.scope,
                value=settings.get(session, key),
                head_office=head,
                overridden=overridden,
                default=setting.default,
                minimum=setting.minimum,
                maximum=setting.maximum,
                choices=setting.choices,
                editable=admin or key in EVERYONE_MAY_CHANGE,
                money=setting.money,
            )
        )
    return views


def _extra_check(key: str, value: Any) -> str | None:
    """Rules beyond type and range for a few settings."""
    if key == "branch.code" and not BRANCH_CODE_RE.match(str(value)):
        return _("A branch code has 2 to 16 letters or digits (for example BR001).")
    if key == "branch.code" and value == "HQ":
        return _("HQ is head office's own code; use your branch's code.")
    if key == "hq.url" and value:
        parsed = urlparse(str(value))
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return _("Enter the full address, for example https://hq.example.com.")
    if key == "hq.ca_file" and value and not Path(str(value)).is_file():
        return _("No such file: {path}").format(path=value)
    if key in ("branch.name", "company.name") and len(str(value)) > NAME_MAX:
        return _("At most {n} characters.").format(n=NAME_MAX)
    return None


def _clean(key: str, value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if key == "branch.code":
            value = value.upper()
        if key == "hq.url":
            value = value.rstrip("/")
    return value


def _validate_all(values: Mapping[str, Any], clear: set[str]) -> dict[str, Any]:
    """Every value converted, or a ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    converted: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in settings.SETTINGS or key in HIDDEN:
            errors[key] = _("Unknown setting.")
            continue
        try:
            converted[key] = settings.validate(key, _clean(key, raw))
        except ValidationError as exc:
            errors[key] = exc.fields.get(key, exc.message)
            continue
        problem = _extra_check(key, converted[key])
        if problem:
            errors[key] = problem
    for key in clear:
        if key not in settings.SETTINGS or settings.SETTINGS[key].scope != "policy":
            errors[key] = _("Only head-office settings have an override to remove.")
    if errors:
        raise ValidationError(errors)
    return converted


def _needs_store(session: Session, key: str, value: Any) -> bool:
    row = session.get(LocalSetting, key)
    if row is not None and "value" in row.value:
        return bool(settings.SETTINGS[key].kind(row.value["value"]) != value)
    # a local setting at its effective value needs no row; a policy value becomes an override
    return settings.SETTINGS[key].scope == "policy" or value != settings.get(session, key)


def save_settings(
    *,
    session: Session,
    actor: Actor,
    values: Mapping[str, Any],
    clear_overrides: Iterable[str] = (),
) -> list[str]:
    """Validate every value first, then store them all (or nothing); returns changed keys.

    ``clear_overrides`` names policy settings whose local override is removed (head office's
    value applies again). Field errors are keyed by setting key.
    """
    clear = set(clear_overrides)
    if not (set(values) | clear) <= EVERYONE_MAY_CHANGE:
        require(actor, Permission.SETTINGS_EDIT)
    converted = _validate_all(values, clear)
    changed = []
    for key, value in converted.items():
        if _needs_store(session, key, value):
            settings.put(session, None, key, value)
            changed.append(key)
    for key in clear:
        row = session.get(LocalSetting, key)
        if row is not None:
            session.delete(row)
            changed.append(key)
    session.flush()
    return changed
