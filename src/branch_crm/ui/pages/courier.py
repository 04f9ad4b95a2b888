"""Courier mode: lookup -> pickup preferences with big buttons and fonts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.counter.courier import CourierModePage

    return CourierModePage(ctx)


PAGE = PageSpec(
    key="courier",
    title=N_("Courier mode"),
    icon="courier",
    factory=_factory,
    order=15,
    permission=Permission.PREFERENCE_EDIT,
    shortcut="Ctrl+Shift+C",
)
