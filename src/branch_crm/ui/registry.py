"""The customer timeline's icons, and the features whose entries it shows.

:func:`install_timeline` is called by the main window at start; issue 11 replaces it with a
timeline service that asks each feature for its entries directly.
"""

from __future__ import annotations

import functools

_timeline_icons: dict[str, str] = {}


def register_timeline_renderer(kind: str, icon: str) -> None:
    """The icon shown for customer timeline entries of ``kind``."""
    _timeline_icons[kind] = icon


def timeline_renderers() -> dict[str, str]:
    """Timeline kind -> icon name."""
    return dict(_timeline_icons)


@functools.cache
def install_timeline() -> None:
    """Put care follow-ups, complaints and surveys on the customer timeline, and register the
    icons of every entry kind (once)."""
    from branch_crm.services import care, complaints, survey_timeline

    care.register_care_timeline()
    complaints.register_customer_timeline()
    survey_timeline.register_survey_timeline()
    icons = {
        **care.TIMELINE_ICONS,
        **complaints.TIMELINE_ICONS,
        "customer": "customers",
        "preference": "courier",
        **survey_timeline.TIMELINE_ICONS,
    }
    for kind, name in icons.items():
        register_timeline_renderer(kind, name)
