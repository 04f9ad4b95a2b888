"""Hand-made reports for the reports page's tests (no builder needed), and stand-ins for the
report modules when they are not there (the builders and writers are made apart)."""

from __future__ import annotations

import importlib
import sys
import types
from datetime import UTC, date, datetime
from typing import Any

import pytest

from branch_crm.services.reports.model import (
    Better,
    Chart,
    ChartKind,
    Column,
    Kpi,
    Period,
    Report,
    Section,
    Series,
    Table,
    ValueKind,
)

KINDS = ("complaints", "satisfaction", "customers", "training", "summary")
KIND_LABELS = {
    "complaints": "Complaints",
    "satisfaction": "Satisfaction",
    "customers": "Customers",
    "training": "Training",
    "summary": "Monthly summary",
}
CATEGORIES = ("Delivery delay", "Damaged parcel, outer box crushed and wet", "Staff attitude")
CATEGORY_CODES = ("delay", "damage", "attitude")


def pareto() -> Chart:
    return Chart(
        "Hotspots by category",
        ChartKind.PARETO,
        CATEGORIES,
        (Series("Complaints", (12.0, 30.0, 5.0)),),
        drill=CATEGORY_CODES,
        drill_target="complaints.category",
    )


def every_kind() -> list[Chart]:
    """One chart of every shape."""
    weeks = ("11-02", "11-09", "11-16", "11-23")
    return [
        Chart(
            "Response target met by grade",
            ChartKind.BAR,
            ("Grade 1", "Grade 2", "Grade 3"),
            (Series("Response", (0.9, 0.8, 0.5)), Series("Resolution", (0.7, 0.6, None))),
            value_kind=ValueKind.PERCENT,
            drill=("1", "2", "3"),
            drill_target="complaints.grade",
        ),
        Chart(
            "Open by age",
            ChartKind.STACKED,
            ("< 1 day", "1-3 days", "> 3 days"),
            (Series("Grade 1", (2.0, 1.0, 0.0)), Series("Grade 2", (3.0, 2.0, 4.0))),
        ),
        Chart(
            "Received by week",
            ChartKind.LINE,
            weeks,
            (Series("Received", (4.0, 9.0, None, 6.0)), Series("Closed", (3.0, 5.0, 7.0, 8.0))),
        ),
        pareto(),
        Chart(
            "Customers by tier",
            ChartKind.PIE,
            ("VIP", "Key", "Regular"),
            (Series("Customers", (5.0, 20.0, 75.0)),),
            drill=("strategic", "key", "ordinary"),
            drill_target="customers.tier",
        ),
    ]


def sample_report(kind: str = "complaints", period: Period | None = None) -> Report:
    period = period or Period(date(2026, 11, 1), date(2026, 11, 30))
    kpis = (
        Kpi("Complaints received", 47, 40, ValueKind.COUNT, Better.DOWN),
        Kpi("Response target met", 0.875, 0.8, ValueKind.PERCENT),
        Kpi("Resolution time, median", 1565, None, ValueKind.MINUTES, Better.DOWN),
        Kpi("Compensation granted", 123450, 100000, ValueKind.MONEY, Better.NEITHER),
    )
    table = Table(
        "Hotspots by category",
        (
            Column("Category"),
            Column("Complaints", ValueKind.COUNT),
            Column("Share", ValueKind.PERCENT),
        ),
        tuple((c, n, n / 47) for c, n in zip(CATEGORIES, (12, 30, 5), strict=True)),
        note="3 categories",
    )
    charts = every_kind()
    return Report(
        kind=kind,
        title=f"{KIND_LABELS.get(kind, kind)} report",
        branch="BR001 Pudong",
        period=period,
        previous=period.previous(),
        printed_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        language="en",
        sections=(
            Section("Headline", kpis=kpis, charts=(charts[3],), tables=(table,)),
            Section("More", charts=(*charts[:3], charts[4])),
        ),
    )


def _module(monkeypatch: pytest.MonkeyPatch, name: str, **names: Any) -> types.ModuleType:
    """The module ``name``, or a stand-in put in its place for this test."""
    try:
        return importlib.import_module(name)
    except ImportError:
        module = types.ModuleType(name)
        for key, value in names.items():
            setattr(module, key, value)
        parent, _dot, child = name.rpartition(".")
        monkeypatch.setitem(sys.modules, name, module)
        monkeypatch.setattr(importlib.import_module(parent), child, module, raising=False)
        return module


def report_modules(monkeypatch: pytest.MonkeyPatch) -> dict[str, types.ModuleType]:
    """The builders' and writers' modules (stand-ins where missing), keyed "build", "pdf",
    "xlsx"; tests monkeypatch their functions."""

    def missing(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("not patched by the test")

    return {
        "build": _module(
            monkeypatch,
            "branch_crm.services.reports.build",
            KINDS=KINDS,
            KIND_LABELS=KIND_LABELS,
            build_report=missing,
        ),
        "pdf": _module(
            monkeypatch,
            "branch_crm.printing.report_pdf",
            report_pdf_bytes=missing,
            write_report_pdf=missing,
        ),
        "xlsx": _module(monkeypatch, "branch_crm.excel.report_xlsx", write_report_xlsx=missing),
    }
