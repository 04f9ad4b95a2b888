"""One scanned page in, what it says out: the serial from the QR code and every answer.

1. the corner marks give the candidate mappings of the page (upright or turned);
2. the QR code is read where a mapping says it is, then (fallback) in the whole image, then
   from the straightened page enlarged and thresholded; the mapping that puts the code where
   it is printed is the page's orientation;
3. the serial (and page number) gives the page's layout (``layouts_of``); its printed boxes
   must be found where the layout has them, then every box is read.

Nothing here touches the database, and nothing is guessed: no serial, no answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from branch_crm.services.surveys.scan.geometry import (
    PX_PER_MM,
    candidate_transforms,
    canonical_rect,
    find_marks,
    gray_of,
    warp,
)
from branch_crm.services.surveys.scan.layout import FormLayout, serial_of_payload
from branch_crm.services.surveys.scan.marks import ItemReading, png, read_items, writing_clip

__all__ = ["MIN_LAYOUT_MATCH", "PageReading", "read_page"]

MIN_LAYOUT_MATCH = 0.3
"""Below this outline strength the printed boxes are not where the layout says (another
template or language, a folded or cut page): the page goes to review."""
PAGE_CLIP_PX_PER_MM = 3.0


@dataclass
class PageReading:
    """What one page said. ``status``: read (serial and boxes read), no_page (corner marks
    not found), no_serial (QR code unreadable), unknown (the serial matches no form),
    mismatch (the boxes are not where the form's layout puts them)."""

    status: str
    serial: str | None = None
    page: int = 1
    """Which page of its form this is (from the QR code)."""
    items: list[ItemReading] = field(default_factory=list)
    suggestion_clips: dict[str, bytes] = field(default_factory=dict)
    image: Any = None
    """The straightened page at PX_PER_MM (the whole picture when the page was not found)."""
    turned: int = 0
    layout: FormLayout | None = None
    match: float = 0.0

    def page_clip(self) -> bytes | None:
        """The page as a small PNG (for the review screen); made only when asked for."""
        import cv2

        if self.image is None:
            return None
        height, width = self.image.shape[:2]
        factor = min(PAGE_CLIP_PX_PER_MM / PX_PER_MM, 900 / max(height, width))
        small = cv2.resize(self.image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        return png(small)

    def item_clip(self, item: ItemReading) -> bytes | None:
        """The scanned row of one question as a PNG."""
        if self.image is None:
            return None
        left, top, right, bottom = item.area
        return png(self.image[top:bottom, left:right])


def _qr_formats() -> Any:
    """The formats zxing-cpp looks for: QR codes only (faster, and nothing else is read)."""
    import zxingcpp

    return zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _qr_codes(image: Any) -> list[tuple[str, tuple[float, float]]]:
    """(text, centre) of every QR code zxing-cpp finds in ``image``."""
    import zxingcpp

    found = []
    for code in zxingcpp.read_barcodes(image, formats=_qr_formats()):
        if not code.valid or not code.text:
            continue
        p = code.position
        corners = (p.top_left, p.top_right, p.bottom_right, p.bottom_left)
        cx = sum(c.x for c in corners) / 4
        cy = sum(c.y for c in corners) / 4
        found.append((code.text, (cx, cy)))
    return found


def _to_canonical(matrix: Any, point: tuple[float, float]) -> tuple[float, float]:
    import numpy as np

    vec = matrix @ np.array([point[0], point[1], 1.0])
    return float(vec[0] / vec[2]), float(vec[1] / vec[2])


def _qr_centre(layout: FormLayout) -> tuple[float, float]:
    x, y, w, h = canonical_rect(layout, layout.qr)
    return x + w / 2, y + h / 2


def _image_region(matrix: Any, layout: FormLayout, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The image pixels (left, top, right, bottom) under the QR code for one mapping."""
    import numpy as np

    x, y, w, h = canonical_rect(layout, layout.qr)
    pad = 6 * PX_PER_MM
    corners = np.array(
        [
            [x - pad, y - pad],
            [x + w + pad, y - pad],
            [x + w + pad, y + h + pad],
            [x - pad, y + h + pad],
        ]
    )
    inverse = np.linalg.inv(matrix)
    pts = [_to_canonical(inverse, (float(cx), float(cy))) for cx, cy in corners]
    left = max(0, int(min(p[0] for p in pts)))
    top = max(0, int(min(p[1] for p in pts)))
    right = min(shape[1], int(max(p[0] for p in pts)) + 1)
    bottom = min(shape[0], int(max(p[1] for p in pts)) + 1)
    return left, top, right, bottom


def _near_qr(matrix: Any, layout: FormLayout, centre: tuple[float, float]) -> bool:
    qx, qy = _qr_centre(layout)
    px, py = _to_canonical(matrix, centre)
    return math.hypot(px - qx, py - qy) < 8 * PX_PER_MM


def _serial_and_turn(
    gray: Any, transforms: list[Any], layout: FormLayout
) -> tuple[str | None, int]:
    """The QR code's text and which mapping has it where it is printed (index)."""
    import cv2

    # 1. where each mapping puts the code
    for index, matrix in enumerate(transforms):
        left, top, right, bottom = _image_region(matrix, layout, gray.shape)
        if right - left < 20 or bottom - top < 20:
            continue
        for text, (cx, cy) in _qr_codes(gray[top:bottom, left:right]):
            if _near_qr(matrix, layout, (cx + left, cy + top)):
                return text, index
    # 2. anywhere in the image
    for text, centre in _qr_codes(gray):
        for index, matrix in enumerate(transforms):
            if _near_qr(matrix, layout, centre):
                return text, index
    # 3. the straightened code, enlarged and thresholded
    x, y, w, h = canonical_rect(layout, layout.qr)
    pad = round(4 * PX_PER_MM)
    for index, matrix in enumerate(transforms):
        page = warp(gray, matrix, layout)
        crop = page[
            max(0, round(y) - pad) : round(y + h) + pad, max(0, round(x) - pad) : round(x + w) + pad
        ]
        big = cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        _t, binary = cv2.threshold(
            cv2.GaussianBlur(big, (3, 3), 0), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU
        )
        for candidate in (big, binary):
            codes = _qr_codes(candidate)
            if codes:
                return codes[0][0], index
    return None, _turn_by_ink(gray, transforms, layout)


def _turn_by_ink(gray: Any, transforms: list[Any], layout: FormLayout) -> int:
    """Without a readable code: the mapping that finds the most ink where the code is printed."""
    best, best_ink = 0, -1.0
    x, y, w, h = (round(v) for v in canonical_rect(layout, layout.qr))
    for index, matrix in enumerate(transforms):
        page = warp(gray, matrix, layout)
        region = page[y : y + h, x : x + w]
        ink = float((region < 128).mean()) if region.size else 0.0
        if ink > best_ink:
            best, best_ink = index, ink
    return best


def read_page(
    pixels: Any,
    *,
    base: FormLayout,
    layouts_of: Callable[[str, int], Sequence[FormLayout]],
) -> PageReading:
    """Read one page (greyscale or BGR pixels). ``base``: any form layout (the marks and QR
    code are where every form has them); ``layouts_of(serial)``: the layouts a form with that
    serial can have been printed with (none: the serial is unknown)."""
    gray = gray_of(pixels)
    marks = find_marks(gray)
    if marks is None:
        codes = _qr_codes(gray)
        serial, number = serial_of_payload(codes[0][0]) if codes else (None, 1)
        return PageReading("no_page", serial, number, image=gray)
    transforms = candidate_transforms(marks, base)
    text, turn = _serial_and_turn(gray, transforms, base)
    page = warp(gray, transforms[turn], base)
    reading = PageReading("no_serial", image=page, turned=turn)
    if text is None:
        return reading
    reading.serial, reading.page = serial_of_payload(text)
    layouts = list(layouts_of(reading.serial, reading.page))
    if not layouts:
        reading.status = "unknown"
        return reading
    best: tuple[float, list[ItemReading], FormLayout] | None = None
    for layout in layouts:
        items, match = read_items(page, layout)
        if best is None or match > best[0]:
            best = (match, items, layout)
    assert best is not None
    reading.match, reading.items, reading.layout = best
    if reading.match < MIN_LAYOUT_MATCH:
        reading.status = "mismatch"
        reading.items = []
        return reading
    reading.status = "read"
    for code, area in reading.layout.writing:
        clip = writing_clip(page, reading.layout, area)
        if clip is not None:
            reading.suggestion_clips[code] = clip
    return reading
