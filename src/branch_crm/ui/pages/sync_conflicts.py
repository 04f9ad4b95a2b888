"""Conflicts page (supervisors): sync conflicts side by side and their resolution."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.sync.conflicts_page import ConflictsPage

    return ConflictsPage(ctx)


PAGE = PageSpec(
    key="sync_conflicts",
    title=N_("Conflicts"),
    icon="conflicts",
    factory=_factory,
    order=71,
    permission=Permission.CONFLICT_RESOLVE,
)
