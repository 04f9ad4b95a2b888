"""Surveys on the customer timeline: icons for the entry kinds; importing registers the
provider (forms printed, answers, corrections, follow-up tasks)."""

from __future__ import annotations

from branch_crm.services import survey_timeline as _timeline
from branch_crm.ui import registry

_timeline.register_survey_timeline()
for _kind, _icon in _timeline.TIMELINE_ICONS.items():
    registry.register_timeline_renderer(_kind, _icon)
