"""The exported survey form layout (issue 16): what the drawing draws and a scanner reads."""

from __future__ import annotations

import pytest

from branch_crm.reference.form_layout import (
    MAX_PAGES,
    MM,
    PAGE_H,
    PAGE_W,
    RangeQuestion,
    ScaleHeading,
    TextQuestion,
    form_layout,
    qr_text,
    read_qr_text,
)
from tests.support.long_templates import long_items


def _keys(criteria: int) -> list[tuple[str, str]]:
    return [(i["code"], i["kind"]) for i in long_items(criteria)]


@pytest.mark.parametrize("criteria", [8, 13, 18])
def test_every_question_gets_its_boxes_inside_the_page(criteria: int) -> None:
    layout = form_layout(_keys(criteria))
    assert (layout.page_width, layout.page_height) == (PAGE_W, PAGE_H)
    assert layout.page_count == (1 if criteria == 8 else 2) and layout.printable
    for code, kind in _keys(criteria):
        values = [b.value for b in layout.boxes_of(code)]
        expected = {"scale5": [1, 2, 3, 4, 5], "nps": list(range(11)), "ces": list(range(1, 8))}
        assert values == expected.get(kind, []), code
    for page in layout.pages:
        boxes = page.boxes
        for box in boxes:
            assert box.page == page.number
            assert page.content.contains(box.rect)
            assert not box.rect.overlaps(page.qr_clear) and not box.rect.overlaps(
                page.small_qr_clear
            )
        for i, a in enumerate(boxes):  # no two boxes touch: a mark reads as one answer
            assert all(not a.rect.grown(1 * MM).overlaps(b.rect) for b in boxes[i + 1 :])
        assert [m.corner for m in page.marks] == [
            "top-left", "top-right", "bottom-left", "bottom-right"
        ]  # fmt: skip
    last = layout.pages[-1]
    (suggestion,) = [b for p in layout.pages for b in p.text_areas]
    assert suggestion in last.blocks and len(suggestion.lines) >= 3  # the lines are there
    assert any(isinstance(b, RangeQuestion) and b.kind == "ces" for p in layout.pages
               for b in p.blocks)  # fmt: skip


def test_a_long_scale_block_continues_with_its_heading_repeated() -> None:
    layout = form_layout(_keys(18) + [(f"x{i}", "scale5") for i in range(10)])
    headings = [b for p in layout.pages for b in p.blocks if isinstance(b, ScaleHeading)]
    assert [h.continued for h in headings] == [False, True]
    assert layout.page_count == 2


def test_a_form_longer_than_two_pages_is_not_printable() -> None:
    layout = form_layout([(f"q{i}", "scale5") for i in range(60)] + [("s", "text")])
    assert layout.page_count > MAX_PAGES and not layout.printable


def test_text_blocks_stay_whole_and_the_last_fills_its_page() -> None:
    layout = form_layout([("a", "scale5"), ("t1", "text"), ("t2", "text")])
    areas = [b for b in layout.pages[0].blocks if isinstance(b, TextQuestion)]
    assert len(areas[0].lines) == 3 and len(areas[1].lines) > 3
    assert not areas[0].area.overlaps(areas[1].area)


def test_qr_text_names_the_page() -> None:
    assert qr_text("BR001-A26112300079", 1) == "BR001-A26112300079"
    assert qr_text("BR001-A26112300079", 2) == "BR001-A26112300079/2"
    assert read_qr_text("BR001-A26112300079/2") == ("BR001-A26112300079", 2)
    assert read_qr_text("BR001-A26112300079") == ("BR001-A26112300079", 1)


def test_the_boxes_are_the_answers_the_schema_allows() -> None:
    from branch_crm.reference.form_layout import BOX_VALUES
    from branch_crm.reference.schema import RANGES

    assert BOX_VALUES == RANGES
