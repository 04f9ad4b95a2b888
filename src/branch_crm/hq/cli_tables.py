"""Plain-text tables of ``branch-crm-hq`` (``branch list``, ``pc list``, ``quarantine``):
columns measured in terminal columns (a Chinese character takes two), headings translated
as one ``|``-separated text."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from branch_crm.argparse_i18n import columns
from branch_crm.i18n import _


def pad(text: str, width: int, *, right: bool = False, cut: bool = True) -> str:
    """``text`` padded to ``width`` terminal columns (Chinese characters take two), on the
    left when ``right``; a longer text is cut to fit unless ``cut`` is false."""
    out, used = "", 0
    for char in text:
        size = columns(char)
        if cut and used + size > width:
            break
        out, used = out + char, used + size
    fill = " " * max(width - used, 0)
    return fill + out if right else out + fill


def when(value: Any) -> str:
    """A stored instant as ``YYYY-MM-DD HH:MM``, or "never"."""
    return value.strftime("%Y-%m-%d %H:%M") if value else _("never")


def print_table(table: list[list[str]], least: Sequence[int]) -> None:
    """Rows of cells in columns as wide as their widest cell (Chinese characters take two)."""
    widths = [max([w, *(columns(line[i]) for line in table)]) for i, w in enumerate(least)]
    for line in table:
        cells = (pad(cell, width, cut=False) for cell, width in zip(line, widths, strict=True))
        sys.stdout.write("  ".join(cells).rstrip() + "\n")


def translated_headings(text: str, count: int) -> list[str]:
    """The translated ``|``-separated headings (the English ones if a translation breaks)."""
    shown = _(text).split("|")
    return shown if len(shown) == count else text.split("|")
