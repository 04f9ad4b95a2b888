"""Pages of the main window: each module here defines ``PAGE = PageSpec(...)``.

Orders: home 0, lookup 10, customers 20, complaints 30, surveys 40, training 50, reports 60,
sync/conflicts 70, admin 90. A page widget may implement ``retranslate_ui()`` (called on a
language change) and ``on_shown()`` (called whenever the user switches to it).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from branch_crm.services.permissions import Permission

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageSpec:
    """A page: stable key, title (marked with N_, translated when shown), icon name, factory
    ``factory(ctx) -> QWidget`` (called on first show), navigation order, the permission
    needed to see it, and an optional shortcut ("Ctrl+3")."""

    key: str
    title: str
    icon: str
    factory: Callable[[AppContext], QWidget]
    order: int = 100
    permission: Permission | None = None
    shortcut: str | None = None


def discover_pages() -> list[PageSpec]:
    """Every page module's PAGE in navigation order; a broken module is logged and skipped."""
    specs: dict[str, PageSpec] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        name = f"{__name__}.{info.name}"
        try:
            module = importlib.import_module(name)
        except Exception:
            log.exception("page module %s failed to load; skipped", name)
            continue
        spec = getattr(module, "PAGE", None)
        if not isinstance(spec, PageSpec):
            continue
        if spec.key in specs:
            log.warning("page key %r defined twice; %s ignored", spec.key, name)
            continue
        specs[spec.key] = spec
    return sorted(specs.values(), key=lambda s: (s.order, s.key))
