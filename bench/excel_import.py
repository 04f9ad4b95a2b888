"""Importing customers from Excel (issue 13): validate and write N rows (100,000 by default,
target <= 20 s on the 2-core branch PC), memory flat.

The workbook is made first (openpyxl write-only; Chinese headers, realistic names, companies
and addresses from the demo generator, mobiles stored as numbers, birthdays as real dates and
as serial numbers, a merged-looking title row). Each measurement runs in a fresh child
process so its peak RSS is its own: the baseline is a bare openpyxl read-only loop over the
same file (every cell read, nothing done; run before and after the import, the mean of the
two, as the load of a shared machine moves), the value the whole import (preview-level checks,
bulk writes with audit entries and sync capture, classification) committed into a new
database. Memory: peak RSS of the import at N and at N/5 rows, and tracemalloc's peak of
Python allocations during the import (a separate, slower run at N/5).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

HEADER = ["客户名称", "手机号", "公司", "地址", "生日", "首次寄件", "拜访等级", "备注"]


def make_workbook(path: Path, rows: int, seed: int = 13) -> Path:
    """``rows`` customers in an .xlsx written by openpyxl in write-only mode."""
    from openpyxl import Workbook

    from branch_crm.services.demo.generator import DemoGenerator

    generator = DemoGenerator(seed, date(2026, 6, 15), "BR001", [])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("客户名单")
    sheet.append(["浦东网点客户名单"])
    sheet.append(HEADER)
    rng = generator.rng
    for index in range(rows):
        birthday: Any = None
        if index % 3 == 0:
            birthday = date(1960 + index % 40, 1 + index % 12, 1 + index % 28)
        elif index % 3 == 1:
            birthday = 25000 + index % 10000  # an unformatted serial number
        sheet.append([
            generator.name(), int(generator.mobile()),
            generator.company() if rng.random() < 0.4 else None, generator.address(),
            birthday, f"2024/{1 + index % 12}/{1 + index % 28}",
            rng.choice(["A", "B", "C", None, None]), "冷链" if index % 10 == 0 else None,
        ])  # fmt: skip
    workbook.save(path)
    return path


def peak_rss_mb() -> float:
    """Peak resident set size of this process, in MB."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _bare(path: Path) -> dict[str, Any]:
    from openpyxl import load_workbook

    start = time.perf_counter()
    workbook = load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
    workbook.close()
    return {"seconds": time.perf_counter() - start, "cells": cells, "peak_mb": peak_rss_mb()}


def _timed(owner: Any, name: str, spent: dict[str, float], key: str) -> None:
    """Wrap ``owner.name`` so the time spent in it adds up in ``spent[key]``."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - start

    setattr(owner, name, wrapper)


def _import(path: Path, db_path: Path, traced: bool) -> dict[str, Any]:
    import tracemalloc

    from branch_crm.db import open_database
    from branch_crm.services.context import system_actor, unit_of_work
    from branch_crm.services.imports import customers, writing

    db = open_database(db_path)
    from branch_crm.services.customers.pinyin import name_pinyin

    name_pinyin("张三")  # the pinyin dictionaries load once per process, not per import
    before = peak_rss_mb()
    spent: dict[str, float] = {}
    _timed(writing.BulkWriter, "_insert", spent, "sql_insert_seconds")
    _timed(customers, "_new_values", spent, "new_rows_seconds")
    _timed(customers.classification, "compute_stats", spent, "classify_seconds")
    if traced:
        tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    with unit_of_work(db, system_actor("BR001")) as session:
        result = customers.apply(session=session, actor=session.info["actor"], path=path)
        commit = time.perf_counter()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu  # both threads: the figure that load does not inflate
    spent["commit_seconds"] = time.perf_counter() - commit
    traced_peak = tracemalloc.get_traced_memory()[1] / 1e6 if traced else None
    db.dispose()
    assert result.clean, result.problems[:5]
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "added": result.add,
        "rss_before_mb": before,
        "peak_mb": peak_rss_mb(),
        "tracemalloc_peak_mb": traced_peak,
        "db_mb": round(db_path.stat().st_size / 1e6, 1),
        **{k: round(v, 2) for k, v in spent.items()},
    }


def _child(*args: str) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "bench.excel_import", *args],
        cwd=root,
        env={**os.environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run(size: int | None, quick: bool) -> Iterable[dict[str, Any]]:
    """Yield the import time (baseline: bare openpyxl read loop) and its memory figures."""
    size = size or (5_000 if quick else 100_000)
    load = os.getloadavg()[0]
    small = max(1, size // 5)
    with tempfile.TemporaryDirectory(prefix="bench-excel-") as folder:
        base = Path(folder)
        big = make_workbook(base / "big.xlsx", size)
        little = make_workbook(base / "small.xlsx", small, seed=14)
        bare = _child("bare", str(big))
        full = _child("import", str(big), str(base / "big.db"))
        again = _child("bare", str(big))  # the load moves: the baseline is read on both sides
        bare_seconds = (bare["seconds"] + again["seconds"]) / 2
        part = _child("import", str(little), str(base / "small.db"))
        traced = _child("traced", str(little), str(base / "traced.db"))
        yield {
            "metric": "excel_import_seconds",
            "value": round(full["seconds"], 2),
            "unit": "s",
            "baseline": round(bare_seconds, 2),
            "baseline_before_after": [round(bare["seconds"], 2), round(again["seconds"], 2)],
            "target": 20,
            "size": size,
            "rows_per_second": round(size / full["seconds"]),
            "db_mb": full["db_mb"],
            "file_mb": round(big.stat().st_size / 1e6, 1),
            **{
                k: round(v, 2) for k, v in full.items() if k.endswith("_seconds") and k != "seconds"
            },
            "load_before": round(load, 2),
            "load_after": round(os.getloadavg()[0], 2),
        }
        yield {
            "metric": "excel_import_peak_rss",
            "value": round(full["peak_mb"], 1),
            "unit": "MB",
            "baseline": round(part["peak_mb"], 1),
            "size": size,
            "baseline_size": small,
            "before_import_mb": round(full["rss_before_mb"], 1),
            "bare_read_peak_mb": round(bare["peak_mb"], 1),
            "tracemalloc_peak_mb": round(traced["tracemalloc_peak_mb"], 1),
            "tracemalloc_size": small,
        }


def _main(argv: list[str]) -> dict[str, Any]:
    mode, path = argv[0], Path(argv[1])
    if mode == "bare":
        return _bare(path)
    return _import(path, Path(argv[2]), traced=mode == "traced")


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_main(sys.argv[1:])) + "\n")
