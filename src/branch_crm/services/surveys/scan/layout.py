"""Where a printed survey form has its corner marks, QR code, tick boxes and writing lines.

The reader never guesses a position: :func:`page_layouts` takes the layout the drawing code
draws from (``reference.form_layout``, through the one adapter :func:`_from_form_layout`) and
keeps what the reader needs, page by page.

Coordinates are PDF points, origin at the bottom-left of the page (as reportlab draws).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BoxSpec", "FormLayout", "Rect", "page_layouts", "serial_of_payload"]


@dataclass(frozen=True)
class Rect:
    """A rectangle in points: lower-left corner (x, y), width, height."""

    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class BoxSpec:
    """One tick box: the item it answers and the answer it means."""

    item: str
    value: int
    rect: Rect


@dataclass(frozen=True)
class FormLayout:
    """Everything the reader needs to know about one printed form's page."""

    page_w: float
    page_h: float
    mark_corners: tuple[tuple[float, float], ...]
    """Outer corners of the four L-shaped corner marks: top-left, top-right, bottom-right,
    bottom-left (of the page as printed)."""
    mark_length: float
    mark_stroke: float
    qr: Rect
    boxes: tuple[BoxSpec, ...]
    writing: tuple[tuple[str, Rect], ...]
    """(item code, area) of each free-text answer: its ruled lines."""
    page: int = 1
    pages: int = 1
    """This page's number and how many pages the form has."""

    def items(self) -> list[str]:
        """Item codes with boxes, in printed order."""
        seen: dict[str, None] = {}
        for box in self.boxes:
            seen.setdefault(box.item, None)
        return list(seen)

    def row(self, item: str) -> list[BoxSpec]:
        """The boxes of one item, lowest answer first."""
        return sorted((b for b in self.boxes if b.item == item), key=lambda b: b.value)


def serial_of_payload(text: str) -> tuple[str, int]:
    """(serial, page number) carried by a form's QR code (page 1: the serial alone)."""
    from branch_crm.reference.form_layout import read_qr_text

    return read_qr_text(text)


def _from_form_layout(items: Sequence[tuple[str, str]]) -> tuple[FormLayout, ...]:
    """THE adapter to the drawing code: one reader layout per page of the form whose
    questions are ``items`` ((code, kind) in template order), from
    ``reference.form_layout.form_layout`` (what printing.survey_form draws)."""
    from branch_crm.reference.form_layout import form_layout

    drawn = form_layout(items)
    layouts = []
    for page in drawn.pages:
        by_corner = {m.corner: m for m in page.marks}
        corners = []
        for name in ("top-left", "top-right", "bottom-right", "bottom-left"):
            m = by_corner[name]  # the ink's outer corner: half a stroke outside the lines
            corners.append((m.x - m.dx * m.line_width / 2, m.y - m.dy * m.line_width / 2))
        mark = page.marks[0]
        layouts.append(
            FormLayout(
                page_w=drawn.page_width,
                page_h=drawn.page_height,
                mark_corners=tuple(corners),
                mark_length=mark.length + mark.line_width / 2,
                mark_stroke=mark.line_width,
                qr=Rect(page.qr.x, page.qr.y, page.qr.width, page.qr.height),
                boxes=tuple(
                    BoxSpec(b.item, b.value, Rect(b.rect.x, b.rect.y, b.rect.width, b.rect.height))
                    for b in page.boxes
                ),
                writing=tuple(
                    (t.item, Rect(t.area.x, t.area.y, t.area.width, t.area.height))
                    for t in page.text_areas
                ),
                page=page.number,
                pages=drawn.page_count,
            )
        )
    return tuple(layouts)


@functools.lru_cache(maxsize=32)
def _cached(items: tuple[tuple[str, str], ...]) -> tuple[FormLayout, ...]:
    return _from_form_layout(items)


def page_layouts(template: Any) -> tuple[FormLayout, ...]:
    """The layout of each page of the forms printed from ``template``
    (services.surveys.template.TemplateView); the same in every print language."""
    return _cached(tuple((i.code, i.kind) for i in template.items))
