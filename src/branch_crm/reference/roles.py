"""The one role table, used by both sides: the rights each role has (the branch checks them,
head office reads who may resolve a conflict) and the roles' names."""

from __future__ import annotations

import enum

from branch_crm.i18n import N_
from branch_crm.models import Role


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
    RECORD_DELETE = "record.delete"
    """Delete (and restore) customers and complaints, merge customers, see deleted items."""


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
    Permission.RECORD_DELETE,
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
