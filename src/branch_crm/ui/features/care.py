"""Care follow-up hooks: the home card and closed follow-ups on the customer timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.services import care as _care
from branch_crm.ui import registry

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _home_card(ctx: AppContext) -> QWidget:
    from branch_crm.ui.care.home_card import FollowUpHomeCard

    return FollowUpHomeCard(ctx)


_care.register_care_timeline()
registry.register_home_card(_home_card, 35)
for _kind, _icon in _care.TIMELINE_ICONS.items():
    registry.register_timeline_renderer(_kind, _icon)
