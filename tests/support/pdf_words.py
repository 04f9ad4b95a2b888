"""Where a PDF's words are, read back by poppler (``pdftotext -bbox``): the real positions a
reader sees, in points with y from the TOP of the page (as poppler gives them)."""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from branch_crm.reference.form_layout import Rect

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


@dataclass(frozen=True)
class Word:
    """A word and its box; ``rect`` is the same box in PDF space (y up)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page_height: float

    @property
    def rect(self) -> Rect:
        """The box in PDF user space (origin lower-left, y up), as the layout has it."""
        return Rect(self.x0, self.page_height - self.bottom, self.x1 - self.x0,
                    self.bottom - self.top)  # fmt: skip


def word_boxes(path: Path) -> list[list[Word]]:
    """The words of every page with their boxes."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages: list[list[Word]] = []
    for _width, height, body in _PAGE.findall(out):
        h = float(height)
        pages.append(
            [
                Word(html.unescape(t), float(a), float(b), float(c), float(d), h)
                for a, b, c, d, t in _WORD.findall(body)
            ]
        )
    return pages
