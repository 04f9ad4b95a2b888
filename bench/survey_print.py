"""Survey batch printing: 1,000 personalised forms into one PDF (issue 4).

Figures:

* ``survey_batch``: seconds for ``services.surveys.forms.print_survey_batch`` (selection query,
  serials, ``SurveyForm`` rows with their audit entries, layout, QR codes, PDF file);
  baseline: a bare reportlab canvas drawing the same text, boxes, corner marks and QR
  modules on every page (strings pre-wrapped, no database), in the same run, same fonts.
  Target ratio <= 2.
* ``survey_batch_per_form``: the same in milliseconds per form.
* ``survey_peak_rss_<n>``: peak resident memory (MB) of a fresh process printing n forms,
  for n = 250 / 500 / 1000 (quick: 15 / 30 / 60); baseline = the smallest n, so the ratio
  shows growth with page count. ``survey_traced_peak_<n>``: the Python heap peak during the
  print call alone (tracemalloc), same baseline rule.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "BR001"


def _actor() -> Any:
    from branch_crm.models import Role
    from branch_crm.services.context import Actor

    return Actor(None, "bench", "Bench", Role.SUPERVISOR, BRANCH)


def make_database(path: Path, customers: int) -> list[str]:
    """A branch database with ``customers`` strategic customers; returns their ids."""
    from branch_crm.db import open_database
    from branch_crm.models import Customer, CustomerPhone, CustomerStats
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.settings import values as settings

    surnames, given = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗",
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚",
    )
    db = open_database(path)
    ids = []
    try:
        with db.session() as session:
            settings.put(session, None, "language", "zh_CN")
            settings.put(session, None, "company.name", "A公司")
            settings.put(session, None, "branch.name", "浦东网点")
        with unit_of_work(db, _actor(), audit=False) as session:
            for i in range(customers):
                name = surnames[i % 20] + given[(i // 20) % 20] + given[(i // 400) % 20]
                row = Customer(name=name, name_pinyin=f"p{i:07d}")
                session.add(row)
                session.flush()
                session.add(CustomerPhone(customer_id=row.id, phone=f"138{i:08d}", position=0))
                stats = CustomerStats(
                    customer_id=row.id, tier="strategic", stage="new", lifecycle="active"
                )
                session.add(stats)
                ids.append(row.id)
    finally:
        db.dispose()
    return ids


def print_batch(db_path: Path, ids: list[str], output: Path) -> float:
    """Seconds for the real service to print one form per id into ``output``."""
    from branch_crm.db import open_database
    from branch_crm.services.context import unit_of_work
    from branch_crm.services.surveys.forms import Selection, print_survey_batch

    db = open_database(db_path)
    try:
        start = time.perf_counter()
        with unit_of_work(db, _actor()) as session:
            result = print_survey_batch(
                session=session,
                actor=_actor(),
                selection=Selection(customer_ids=tuple(ids)),
                output=output,
            )
        elapsed = time.perf_counter() - start
    finally:
        db.dispose()
    assert result.count == len(ids)
    return elapsed


def _static_lines(language: str) -> list[tuple[float, float, str, float]]:
    """Every fixed string of the form at its position (x, y, text, size), pre-wrapped."""
    from reportlab.pdfgen.canvas import Canvas

    from branch_crm.printing import survey_form as sf
    from branch_crm.printing.common import MM, PAGE_H, Writer, translator
    from branch_crm.reference.defaults import DEFAULT_ITEMS

    _ = translator(language)
    writer = Writer(Canvas(os.devnull))
    lines: list[tuple[float, float, str, float]] = [
        (sf.LEFT, PAGE_H - 24 * MM, "A公司客户满意度调查表", 17),
        (sf.LEFT, PAGE_H - 31 * MM, "网点：浦东网点    日期：2026年11月23日", 10),
    ]
    y = PAGE_H - 66 * MM
    intro = _(
        "Thank you for using our service. Please tick one box on each line and hand the "
        "form to the counter or your courier. Your answers are only used to improve our "
        "service."
    )
    for line in writer.wrap(intro, sf.RIGHT - sf.LEFT, 9.5):
        lines.append((sf.LEFT, y, line, 9.5))
        y -= 9.5 * 1.35
    y = PAGE_H - 82 * MM
    lines.append(
        (
            sf.LEFT,
            y,
            "1. " + _("How satisfied are you? (1 = very dissatisfied, 5 = very satisfied)"),
            11,
        )
    )
    for index, (_code, kind, zh, _en) in enumerate(DEFAULT_ITEMS):
        if kind == "scale5":
            lines.append((sf.LEFT, y - 9 * MM - index * sf.ROW - sf.ROW / 2, zh, 10))
        elif kind != "scale5":
            lines.append((sf.LEFT, y - 100 * MM - index * 4 * MM, zh, 11))
    lines.append((sf.LEFT, 13 * MM, _("For office use: entered by ________  on ________"), 7.5))
    return lines


def bare_canvas(output: Path, names: list[str], serials: list[str]) -> float:
    """Seconds for a bare reportlab canvas to draw the same text, boxes and QR modules."""
    from reportlab.pdfgen.canvas import Canvas

    from branch_crm.printing import survey_form as sf
    from branch_crm.printing.common import MM, PAGE_H, PAGE_W, corner_marks
    from branch_crm.printing.fonts import pdf_fonts

    font = pdf_fonts().regular
    lines = _static_lines("zh_CN")
    boxes = [
        (c - sf.BOX / 2, PAGE_H - 100 * MM - r * sf.ROW) for r in range(8) for c in sf.SCALE_CENTRES
    ]
    step = (sf.RIGHT - sf.LEFT) / 11
    boxes += [(sf.LEFT + step * (i + 0.5) - sf.BOX / 2, 190 * MM) for i in range(11)]
    step = (sf.RIGHT - sf.LEFT) / 7
    boxes += [(sf.LEFT + step * (i + 0.5) - sf.BOX / 2, 100 * MM) for i in range(7)]
    start = time.perf_counter()
    canvas = Canvas(str(output), pagesize=(PAGE_W, PAGE_H), pageCompression=1)
    for name, serial in zip(names, serials, strict=True):
        corner_marks(canvas)
        for x, y, text, size in lines:
            canvas.setFont(font, size)
            canvas.drawString(x, y, text)
        canvas.setFont(font, 12)
        canvas.drawString(sf.LEFT, PAGE_H - 60 * MM, f"尊敬的 {name}：")
        canvas.setLineWidth(0.9)
        for x, y in boxes:
            canvas.rect(x, y, sf.BOX, sf.BOX, stroke=1, fill=0)
        for i in range(0, 40, 8):
            canvas.line(sf.LEFT, (22 + i) * MM, sf.RIGHT, (22 + i) * MM)
        sf.draw_qr(canvas, serial, sf.QR_X, sf.QR_Y, sf.QR_SIZE)
        canvas.setFont("Courier-Bold", 10)
        canvas.drawRightString(sf.RIGHT, sf.QR_Y - 4.5 * MM, serial)
        canvas.showPage()
    canvas.save()
    return time.perf_counter() - start


def child(db_path: str, count: int, output: str) -> None:
    """Print ``count`` forms in this (fresh) process; print peak memory figures as JSON."""
    import resource
    import tracemalloc

    from branch_crm.db import open_database
    from branch_crm.models import Customer
    from branch_crm.printing.fonts import pdf_fonts

    pdf_fonts()
    db = open_database(Path(db_path))
    with db.session() as session:
        from sqlalchemy import select

        ids = list(session.scalars(select(Customer.id).order_by(Customer.name_pinyin).limit(count)))
    db.dispose()
    tracemalloc.start()
    seconds = print_batch(Path(db_path), ids, Path(output))
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(
        json.dumps({"rss_mb": rss_kb / 1024, "traced_mb": traced_peak / 2**20, "s": seconds}) + "\n"
    )


def _memory(db_path: Path, counts: list[int], folder: Path) -> Iterable[dict[str, Any]]:
    results = {}
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    for count in counts:
        out = subprocess.run(
            [sys.executable, "-c",
             f"from bench.survey_print import child; child({str(db_path)!r}, {count}, "
             f"{str(folder / f'mem{count}.pdf')!r})"],
            check=True, capture_output=True, text=True, cwd=ROOT, env=env,
        ).stdout  # fmt: skip
        results[count] = json.loads(out.strip().splitlines()[-1])
    first = counts[0]
    for count in counts:
        yield {
            "metric": f"survey_peak_rss_{count}",
            "value": round(results[count]["rss_mb"], 1),
            "unit": "MB",
            "baseline": round(results[first]["rss_mb"], 1),
        }
    last = counts[-1]
    growth = (results[last]["traced_mb"] - results[first]["traced_mb"]) * 1024 / (last - first)
    yield {"metric": "survey_heap_growth_per_page", "value": round(growth, 2), "unit": "KB"}
    for count in counts:
        yield {
            "metric": f"survey_traced_peak_{count}",
            "value": round(results[count]["traced_mb"], 2),
            "unit": "MB",
            "baseline": round(results[first]["traced_mb"], 2),
        }


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Time 1,000 forms (``--size``) against a bare canvas; memory at three page counts."""
    from branch_crm.printing.fonts import pdf_fonts

    count = size or (60 if quick else 1000)
    counts = [count // 4, count // 2, count]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db_path = folder / "bench.db"
        ids = make_database(db_path, count)
        fonts = pdf_fonts()  # registration (font file parsing) is not part of either figure
        from reportlab.pdfgen.canvas import Canvas

        from branch_crm.printing.common import Writer

        Writer(Canvas(os.devnull)).width("预热", 10)
        service = print_batch(db_path, ids, folder / "service.pdf")
        names = [f"客户{i}" for i in range(count)]
        serials = [f"BR001-261123{i:04d}0" for i in range(count)]
        baseline = bare_canvas(folder / "bare.pdf", names, serials)
        if not quick:  # best of two: the floor of each
            service = min(service, print_batch(db_path, ids, folder / "service2.pdf"))
            baseline = min(baseline, bare_canvas(folder / "bare2.pdf", names, serials))
        yield {
            "metric": "survey_batch",
            "value": round(service, 3),
            "unit": "s",
            "baseline": round(baseline, 3),
            "forms": count,
            "font": fonts.label,
            "pdf_kb": (folder / "service.pdf").stat().st_size // 1024,
            "bare_pdf_kb": (folder / "bare.pdf").stat().st_size // 1024,
        }
        yield {
            "metric": "survey_batch_per_form",
            "value": round(1000 * service / count, 2),
            "unit": "ms",
            "baseline": round(1000 * baseline / count, 2),
        }
        yield from _memory(db_path, counts, folder)
