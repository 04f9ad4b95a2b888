"""What each role may do (the table: :mod:`branch_crm.reference.roles`). Services call
:func:`require`; the UI may hide what is refused."""

from __future__ import annotations

from branch_crm.errors import PermissionDenied
from branch_crm.i18n import _
from branch_crm.models import Role
from branch_crm.reference.roles import ROLE_LABELS, ROLE_PERMISSIONS, Permission
from branch_crm.services.context import Actor

__all__ = ["allowed", "require", "role_label"]


def role_label(role: Role | str) -> str:
    """The translated name of a role."""
    return _(ROLE_LABELS[Role(role)])


def allowed(actor: Actor, permission: Permission) -> bool:
    """True when the actor's role grants ``permission``."""
    return permission in ROLE_PERMISSIONS[Role(actor.role)]


def require(actor: Actor, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless the actor's role grants ``permission``."""
    if not allowed(actor, permission):
        raise PermissionDenied(
            _("{role} may not do this ({permission}).").format(
                role=role_label(actor.role), permission=permission.value
            )
        )
