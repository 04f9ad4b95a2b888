"""The counter desk's view of the shell's registries (customer actions, timeline icons)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtGui import QIcon

from branch_crm.ui import registry
from branch_crm.ui.icons import icon as _icon

log = logging.getLogger(__name__)


def icon(name: str) -> QIcon:
    """A named icon (an empty icon when the name is unknown, never an exception)."""
    try:
        return _icon(name)
    except Exception:
        log.warning("unknown icon %r", name)
        return QIcon()


def customer_actions() -> list[Any]:
    """Actions other features registered for the customer profile, in order."""
    return list(registry.customer_actions())


def timeline_icon(kind: str) -> QIcon:
    """The icon registered for a timeline entry kind."""
    name = registry.timeline_renderers().get(kind)
    return icon(name) if name else QIcon()
