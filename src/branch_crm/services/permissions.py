"""What each role may do. Services call :func:`require`; the UI may hide what is refused."""

from __future__ import annotations

import enum

from branch_crm.errors import PermissionDenied
from branch_crm.i18n import N_, _
from branch_crm.models import Role
from branch_crm.services.context import Actor


class Permission(enum.StrEnum):
    """A right checked by a service."""

    CUSTOMER_VIEW = "customer.view"
    CUSTOMER_EDIT = "customer.edit"
    PREFERENCE_EDIT = "preference.edit"
    COMPLAINT_CREATE = "complaint.create"
    COMPLAINT_WORK = "complaint.work"
    COMPLAINT_SUPERVISE = "complaint.supervise"
    """Regrade, close without customer confirmation, compensation above the branch limit."""
    SURVEY_PRINT = "survey.print"
    SURVEY_BATCH = "survey.batch"
    SURVEY_ENTER = "survey.enter"
    TRAINING_MANAGE = "training.manage"
    REPORT_VIEW = "report.view"
    AUDIT_VIEW = "audit.view"
    STAFF_MANAGE = "staff.manage"
    SETTINGS_EDIT = "settings.edit"
    SYNC_RUN = "sync.run"
    CONFLICT_RESOLVE = "conflict.resolve"


_EVERYONE = {
    Permission.CUSTOMER_VIEW,
    Permission.PREFERENCE_EDIT,
    Permission.COMPLAINT_CREATE,
    Permission.SYNC_RUN,
}
_COUNTER = _EVERYONE | {
    Permission.CUSTOMER_EDIT,
    Permission.COMPLAINT_WORK,
    Permission.SURVEY_PRINT,
    Permission.SURVEY_ENTER,
}
_SUPERVISOR = _COUNTER | {
    Permission.COMPLAINT_SUPERVISE,
    Permission.SURVEY_BATCH,
    Permission.TRAINING_MANAGE,
    Permission.REPORT_VIEW,
    Permission.AUDIT_VIEW,
    Permission.CONFLICT_RESOLVE,
}
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COURIER: frozenset(_EVERYONE),
    Role.COUNTER: frozenset(_COUNTER),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(Permission),
}

ROLE_LABELS = {
    Role.COUNTER: N_("Counter staff"),
    Role.COURIER: N_("Pickup courier"),
    Role.SUPERVISOR: N_("Supervisor"),
    Role.ADMIN: N_("Administrator"),
}


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
