"""Sync hooks: the status bar widget (which starts background syncing and owns the
Ctrl+Shift+S "Sync now" shortcut) and the home card."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branch_crm.ui import registry

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext


def _status_widget(ctx: AppContext) -> QWidget:
    from branch_crm.ui.sync.widgets import SyncStatusWidget

    return SyncStatusWidget(ctx)


def _home_card(ctx: AppContext) -> QWidget:
    from branch_crm.ui.sync.widgets import SyncHomeCard

    return SyncHomeCard(ctx)


registry.register_status_widget(_status_widget, 70)
registry.register_home_card(_home_card, 70)
