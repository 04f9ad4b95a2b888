"""One place naming every icon of the app (qtawesome font icons, no image files).

Features append their names at the END of ``ICONS``; widgets call ``icon("name")``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import (
    QFont,
    QFontDatabase,
    QGuiApplication,
    QIcon,
    QIconEngine,
    QPainter,
    QPalette,
    QPixmap,
)

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
    "conflict_renumber": "fa5s.hashtag",
    # care follow-ups (issue 4)
    "care_tasks": "fa5s.tasks",
    "care_done": "fa5s.check",
    "care_cancel": "fa5s.ban",
    "care_assign": "fa5s.user-tag",
    # the look (issue 12): icons on the main actions
    "open": "fa5s.folder-open",
    "customer_new": "fa5s.user-plus",
    "save": "fa5s.save",
    "close": "fa5s.times",
    # Excel export (issue 13)
    "export": "fa5s.file-excel",
    "import": "fa5s.file-import",
    "keyboard_help": "fa5s.keyboard",
    "help": "fa5s.question-circle",
    # customer care: today, visits and the visit plan (issue 15)
    "care_postpone": "fa5s.calendar-alt",
    "care_visit": "fa5s.handshake",
    "visit_plan": "fa5s.route",
    # find anything (issue 19)
    "go_to": "fa5s.location-arrow",
    "survey_responses": "fa5s.list-alt",
    # delete and merge safely (issue 19)
    "record_delete": "fa5s.trash-alt",
    "record_restore": "fa5s.trash-restore",
    "record_undo": "fa5s.undo",
    "deleted_items": "fa5s.dumpster",
    "customer_merge": "fa5s.people-arrows",
    # attachments (issue 19)
    "attach": "fa5s.paperclip",
    "attachment_pdf": "fa5s.file-pdf",
    "attachment_pending": "fa5s.hourglass-half",
    "attachment_paste": "fa5s.paste",
    "attachment_remove": "fa5s.trash-alt",
}

_cache: dict[str, QIcon] = {}

FONT_FILES = {
    # prefix -> (font file pattern, charmap pattern) in qtawesome's fonts folder
    "fa5s": ("fontawesome5-solid-webfont-*.ttf", "fontawesome5-solid-webfont-charmap-*.json"),
    "fa5": ("fontawesome5-regular-webfont-*.ttf", "fontawesome5-regular-webfont-charmap-*.json"),
    "fa5b": ("fontawesome5-brands-webfont-*.ttf", "fontawesome5-brands-webfont-charmap-*.json"),
    "mdi6": ("materialdesignicons6-webfont-*.ttf", "materialdesignicons6-webfont-charmap-*.json"),
}
"""Icon fonts drawn directly (importing qtawesome costs a third of a second at start-up);
any other prefix goes through qtawesome itself."""


class _GlyphEngine(QIconEngine):
    """Draws one glyph of an icon font in the palette's text colour (greyed when disabled)."""

    def __init__(self, family: str, char: str) -> None:
        super().__init__()
        self.family = family
        self.char = char

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        """Qt: draw the glyph centred in ``rect``."""
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            colour = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        elif mode == QIcon.Mode.Selected:
            colour = palette.color(QPalette.ColorRole.HighlightedText)
        else:
            colour = palette.color(QPalette.ColorRole.WindowText)
        font = QFont(self.family)
        font.setPixelSize(max(1, round(min(rect.width(), rect.height()) * 0.875)))
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.char)
        painter.restore()

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        """Qt: the glyph as a transparent pixmap."""
        pixmap = QPixmap(size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), size), mode, state)
        painter.end()
        return pixmap

    def clone(self) -> QIconEngine:
        """Qt: a copy of this engine."""
        return _GlyphEngine(self.family, self.char)


_fonts: dict[str, tuple[str, dict[str, str]] | None] = {}
_engines: list[_GlyphEngine] = []  # Qt owns them through the icons; keep the wrappers alive


def _font(prefix: str) -> tuple[str, dict[str, str]] | None:
    """(family, charmap) of an icon font, loaded once; None if not available."""
    if prefix in _fonts:
        return _fonts[prefix]
    loaded: tuple[str, dict[str, str]] | None = None
    patterns = FONT_FILES.get(prefix)
    spec = importlib.util.find_spec("qtawesome")
    if patterns is not None and spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
        fonts, charmaps = sorted(folder.glob(patterns[0])), sorted(folder.glob(patterns[1]))
        if fonts and charmaps:
            font_id = QFontDatabase.addApplicationFont(str(fonts[-1]))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if families:
                charmap = json.loads(charmaps[-1].read_text(encoding="utf-8"))
                loaded = (families[0], charmap)
    _fonts[prefix] = loaded
    return loaded


def _make(spec: str) -> QIcon:
    prefix, _dot, glyph = spec.partition(".")
    font = _font(prefix)
    if font is not None and glyph in font[1]:
        engine = _GlyphEngine(font[0], chr(int(font[1][glyph], 16)))
        _engines.append(engine)
        return QIcon(engine)
    import qtawesome as qta

    fallback: QIcon = qta.icon(spec)  # qtawesome is untyped
    return fallback


def icon(name: str) -> QIcon:
    """The named icon; an empty icon (and a logged warning) for an unknown name."""
    cached = _cache.get(name)
    if cached is not None:
        return cached
    spec = ICONS.get(name)
    if spec is None:
        log.warning("unknown icon name %r", name)
        return QIcon()
    result = _make(spec)
    _cache[name] = result
    return result
