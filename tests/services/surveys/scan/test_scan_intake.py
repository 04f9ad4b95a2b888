"""Scanned forms through the whole path: printed by the app, marked, scanned or photographed,
read back into responses (the keyed-entry rules) or review items."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from branch_crm.models import CareTask, SurveyForm, SurveyResponse, SurveyScanItem, SurveyScanPage
from branch_crm.services.surveys.scan import review
from branch_crm.services.surveys.scan.intake import scan_files
from branch_crm.services.surveys.scan.pages import ScanFileError
from tests.support.scans import (
    answers_of,
    form_layout,
    marked_page,
    print_forms,
    write_image,
    write_pages,
)
from tests.support.services import run_service
from tests.support.surveys import customer

HAPPY = {
    "timeliness": [(5, "tick")],
    "accuracy": [(4, "cross")],
    "integrity": [(5, "filled")],
    "attitude": [(3, "pencil")],
    "transparency": [(2, "solid"), (4, "tick")],  # 2 crossed out, 4 meant
    "problem_solving": [(5, "tick")],
    "feedback": [(4, "tick")],
    "value": [(4, "cross")],
    "nps": [(9, "tick")],
    "ces": [(6, "cross")],
}


@pytest.fixture
def printed(db, supervisor, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Three customers, one form each in one printed PDF: (pdf, serials, customer ids, layout)."""
    ids = [customer(db, supervisor, name, f"1381234567{i}") for i, name in
           enumerate(("张三", "李四", "王五"))]  # fmt: skip
    pdf = tmp_path / "forms.pdf"
    serials = print_forms(db, supervisor, ids, pdf)
    return pdf, serials, ids, form_layout(db, supervisor)


def _responses(db):  # type: ignore[no-untyped-def]
    with db.session() as session:
        forms = {f.id: (f.serial, f.customer_id) for f in session.scalars(select(SurveyForm))}
        return {
            forms[r.form_id][0]: (r.customer_id, dict(r.answers), r.suggestion_clip)
            for r in session.scalars(select(SurveyResponse))
        }


def test_a_scanned_form_is_stored_for_its_customer(db, counter, printed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf, serials, ids, layout = printed
    path = write_image(marked_page(pdf, 1, layout, HAPPY, dpi=200), tmp_path / "scan.png")
    summary = run_service(db, counter, scan_files, paths=[path])
    [outcome] = summary.pages
    assert (outcome.action, outcome.serial) == ("stored", serials[1])
    stored = _responses(db)
    assert list(stored) == [serials[1]]
    customer_id, answers, clip = stored[serials[1]]
    assert customer_id == ids[1] and answers == answers_of(HAPPY)
    assert clip is None  # nothing was written on the suggestion lines


def test_a_photo_upside_down_in_colour_jpeg(db, counter, printed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import cv2

    pdf, serials, ids, layout = printed
    grey = marked_page(pdf, 0, layout, HAPPY, dpi=240, turn=True, phone=True, seed=3)
    photo = write_image(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), tmp_path / "photo.jpg", 50)
    summary = run_service(db, counter, scan_files, paths=[photo])
    assert [(p.action, p.serial) for p in summary.pages] == [("stored", serials[0])]
    customer_id, answers, _row = _responses(db)[serials[0]]
    assert customer_id == ids[0] and answers == answers_of(HAPPY)


def test_a_multi_page_pdf_scan_and_a_multi_page_tiff(db, counter, printed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf, serials, ids, layout = printed
    low = {**HAPPY, "nps": [(3, "tick")], "value": [(1, "tick")]}  # a detractor
    pages = [marked_page(pdf, i, layout, low if i == 2 else HAPPY, seed=i) for i in range(3)]
    scan = write_pages(pages[:2], tmp_path / "stack.pdf")
    tiff = write_pages(pages[2:], tmp_path / "one.tif")
    summary = run_service(db, counter, scan_files, paths=[scan, tiff])
    assert [(p.action, p.serial, p.page_number) for p in summary.pages] == [
        ("stored", serials[0], 1), ("stored", serials[1], 2), ("stored", serials[2], 1)
    ]  # fmt: skip
    stored = _responses(db)
    assert {s: v[0] for s, v in stored.items()} == dict(zip(serials, ids, strict=True))
    assert stored[serials[2]][1] == answers_of(low)
    assert summary.pages[2].follow_up and not summary.pages[0].follow_up
    with db.session() as session:  # the detractor got the follow-up task keying opens
        assert [t.customer_id for t in session.scalars(select(CareTask))] == [ids[2]]
    # the same stack again: every form is already entered, nothing changes
    again = run_service(db, counter, scan_files, paths=[scan])
    assert [p.action for p in again.pages] == ["skipped", "skipped"]
    assert len(_responses(db)) == 3


def test_an_unreadable_page_goes_to_review_and_stores_nothing(
    db, counter, printed, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    pdf, _serials, _ids, layout = printed
    blot = write_image(marked_page(pdf, 0, layout, HAPPY, spoil=True), tmp_path / "blot.png")
    summary = run_service(db, counter, scan_files, paths=[blot])
    [outcome] = summary.pages
    assert (outcome.action, outcome.serial) == ("unreadable", None)
    assert _responses(db) == {}
    [item] = run_service(db, counter, review.list_reviews)
    assert (item.reason, item.serial, item.keyable) == ("no_serial", None, False)
    full = run_service(db, counter, review.get_review, review_id=item.id)
    assert full.page_clip is not None and full.page_clip.startswith(b"\x89PNG")
    run_service(db, counter, review.close_review, review_id=item.id)
    assert run_service(db, counter, review.list_reviews) == []


def test_a_serial_no_form_has_is_never_guessed(db, db_path, counter, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from branch_crm.db import open_database

    other = open_database(tmp_path / "other.db")  # another PC's form, not known here
    try:
        cid = customer(other, supervisor, "赵六", "13900000001")
        pdf = tmp_path / "other.pdf"
        [serial] = print_forms(other, supervisor, [cid], pdf)
        layout = form_layout(other, supervisor)
    finally:
        other.dispose()
    customer(db, supervisor, "张三", "13812345670")
    page = write_image(marked_page(pdf, 0, layout, HAPPY), tmp_path / "other.png")
    [outcome] = run_service(db, counter, scan_files, paths=[page]).pages
    assert (outcome.action, outcome.serial) == ("unreadable", serial)
    assert _responses(db) == {}
    [item] = run_service(db, counter, review.list_reviews)
    assert item.reason == "unknown" and not item.keyable


def test_unsure_boxes_wait_for_a_person(db, counter, printed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf, serials, ids, layout = printed
    marks = {**HAPPY, "accuracy": [(2, "tick"), (4, "tick")]}  # two ticks: which one?
    marks.pop("value")
    path = write_image(marked_page(pdf, 0, layout, marks), tmp_path / "two.png")
    [outcome] = run_service(db, counter, scan_files, paths=[path]).pages
    assert (outcome.action, outcome.serial) == ("review", serials[0])
    assert _responses(db) == {}  # nothing stored until a person decided
    [item] = run_service(db, counter, review.list_reviews)
    assert item.keyable and [i.item for i in item.items] == ["accuracy"]
    assert item.items[0].reason == "two_marks" and item.answers["value"] is None
    with db.session() as session:
        stored = session.scalars(select(SurveyScanItem)).one()
        assert stored.clip is not None and stored.clip.startswith(b"\x89PNG")
    # scanning the page again while it waits does not queue it twice
    [again] = run_service(db, counter, scan_files, paths=[path]).pages
    assert again.action == "skipped"
    result = run_service(db, counter, review.resolve_review, review_id=item.id,
                         answers={"accuracy": 4})  # fmt: skip
    expected = {k: v for k, v in answers_of(marks).items() if k != "accuracy"} | {"accuracy": 4}
    assert result.response.answers == expected and result.response.customer_id == ids[0]
    assert run_service(db, counter, review.list_reviews) == []
    with db.session() as session:
        assert session.scalars(select(SurveyScanPage.status)).one() == "done"


def test_handwriting_is_kept_as_a_picture_on_the_response(db, counter, printed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import cv2
    import numpy as np

    pdf, serials, _ids, layout = printed
    assert [code for code, _area in layout.writing] == ["suggestion"]
    page = marked_page(pdf, 2, layout, HAPPY, writing=True)
    path = write_image(page, tmp_path / "written.png")
    [outcome] = run_service(db, counter, scan_files, paths=[path]).pages
    assert outcome.action == "stored"
    _cid, _answers, clip = _responses(db)[serials[2]]
    assert clip is not None
    picture = cv2.imdecode(np.frombuffer(clip, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert picture.shape[1] > 900 and (picture < 100).mean() > 0.005


def test_files_that_cannot_be_read_stop_before_anything_is_stored(
    db, counter, printed, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    pdf, _serials, _ids, layout = printed
    good = write_image(marked_page(pdf, 0, layout, HAPPY), tmp_path / "good.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image", encoding="utf-8")
    with pytest.raises(ScanFileError, match=r"notes\.png.*not a PDF, PNG, JPEG or TIFF"):
        run_service(db, counter, scan_files, paths=[good, text])
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    with pytest.raises(ScanFileError, match="damaged"):
        run_service(db, counter, scan_files, paths=[broken])
    with pytest.raises(ScanFileError, match="no such file"):
        run_service(db, counter, scan_files, paths=[tmp_path / "missing.pdf"])
    assert _responses(db) == {}


def test_a_form_of_two_pages_is_keyed_by_hand(db, counter, supervisor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    from branch_crm.models import HQ_BRANCH, SurveyTemplate
    from branch_crm.services.surveys.scan.layout import page_layouts
    from branch_crm.services.surveys.template import active_template
    from tests.support.long_templates import long_items

    with db.session() as session:  # head office published a long template
        session.add(
            SurveyTemplate(
                code="long", version=9, title_zh="长问卷", title_en="Long",
                items=long_items(18), active=True, branch_id=HQ_BRANCH,
            )
        )  # fmt: skip
    cid = customer(db, supervisor, "张三", "13812345670")
    pdf = tmp_path / "long.pdf"
    [serial] = print_forms(db, supervisor, [cid], pdf)
    assert len(PdfReader(pdf).pages) == 2
    pages = run_service(
        db, counter, lambda *, session: page_layouts(active_template(session=session))
    )
    assert [p.page for p in pages] == [1, 2]
    second = {"ces": [(5, "tick")], "nps": [(9, "tick")]}
    scans = [
        marked_page(pdf, 0, pages[0], {"timeliness": [(4, "tick")]}),
        marked_page(pdf, 1, pages[1], second),
    ]
    stack = write_pages(scans, tmp_path / "long-scan.pdf")
    summary = run_service(db, counter, scan_files, paths=[stack])
    assert [(p.action, p.serial) for p in summary.pages] == [
        ("review", serial), ("skipped", serial)  # page 2 joins page 1's review
    ]  # fmt: skip
    assert _responses(db) == {}
    [item] = run_service(db, counter, review.list_reviews)
    assert item.reason == "pages" and not item.keyable
