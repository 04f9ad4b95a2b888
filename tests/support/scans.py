"""Scanned survey forms for tests: the app prints real forms, a "customer" marks the boxes
chosen here (bench/_scan_forms.py draws the marks and degrades the page like a scanner or a
phone), and the page is written as an image or a PDF of images."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from tests.support.services import run_service


def form_layout(db: Any, actor: Any) -> Any:
    """The layout of page 1 of the forms this database prints (its active template)."""
    from branch_crm.services.surveys.scan.layout import page_layouts
    from branch_crm.services.surveys.template import active_template

    def get(*, session: Any) -> Any:
        return page_layouts(active_template(session=session))[0]

    return run_service(db, actor, get)


def print_forms(db: Any, actor: Any, customer_ids: list[str], pdf: Path) -> list[str]:
    """Print one form per customer into ``pdf`` (one page each, in order); the serials."""
    from sqlalchemy import select

    from branch_crm.models import SurveyForm
    from branch_crm.services.surveys.forms import Selection, print_survey_batch

    run_service(db, actor, print_survey_batch, output=pdf,
                selection=Selection(customer_ids=tuple(customer_ids)))  # fmt: skip
    with db.session() as session:
        return list(session.scalars(select(SurveyForm.serial).order_by(SurveyForm.serial)))


def marked_page(
    pdf: Path,
    index: int,
    layout: Any,
    marks: dict[str, list[tuple[int, str]]],
    *,
    dpi: int = 200,
    turn: bool = False,
    phone: bool = False,
    spoil: bool = False,
    writing: bool = False,
    seed: int = 1,
) -> Any:
    """Page ``index`` of ``pdf`` with ``marks`` (item -> [(value, style)], style tick, cross,
    filled, solid, pencil), degraded like a scan (``phone``: a photo), greyscale pixels;
    ``writing``: some handwriting on the suggestion lines."""
    from bench._scan_forms import degrade, draw_mark, handwriting, render_pdf_page, spoil_qr

    rng = random.Random(seed)
    img = render_pdf_page(pdf, index, dpi)
    k = dpi / 72
    for item, wanted in marks.items():
        boxes = {b.value: b for b in layout.row(item)}
        for value, style in wanted:
            r = boxes[value].rect
            box = (r.x * k, (layout.page_h - r.y - r.h) * k, r.w * k)
            colour = (140,) if style == "pencil" else (25,)
            pen = (0.35 if style == "pencil" else 0.5) * dpi / 25.4
            shape = "tick" if style == "pencil" else style
            draw_mark(img, rng, box, shape, colour=colour, pen=pen)
    if writing:
        for _code, area in layout.writing:
            top = (layout.page_h - area.y - area.h) * k
            handwriting(img, rng, (area.x * k, top, area.w * k, area.h * k), (20,), 0.4 * k * 2.8)
    if spoil:
        spoil_qr(img, layout, dpi, rng)
    return degrade(img, rng, phone=phone, turn=turn)


def write_image(pixels: Any, path: Path, quality: int = 80) -> Path:
    """Write pixels as PNG, JPEG (``quality``) or TIFF, by the suffix of ``path``."""
    import cv2

    jpeg = path.suffix.lower() in (".jpg", ".jpeg")
    cv2.imwrite(str(path), pixels, [cv2.IMWRITE_JPEG_QUALITY, quality] if jpeg else [])
    return path


def write_pages(pages: list[Any], path: Path, dpi: int = 200) -> Path:
    """Several pages in one file: a PDF of scanned images or a multi-page TIFF (PIL)."""
    from PIL import Image

    images = [Image.fromarray(p) for p in pages]
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi)
    return path


def answers_of(marks: dict[str, list[tuple[int, str]]]) -> dict[str, int]:
    """The answers meant by ``marks``: the one mark that is not a solid (crossed-out) box."""
    return {item: next(v for v, s in wanted if s != "solid") for item, wanted in marks.items()}
