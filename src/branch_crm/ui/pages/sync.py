"""Sync page: where this PC stands with head office, Sync now, registration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
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
