"""Reading the tick boxes of a canonical page image (see ``geometry``).

Each box is first found exactly: the printed outlines of a row are matched around where the
layout puts them (a scan is never registered to the tenth of a millimetre). Ink is measured
in the box's inner area (the outline left out), against the page's own levels: the paper
around the box and the black of the QR code, so a light pencil mark on a dark scan counts
the same as a pen on a bright one.

A row (one question) is then decided: one mark is the answer; none is a blank; a box filled
in solid beside a ticked or crossed one is a correction (the solid box crossed out, the mark
is the answer: the usual rule of paper forms); anything else (two ticks, a faint mark, a
mark between the thresholds) goes to review. Every answer has a confidence.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from branch_crm.services.surveys.scan.geometry import PX_PER_MM, canonical_rect
from branch_crm.services.surveys.scan.layout import BoxSpec, FormLayout, Rect

__all__ = [
    "EMPTY_BELOW",
    "MARK_ABOVE",
    "REVIEW_BELOW",
    "SOLID_ABOVE",
    "BoxReading",
    "ItemReading",
    "ink_levels",
    "level",
    "png",
    "read_items",
    "writing_clip",
]

INK_DARKNESS = 0.15
"""A pixel is ink when at least this dark between paper (0) and the QR's black (1)."""
EMPTY_BELOW = 0.02
"""A box with less of its inner area inked is empty."""
MARK_ABOVE = 0.06
"""A box with more is marked (a tick covers about 0.1, a cross 0.2)."""
SOLID_ABOVE = 0.85
"""A box with more is filled in solid."""
REPLACEMENT_BELOW = 0.75
"""Beside a solid box, a mark with less ink than this is its replacement."""
REVIEW_BELOW = 0.75
"""An answer read with less confidence goes to review."""
INNER_MARGIN_MM = 1.0
SEARCH_MM = 1.5


@dataclass(frozen=True)
class BoxReading:
    """One box: its value, the share of its inner area inked and what it looks like
    (empty, ticked, crossed, filled, or faint: between empty and marked)."""

    value: int
    ink: float
    style: str


@dataclass(frozen=True)
class ItemReading:
    """One question: the answer read (None: left blank), how sure, and why not when unsure.

    ``status``: answer, blank or review; ``reason`` for review: two_marks, faint, unclear.
    """

    item: str
    value: int | None
    confidence: float
    status: str
    reason: str
    boxes: tuple[BoxReading, ...]
    area: tuple[int, int, int, int]
    """The row on the canonical page (left, top, right, bottom), for its picture."""


def png(pixels: Any) -> bytes:
    """PNG bytes of a greyscale image."""
    import cv2

    ok, data = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ValueError("PNG encoding failed")
    return bytes(data.tobytes())


def level(region: Any, percent: float) -> float:
    """The grey below which ``percent`` % of an 8-bit region's pixels are (a histogram: much
    faster than numpy.percentile on the small regions read here)."""
    import numpy as np

    counts = np.bincount(region.ravel(), minlength=256).cumsum()
    return float(np.searchsorted(counts, counts[-1] * percent / 100))


def ink_levels(page: Any, layout: FormLayout) -> float:
    """The grey of printed black on this page (the darkest part of the QR code)."""

    x, y, w, h = (round(v) for v in canonical_rect(layout, layout.qr))
    region = page[max(0, y) : y + h, max(0, x) : x + w]
    if region.size == 0:
        return 0.0
    return level(region, 3)


@functools.lru_cache(maxsize=8)
def _outline_template(size: int, stroke: int) -> Any:
    import numpy as np

    template = np.zeros((size, size), np.float32)
    template[:stroke, :] = template[-stroke:, :] = 1
    template[:, :stroke] = template[:, -stroke:] = 1
    return template - template.mean()


def _darkness(region: Any, paper: float, ink: float) -> Any:
    import numpy as np

    span = max(paper - ink, 40.0)
    return np.clip((paper - region.astype(np.float32)) / span, 0, 1)


def _row_offset(
    page: Any, boxes: list[tuple[float, float, float, float]], ink: float
) -> tuple[int, int, float]:
    """(dx, dy, strength) that best lays the printed outlines of a row on the layout's boxes."""
    import cv2

    search = round(SEARCH_MM * PX_PER_MM)
    size = round(boxes[0][2])
    stroke = max(2, round(0.35 * PX_PER_MM))
    template = _outline_template(size, stroke)
    total = None
    for x, y, _w, _h in boxes:
        left, top = round(x) - search, round(y) - search
        window = page[
            max(0, top) : top + size + 2 * search, max(0, left) : left + size + 2 * search
        ]
        if window.shape != (size + 2 * search, size + 2 * search):
            continue
        paper = level(window, 90)
        dark = _darkness(window, paper, ink)
        score = cv2.matchTemplate(dark, template, cv2.TM_CCOEFF_NORMED)
        total = score if total is None else total + score
    if total is None:
        return 0, 0, 0.0
    _min, peak, _loc, (bx, by) = cv2.minMaxLoc(total)
    return bx - search, by - search, float(peak) / len(boxes)


def _style(dark: Any, ink: float) -> str:
    """What a marked box looks like: filled, crossed (both diagonals) or ticked."""
    import numpy as np

    if ink >= SOLID_ABOVE:
        return "filled"
    n = dark.shape[0]
    idx = np.arange(n)
    band = max(2, n // 8)
    hits = dark > INK_DARKNESS
    main = anti = 0
    for offset in range(-band, band + 1):
        cols = np.clip(idx + offset, 0, n - 1)
        main += int(hits[idx, cols].sum())
        anti += int(hits[idx, np.clip(n - 1 - idx + offset, 0, n - 1)].sum())
    size = n * (2 * band + 1)
    return "crossed" if min(main, anti) / size > 0.12 else "ticked"


def _read_box(
    page: Any, rect: tuple[float, float, float, float], ink_black: float
) -> tuple[float, Any]:

    x, y, w, h = rect
    margin = INNER_MARGIN_MM * PX_PER_MM
    ring = round(2.5 * PX_PER_MM)
    left, top = round(x), round(y)
    around = page[
        max(0, top - ring) : top + round(h) + ring, max(0, left - ring) : left + round(w) + ring
    ]
    paper = level(around, 90) if around.size else 255.0
    inner = page[
        round(y + margin) : round(y + h - margin), round(x + margin) : round(x + w - margin)
    ]
    dark = _darkness(inner, paper, ink_black)
    return float((dark > INK_DARKNESS).mean()) if dark.size else 0.0, dark


def _decide(boxes: list[BoxReading]) -> tuple[int | None, float, str, str]:
    """(value, confidence, status, reason) of one row."""
    marked = [b for b in boxes if b.ink >= MARK_ABOVE]
    faint = [b for b in boxes if EMPTY_BELOW <= b.ink < MARK_ABOVE]

    def sure_mark(b: BoxReading) -> float:
        return min(1.0, 0.5 + 0.5 * (b.ink - MARK_ABOVE) / MARK_ABOVE)

    def sure_empty(b: BoxReading) -> float:
        return min(1.0, 0.5 + 0.5 * (MARK_ABOVE - b.ink) / MARK_ABOVE)

    if not marked:
        if faint:
            return None, min(sure_empty(b) for b in faint), "review", "faint"
        return None, min((sure_empty(b) for b in boxes), default=1.0), "blank", ""
    if len(marked) == 1:
        chosen = marked[0]
    else:
        solid = [b for b in marked if b.style == "filled"]
        light = [b for b in marked if b.ink < REPLACEMENT_BELOW]
        if len(light) != 1 or len(solid) != len(marked) - 1:
            return None, 0.0, "review", "two_marks"
        chosen = light[0]  # the solid boxes are crossed out, the one mark replaces them
    others = [b for b in boxes if b is not chosen and b.style != "filled"]
    confidence = min([sure_mark(chosen), *(sure_empty(b) for b in others)])
    if len(marked) > 1:
        confidence = min(confidence, 0.9)
    if confidence < REVIEW_BELOW:
        return chosen.value, confidence, "review", "unclear"
    return chosen.value, confidence, "answer", ""


def _area(rects: list[tuple[float, float, float, float]]) -> tuple[int, int, int, int]:
    pad = round(2 * PX_PER_MM)
    left = max(0, round(min(r[0] for r in rects)) - pad)
    top = max(0, round(min(r[1] for r in rects)) - pad)
    right = round(max(r[0] + r[2] for r in rects)) + pad
    bottom = round(max(r[1] + r[3] for r in rects)) + pad
    return left, top, right, bottom


def read_items(page: Any, layout: FormLayout) -> tuple[list[ItemReading], float]:
    """Every item's reading, and how well the printed boxes matched the layout: the outline
    correlation of the weakest row (0.45 and more when the layout is the one printed, below
    0.2 when a row has no boxes where the layout puts them)."""
    ink_black = ink_levels(page, layout)
    readings: list[ItemReading] = []
    strengths: list[float] = []
    for item in layout.items():
        row: list[BoxSpec] = layout.row(item)
        rects = [canonical_rect(layout, b.rect) for b in row]
        dx, dy, strength = _row_offset(page, rects, ink_black)
        strengths.append(strength)
        moved = [(x + dx, y + dy, w, h) for x, y, w, h in rects]
        boxes = []
        for spec, rect in zip(row, moved, strict=True):
            ink, dark = _read_box(page, rect, ink_black)
            if ink >= MARK_ABOVE:
                style = _style(dark, ink)
            else:
                style = "empty" if ink < EMPTY_BELOW else "faint"
            boxes.append(BoxReading(spec.value, round(ink, 4), style))
        value, confidence, status, reason = _decide(boxes)
        readings.append(
            ItemReading(
                item, value, round(confidence, 3), status, reason, tuple(boxes), _area(moved)
            )
        )
    return readings, min(strengths, default=0.0)


CLIP_PX_PER_MM = 6.0


def writing_clip(page: Any, layout: FormLayout, area: Rect) -> bytes | None:
    """The handwriting on the ruled lines as a PNG (at 6 px/mm), None when nothing is written
    (the printed lines alone)."""
    import cv2
    import numpy as np

    x, y, w, h = (round(v) for v in canonical_rect(layout, area))
    region = page[max(0, y) : y + h, max(0, x) : x + w]
    if region.size == 0:
        return None
    paper = level(region, 90)
    dark = _darkness(region, paper, ink_levels(page, layout)) > 0.45
    lines = dark.mean(axis=1) > 0.35  # the printed ruled lines fill their rows
    grown = np.convolve(lines.astype(np.float32), np.ones(5, np.float32), mode="same") > 0
    written = float(dark[~grown].mean()) if (~grown).any() else 0.0
    if written < 0.002:
        return None
    factor = CLIP_PX_PER_MM / PX_PER_MM
    small = cv2.resize(region, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    return png(small)
