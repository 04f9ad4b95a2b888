"""Append-only hooks through which features add to shared screens without editing them."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from branch_crm.ui.context import AppContext

log = logging.getLogger(__name__)

WidgetFactory: TypeAlias = "Callable[[AppContext], QWidget]"
"""``factory(ctx) -> QWidget``."""
ActionHandler: TypeAlias = "Callable[[AppContext, str, QWidget | None], None]"
"""``handler(ctx, customer_id, parent_widget)``."""
CustomerOpener: TypeAlias = "Callable[[AppContext, str], None]"
"""``opener(ctx, customer_id)``."""


@dataclass(frozen=True)
class CustomerAction:
    """A button on the customer profile (``label`` marked with N_, translated when shown)."""

    label: str
    icon: str
    handler: ActionHandler


_home_cards: list[tuple[int, int, WidgetFactory]] = []
_status_widgets: list[tuple[int, int, WidgetFactory]] = []
_customer_actions: list[CustomerAction] = []
_timeline_icons: dict[str, str] = {}
_customer_opener: list[CustomerOpener] = []
_features_loaded: list[str] = []


def register_home_card(factory: WidgetFactory, order: int) -> None:
    """A card on the home page (today's work), ``factory(ctx) -> QWidget``."""
    _home_cards.append((order, len(_home_cards), factory))


def register_status_widget(factory: WidgetFactory, order: int) -> None:
    """A permanent widget in the main window's status bar, ``factory(ctx) -> QWidget``."""
    _status_widgets.append((order, len(_status_widgets), factory))


def register_customer_action(label: str, icon: str, handler: ActionHandler) -> None:
    """A button on the customer profile: ``handler(ctx, customer_id, parent_widget)``."""
    if all(action.label != label for action in _customer_actions):
        _customer_actions.append(CustomerAction(label, icon, handler))


def register_timeline_renderer(kind: str, icon: str) -> None:
    """The icon shown for customer timeline entries of ``kind``."""
    _timeline_icons[kind] = icon


def set_customer_opener(opener: CustomerOpener) -> None:
    """The function that opens a customer's profile (provided by the counter desk)."""
    _customer_opener[:] = [opener]


def home_cards() -> list[WidgetFactory]:
    """Registered home card factories in order."""
    return [factory for _o, _n, factory in sorted(_home_cards, key=lambda i: i[:2])]


def status_widgets() -> list[WidgetFactory]:
    """Registered status-bar widget factories in order."""
    return [factory for _o, _n, factory in sorted(_status_widgets, key=lambda i: i[:2])]


def customer_actions() -> list[CustomerAction]:
    """Registered customer actions in registration order."""
    return list(_customer_actions)


def timeline_renderers() -> dict[str, str]:
    """Timeline kind -> icon name."""
    return dict(_timeline_icons)


def customer_opener() -> CustomerOpener | None:
    """The registered customer opener, if any."""
    return _customer_opener[0] if _customer_opener else None


def open_customer(ctx: AppContext, customer_id: str) -> bool:
    """Open a customer's profile; False when no feature registered an opener."""
    opener = customer_opener()
    if opener is None:
        return False
    opener(ctx, customer_id)
    return True


def load_features() -> list[str]:
    """Import every module of ``branch_crm.ui.features`` once (they register at import).

    A feature that fails to import is logged and skipped: the rest of the app still starts.
    Returns the names of the modules loaded.
    """
    if _features_loaded:
        return list(_features_loaded)
    from branch_crm.ui import features

    for info in sorted(pkgutil.iter_modules(features.__path__), key=lambda m: m.name):
        name = f"{features.__name__}.{info.name}"
        try:
            importlib.import_module(name)
        except Exception:
            log.exception("feature module %s failed to load; skipped", name)
            continue
        _features_loaded.append(info.name)
    return list(_features_loaded)
