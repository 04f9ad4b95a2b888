"""Excel export of the customer list (issue 13): 100,000 customers in <= 1.5x a bare openpyxl
write-only loop over the same rows.

The database is the cached demo database of ``--size`` customers (default 100,000; ``--quick``
5,000) that the lookup bench builds (:func:`bench.lookup.demo_database`).

Figures:

* ``excel_export_customers``: seconds for ``services.exports.export_list("customers")`` on an
  open session: the ordered keys, the rows fetched a thousand at a time, labels in the
  reader's language, typed cells, column widths, the title and filters lines, the frozen
  header and auto-filter, the temporary file and its replace. Baseline: the same rows (the
  exported values, already in a Python list, read beforehand) appended as plain tuples to an
  openpyxl write-only sheet and saved, in the same run. Target ratio <= 1.5. Each side runs
  three times, alternating; the better time of each counts.
* ``excel_export_traced_peak``: the Python heap peak (tracemalloc, MB) during one more export
  of the same list, untimed: flat means a few MB whatever the number of rows (the rows alone
  would take some 60 MB at 100,000 if they were held).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TARGET_RATIO = 1.5
ROUNDS = 3


def _traced_peak_mb(db: Any, actor: Any, out: Path) -> float:
    """The Python heap peak of one export, in MB above what was allocated before it."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        _export(db, actor, out)
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        tracemalloc.stop()


def _export(db: Any, actor: Any, out: Path) -> tuple[float, int]:
    from branch_crm.services.exports import export_list

    started = time.perf_counter()
    with db.session() as session:
        result = export_list(session=session, actor=actor, which="customers", output=out)
    return time.perf_counter() - started, result.rows


def _rows(db: Any, actor: Any) -> tuple[list[str], list[tuple[object, ...]]]:
    """The headers and rows the export writes, as plain values."""
    from branch_crm.services.exports import build_table

    with db.session() as session:
        table = build_table(session=session, actor=actor, which="customers")
        return [c.header for c in table.columns], [tuple(r) for r in table.rows]


def _bare(headers: list[str], rows: list[tuple[object, ...]], out: Path) -> float:
    from openpyxl import Workbook

    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Customers")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(out)
    return time.perf_counter() - started


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield the figures (see the module docstring)."""
    from bench.lookup import demo_database
    from branch_crm.db import open_database
    from branch_crm.services.context import system_actor
    from branch_crm.services.settings import values as settings

    size = size or (5_000 if quick else 100_000)
    db = open_database(demo_database(size))
    try:
        with db.session() as session:
            actor = system_actor(str(settings.get(session, "branch.code")))
        with tempfile.TemporaryDirectory(prefix="excel-bench-") as folder:
            out = Path(folder) / "customers.xlsx"
            first, count = _export(db, actor, out)
            peak = _traced_peak_mb(db, actor, out)
            headers, rows = _rows(db, actor)
            bare_times = [_bare(headers, rows, Path(folder) / "bare.xlsx")]
            export_times = [first]
            for _round in range(ROUNDS - 1):
                export_times.append(_export(db, actor, out)[0])
                bare_times.append(_bare(headers, rows, Path(folder) / "bare.xlsx"))
            sys.stderr.write(f"export {export_times}, bare {bare_times}\n")
    finally:
        db.dispose()
    export_s, bare_s = min(export_times), min(bare_times)
    yield {
        "metric": "excel_export_customers",
        "rows": count,
        "value": round(export_s, 3),
        "unit": "s",
        "baseline": round(bare_s, 3),
        "ratio": round(export_s / bare_s, 3),
        "target_ratio": TARGET_RATIO,
        "ok": export_s / bare_s <= TARGET_RATIO,
    }
    yield {
        "metric": "excel_export_traced_peak",
        "rows": count,
        "value": round(peak, 1),
        "unit": "MB",
    }
