"""How complaint states look: icon names (from ui.icons), colours and words, never colour alone."""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon

from branch_crm.i18n import _
from branch_crm.services.complaints import queue as cq
from branch_crm.services.complaints.labels import format_minutes

log = logging.getLogger(__name__)

STATE_ICONS = {
    cq.OK: "complaint_ok",
    cq.WARNED: "complaint_warned",
    cq.BREACHED: "complaint_breached",
    cq.PAUSED: "complaint_paused",
}
STATE_COLOURS = {  # (icon colour, light row background)
    cq.OK: ("#107C10", None),
    cq.WARNED: ("#9D5D00", "#FFF4CE"),
    cq.BREACHED: ("#C42B1C", "#FDE7E9"),
    cq.PAUSED: ("#605E5C", "#EDEBE9"),
}
EVENT_ICONS = {
    "received": "complaint_new",
    "accepted": "complaint_accept",
    "waiting": "complaint_paused",
    "resumed": "complaint_accept",
    "feedback": "complaint_feedback",
    "closed": "complaint_closed",
    "reopened": "complaint_reopened",
    "note": "complaint_note",
    "regraded": "complaint_regrade",
    "compensation": "complaint_compensation",
    "assigned": "complaint_assign",
    "sla_breached": "complaint_breached",
    "escalated": "complaint_escalated",
}


@cache
def named_icon(name: str, colour: str | None = None) -> QIcon:
    """An icon from the app's icon table, optionally tinted (an empty icon if unknown)."""
    try:
        from branch_crm.ui.icons import ICONS, icon

        if colour is None:
            return icon(name)
        import qtawesome as qta

        tinted: QIcon = qta.icon(ICONS[name], color=colour)  # qtawesome is untyped
        return tinted
    except Exception:
        log.warning("unknown icon %r", name)
        return QIcon()


@cache
def state_icon(state: str) -> QIcon:
    """The tinted icon of a queue state, as ready-made pixmaps: the queue paints it in every
    visible row at each refresh, and a font icon would be drawn from its glyph every time."""
    drawn = named_icon(STATE_ICONS[state], STATE_COLOURS[state][0])
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(drawn.pixmap(QSize(size, size)))
    return icon


ICON_SIZES = (16, 20, 24, 32, 48)


@cache
def state_background(state: str) -> QColor | None:
    """A light background for warned, breached and paused rows (None for on-time rows)."""
    colour = STATE_COLOURS[state][1]
    return QColor(colour) if colour else None


def event_icon(kind: str) -> QIcon:
    """The icon of a timeline event kind."""
    name = EVENT_ICONS.get(kind, "complaint_note")
    colour = STATE_COLOURS[cq.BREACHED][0] if kind in ("sla_breached", "escalated") else None
    return named_icon(name, colour)


def time_left_text(seconds: float | None, paused: bool) -> str:
    """'2 h 05 min', 'overdue 35 min', '3 h 10 min (paused)'."""
    if seconds is None:
        return ""
    text = format_minutes(abs(seconds) / 60)
    if paused:
        return _("{time} (paused)").format(time=text)
    if seconds < 0:
        return _("overdue {time}").format(time=text)
    return text
