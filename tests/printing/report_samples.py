"""Sample reports built by hand for the PDF writer's tests: every chart kind, KPIs that got
better, worse or cannot be compared, a long table, long Chinese and English texts, an empty
section and a one-page summary."""

from __future__ import annotations

from datetime import UTC, date, datetime

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

PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))
PRINTED_AT = datetime(2026, 12, 1, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai

LONG_ZH = (
    "客户反映快递员多次未按约定时间上门取件，且电话联系不上，导致货物延误两天才发出，"
    "客户要求赔偿并希望网点加强管理，避免类似情况再次发生。"
)
LONG_EN = (
    "The customer reports that the courier missed the agreed pick-up window several times "
    "and could not be reached by phone, so the parcel left two days late; the customer asks "
    "for compensation and for the branch to tighten its procedures."
)
CATEGORIES_ZH = (
    "派送延误",
    "货物破损",
    "服务态度差（快递员未按约定时间上门取件）",
    "丢件",
    "错派",
    "虚假签收",
    "收费争议",
    "其他",
)
CATEGORIES_EN = (
    "Late delivery",
    "Damaged goods",
    "Rude service (courier missed the agreed pick-up window)",
    "Lost parcel",
    "Wrong address",
    "False signature",
    "Fee dispute",
    "Other",
)


def _zh(language: str) -> bool:
    return language.startswith("zh")


def kpis(language: str) -> tuple[Kpi, ...]:
    """Better, worse, flat, unknown, every value kind."""
    zh = _zh(language)
    return (
        Kpi("响应及时率" if zh else "Response SLA met", 0.875, 0.85, ValueKind.PERCENT),
        Kpi(
            "平均解决时长" if zh else "Mean resolution time",
            200,
            150,
            ValueKind.MINUTES,
            Better.DOWN,
        ),
        Kpi("投诉数" if zh else "Complaints", 1234, 1234, ValueKind.COUNT, Better.DOWN),
        Kpi("NPS", 32.5, None, ValueKind.SCORE, note="新指标" if zh else "new this month"),
        Kpi(
            "已批准赔偿金额（含运费）" if zh else "Compensation granted (incl. freight)",
            123450,
            98000,
            ValueKind.MONEY,
            Better.DOWN,
        ),
        Kpi(
            "客户满意度 CSAT" if zh else "CSAT",
            None,
            4.2,
            ValueKind.NUMBER,
            note="本期无答卷" if zh else "no answers this period",
        ),
    )


def charts(language: str) -> tuple[Chart, ...]:
    """One chart of every kind (and an empty one)."""
    zh = _zh(language)
    cats = CATEGORIES_ZH if zh else CATEGORIES_EN
    grades = ("一级", "二级", "三级") if zh else ("Grade 1", "Grade 2", "Grade 3")
    weeks = tuple(f"2026-W{n:02d}" for n in range(40, 53))
    return (
        Chart(
            "各等级时效达标率" if zh else "SLA met per grade",
            ChartKind.BAR,
            grades,
            (
                Series("响应" if zh else "Response", (0.95, 0.81, 0.66)),
                Series("解决" if zh else "Resolution", (0.9, 0.72, None)),
            ),
            ValueKind.PERCENT,
        ),
        Chart(
            "积压投诉（按账龄）" if zh else "Backlog by age",
            ChartKind.STACKED,
            (
                "0–2 天" if zh else "0–2 days",
                "3–7 天" if zh else "3–7 days",
                "8–30 天" if zh else "8–30 days",
                "30 天以上" if zh else "over 30 days",
            ),
            tuple(
                Series(g, v)
                for g, v in zip(grades, ((12, 8, 3, 1), (5, 6, 2, 0), (2, 1, 1, 2)), strict=True)
            ),
        ),
        Chart(
            "投诉趋势（按周）" if zh else "Complaints by week",
            ChartKind.LINE,
            weeks,
            (
                Series(
                    "本期" if zh else "Complaints",
                    tuple(float(30 + (i * 7) % 13) for i in range(13)),
                ),
                Series(
                    "已解决" if zh else "Resolved",
                    tuple(float(20 + (i * 5) % 11) if i != 6 else None for i in range(13)),
                ),
            ),
        ),
        Chart(
            "投诉热点（按类别）" if zh else "Hotspots by category",
            ChartKind.PARETO,
            cats,
            (Series("投诉数" if zh else "Complaints", (40, 25, 18, 9, 5, 3, 2, 1)),),
        ),
        Chart(
            "NPS 答案分布" if zh else "NPS answers",
            ChartKind.PIE,
            (
                "推荐者" if zh else "Promoters",
                "中立者" if zh else "Passives",
                "贬损者" if zh else "Detractors",
            ),
            (Series("答卷" if zh else "Answers", (120, 45, 30)),),
        ),
        Chart(
            "赔偿金额（按类别）" if zh else "Compensation by category",
            ChartKind.BAR,
            cats,
            (Series("金额" if zh else "Amount", (0, 0, 0, 0, 0, 0, 0, 0)),),
            ValueKind.MONEY,
        ),
    )


def long_table(language: str, rows: int = 300) -> Table:
    """A table of ``rows`` complaints with long texts, numbers, money and dates."""
    zh = _zh(language)
    columns = (
        Column("编号" if zh else "Reference"),
        Column("客户" if zh else "Customer"),
        Column("描述" if zh else "Description"),
        Column("解决时长" if zh else "Resolution time", ValueKind.MINUTES),
        Column("赔偿" if zh else "Compensation", ValueKind.MONEY),
        Column("件数" if zh else "Parcels", ValueKind.COUNT),
        Column("受理日期" if zh else "Received", ValueKind.DATE),
    )
    texts = (LONG_ZH, "包裹延误", "Parcel late 包裹延误", LONG_EN)
    body = tuple(
        (
            f"TS-2026-{n:05d}",
            f"客户{n:04d} Zhang San" if n % 3 else f"上海市浦东新区某某贸易有限公司{n}",
            texts[n % len(texts)],
            n * 37 % 4000 if n % 11 else None,
            n * 1234 % 500000,
            n * 997 % 100000,
            date(2026, 11, 1 + n % 30),
        )
        for n in range(1, rows + 1)
    )
    note = f"前 {rows} 条，共 312 条" if zh else f"Top {rows} of 312"
    return Table("投诉明细" if zh else "Complaints in the period", columns, body, note)


def full_report(language: str = "en", rows: int = 300) -> Report:
    """A complaints report with every part: KPIs, all chart kinds, a long table, an empty
    table and an empty section."""
    zh = _zh(language)
    empty_table = Table(
        "重复投诉客户" if zh else "Repeat complainers",
        (Column("客户" if zh else "Customer"), Column("次数" if zh else "Times", ValueKind.COUNT)),
        (),
    )
    return Report(
        kind="complaints",
        title="投诉报告" if zh else "Complaints report",
        branch="上海浦东分拨中心 (SH01)" if zh else "Shanghai Pudong hub (SH01)",
        period=PERIOD,
        previous=PERIOD.previous(),
        printed_at=PRINTED_AT,
        language=language,
        sections=(
            Section("概览" if zh else "Overview", kpis=kpis(language), charts=charts(language)),
            Section("明细" if zh else "Details", tables=(long_table(language, rows), empty_table)),
            Section("培训" if zh else "Training"),
        ),
    )


def summary_report(language: str = "en") -> Report:
    """The one-page monthly summary: headline KPIs and three charts."""
    zh = _zh(language)
    every = charts(language)
    return Report(
        kind="summary",
        title="月度汇总" if zh else "Monthly summary",
        branch="上海浦东分拨中心 (SH01)" if zh else "Shanghai Pudong hub (SH01)",
        period=PERIOD,
        previous=PERIOD.previous(),
        printed_at=PRINTED_AT,
        language=language,
        sections=(
            Section(
                "本月要点" if zh else "This month",
                kpis=kpis(language)[:4] * 2,
                charts=(every[3], every[2], every[4]),
            ),
        ),
    )
