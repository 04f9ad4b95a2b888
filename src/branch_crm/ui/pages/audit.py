"""Audit log page (supervisors and admins): who changed what, when."""

from __future__ import annotations

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec


def _factory(ctx):  # type: ignore[no-untyped-def]
    from branch_crm.ui.shell.audit_page import AuditPage

    return AuditPage(ctx)


PAGE = PageSpec(
    key="audit",
    title=N_("Audit log"),
    icon="audit",
    factory=_factory,
    order=92,
    permission=Permission.AUDIT_VIEW,
)
