"""Conflicts page (supervisors): sync conflicts side by side and their resolution."""

from __future__ import annotations

from typing import Any

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec


def _factory(ctx: Any) -> Any:
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
