"""Sync hooks: the status bar widget (which starts background syncing and owns the
Ctrl+Shift+S "Sync now" shortcut) and the home card."""

from __future__ import annotations

from typing import Any

from branch_crm.ui import registry


def _status_widget(ctx: Any) -> Any:
    from branch_crm.ui.sync.widgets import SyncStatusWidget

    return SyncStatusWidget(ctx)


def _home_card(ctx: Any) -> Any:
    from branch_crm.ui.sync.widgets import SyncHomeCard

    return SyncHomeCard(ctx)


registry.register_status_widget(_status_widget, 70)
registry.register_home_card(_home_card, 70)
