"""Lookup page: find a customer while they wait (counter desk)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.counter.lookup_page import LookupPage

    return LookupPage(ctx)


PAGE = PageSpec(
    key="lookup",
    title=N_("Lookup"),
    icon="lookup",
    factory=_factory,
    order=10,
    permission=Permission.CUSTOMER_VIEW,
    shortcut="Ctrl+1",
)
