"""Changes not applied (supervisors): what head office turned down, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.sync.rejected_page import RejectedPage

    return RejectedPage(ctx)


PAGE = PageSpec(
    key="sync_rejected",
    title=N_("Changes not applied"),
    icon="error",
    factory=_factory,
    order=72,
    permission=Permission.CONFLICT_RESOLVE,
)
