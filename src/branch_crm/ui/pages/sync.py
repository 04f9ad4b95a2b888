"""Sync page: where this PC stands with head office, Sync now, registration."""

from __future__ import annotations

from typing import Any

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec


def _factory(ctx: Any) -> Any:
    from branch_crm.ui.sync.page import SyncPage

    return SyncPage(ctx)


PAGE = PageSpec(
    key="sync",
    title=N_("Sync"),
    icon="sync",
    factory=_factory,
    order=70,
    permission=Permission.SYNC_RUN,
)
