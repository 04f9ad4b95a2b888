"""One place naming every icon of the app (qtawesome font icons, no image files).

Features append their names at the END of ``ICONS``; widgets call ``icon("name")``.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QIcon

log = logging.getLogger(__name__)

ICONS: dict[str, str] = {
    # shell: navigation and menus
    "home": "fa5s.home",
    "lookup": "fa5s.search",
    "customers": "fa5s.address-book",
    "courier": "fa5s.motorcycle",
    "complaints": "fa5s.exclamation-circle",
    "surveys": "fa5s.clipboard-list",
    "training": "fa5s.chalkboard-teacher",
    "reports": "fa5s.chart-bar",
    "sync": "fa5s.sync-alt",
    "conflicts": "fa5s.code-branch",
    "admin": "fa5s.tools",
    "staff": "fa5s.users-cog",
    "audit": "fa5s.history",
    "settings": "fa5s.cog",
    "sign_out": "fa5s.sign-out-alt",
    "sign_in": "fa5s.sign-in-alt",
    "quit": "fa5s.power-off",
    "about": "fa5s.info-circle",
    "user": "fa5s.user",
    "branch": "fa5s.store",
    "staff_add": "fa5s.user-plus",
    "staff_edit": "fa5s.user-edit",
    "staff_disable": "fa5s.user-slash",
    "staff_enable": "fa5s.user-check",
    "password": "fa5s.key",
    "unlock": "fa5s.unlock",
    "filter": "fa5s.filter",
    "refresh": "fa5s.redo",
    "warning": "fa5s.exclamation-triangle",
    "error": "fa5s.times-circle",
    "ok": "fa5s.check-circle",
    "database": "fa5s.database",
    "backup": "fa5s.save",
    # complaints (issue 3)
    "complaint_ok": "fa5s.clock",
    "complaint_warned": "fa5s.exclamation-triangle",
    "complaint_breached": "fa5s.exclamation-circle",
    "complaint_paused": "fa5s.pause-circle",
    "complaint_new": "fa5s.plus-circle",
    "complaint_accept": "fa5s.play-circle",
    "complaint_feedback": "fa5s.reply",
    "complaint_closed": "fa5s.check-circle",
    "complaint_reopened": "fa5s.redo",
    "complaint_note": "fa5s.sticky-note",
    "complaint_regrade": "fa5s.layer-group",
    "complaint_compensation": "fa5s.hand-holding-usd",
    "complaint_assign": "fa5s.user-check",
    "complaint_escalated": "fa5s.level-up-alt",
    # printing, surveys and training (issue 4)
    "print": "fa5s.print",
    "pdf_save": "fa5s.file-download",
    "pdf_open": "fa5s.external-link-alt",
    "zoom_in": "fa5s.search-plus",
    "zoom_out": "fa5s.search-minus",
    "zoom_fit": "fa5s.arrows-alt-h",
    "survey_entry": "fa5s.keyboard",
    "survey_phone": "fa5s.phone",
    "survey_scores": "fa5s.chart-line",
    "survey_print": "fa5s.print",
    "training_new": "fa5s.calendar-plus",
    "training_edit": "fa5s.edit",
    "training_delete": "fa5s.trash-alt",
    "attendance": "fa5s.user-check",
    "signin_sheet": "fa5s.file-signature",
    # head-office sync (issue 5)
    "sync_running": "fa5s.spinner",
    "sync_error": "fa5s.exclamation-triangle",
    "sync_ok": "fa5s.check-circle",
    "sync_register": "fa5s.link",
    "conflict_keep_mine": "fa5s.arrow-circle-left",
    "conflict_keep_theirs": "fa5s.arrow-circle-right",
    "conflict_merge": "fa5s.compress-arrows-alt",
}

_cache: dict[str, QIcon] = {}


def icon(name: str) -> QIcon:
    """The named icon; an empty icon (and a logged warning) for an unknown name."""
    cached = _cache.get(name)
    if cached is not None:
        return cached
    spec = ICONS.get(name)
    if spec is None:
        log.warning("unknown icon name %r", name)
        return QIcon()
    import qtawesome as qta

    result = qta.icon(spec)
    _cache[name] = result
    return result
