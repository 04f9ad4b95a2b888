"""Where a printed survey form has its corner marks, QR code, tick boxes and writing lines.

The reader never guesses a position: :func:`layout_for` asks the drawing code. Until
``printing.survey_form`` exports its own layout, :func:`_layout_from_drawing` (the ONE
adapter) runs the form's static drawing on a recording canvas and keeps the rectangles it
draws: the tick boxes in drawing order (the 1-5 items, then NPS/CES, then the text lines),
with the page size, corner marks and QR rectangle from the module's constants.

Coordinates are PDF points, origin at the bottom-left of the page (as reportlab draws).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["BoxSpec", "FormLayout", "Rect", "layout_for", "serial_of_payload"]


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
    stroke: float


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
    """(item code, area) of each free-text answer: the ruled lines and the space above them."""
    language: str

    def items(self) -> list[str]:
        """Item codes with boxes, in printed order."""
        seen: dict[str, None] = {}
        for box in self.boxes:
            seen.setdefault(box.item, None)
        return list(seen)

    def row(self, item: str) -> list[BoxSpec]:
        """The boxes of one item, lowest answer first."""
        return sorted((b for b in self.boxes if b.item == item), key=lambda b: b.value)


def serial_of_payload(text: str) -> str:
    """The serial carried by a form's QR code (today the QR code holds the serial alone)."""
    return text.strip()


class _Recorder:
    """A reportlab canvas that also records the tick boxes and ruled lines drawn on it."""

    def __init__(self, canvas: Any, box: float) -> None:
        self._canvas = canvas
        self._box = box
        self._stroke_gray = 0.0
        self.rects: list[tuple[float, float, float, float, float]] = []
        self.lines: list[tuple[float, float, float, float, float]] = []
        self._line_width = 1.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._canvas, name)

    def setLineWidth(self, width: float) -> None:
        self._line_width = width
        self._canvas.setLineWidth(width)

    def setStrokeGray(self, gray: float) -> None:
        self._stroke_gray = gray
        self._canvas.setStrokeGray(gray)

    def rect(self, x: float, y: float, w: float, h: float, **kwargs: Any) -> None:
        if abs(w - self._box) < 0.01 and abs(h - self._box) < 0.01 and kwargs.get("stroke", 1):
            self.rects.append((x, y, w, h, self._line_width))
        self._canvas.rect(x, y, w, h, **kwargs)

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        if self._stroke_gray > 0:  # the ruled writing lines are grey; rules are black
            self.lines.append((x1, y1, x2, y2, self._line_width))
        self._canvas.line(x1, y1, x2, y2)


def _writing_areas(
    lines: list[tuple[float, float, float, float, float]], codes: Sequence[str], gap: float
) -> tuple[tuple[str, Rect], ...]:
    """Group the ruled lines into one area per text item (lines of one item are ``gap``
    apart); an area starts one gap above its first line."""
    groups: list[list[tuple[float, float, float, float, float]]] = []
    for line in sorted(lines, key=lambda item: -item[1]):
        if groups and groups[-1][-1][1] - line[1] <= gap * 1.1:
            groups[-1].append(line)
        else:
            groups.append([line])
    areas: list[tuple[str, Rect]] = []
    for code, group in zip(codes, groups, strict=False):
        top = group[0][1] + gap
        bottom = group[-1][1] - 1.0
        left = min(min(g[0], g[2]) for g in group)
        right = max(max(g[0], g[2]) for g in group)
        areas.append((code, Rect(left, bottom, right - left, top - bottom)))
    return tuple(areas)


def _layout_from_drawing(header: Any, codes: Sequence[tuple[str, str]]) -> FormLayout:
    """THE adapter to the drawing code: the layout of a form with ``header`` (a
    printing.survey_form.FormHeader) whose questions have ``codes`` ((code, kind), in the
    template's order). Switch this one function to ``survey_form.form_layout`` once the
    drawing code exports it."""
    import io

    from reportlab.pdfgen.canvas import Canvas

    from branch_crm.printing import survey_form as sf
    from branch_crm.printing.common import MM, PAGE_H, PAGE_W, translator

    recorder = _Recorder(Canvas(io.BytesIO(), pagesize=(PAGE_W, PAGE_H)), sf.BOX)
    sf._StaticPart(recorder, header, translator(header.language)).draw()
    scale = [code for code, kind in codes if kind == "scale5"]
    ranges = [(code, kind) for code, kind in codes if kind in ("nps", "ces")]
    values: list[tuple[str, int]] = [(code, v) for code in scale for v in range(1, 6)]
    questions = {q.kind: q for q in header.questions}
    for code, kind in ranges:
        question = questions[kind]
        values += [(code, v) for v in range(question.low, question.high + 1)]
    if len(values) != len(recorder.rects):
        raise ValueError(f"form layout: {len(recorder.rects)} boxes drawn, {len(values)} known")
    boxes = tuple(
        BoxSpec(code, value, Rect(x, y, w, h), stroke)
        for (code, value), (x, y, w, h, stroke) in zip(values, recorder.rects, strict=True)
    )
    inset = length = 8 * MM  # printing.common.corner_marks defaults
    stroke = 1.6
    outer = inset - stroke / 2
    corners = (
        (outer, PAGE_H - outer),
        (PAGE_W - outer, PAGE_H - outer),
        (PAGE_W - outer, outer),
        (outer, outer),
    )
    texts = [code for code, kind in codes if kind == "text"]
    return FormLayout(
        page_w=PAGE_W,
        page_h=PAGE_H,
        mark_corners=corners,
        mark_length=length + stroke / 2,
        mark_stroke=stroke,
        qr=Rect(sf.QR_X, sf.QR_Y, sf.QR_SIZE, sf.QR_SIZE),
        boxes=boxes,
        writing=_writing_areas(recorder.lines, texts, 8 * MM),
        language=header.language,
    )


@functools.lru_cache(maxsize=32)
def _cached(key: tuple[Any, ...]) -> FormLayout:
    from branch_crm.printing.survey_form import Question, build_header

    language, items = key
    header = build_header(
        title="",
        company="",
        branch="",
        date_text="",
        language=language,
        questions=[Question(kind, text, low, high) for _code, kind, text, low, high in items],
    )
    return _layout_from_drawing(header, [(code, kind) for code, kind, *_rest in items])


def layout_for(template: Any, language: str) -> FormLayout:
    """The layout of forms printed from ``template`` (services.surveys.template.TemplateView)
    in ``language``; the header texts (company, branch, date) do not move any box."""
    items = tuple((i.code, i.kind, i.text(language), i.low, i.high) for i in template.items)
    return _cached((language, items))
