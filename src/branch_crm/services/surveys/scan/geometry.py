"""Finding the printed page in a scan or photo and mapping it onto the form's layout.

The four L-shaped corner marks are found as connected shapes near the image corners (an L:
two arms of about the same length at about a right angle, nothing in the opposite corner),
the best-fitting set of four (a quadrilateral with the page's proportions) is kept, and the
homography from their outer corners to the layout's undoes rotation, skew, scale and
perspective. The marks look alike, so a page upside down (or photographed sideways) gives
two candidate mappings; the QR code decides which is right (see ``reader``).

The canonical image is the page at :data:`PX_PER_MM` pixels per millimetre, top-left origin.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from branch_crm.services.surveys.scan.layout import FormLayout, Rect

__all__ = [
    "PX_PER_MM",
    "Marks",
    "candidate_transforms",
    "canonical_rect",
    "canonical_size",
    "find_marks",
    "gray_of",
    "warp",
]

PX_PER_MM = 8.0
PT_PER_MM = 72 / 25.4
WORK_SIZE = 1400
"""Marks are looked for on a copy whose longer side has this many pixels."""


@dataclass(frozen=True)
class Marks:
    """Outer corners of the four marks in image pixels: top-left, top-right, bottom-right,
    bottom-left of the image; ``quality`` 0..1 (how well they fit a page)."""

    points: Any
    quality: float


def gray_of(pixels: Any) -> Any:
    """One channel where ink is dark: for colour, the darkest channel of each pixel (a blue or
    red pen is as dark as a black one)."""
    import cv2

    if pixels.ndim == 2:
        return pixels
    channels = cv2.split(pixels)[:3]
    return cv2.min(cv2.min(channels[0], channels[1]), channels[2])


def canonical_rect(layout: FormLayout, rect: Rect) -> tuple[float, float, float, float]:
    """(left, top, width, height) of a layout rectangle in canonical pixels."""
    k = PX_PER_MM / PT_PER_MM
    return rect.x * k, (layout.page_h - rect.y - rect.h) * k, rect.w * k, rect.h * k


def canonical_size(layout: FormLayout) -> tuple[int, int]:
    """(width, height) of the canonical page image."""
    k = PX_PER_MM / PT_PER_MM
    return round(layout.page_w * k), round(layout.page_h * k)


def _odd(value: float) -> int:
    n = max(3, int(value))
    return n if n % 2 else n + 1


_CORNERS = ((-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0))
"""Direction of each image corner (top-left, top-right, bottom-right, bottom-left)."""


@dataclass
class _Candidate:
    elbow: tuple[float, float]
    arm: float
    score: float


def _l_shape(ys: Any, xs: Any, corner: int, mask: Any) -> _Candidate | None:
    """The component's outer corner and arm length when it is an L opening away from image
    corner ``corner``, else None."""
    import numpy as np

    ux, uy = _CORNERS[corner]
    proj = xs * ux + ys * uy
    i = int(np.argmax(proj))
    ex, ey = float(xs[i]), float(ys[i])
    dx, dy = xs - ex, ys - ey
    dist = np.hypot(dx, dy)
    j = int(np.argmax(dist))
    a1 = (float(dx[j]), float(dy[j]))
    len1 = float(dist[j])
    if len1 < 6:
        return None
    cos = (dx * a1[0] + dy * a1[1]) / (np.maximum(dist, 1e-6) * len1)
    far = np.where(cos < math.cos(math.radians(50)), dist, 0)
    k = int(np.argmax(far))
    len2 = float(far[k])
    if len2 < 0.55 * len1:
        return None
    a2 = (float(dx[k]), float(dy[k]))
    angle = math.degrees(
        math.acos(max(-1.0, min(1.0, (a1[0] * a2[0] + a1[1] * a2[1]) / (len1 * len2))))
    )
    if not 65 <= angle <= 115:
        return None
    # both arms point inwards, away from the image corner
    if (a1[0] + a2[0]) * ux + (a1[1] + a2[1]) * uy > -0.5 * (len1 + len2) * 0.7:
        return None
    # an L leaves the opposite corner and its middle empty
    h, w = mask.shape
    for fx, fy in ((1.0, 1.0), (0.6, 0.6)):
        px = round(ex + fx * (a1[0] + a2[0]))
        py = round(ey + fy * (a1[1] + a2[1]))
        r = max(2, round(0.15 * len1))
        window = mask[max(0, py - r) : min(h, py + r + 1), max(0, px - r) : min(w, px + r + 1)]
        if window.size and float(window.mean()) > 0.15 * 255:
            return None
    squareness = abs(angle - 90) / 25 + abs(len1 / len2 - 1)
    return _Candidate((ex, ey), (len1 + len2) / 2, squareness)


def find_marks(gray: Any) -> Marks | None:
    """The four corner marks of a page in ``gray`` (one channel, ink dark), or None."""
    import cv2
    import numpy as np

    height, width = gray.shape
    factor = min(1.0, WORK_SIZE / max(height, width))
    small = (
        cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        if factor < 1
        else gray
    )
    sh, sw = small.shape
    longest = max(sh, sw)
    mask = cv2.adaptiveThreshold(
        small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, _odd(longest / 50), 12
    )
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    low, high = 0.011 * longest, 0.05 * longest
    per_corner: list[list[_Candidate]] = [[], [], [], []]
    for label in range(1, count):
        x, y, bw, bh, area = (int(v) for v in stats[label])
        side = max(bw, bh)
        if not low <= side <= high or not 0.5 <= bw / max(bh, 1) <= 2.0:
            continue
        if not 0.04 <= area / (bw * bh) <= 0.55:
            continue
        cx, cy = x + bw / 2, y + bh / 2
        corner = (0 if cy < sh / 2 else 3) if cx < sw / 2 else (1 if cy < sh / 2 else 2)
        ys, xs = np.nonzero(labels[y : y + bh, x : x + bw] == label)
        found = _l_shape(ys.astype(np.float64) + y, xs.astype(np.float64) + x, corner, mask)
        if found is not None:
            per_corner[corner].append(found)
    if not all(per_corner):
        return None
    best: tuple[float, list[_Candidate]] | None = None
    for corner, options in enumerate(per_corner):
        ux, uy = _CORNERS[corner]
        options.sort(key=lambda c: -(c.elbow[0] * ux + c.elbow[1] * uy))
        del options[4:]
    for combo in itertools.product(*per_corner):
        error = _fit_error(list(combo))
        if error is not None and (best is None or error < best[0]):
            best = (error, list(combo))
    if best is None:
        return None
    points = np.array([c.elbow for c in best[1]], dtype=np.float64) / factor
    return Marks(points, max(0.0, 1.0 - best[0]))


PAGE_RATIO = (297 - 16) / (210 - 16)
"""Long side over short side of the rectangle of the marks' corners (A4, marks 8 mm in)."""


def _fit_error(combo: list[_Candidate]) -> float | None:
    """How far four candidates are from a page's mark rectangle (None: not a page)."""
    pts = [c.elbow for c in combo]

    def dist(a: tuple[float, float], b: tuple[float, float]) -> float:
        return math.hypot(a[0] - b[0], a[1] - b[1])

    top, right, bottom, left = (dist(pts[i], pts[(i + 1) % 4]) for i in range(4))
    if min(top, right, bottom, left) < 1:
        return None
    horizontal, vertical = (top + bottom) / 2, (left + right) / 2
    ratio = max(horizontal, vertical) / min(horizontal, vertical)
    parallel = abs(top / bottom - 1) + abs(left / right - 1)
    shape = abs(ratio / PAGE_RATIO - 1)
    short = min(horizontal, vertical)
    arms = [c.arm / short for c in combo]
    expected = (8 + 0.8) / (210 - 16)
    arm_error = sum(abs(a / expected - 1) for a in arms) / 4
    if shape > 0.2 or parallel > 0.5 or arm_error > 0.6:
        return None
    # the four corners turn the same way (a convex quadrilateral)
    crosses = []
    for i in range(4):
        a, b, c = pts[i], pts[(i + 1) % 4], pts[(i + 2) % 4]
        crosses.append((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]))
    if not (all(v > 0 for v in crosses) or all(v < 0 for v in crosses)):
        return None
    return shape + parallel / 2 + arm_error / 2 + sum(c.score for c in combo) / 8


def candidate_transforms(marks: Marks, layout: FormLayout) -> list[Any]:
    """Homographies image -> canonical page for each way the page can lie (two: upright and
    turned half-way; for a page lying sideways, the two quarter turns)."""
    import cv2
    import numpy as np

    k = PX_PER_MM / PT_PER_MM
    page = np.array(
        [(x * k, (layout.page_h - y) * k) for x, y in layout.mark_corners], dtype=np.float64
    )
    pts = marks.points
    horizontal = np.linalg.norm(pts[1] - pts[0]) + np.linalg.norm(pts[2] - pts[3])
    vertical = np.linalg.norm(pts[3] - pts[0]) + np.linalg.norm(pts[2] - pts[1])
    turns = (0, 2) if vertical >= horizontal else (1, 3)
    transforms = []
    for turn in turns:
        # image corner i shows page corner (i + turn) % 4
        target = np.array([page[(i + turn) % 4] for i in range(4)], dtype=np.float64)
        matrix = cv2.getPerspectiveTransform(pts.astype(np.float32), target.astype(np.float32))
        transforms.append(matrix)
    return transforms


def warp(gray: Any, matrix: Any, layout: FormLayout) -> Any:
    """The canonical page image (white where the scan has nothing)."""
    import cv2

    return cv2.warpPerspective(
        gray,
        matrix,
        canonical_size(layout),
        flags=cv2.INTER_AREA if _shrinks(matrix) else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )


def _shrinks(matrix: Any) -> bool:
    import numpy as np

    scale = float(np.sqrt(abs(np.linalg.det(matrix[:2, :2]))))
    return scale < 0.8
