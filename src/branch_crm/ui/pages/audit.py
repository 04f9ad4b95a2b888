"""Audit log page (supervisors and admins): who changed what, when."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
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
