"""Where everything sits on a printed survey form: the one layout the drawing code draws and a
scanner reads.

:func:`form_layout` turns a template's questions (their codes and kinds, in template order)
into a :class:`FormLayout`: the page size, and per page the corner marks, the QR code, the
text boxes and every tick box with the item it answers and the answer it stands for.
:mod:`branch_crm.printing.survey_form` draws from it and nothing else, so a reader built on it
never guesses a position.

Coordinate system
-----------------
PDF user space of an A4 page in **points** (1 pt = 1/72 inch = 25.4/72 mm): origin at the
**lower-left** corner of the page, x to the right, y **up**. A :class:`Rect` is its lower-left
corner (``x``, ``y``) and its ``width``/``height``. To go to the pixels of a page scanned
upright at ``dpi`` with the page corner at pixel (0, 0): ``px = x / 72 * dpi`` and
``py = (height - y) / 72 * dpi`` (image rows grow downwards). The four corner marks
(:class:`CornerMark`) are L shapes whose outer corner point is ``inset`` from both page edges.

The layout depends on the kinds and order of the questions only, never on the language or
on the lengths of texts: every text is fitted (wrapped, shrunk) into a box of fixed size. A
form printed in Chinese and one printed in English from the same template have their boxes
in the same places, and the layout of a printed form is known from its template alone.

A template flows onto further pages when it is long (the 1-5 rows split between pages, a
scale's heading repeated; an NPS/CES question or a suggestion field is never split). Every
page has the corner marks, the QR code (top right, and small at the bottom right: page 1
encodes the serial, page ``n`` > 1 ``SERIAL/n``, see :func:`qr_text`), the serial and
"page n / m". More than :data:`MAX_PAGES` pages is not printable: head office refuses such a
template and a branch refuses to print it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "BOX",
    "BOX_VALUES",
    "MAX_PAGES",
    "MM",
    "PAGE_H",
    "PAGE_W",
    "QR_QUIET_MODULES",
    "CornerMark",
    "FormLayout",
    "PageLayout",
    "RangeQuestion",
    "Rect",
    "ScaleHeading",
    "ScaleRow",
    "TextQuestion",
    "TickBox",
    "form_layout",
    "qr_text",
    "read_qr_text",
]

MM = 72 / 25.4
"""Points per millimetre."""
PAGE_W = 210 * MM
PAGE_H = 297 * MM
MAX_PAGES = 2
"""A form of more pages is refused (head office at publishing, a branch before printing)."""
QR_QUIET_MODULES = 4
"""Blank modules around a QR code (ISO/IEC 18004); the clear zones reserve at least this."""

LEFT = 20 * MM
RIGHT = PAGE_W - 20 * MM
BOX = 6.5 * MM
"""Side of a tick box."""
ROW = 9 * MM
"""Height of a 1-5 row."""
SCALE_CENTRES = tuple(132 * MM + i * 13 * MM for i in range(5))
MARK_INSET = 8 * MM
MARK_LENGTH = 8 * MM
MARK_LINE = 1.6
QR_SIZE = 24 * MM
QR_X = RIGHT - QR_SIZE
QR_Y = PAGE_H - 42 * MM
QR_CLEAR = 5 * MM
"""Kept blank around the big QR code: 4 modules even for the largest (21-module) code."""
SMALL_QR_SIZE = 14 * MM
SMALL_QR_CLEAR = 3 * MM
BOTTOM = 27 * MM
"""Nothing of the questions goes below this (the footer and the small QR code are under it)."""
PAGE1_TOP = PAGE_H - 83 * MM
NEXT_TOP = PAGE_H - 60 * MM
SCALE_HEAD = 12 * MM
SCALE_GAP = 6 * MM
HEADING = 10.5 * MM
"""Height of a question's heading box: two lines at 11 pt."""
RANGE_H = 30 * MM
LINE_GAP = 8 * MM
TEXT_MIN_LINES = 3
BOX_VALUES = {"scale5": (1, 5), "nps": (0, 10), "ces": (1, 7)}
"""The answers each kind has a box for (those of reference.schema.RANGES, which imports this
module to check templates: a test keeps the two equal)."""


@dataclass(frozen=True)
class Rect:
    """A box in points, lower-left corner (``x``, ``y``), y up (see the module docstring)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        """x of the right edge."""
        return self.x + self.width

    @property
    def top(self) -> float:
        """y of the top edge."""
        return self.y + self.height

    @property
    def centre(self) -> tuple[float, float]:
        """(x, y) of the middle."""
        return self.x + self.width / 2, self.y + self.height / 2

    def grown(self, by: float) -> Rect:
        """The box with ``by`` added on every side."""
        return Rect(self.x - by, self.y - by, self.width + 2 * by, self.height + 2 * by)

    def overlaps(self, other: Rect) -> bool:
        """True when the two boxes share some area."""
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.top
            and other.y < self.top
        )

    def contains(self, other: Rect, slack: float = 0.01) -> bool:
        """True when ``other`` lies inside this box."""
        return (
            other.x >= self.x - slack
            and other.y >= self.y - slack
            and other.right <= self.right + slack
            and other.top <= self.top + slack
        )


@dataclass(frozen=True)
class CornerMark:
    """An L-shaped registration mark: outer corner at (``x``, ``y``), one arm along x towards
    ``dx`` (+1 right, -1 left), one along y towards ``dy`` (+1 up, -1 down), each
    ``length`` long, stroked ``line_width`` wide (centred on the lines)."""

    corner: str
    """top-left, top-right, bottom-left or bottom-right."""
    x: float
    y: float
    dx: int
    dy: int
    length: float
    line_width: float


@dataclass(frozen=True)
class TickBox:
    """A square to tick: the answer ``value`` to question ``item`` (the template item code)."""

    item: str
    kind: str
    """scale5, nps or ces."""
    value: int
    rect: Rect
    page: int
    """1-based page number."""


@dataclass(frozen=True)
class ScaleHeading:
    """The heading of the 1-5 block (repeated, ``continued``, on a later page) and the column
    numbers 1..5 over the box columns."""

    number: int
    heading: Rect
    digits_baseline: float
    centres: tuple[float, ...]
    continued: bool


@dataclass(frozen=True)
class ScaleRow:
    """One 1-5 question: its text box, its five boxes (values 1..5), shaded on even rows."""

    item: str
    index: int
    text: Rect
    boxes: tuple[TickBox, ...]
    shade: Rect | None


@dataclass(frozen=True)
class RangeQuestion:
    """An NPS (0-10) or CES (1-7) question: heading, a row of boxes with their numbers under
    them, and the meaning of both ends."""

    item: str
    kind: str
    number: int
    heading: Rect
    boxes: tuple[TickBox, ...]
    digits_baseline: float
    low_label: Rect
    high_label: Rect


@dataclass(frozen=True)
class TextQuestion:
    """An open question: heading and the ruled ``area`` the customer writes in (``lines``
    are the y of its rules)."""

    item: str
    number: int
    heading: Rect
    area: Rect
    lines: tuple[float, ...]


Block = ScaleHeading | ScaleRow | RangeQuestion | TextQuestion


@dataclass(frozen=True)
class PageLayout:
    """One page of the form. Texts are fitted into their box (``title`` .. ``page_label``);
    ``greeting``/``intro`` (the customer's name, the explanation) are on page 1 only,
    ``office_use`` on page 1 only."""

    number: int
    marks: tuple[CornerMark, ...]
    qr: Rect
    """The big QR code (its modules; the quiet zone is around it, inside ``qr_clear``)."""
    qr_clear: Rect
    small_qr: Rect
    small_qr_clear: Rect
    title: Rect
    subtitle: Rect
    serial: Rect
    """The serial as text under the big QR code."""
    footer_serial: Rect
    page_label: Rect
    rule_y: float
    greeting: Rect | None
    intro: Rect | None
    office_use: Rect | None
    content: Rect
    """Where the questions are."""
    blocks: tuple[Block, ...]

    @property
    def boxes(self) -> tuple[TickBox, ...]:
        """Every tick box of the page, top to bottom."""
        out: list[TickBox] = []
        for block in self.blocks:
            if isinstance(block, ScaleRow | RangeQuestion):
                out.extend(block.boxes)
        return tuple(out)

    @property
    def text_areas(self) -> tuple[TextQuestion, ...]:
        """The open questions on this page."""
        return tuple(b for b in self.blocks if isinstance(b, TextQuestion))


@dataclass(frozen=True)
class FormLayout:
    """The whole form: page size in points and its pages (see the module docstring)."""

    page_width: float
    page_height: float
    pages: tuple[PageLayout, ...]
    items: tuple[tuple[str, str], ...] = field(default=())
    """(code, kind) of the questions laid out, in template order."""

    @property
    def page_count(self) -> int:
        """Number of pages."""
        return len(self.pages)

    @property
    def printable(self) -> bool:
        """True when the form fits on :data:`MAX_PAGES` pages."""
        return self.page_count <= MAX_PAGES

    @property
    def boxes(self) -> tuple[TickBox, ...]:
        """Every tick box of every page."""
        return tuple(box for page in self.pages for box in page.boxes)

    def boxes_of(self, item: str) -> tuple[TickBox, ...]:
        """The boxes of one question, lowest value first."""
        return tuple(box for box in self.boxes if box.item == item)


def qr_text(serial: str, page: int) -> str:
    """What the QR code of ``page`` encodes: the serial on page 1, ``SERIAL/n`` after it."""
    return serial if page == 1 else f"{serial}/{page}"


def read_qr_text(text: str) -> tuple[str, int]:
    """(serial, page number) from what a QR code of a form holds (see :func:`qr_text`)."""
    serial, sep, page = text.strip().rpartition("/")
    if sep and page.isdigit() and serial:
        return serial, int(page)
    return text.strip(), 1


def _marks() -> tuple[CornerMark, ...]:
    i, n = MARK_INSET, MARK_LENGTH
    return (
        CornerMark("top-left", i, PAGE_H - i, 1, -1, n, MARK_LINE),
        CornerMark("top-right", PAGE_W - i, PAGE_H - i, -1, -1, n, MARK_LINE),
        CornerMark("bottom-left", i, i, 1, 1, n, MARK_LINE),
        CornerMark("bottom-right", PAGE_W - i, i, -1, 1, n, MARK_LINE),
    )


class _Flow:
    """Places the blocks top to bottom, starting a new page when one does not fit."""

    def __init__(self) -> None:
        self.pages: list[list[Block]] = [[]]
        self.y = PAGE1_TOP

    @property
    def page(self) -> int:
        return len(self.pages)

    def room(self) -> float:
        return self.y - BOTTOM

    def new_page(self) -> None:
        self.pages.append([])
        self.y = NEXT_TOP

    def ensure(self, height: float) -> None:
        """A new page unless ``height`` fits under y (a fresh page takes anything)."""
        if height > self.room() and self.y < (PAGE1_TOP if self.page == 1 else NEXT_TOP):
            self.new_page()

    def add(self, block: Block) -> None:
        self.pages[-1].append(block)


def _scale_heading(flow: _Flow, number: int, continued: bool) -> None:
    top = flow.y
    flow.add(
        ScaleHeading(
            number=number,
            heading=Rect(LEFT, top - 6 * MM, RIGHT - LEFT, 6 * MM),
            digits_baseline=top - 10.5 * MM,
            centres=SCALE_CENTRES,
            continued=continued,
        )
    )
    flow.y = top - SCALE_HEAD


def _scale_block(flow: _Flow, number: int, codes: Sequence[str]) -> None:
    flow.ensure(SCALE_HEAD + ROW)
    _scale_heading(flow, number, continued=False)
    for index, code in enumerate(codes):
        if flow.room() < ROW:
            flow.new_page()
            _scale_heading(flow, number, continued=True)
        top = flow.y
        box_y = top - ROW / 2 - BOX / 2
        boxes = tuple(
            TickBox(code, "scale5", value, Rect(c - BOX / 2, box_y, BOX, BOX), flow.page)
            for value, c in enumerate(SCALE_CENTRES, start=1)
        )
        shade = Rect(LEFT - 2 * MM, top - ROW, RIGHT - LEFT + 4 * MM, ROW)
        flow.add(
            ScaleRow(
                item=code,
                index=index,
                text=Rect(LEFT, top - ROW + 1 * MM, 106 * MM, ROW - 2 * MM),
                boxes=boxes,
                shade=shade if index % 2 == 0 else None,
            )
        )
        flow.y = top - ROW
    flow.y -= SCALE_GAP


def _range_block(flow: _Flow, number: int, code: str, kind: str) -> None:
    flow.ensure(RANGE_H)
    top = flow.y
    low, high = BOX_VALUES[kind]
    count = high - low + 1
    step = (RIGHT - LEFT) / count
    box_y = top - HEADING - 1.5 * MM - BOX
    boxes = tuple(
        TickBox(
            code, kind, low + i, Rect(LEFT + step * (i + 0.5) - BOX / 2, box_y, BOX, BOX), flow.page
        )
        for i in range(count)
    )
    half = (RIGHT - LEFT) / 2 - 2 * MM
    flow.add(
        RangeQuestion(
            item=code,
            kind=kind,
            number=number,
            heading=Rect(LEFT, top - HEADING, RIGHT - LEFT, HEADING),
            boxes=boxes,
            digits_baseline=box_y - 4 * MM,
            low_label=Rect(LEFT, box_y - 10 * MM, half, 4 * MM),
            high_label=Rect(RIGHT - half, box_y - 10 * MM, half, 4 * MM),
        )
    )
    flow.y = top - RANGE_H


def _text_block(flow: _Flow, number: int, code: str, last: bool) -> None:
    first_gap = HEADING + 7 * MM
    flow.ensure(first_gap + (TEXT_MIN_LINES - 1) * LINE_GAP + 1 * MM)
    top = flow.y
    lines: list[float] = []
    line_y = top - first_gap
    while line_y >= BOTTOM and (last or len(lines) < TEXT_MIN_LINES):
        lines.append(line_y)
        line_y -= LINE_GAP
    area_top = top - HEADING - 0.5 * MM
    area_bottom = lines[-1] - 1 * MM
    flow.add(
        TextQuestion(
            item=code,
            number=number,
            heading=Rect(LEFT, top - HEADING, RIGHT - LEFT, HEADING),
            area=Rect(LEFT, area_bottom, RIGHT - LEFT, area_top - area_bottom),
            lines=tuple(lines),
        )
    )
    flow.y = lines[-1] - 4 * MM


def _page(number: int, count: int, blocks: Sequence[Block]) -> PageLayout:
    first = number == 1
    qr = Rect(QR_X, QR_Y, QR_SIZE, QR_SIZE)
    small = Rect(RIGHT - SMALL_QR_SIZE, 9 * MM, SMALL_QR_SIZE, SMALL_QR_SIZE)
    text_right = qr.x - QR_CLEAR
    footer_y = 11.5 * MM
    top = PAGE1_TOP if first else NEXT_TOP
    return PageLayout(
        number=number,
        marks=_marks(),
        qr=qr,
        qr_clear=qr.grown(QR_CLEAR),
        small_qr=small,
        small_qr_clear=small.grown(SMALL_QR_CLEAR),
        title=Rect(LEFT, PAGE_H - 33 * MM, text_right - LEFT, 15 * MM),
        subtitle=Rect(LEFT, PAGE_H - 41 * MM, text_right - LEFT, 6 * MM),
        serial=Rect(RIGHT - 62 * MM, QR_Y - QR_CLEAR - 4.5 * MM, 62 * MM, 4.5 * MM),
        footer_serial=Rect(
            PAGE_W / 2 + 16 * MM,
            footer_y,
            small.x - SMALL_QR_CLEAR - (PAGE_W / 2 + 16 * MM),
            3.5 * MM,
        ),
        page_label=Rect(PAGE_W / 2 - 15 * MM, footer_y, 30 * MM, 3.5 * MM),
        rule_y=PAGE_H - 54 * MM,
        greeting=Rect(LEFT, PAGE_H - 63 * MM, RIGHT - LEFT, 6 * MM) if first else None,
        intro=Rect(LEFT, PAGE_H - 79 * MM, RIGHT - LEFT, 14 * MM) if first else None,
        office_use=Rect(LEFT, footer_y, PAGE_W / 2 - 17 * MM - LEFT, 3.5 * MM) if first else None,
        content=Rect(LEFT - 2 * MM, BOTTOM, RIGHT - LEFT + 4 * MM, top - BOTTOM),
        blocks=tuple(blocks),
    )


def form_layout(items: Sequence[tuple[str, str]]) -> FormLayout:
    """The layout of a form for questions given as (item code, kind) in template order.

    The 1-5 questions come first in one block, then the NPS/CES questions, then the open
    ones (as numbered on the form: the 1-5 block is question 1). Kinds other than scale5,
    nps, ces and text are left out.
    """
    scales = [code for code, kind in items if kind == "scale5"]
    ranges = [(code, kind) for code, kind in items if kind in ("nps", "ces")]
    texts = [code for code, kind in items if kind == "text"]
    flow = _Flow()
    number = 1
    if scales:
        _scale_block(flow, number, scales)
        number += 1
    for code, kind in ranges:
        _range_block(flow, number, code, kind)
        number += 1
    for index, code in enumerate(texts):
        _text_block(flow, number, code, last=index == len(texts) - 1)
        number += 1
    count = len(flow.pages)
    pages = tuple(_page(n, count, blocks) for n, blocks in enumerate(flow.pages, start=1))
    kept = tuple((c, k) for c, k in items if k in ("scale5", "nps", "ces", "text"))
    return FormLayout(PAGE_W, PAGE_H, pages, kept)
