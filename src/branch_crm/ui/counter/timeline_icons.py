"""The icon of each kind of customer timeline entry (the ``kind`` the timeline service returns;
names from ui.icons)."""

from __future__ import annotations

TIMELINE_ICONS: dict[str, str] = {
    "customer": "customers",
    "preference": "courier",
    "complaint": "complaints",
    "complaint_closed": "complaint_closed",
    "complaint_reopened": "complaint_reopened",
    "care_done": "care_done",
    "care_cancelled": "care_cancel",
    "visit": "care_tasks",
    "survey_form": "survey_print",
    "survey_response": "surveys",
    "survey_follow_up": "attendance",
}
