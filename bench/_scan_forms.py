"""Filled-in, scanned and photographed survey forms, made from the real printed PDF.

Shared by ``bench/scan_accuracy.py`` and the scan tests: a page of the PDF the app printed is
rendered at a scanner's resolution, marked by a "customer" (a filled box, a tick, a cross, a
light pencil tick, a box filled in solid to cross it out with the replacement ticked, some
handwriting on the suggestion lines) and degraded the way scanners and phones do (rotation,
a page upside down, scale, perspective, shadows, blur, noise, JPEG at quality 50, greyscale
or colour). The truth (which box was meant) comes with every page.

Not a benchmark itself (the leading underscore keeps ``python -m bench all`` from running it).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STYLES = ("filled", "tick", "cross", "pencil", "correction")


@dataclass
class FilledPage:
    """A degraded page and what was meant on it."""

    serial: str
    answers: dict[str, int | None]
    styles: dict[str, str]
    pixels: Any
    mode: str
    dpi: int
    turned: bool
    wrote: bool
    damaged_qr: bool = False
    notes: dict[str, Any] = field(default_factory=dict)


def render_pdf_page(pdf: Path, index: int, dpi: int) -> Any:
    """Page ``index`` of a PDF as greyscale pixels at ``dpi``."""
    import numpy as np
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[index]
        image = page.render(scale=dpi / 72, grayscale=True).to_numpy()
        page.close()
    finally:
        document.close()
    return np.ascontiguousarray(image[:, :, 0] if image.ndim == 3 else image)


def _px(layout: Any, dpi: int, x: float, y: float) -> tuple[float, float]:
    """Layout point (PDF points, bottom-left origin) -> pixel of a page rendered at dpi."""
    k = dpi / 72
    return x * k, (layout.page_h - y) * k


def _stroke(img: Any, pts: list[tuple[float, float]], colour: Any, width: float) -> None:
    import cv2
    import numpy as np

    shift = 4
    scaled = np.array([[round(x * 16), round(y * 16)] for x, y in pts], np.int32)
    cv2.polylines(img, [scaled], False, colour, max(1, round(width)), cv2.LINE_AA, shift)


def draw_mark(
    img: Any, rng: random.Random, box: tuple[float, float, float], style: str, *, colour: Any,
    pen: float,
) -> None:  # fmt: skip
    """Draw one mark of ``style`` in the box (left, top, size in pixels)."""
    import cv2
    import numpy as np

    left, top, size = box
    jx, jy = rng.uniform(-0.08, 0.08) * size, rng.uniform(-0.08, 0.08) * size
    cx, cy = left + size / 2 + jx, top + size / 2 + jy
    s = size * rng.uniform(0.75, 1.05)
    if style in ("filled", "solid"):
        # coloured in with a back-and-forth scribble
        cover = 0.97 if style == "solid" else rng.uniform(0.75, 0.97)
        h = s * cover / 2
        y = cy - h
        pts = []
        step = max(1.0, pen * 0.8)
        flip = False
        while y <= cy + h:
            pts.append((cx - h + (0 if flip else 2 * h), y))
            pts.append((cx - h + (2 * h if flip else 0), y + step / 2))
            y += step
            flip = not flip
        _stroke(img, pts, colour, pen * 1.6)
        e = h * 0.9
        corners = np.array([[cx - e, cy - e], [cx + e, cy - e], [cx + e, cy + e], [cx - e, cy + e]])
        cv2.fillConvexPoly(img, (corners * 16).astype(np.int32), colour, cv2.LINE_AA, 4)
    elif style in ("tick", "pencil"):
        a = (cx - s * 0.35, cy + rng.uniform(-0.05, 0.1) * s)
        b = (cx - s * 0.08, cy + s * 0.35)
        c = (cx + s * rng.uniform(0.35, 0.55), cy - s * rng.uniform(0.45, 0.65))
        _stroke(img, [a, b, c], colour, pen)
    elif style == "cross":
        h = s * 0.42
        _stroke(img, [(cx - h, cy - h), (cx + h, cy + h)], colour, pen)
        tilt = rng.uniform(-0.1, 0.1) * s
        _stroke(img, [(cx + h, cy - h + tilt), (cx - h, cy + h - tilt)], colour, pen)


def handwriting(img: Any, rng: random.Random, area: tuple[float, float, float, float],
                 colour: Any, pen: float) -> None:  # fmt: skip
    left, top, width, height = area
    lines = rng.randint(1, 3)
    for line in range(lines):
        base = top + height * (0.2 + 0.25 * line)
        x = left + width * 0.02
        end = left + width * rng.uniform(0.3, 0.9)
        while x < end:
            glyph = [(x + rng.uniform(0, 12), base - rng.uniform(0, 18)) for _ in range(4)]
            _stroke(img, glyph, colour, pen)
            x += rng.uniform(16, 26)


def fill_page(gray: Any, layout: Any, dpi: int, rng: random.Random, *, colour: bool
              ) -> tuple[Any, dict[str, int | None], dict[str, str], bool]:  # fmt: skip
    """Mark answers on a rendered page; returns (pixels, truth, style per item, wrote)."""
    import cv2

    img = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR) if colour else gray.copy()
    k = dpi / 72
    pen_colours = [(20, 20, 20), (140, 40, 10), (25, 25, 150)]  # black, blue, red (BGR)
    ink = rng.choice(pen_colours) if colour else (rng.randint(10, 60),)
    page_style = rng.choice(STYLES[:4])
    answers: dict[str, int | None] = {}
    styles: dict[str, str] = {}
    for item in layout.items():
        row = layout.row(item)
        if rng.random() < 0.06:
            answers[item] = None
            styles[item] = "blank"
            continue
        chosen = rng.choice(row)
        style = page_style if rng.random() < 0.7 else rng.choice(STYLES)
        answers[item] = chosen.value
        styles[item] = style
        pen = rng.uniform(0.35, 0.7) * dpi / 25.4
        mark_colour: Any = ink
        if style == "pencil":
            level = rng.randint(110, 165)
            mark_colour = (level, level, level) if colour else (level,)
            pen = rng.uniform(0.3, 0.5) * dpi / 25.4
        if style == "correction":
            wrong = rng.choice([b for b in row if b is not chosen])
            first = rng.choice(("tick", "cross"))
            draw_mark(img, rng, _box_px(layout, wrong, k), first, colour=ink, pen=pen)
            draw_mark(img, rng, _box_px(layout, wrong, k), "solid", colour=ink, pen=pen)
            again = rng.choice(("tick", "cross"))
            draw_mark(img, rng, _box_px(layout, chosen, k), again, colour=ink, pen=pen)
            continue
        draw_style = "tick" if style == "pencil" else style
        draw_mark(img, rng, _box_px(layout, chosen, k), draw_style, colour=mark_colour, pen=pen)
    wrote = rng.random() < 0.5
    if wrote:
        for _code, area in layout.writing:
            x, y = _px(layout, dpi, area.x, area.y + area.h)
            handwriting(img, rng, (x, y, area.w * k, area.h * k), ink, 0.4 * dpi / 25.4)
    return img, answers, styles, wrote


def _box_px(layout: Any, box: Any, k: float) -> tuple[float, float, float]:
    r = box.rect
    return r.x * k, (layout.page_h - r.y - r.h) * k, r.w * k


def degrade(img: Any, rng: random.Random, *, phone: bool, turn: bool) -> Any:
    """What a scanner or a phone does to a page."""
    import cv2
    import numpy as np

    height, width = img.shape[:2]
    if turn:
        img = cv2.rotate(img, cv2.ROTATE_180)
    colour = img.ndim == 3
    if colour:  # paper is rarely pure white in colour
        tint = [rng.uniform(0.88, 1.0), rng.uniform(0.9, 1.0), rng.uniform(0.93, 1.0)]
        img = cv2.merge([cv2.multiply(c, t) for c, t in zip(cv2.split(img), tint, strict=True)])
    angle = rng.uniform(-5, 5)
    scale = rng.uniform(0.9, 1.08) if not phone else rng.uniform(0.7, 0.95)
    out_w, out_h = width, height
    background = rng.randint(200, 250) if not phone else rng.randint(40, 140)
    border: Any = (background,) * 3 if colour else background
    centre = (width / 2, height / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle, scale)
    matrix[0, 2] += rng.uniform(-0.02, 0.02) * width
    matrix[1, 2] += rng.uniform(-0.02, 0.02) * height
    full = np.vstack([matrix, [0, 0, 1]])
    if phone:
        d = 0.045
        src = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
        dst = src + np.float32(
            [[rng.uniform(-d, d) * width, rng.uniform(-d, d) * height] for _ in range(4)]
        )
        full = cv2.getPerspectiveTransform(src, dst) @ full
    full = _fit_inside(full, width, height, rng)
    img = cv2.warpPerspective(img, full, (out_w, out_h), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=border)  # fmt: skip
    f = img.astype(np.float32)
    if phone:  # uneven light: a shadow across the page (made small, then enlarged)
        yy, xx = np.mgrid[0:64, 0:64].astype(np.float32) / 64
        a = rng.uniform(0, 2 * math.pi)
        ramp = np.cos(a) * xx + np.sin(a) * yy
        light = 1 - rng.uniform(0.1, 0.3) * (ramp - ramp.min()) / (np.ptp(ramp) + 1e-6)
        light = cv2.resize(light, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
        f = f * (light[:, :, None] if colour else light)
    sigma = rng.uniform(0.3, 1.2) if not phone else rng.uniform(0.6, 1.6)
    f = cv2.GaussianBlur(f, (0, 0), sigma)
    noise = np.empty(f.shape, np.float32)
    cv2.randn(noise, 0.0, rng.uniform(2, 9))
    f += noise
    return cv2.add(f, 0.0, dtype=cv2.CV_8U)  # saturating: 0..255


def _fit_inside(full: Any, width: int, height: int, rng: random.Random) -> Any:
    """The transform shrunk and moved so the whole page stays in the picture (a scanner
    or a phone photo shows the whole sheet; a cut-off corner is another test)."""
    import numpy as np

    corners = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], float)
    mapped = (full @ corners.T).T
    mapped = mapped[:, :2] / mapped[:, 2:]
    left, top = mapped.min(axis=0)
    right, bottom = mapped.max(axis=0)
    margin = 0.01 * width
    factor = min(1.0, (width - 2 * margin) / (right - left), (height - 2 * margin) / (bottom - top))
    new_w, new_h = (right - left) * factor, (bottom - top) * factor
    dx = margin + rng.uniform(0, width - 2 * margin - new_w) - left * factor
    dy = margin + rng.uniform(0, height - 2 * margin - new_h) - top * factor
    return np.array([[factor, 0, dx], [0, factor, dy], [0, 0, 1]]) @ full


def spoil_qr(img: Any, layout: Any, dpi: int, rng: random.Random) -> None:
    """An ink blot over the QR code (the serial can no longer be read)."""
    import cv2

    k = dpi / 72
    r = layout.qr
    cx, cy = (r.x + r.w / 2) * k, (layout.page_h - r.y - r.h / 2) * k
    colour: Any = (30, 30, 30) if img.ndim == 3 else 30
    cv2.circle(img, (round(cx), round(cy)), round(r.w * k * 0.42), colour, -1)


def make_page(pdf: Path, index: int, serial: str, layout: Any, rng: random.Random,
              *, spoil: bool = False) -> FilledPage:  # fmt: skip
    """Page ``index`` of the printed PDF, filled in and degraded."""
    dpi = rng.choice((150, 200, 240, 300))
    gray = render_pdf_page(pdf, index, dpi)
    colour = rng.random() < 0.4
    img, answers, styles, wrote = fill_page(gray, layout, dpi, rng, colour=colour)
    if spoil:
        spoil_qr(img, layout, dpi, rng)
    phone = rng.random() < 0.35
    turn = rng.random() < 0.1
    pixels = degrade(img, rng, phone=phone, turn=turn)
    mode = ("phone" if phone else "scanner") + ("-colour" if colour else "-grey")
    return FilledPage(serial, answers, styles, pixels, mode, dpi, turn, wrote, spoil)


def save(page: FilledPage, path: Path, rng: random.Random) -> Path:
    """Write the page as a phone or scanner would: JPEG (quality 50-90) or PNG."""
    import cv2

    if page.mode.startswith("phone") or rng.random() < 0.6:
        path = path.with_suffix(".jpg")
        cv2.imwrite(str(path), page.pixels, [cv2.IMWRITE_JPEG_QUALITY, rng.choice((50, 70, 90))])
    else:
        path = path.with_suffix(".png")
        cv2.imwrite(str(path), page.pixels)
    return path
