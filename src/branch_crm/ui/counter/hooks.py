"""The counter desk's view of the shell's registries (customer actions, timeline icons)."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from branch_crm.ui import registry
from branch_crm.ui.icons import icon
from branch_crm.ui.registry import CustomerAction

__all__ = ["customer_actions", "icon", "timeline_icon"]


def customer_actions() -> list[CustomerAction]:
    """Actions other features registered for the customer profile, in order."""
    return registry.customer_actions()


def timeline_icon(kind: str) -> QIcon:
    """The icon registered for a timeline entry kind (empty when none is)."""
    name = registry.timeline_renderers().get(kind)
    return icon(name) if name else QIcon()
