"""The help topics shipped with the app: one Markdown file per topic and language.

``resources/help/<language>/<topic>.md``; the topic of a main-window page is named by the
page's key (``ui.pages.PAGES``), a dialog's topic by any other name. Adding a topic is one
file per language, nothing to register: the file's first ``# `` line is its title; the topic
list shows the pages in navigation order, then the other topics by title.

Placeholders a topic may use (expanded when shown and searched):

- ``{{swatch:NAME}}``: a small sample of a status colour the app paints, taken from the code
  that paints it (:data:`COLOURS`), so the help never drifts from the screen;
- ``{{icon:NAME}}``: an icon of ``ui.icons`` (drawn by the help window);
- a block between ``<!-- keys:begin -->`` and ``<!-- keys:end -->``: the table of the keys
  the page registers, written by ``scripts/help_keys.py`` from the live window
  (``ui.help.key_tables``; a test fails when it is out of date).

Loading, expanding and searching are plain text work (no widget needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

OVERVIEW = "overview"
"""The topic of the main window as a whole (shown when nothing more precise fits)."""
KEYS_BEGIN = "<!-- keys:begin"
KEYS_END = "<!-- keys:end -->"
_SWATCH = re.compile(r"\{\{swatch:([a-z_.]+)\}\}")
_ICON = re.compile(r"\{\{icon:([a-z_0-9]+)\}\}")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_MARKUP = re.compile(r"[*`#|>]|^\s*[-:| ]+$|\]\([^)]*\)|!\[", re.MULTILINE)


def help_dir() -> Path:
    """The folder holding one sub-folder of topics per language."""
    return Path(str(resources.files("branch_crm") / "resources" / "help"))


@dataclass(frozen=True)
class Topic:
    """One topic in one language: its name (file stem), title and Markdown source."""

    name: str
    title: str
    source: str


def _title(name: str, text: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return name


@cache
def _read(language: str, name: str) -> Topic | None:
    path = help_dir() / language / f"{name}.md"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return Topic(name, _title(name, text), text)


def topic(language: str, name: str) -> Topic | None:
    """The topic ``name`` in ``language`` (None when there is no such file)."""
    return _read(language, name)


def topic_names(language: str) -> list[str]:
    """The topics of a language: main-window pages in navigation order, then the others by
    title."""
    from branch_crm.ui.pages import PAGES

    folder = help_dir() / language
    names = {p.stem for p in folder.glob("*.md")} if folder.is_dir() else set()
    pages = [spec.key for spec in PAGES if spec.key in names]
    rest = sorted(names - set(pages), key=lambda n: _order_key(language, n))
    return pages + rest


def _order_key(language: str, name: str) -> tuple[int, str]:
    found = topic(language, name)
    first = name == OVERVIEW
    return (0 if first else 1, found.title if found else name)


def colours() -> dict[str, tuple[str, str | None]]:
    """Status colours by name: (text or mark colour, background or None), read from the
    modules that paint them."""
    from branch_crm.ui import theme
    from branch_crm.ui.care import model as care_model
    from branch_crm.ui.complaints import visuals
    from branch_crm.ui.counter import list_model
    from branch_crm.ui.counter import widgets as counter_widgets
    from branch_crm.ui.messages import ERROR_COLOUR
    from branch_crm.ui.training.attendance_dialog import COLOURS as ATTENDANCE

    found: dict[str, tuple[str, str | None]] = {}
    for state, (mark, background) in visuals.STATE_COLOURS.items():
        found[f"complaint.{state}"] = (mark, background)
    for tier, (background, text) in counter_widgets.TIER_COLOURS.items():
        found[f"tier.{tier}"] = (text, background)
    found["customer.churn"] = (list_model.RED.name(), None)
    found["care.overdue"] = ("#000000", care_model.OVERDUE_BACKGROUND.name())
    found["care.today"] = ("#000000", care_model.TODAY_BACKGROUND.name())
    for status, colour in ATTENDANCE.items():
        found[f"attendance.{status}"] = (colour, None)
    found["kpi.good"] = (theme.GOOD, None)
    found["kpi.bad"] = (theme.BAD, None)
    found["error"] = (ERROR_COLOUR, None)
    found["focus"] = (theme.ACCENT, theme.ACCENT_SOFT)
    return found


def swatch_html(name: str) -> str:
    """A small coloured sample: "■ ■" in the colour on its background."""
    mark, background = colours()[name]
    style = f"color:{mark};" + (f" background-color:{background};" if background else "")
    return f'<span style="{style}">&#9632;&#9632;</span>'


def expand(source: str) -> str:
    """The Markdown as shown: swatches as coloured HTML, icons as images (``icon:NAME``)."""
    text = _SWATCH.sub(lambda m: swatch_html(m.group(1)), source)
    return _ICON.sub(lambda m: f"![](icon:{m.group(1)})", text)


def placeholders(source: str) -> list[tuple[str, str]]:
    """(kind, name) of every swatch and icon placeholder of a topic (for the tests)."""
    found = [("swatch", m.group(1)) for m in _SWATCH.finditer(source)]
    return found + [("icon", m.group(1)) for m in _ICON.finditer(source)]


@cache
def plain_text(language: str, name: str) -> str:
    """The words of a topic without Markdown marks (what the search looks in)."""
    found = topic(language, name)
    if found is None:
        return ""
    text = _SWATCH.sub("", _ICON.sub("", found.source))
    text = _TAG.sub("", _COMMENT.sub("", text))
    return _MARKUP.sub(" ", text)


@dataclass(frozen=True)
class Hit:
    """A topic the search found: its name, title and a line around the first match."""

    name: str
    title: str
    snippet: str


def search(language: str, query: str, *, limit: int = 50) -> list[Hit]:
    """Topics of ``language`` holding every word of ``query`` (case-insensitive; Chinese is
    matched as typed, without word breaks): title matches first, then the topics that name
    the words most often."""
    words = query.casefold().split()
    if not words:
        return []
    hits: list[tuple[int, int, int, Hit]] = []
    for index, name in enumerate(topic_names(language)):
        found = topic(language, name)
        text = plain_text(language, name)
        folded = text.casefold()
        if found is None or not all(word in folded for word in words):
            continue
        in_title = all(word in found.title.casefold() for word in words)
        count = sum(folded.count(word) for word in words)
        snippet = _snippet(text, words)
        hits.append((0 if in_title else 1, -count, index, Hit(name, found.title, snippet)))
    hits.sort(key=lambda h: h[:3])
    return [hit for *_rank, hit in hits[:limit]]


def _snippet(text: str, words: list[str], width: int = 80) -> str:
    folded = text.casefold()
    at = min((folded.find(w) for w in words if w in folded), default=0)
    start = max(0, at - width // 3)
    piece = " ".join(text[start : start + width].split())
    return ("…" if start else "") + piece + "…"


def keys_block(source: str) -> str | None:
    """The generated keys block of a topic (between its markers, markers included)."""
    begin = source.find(KEYS_BEGIN)
    end = source.find(KEYS_END)
    if begin < 0 or end < begin:
        return None
    return source[begin : end + len(KEYS_END)]
