"""Reading returned survey forms from scans and photos: accuracy and speed (issue 16).

The app prints a batch of real forms (``print_survey_batch`` on a real database); each page is
rendered, filled in and degraded by ``bench/_scan_forms.py`` (marks of five styles and
varying darkness, 150-300 dpi, rotation +-5 deg and some pages upside down, scale, phone
perspective and shadows, blur, noise, JPEG quality 50-90, greyscale and colour; one page in
fifty with an ink blot over its QR code) and written as a JPEG or PNG file. Then
``services.surveys.scan.intake.scan_files`` reads them all into the database, and the result
is compared with what was meant.

Figures (``python -m bench scan_accuracy [--size N]``; default 1,000 pages, quick 20):

* ``scan_box_accuracy``: share of boxes read right (marked or not, as meant), over the
  pages whose serial was read; a row sent to review counts as wrong unless the reader's
  guess was right. Target >= 0.995.
* ``scan_serial_read_or_review``: share of pages whose serial was read right or that went to
  review. Target 1.0.
* ``scan_wrong_customer_answers``: responses stored for a customer other than the page's.
  Target 0.
* ``scan_wrong_answers_stored``: answers stored (without review) that differ from what was
  meant.
* ``scan_pages_to_review``: share of pages sent to review (unreadable ones included).
* ``scan_pages_per_second``: pages read and stored per second (files to database, one core).

``python bench/scan_accuracy.py [N]`` prints the same as one JSON object.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench._scan_forms import make_page, save

SPOIL_EVERY = 50


def _actor() -> Any:
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    return Actor(None, "bench", "Bench", Role.SUPERVISOR, "BR001")


def _truth_row_boxes(values: list[int], truth: int | None, read: int | None) -> int:
    """Boxes of a row read right: a box is right when it is the answer read exactly when it
    is the answer meant."""
    return sum(1 for v in values if (v == truth) == (v == read))


def measure(pages: int, folder: Path, *, seed: int = 16) -> dict[str, Any]:
    """Print, fill, degrade and read back ``pages`` forms in ``folder``; the figures."""
    from sqlalchemy import select

    from bench.survey_print import make_database
    from branch_crm.db import open_database
    from branch_crm.models import SurveyForm, SurveyResponse, SurveyScanItem, SurveyScanPage
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.surveys.forms import Selection, print_survey_batch
    from branch_crm.services.surveys.scan.intake import scan_files
    from branch_crm.services.surveys.scan.layout import page_layouts
    from branch_crm.services.surveys.template import active_template

    db_path = folder / "branch.db"
    ids = make_database(db_path, pages)
    pdf = folder / "forms.pdf"
    db = open_database(db_path)
    actor = _actor()
    try:
        with unit_of_work(db, actor) as session:
            print_survey_batch(
                session=session, actor=actor, selection=Selection(customer_ids=tuple(ids)),
                output=pdf, language="zh_CN",
            )  # fmt: skip
            forms = list(session.scalars(select(SurveyForm).order_by(SurveyForm.serial)))
            layout = page_layouts(active_template(session=session))[0]
        customer_of = {f.serial: f.customer_id for f in forms}
        rng = random.Random(seed)
        images = folder / "scans"
        images.mkdir()
        truth: dict[str, Any] = {}
        files: list[Path] = []
        started = time.perf_counter()
        for index, form in enumerate(forms):
            spoil = index % SPOIL_EVERY == SPOIL_EVERY - 1
            page = make_page(pdf, index, form.serial, layout, rng, spoil=spoil)
            path = save(page, images / f"scan{index:05d}", rng)
            page.pixels = None  # the file has them; a thousand pages would not fit in memory
            files.append(path)
            truth[path.name] = page
        generated = time.perf_counter() - started
        started = time.perf_counter()
        with unit_of_work(db, actor) as session:
            summary = scan_files(session=session, actor=actor, paths=files)
        elapsed = time.perf_counter() - started
        with db.session() as session:
            responses = list(session.scalars(select(SurveyResponse)))
            serial_of = {f.id: f.serial for f in session.scalars(select(SurveyForm))}
            reviews = {r.id: r for r in session.scalars(select(SurveyScanPage))}
            review_items: dict[str, dict[str, int | None]] = {}
            for item in session.scalars(select(SurveyScanItem)):
                review_items.setdefault(item.page_id, {})[item.item] = item.suggested
    finally:
        db.dispose()
    return _figures(
        summary=summary, truth=truth, layout=layout, responses=responses, serial_of=serial_of,
        customer_of=customer_of, reviews=reviews, review_items=review_items, pages=pages,
        elapsed=elapsed, generated=generated,
    )  # fmt: skip


def _rows(
    layout: Any, page: Any, read: dict[str, Any], guesses: dict[str, int | None], stored: bool
) -> list[tuple[str, int, int, bool]]:
    """(item, boxes, boxes right, a wrong answer stored) for each row of one page; a row sent
    to review is right only when the reader's guess was."""
    rows = []
    for item in layout.items():
        values = [b.value for b in layout.row(item)]
        meant = page.answers.get(item)
        if item in guesses:
            got = guesses[item]
            right = _truth_row_boxes(values, meant, got) if got == meant else 0
            rows.append((item, len(values), right, False))
        else:
            got = read.get(item)
            right = _truth_row_boxes(values, meant, got)
            rows.append((item, len(values), right, stored and got != meant))
    return rows


def _figures(
    *, summary: Any, truth: dict[str, Any], layout: Any, responses: list[Any],
    serial_of: dict[str, str], customer_of: dict[str, str], reviews: dict[str, Any],
    review_items: dict[str, dict[str, int | None]], pages: int, elapsed: float,
    generated: float,
) -> dict[str, Any]:  # fmt: skip
    stored_by_serial = {serial_of[r.form_id]: r for r in responses if r.form_id}
    wrong_customer = 0
    for response in responses:  # a response belongs to the customer its form was printed for
        if customer_of.get(serial_of.get(response.form_id or "", "")) != response.customer_id:
            wrong_customer += 1
    boxes_total = boxes_right = 0
    wrong_stored = serial_ok = to_review = read_serials = 0
    by_mode: dict[str, list[int]] = {}
    by_style: dict[str, list[int]] = {}
    for outcome in summary.pages:
        name = Path(outcome.file).name
        page = truth[name]
        if outcome.action in ("review", "unreadable"):
            to_review += 1
        if outcome.serial == page.serial:
            read_serials += 1
        elif outcome.action == "stored":
            wrong_customer += 1  # stored under a serial that was not this page's
        if outcome.serial == page.serial or outcome.action in ("review", "unreadable"):
            serial_ok += 1
        if outcome.serial != page.serial:
            continue
        if outcome.action == "stored":
            read = dict(stored_by_serial[page.serial].answers)
            guesses: dict[str, int | None] = {}
        elif outcome.review_id is not None:
            read = dict(reviews[outcome.review_id].answers or {})
            guesses = review_items.get(outcome.review_id, {})
        else:
            continue
        mode_counts = by_mode.setdefault(page.mode, [0, 0])
        for item, count, right, wrong in _rows(
            layout, page, read, guesses, outcome.action == "stored"
        ):
            wrong_stored += wrong
            boxes_total += count
            boxes_right += right
            mode_counts[0] += right
            mode_counts[1] += count
            style_counts = by_style.setdefault(page.styles.get(item, "blank"), [0, 0])
            style_counts[0] += right
            style_counts[1] += count
    return {
        "pages": pages,
        "box_accuracy": round(boxes_right / boxes_total, 5) if boxes_total else None,
        "boxes": boxes_total,
        "boxes_wrong": boxes_total - boxes_right,
        "serial_read_rate": round(read_serials / pages, 4),
        "serial_read_or_review": round(serial_ok / pages, 4),
        "pages_spoiled_qr": sum(1 for p in truth.values() if p.damaged_qr),
        "pages_to_review": to_review,
        "pages_to_review_share": round(to_review / pages, 4),
        "pages_stored": summary.count("stored"),
        "wrong_customer_answers": wrong_customer,
        "wrong_answers_stored": wrong_stored,
        "pages_per_second": round(pages / elapsed, 2),
        "generation_seconds": round(generated, 1),
        "box_accuracy_by_mode": {k: round(v[0] / v[1], 5) for k, v in sorted(by_mode.items())},
        "box_accuracy_by_style": {k: round(v[0] / v[1], 5) for k, v in sorted(by_style.items())},
    }


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """The figures for ``python -m bench scan_accuracy``."""
    pages = size or (20 if quick else 1000)
    with tempfile.TemporaryDirectory(prefix="bcrm-scan-") as folder:
        result = measure(pages, Path(folder))
    yield {"metric": "scan_box_accuracy", "value": result["box_accuracy"], "unit": "share",
           "pages": pages, "boxes": result["boxes"], "target": 0.995}  # fmt: skip
    yield {"metric": "scan_serial_read_or_review", "value": result["serial_read_or_review"],
           "unit": "share", "serial_read_rate": result["serial_read_rate"],
           "target": 1.0}  # fmt: skip
    yield {"metric": "scan_wrong_customer_answers", "value": result["wrong_customer_answers"],
           "unit": "responses", "target": 0}  # fmt: skip
    yield {"metric": "scan_wrong_answers_stored", "value": result["wrong_answers_stored"],
           "unit": "answers"}  # fmt: skip
    yield {"metric": "scan_pages_to_review", "value": result["pages_to_review_share"],
           "unit": "share", "pages": result["pages_to_review"]}  # fmt: skip
    yield {"metric": "scan_pages_per_second", "value": result["pages_per_second"],
           "unit": "pages/s"}  # fmt: skip
    yield {"metric": "scan_detail", "value": None, "unit": "", **result}


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory(prefix="bcrm-scan-") as scratch:
        print(json.dumps(measure(count, Path(scratch)), indent=2, ensure_ascii=False))
