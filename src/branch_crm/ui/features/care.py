"""Care follow-up hooks: the home card."""

from __future__ import annotations

from typing import Any

from branch_crm.ui import registry


def _home_card(ctx: Any) -> Any:
    from branch_crm.ui.care.home_card import FollowUpHomeCard

    return FollowUpHomeCard(ctx)


registry.register_home_card(_home_card, 35)
