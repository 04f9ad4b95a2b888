"""Charts drawn on the server as inline SVG (no script, nothing loaded from elsewhere):
horizontal bars for counts by category, lines for a monthly trend. Colours and sizes are
SVG attributes, so the page's content security policy needs no inline styles."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["PALETTE", "bar_chart", "line_chart"]

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed")


def bar_chart(items: Sequence[tuple[str, int]], *, label: str, width: int = 560) -> str:
    """Horizontal bars, one per (name, count), largest first as given; ``label`` names the
    chart for screen readers."""
    if not items:
        return ""
    row, left, right = 24, 170, 60
    height = row * len(items) + 8
    most = max(v for _n, v in items) or 1
    scale = (width - left - right) / most
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        bar = max(1.0, value * scale)
        short = name if len(name) <= 18 else name[:17] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-size="13" '
            f'fill="#1f2937">{escape(short)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{bar:.1f}" height="{row - 8}" rx="3" '
            f'fill="{PALETTE[0]}"><title>{escape(name)}: {value}</title></rect>'
            f'<text x="{left + bar + 6:.1f}" y="{y + 16}" font-size="12" '
            f'fill="#374151">{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    low: float,
    high: float,
    label: str,
    width: int = 560,
    height: int = 220,
) -> str:
    """Lines over ``labels`` (months), one per (name, values); a missing value breaks the
    line. The y axis runs from ``low`` to ``high`` with five grid lines and a legend."""
    if not labels:
        return ""
    left, right, top, bottom = 44, 30, 28, 28
    span = high - low or 1.0
    step = (width - left - right) / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return left + i * step if len(labels) > 1 else left + (width - left - right) / 2

    def y(v: float) -> float:
        return top + (high - v) / span * (height - top - bottom)

    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
    ]
    for k in range(5):
        v = low + span * k / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="#e5e7eb"/><text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#6b7280">{v:g}</text>'
        )
    for i, name in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
            f'fill="#6b7280">{escape(name)}</text>'
        )
    for s, (name, values) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        run: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(values):
            if value is None:
                if run:
                    segments.append(run)
                run = []
                continue
            run.append(f"{x(i):.1f},{y(value):.1f}")
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(name)} {escape(labels[i])}: {value:.1f}</title></circle>"
            )
        if run:
            segments.append(run)
        parts += [
            f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            for seg in segments
        ]
        lx = left + s * 120
        parts.append(
            f'<rect x="{lx}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="16" font-size="12" fill="#1f2937">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
