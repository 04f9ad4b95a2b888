"""Home page: today's work, one card per feature (ui.registry.register_home_card)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.shell.home import HomePage

    return HomePage(ctx)


PAGE = PageSpec(
    key="home",
    title=N_("Today"),
    icon="home",
    factory=_factory,
    order=0,
    permission=None,
    shortcut="Ctrl+0",
)
