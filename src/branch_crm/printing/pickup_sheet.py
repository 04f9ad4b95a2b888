"""The courier's pickup sheet: chosen customers with address, phone and pickup preferences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from branch_crm.i18n import N_
from branch_crm.printing.common import (
    MARGIN,
    MM,
    PAGE_H,
    PAGE_W,
    Translate,
    Writer,
    titled,
    translator,
)
from branch_crm.printing.pdf_file import pdf_canvas

WEEKDAY_LABELS = {
    "mon": N_("Mon"),
    "tue": N_("Tue"),
    "wed": N_("Wed"),
    "thu": N_("Thu"),
    "fri": N_("Fri"),
    "sat": N_("Sat"),
    "sun": N_("Sun"),
}
DROP_OFF_LABELS = {
    "door": N_("At the door"),
    "parcel_locker": N_("Parcel locker"),
    "property_desk": N_("Property management desk"),
    "front_desk": N_("Front desk / reception"),
    "other": N_("Other place"),
}
HANDLING_LABELS = {
    "fragile": N_("Fragile"),
    "cold_chain": N_("Cold chain"),
    "valuables": N_("Valuables"),
}


@dataclass(frozen=True)
class PickupEntry:
    """One customer on the sheet; preferences are None when none were recorded."""

    name: str
    phones: tuple[str, ...]
    company: str | None = None
    address: str | None = None
    availability: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    away_weekends: bool = False
    drop_off: str | None = None
    drop_off_other: str | None = None
    call_before_minutes: int = 0
    packaging: str | None = None
    special_handling: tuple[str, ...] = ()
    notes: str | None = None
    recorded: str | None = None
    """Who recorded the preferences and when, already formatted."""


def availability_text(entry: PickupEntry, _: Translate) -> str:
    """Weekday windows, e.g. 'Mon 09:00–12:00, 14:00–18:00 · Sat 10:00–12:00'."""
    parts = []
    for day, label in WEEKDAY_LABELS.items():
        windows = entry.availability.get(day) or []
        if windows:
            spans = ", ".join(f"{start}–{end}" for start, end in windows)
            parts.append(f"{_(label)} {spans}")
    text = " · ".join(parts) if parts else _("No times recorded")
    if entry.away_weekends:
        text += " · " + _("Away at weekends")
    return text


def preference_lines(entry: PickupEntry, _: Translate) -> list[tuple[str, str]]:
    """(label, value) lines describing how the customer wants to be served."""
    lines: list[tuple[str, str]] = []
    if entry.address:
        lines.append((_("Address"), entry.address))
    if entry.drop_off is None:
        lines.append((_("Preferences"), _("None recorded yet")))
        return lines
    lines.append((_("Available"), availability_text(entry, _)))
    place = _(DROP_OFF_LABELS.get(entry.drop_off, entry.drop_off))
    if entry.drop_off == "other" and entry.drop_off_other:
        place = f"{place}: {entry.drop_off_other}"
    call = (
        _("Call {minutes} min before arrival").format(minutes=entry.call_before_minutes)
        if entry.call_before_minutes
        else _("No call needed")
    )
    lines.append((_("Drop-off"), f"{place} · {call}"))
    if entry.packaging:
        lines.append((_("Packaging"), entry.packaging))
    if entry.special_handling:
        handling = ", ".join(_(HANDLING_LABELS.get(h, h)) for h in entry.special_handling)
        lines.append((_("Special handling"), handling))
    if entry.notes:
        lines.append((_("Notes"), entry.notes))
    if entry.recorded:
        lines.append((_("Recorded"), entry.recorded))
    return lines


class _Sheet:
    """Page state while drawing the sheet."""

    BODY = 10.0
    LEADING = 14.0
    LABEL_W = 26 * MM

    def __init__(self, canvas: Canvas, t: Translate, title: str, subtitle: str) -> None:
        self.c = canvas
        self.w = Writer(canvas)
        self.t = t
        self.title = title
        self.subtitle = subtitle
        self.page = 0
        self.y = 0.0

    def new_page(self) -> None:
        """Finish the current page (if any) and draw the next page's header."""
        if self.page:
            self.footer()
            self.c.showPage()
        self.page += 1
        top = PAGE_H - MARGIN
        self.w.text(MARGIN, top - 6 * MM, self.title, 16, bold=True)
        self.w.text(MARGIN, top - 12 * MM, self.subtitle, 9.5)
        self.c.setLineWidth(1)
        self.c.line(MARGIN, top - 15 * MM, PAGE_W - MARGIN, top - 15 * MM)
        self.y = top - 21 * MM

    def footer(self) -> None:
        """Page number at the bottom right."""
        _ = self.t
        self.w.right(PAGE_W - MARGIN, MARGIN - 6 * MM, _("Page {n}").format(n=self.page), 8)

    def entry(self, number: int, entry: PickupEntry) -> None:
        """Draw one customer block, starting a new page when it does not fit."""
        value_w = PAGE_W - 2 * MARGIN - 8 * MM - self.LABEL_W
        wrapped = [
            (label, self.w.wrap(value, value_w, self.BODY))
            for label, value in preference_lines(entry, self.t)
        ]
        height = 9 * MM + sum(len(v) for _l, v in wrapped) * self.LEADING + 3 * MM
        if self.y - height < MARGIN:
            self.new_page()
        c, w, y = self.c, self.w, self.y
        c.setLineWidth(0.8)
        c.rect(MARGIN, y - 4.6 * MM, 5 * MM, 5 * MM)  # ticked when the pickup is done
        x = w.text(MARGIN + 8 * MM, y - 4 * MM, f"{number}. {entry.name}", 13, bold=True)
        x = w.text(x + 5 * MM, y - 4 * MM, "  ".join(entry.phones), 12, bold=True)
        if entry.company:
            w.text(x + 5 * MM, y - 4 * MM, entry.company, 10)
        y -= 9 * MM
        for label, lines in wrapped:
            w.text(MARGIN + 8 * MM, y, label, self.BODY, bold=True)
            for line in lines:
                w.text(MARGIN + 8 * MM + self.LABEL_W, y, line, self.BODY)
                y -= self.LEADING
        y -= 1 * MM
        c.setLineWidth(0.3)
        c.setDash(2, 2)
        c.line(MARGIN, y, PAGE_W - MARGIN, y)
        c.setDash()
        self.y = y - 4 * MM


def render_pickup_sheet(
    output: Path,
    entries: Sequence[PickupEntry],
    *,
    company: str,
    branch: str,
    language: str,
    printed_at: datetime,
    courier_name: str | None = None,
) -> Path:
    """Write the pickup sheet PDF to ``output`` (atomically, see printing.pdf_file) and
    return it."""
    _ = translator(language)
    title = titled(company, _("Courier pickup sheet"), language)
    bits = [
        _("Branch: {branch}").format(branch=branch),
        _("Printed: {when}").format(when=printed_at.strftime("%Y-%m-%d %H:%M")),
        _("Customers: {n}").format(n=len(entries)),
    ]
    if courier_name:
        bits.insert(1, _("Courier: {name}").format(name=courier_name))
    with pdf_canvas(output, title=title) as canvas:
        sheet = _Sheet(canvas, _, title, "   ".join(bits))
        sheet.new_page()
        for number, entry in enumerate(entries, start=1):
            sheet.entry(number, entry)
        sheet.footer()
        canvas.showPage()
    return output
