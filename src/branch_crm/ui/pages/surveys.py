"""Surveys page: key in returned forms, phone/counter answers, scores, batch printing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.i18n import N_
from branch_crm.services.permissions import Permission
from branch_crm.ui.pages import PageSpec

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _factory(ctx: AppContext) -> QWidget:
    from branch_crm.ui.surveys.page import SurveysPage

    return SurveysPage(ctx)


PAGE = PageSpec(
    key="surveys",
    title=N_("Surveys"),
    icon="surveys",
    factory=_factory,
    order=40,
    permission=Permission.SURVEY_ENTER,
    shortcut="Ctrl+4",
)
