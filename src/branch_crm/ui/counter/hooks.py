"""The counter desk's view of the shell's registries (customer actions) and the timeline icons."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from branch_crm.ui import registry
from branch_crm.ui.counter.timeline_icons import TIMELINE_ICONS
from branch_crm.ui.icons import icon
from branch_crm.ui.registry import CustomerAction

__all__ = ["customer_actions", "icon", "timeline_icon"]


def customer_actions() -> list[CustomerAction]:
    """Actions other features registered for the customer profile, in order."""
    return registry.customer_actions()


def timeline_icon(kind: str) -> QIcon:
    """The icon of a timeline entry kind (empty when it has none)."""
    name = TIMELINE_ICONS.get(kind)
    return icon(name) if name else QIcon()
