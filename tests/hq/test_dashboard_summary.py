"""The dashboard's summaries on PostgreSQL (hq.summary): every push keeps them equal to a
recount from the synced rows, in its own transaction; the rebuild command gives the same
rows; the pages' figures read from them equal the figures counted live."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, delete, insert
from sqlalchemy.engine import Connection, Engine

from branch_crm.db.revisions import head_revision
from branch_crm.hq import summary
from branch_crm.hq import tables as t
from branch_crm.hq.auth import NodeAuth
from branch_crm.hq.cli import main
from branch_crm.hq.db import WRITE_OPTION, make_null_pool_engine
from branch_crm.hq.push.apply import apply_push
from branch_crm.hq.push.state import to_wire
from branch_crm.hq.schema import migrate
from branch_crm.hq.web import figures as f
from branch_crm.hq.web.periods import Period, parse_period
from branch_crm.sync.hlc import HybridClock, wall_ms
from branch_crm.sync.protocol import Change, PushRequest
from branch_crm.timeutil import BUSINESS_TZ, add_months, local_today, month_key
from tests.support.postgres import fresh_postgres_database

SCHEMA = head_revision()
SUMMARIES = tuple(summary.TABLES)
EVERY_SUMMARY = (*SUMMARIES, "hq_dash_survey_month")


@pytest.fixture(scope="module")
def pg() -> Iterator[tuple[str, Engine]]:
    with fresh_postgres_database() as url:
        engine = make_null_pool_engine(url)
        migrate(engine)
        with engine.begin() as conn:
            for code in ("BR001", "BR002"):
                conn.execute(
                    insert(t.branch).values(code=code, name=code, created_at=datetime.now(UTC))
                )
        yield url, engine
        engine.dispose()


def _row(table: str, **values: Any) -> tuple[str, dict[str, Any]]:
    """A change's data for a new row: ``values`` plus every required column filled."""
    target = t.ENTITIES[table][0]
    now = datetime.now(UTC)
    row: dict[str, Any] = {"created_at": now, "updated_at": now, **values}
    for column in target.columns:
        if column.name in row or column.nullable or column.name in ("id", "branch_id"):
            continue
        kind = getattr(column.type, "impl", column.type)
        if isinstance(kind, Boolean):
            row[column.name] = False
        elif isinstance(kind, Integer):
            row[column.name] = 0
        elif isinstance(kind, DateTime):
            row[column.name] = now
        elif isinstance(kind, Date):
            row[column.name] = date.today()
        elif isinstance(kind, String | Text):
            row[column.name] = "x"
        else:
            row[column.name] = {}
    return table, row


class Pc:
    """One branch PC pushing straight into apply_push (no HTTP: fast)."""

    def __init__(self, engine: Engine, branch: str) -> None:
        self.engine, self.branch = engine, branch
        self.auth = NodeAuth(f"tok-{branch}", branch, f"n{branch.lower()}")
        self.clock = HybridClock("hq")
        self.n = 0

    def push(self, *rows: tuple[str, dict[str, Any]], pks: list[str] | None = None) -> list[str]:
        """Push ``rows`` (new ids unless ``pks`` given); returns their ids."""
        ids = pks or [str(uuid.uuid4()) for _ in rows]
        changes = []
        for pk, (table, values) in zip(ids, rows, strict=True):
            self.n += 1
            hlc = f"{wall_ms():013d}.{self.n:010d}.{self.auth.node_id}"
            data = to_wire(t.ENTITIES[table][0], {"branch_id": self.branch, **values})
            op = "update" if pks else "insert"
            changes.append(
                Change(table=table, pk=pk, op=op, data=data, hlc=hlc, tx=self.n,
                       schema_version=SCHEMA)
            )  # fmt: skip
        request = PushRequest(branch=self.branch, node=self.auth.node_id or "", changes=changes,
                              batch_id=uuid.uuid4().hex, schema_version=SCHEMA)  # fmt: skip
        writer = self.engine.connect().execution_options(**{WRITE_OPTION: True})
        with writer as conn, conn.begin():
            ack = apply_push(conn, request, self.auth, self.clock)
        assert ack.rejected == [], ack.rejected
        return ids


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BUSINESS_TZ).astimezone(UTC)


def assert_recounted(conn: Connection) -> None:
    m = summary.meta(conn)
    assert m is not None
    for table in SUMMARIES:
        assert summary.stored(conn, table) == summary.counts(conn, table, None, m), table
    months: dict[tuple[Any, ...], tuple[int, ...]] = {}  # the days summed per month
    for (branch, day, code), values in summary.stored(conn, "hq_dash_survey_day").items():
        key = (branch, day.strftime("%Y-%m"), code)
        sums = months.get(key, (0,) * len(values))
        months[key] = tuple(a + b for a, b in zip(sums, values, strict=True))
    assert summary.stored(conn, "hq_dash_survey_month") == months


def figures(conn: Connection, period: Period, now: datetime) -> list[Any]:
    return [
        f.complaint_figures(conn, period, None, now),
        f.hotspots(conn, period, None, "en"),
        f.survey_figures(conn, period, None),
        f.survey_trend(conn, period.months(6), None),
        f.customer_figures(conn, period, None),
        f.customer_figures(conn, period, ["BR001"]),
    ]


def assert_pages_read_as_live(conn: Connection) -> None:
    """The figures read from the summaries equal those counted live (the build record
    removed in a transaction rolled back after)."""
    now = datetime.now(UTC)
    today = local_today()
    periods = [
        parse_period("this_month", None, None),
        parse_period("last_month", None, None),
        Period("custom", today - timedelta(days=100), today - timedelta(days=3)),
    ]
    read = [figures(conn, p, now) for p in periods]
    conn.execute(delete(t.dash_summary))
    assert summary.meta(conn) is None
    live = [figures(conn, p, now) for p in periods]
    conn.rollback()
    assert read == live
    assert any(read[0][0].values()) and read[0][4]  # something was counted


def test_pushes_keep_the_summaries_equal_to_a_recount(pg: tuple[str, Engine]) -> None:
    _url, engine = pg
    pc = Pc(engine, "BR001")
    today = local_today()
    first = today.replace(day=1)
    last_month = date.fromisoformat(add_months(month_key(today), -1) + "-05")
    now = datetime.now(UTC)
    # customers: one big shipper (strategic), one dropping (churn), one new, one dormant
    big, drop, fresh, asleep = pc.push(
        _row("customer", name="大客户", customer_type="company",
             first_shipment_date=today - timedelta(days=400)),
        _row("customer", name="下滑", customer_type="company",
             first_shipment_date=today - timedelta(days=400)),
        _row("customer", name="新客户", customer_type="individual",
             first_shipment_date=today - timedelta(days=5)),
        _row("customer", name="沉睡", customer_type="individual",
             first_shipment_date=today - timedelta(days=900)),
    )  # fmt: skip
    volumes = []
    for i in range(5):
        month = add_months(month_key(today), -i)
        volumes += [
            _row("monthly_volume", customer_id=big, month=month, parcels=6000, revenue_cents=0),
            _row("monthly_volume", customer_id=drop, month=month,
                 parcels=10 if i <= 1 else 100, revenue_cents=0),
        ]  # fmt: skip
    volume_ids = pc.push(*volumes)
    # complaints: received this month and last, late, resolved, open
    complaint_ids = pc.push(
        _row("complaint", number="BR001-1", category="delay", grade=2, status="closed",
             received_at=at(first), resolved_at=at(first, 12), resolution_due_at=at(first, 20)),
        _row("complaint", number="BR001-2", category="delay", grade=2, status="in_progress",
             received_at=at(first), resolution_due_at=now - timedelta(hours=2)),
        _row("complaint", number="BR001-3", category="damage", grade=1, status="in_progress",
             received_at=at(last_month), resolution_breached=True,
             resolution_due_at=at(last_month, 20)),
    )  # fmt: skip
    # surveys: two responses, the second corrected later
    answers = {"timeliness": 5, "nps": 9, "ces": 2}
    first_answer, second = pc.push(
        _row("survey_response", template_id="tpl", form_id="f1", channel="paper",
             answered_on=at(first), answers=answers),
        _row("survey_response", template_id="tpl", form_id="f2", channel="paper",
             answered_on=at(last_month), answers={"timeliness": 2, "nps": 3}),
    )  # fmt: skip
    with engine.connect() as conn:
        assert_recounted(conn)
        assert sum(v[0] for v in summary.stored(conn, "hq_dash_complaint_day").values()) == 3
    # changes: a correction, a resolution, a volume drop, a deletion, a move to another day
    pc.push(
        _row("survey_response", template_id="tpl", form_id="f2b", channel="paper",
             answered_on=at(first), answers={"timeliness": 4, "nps": 10}, supersedes_id=second),
    )  # fmt: skip
    pc.push(
        _row("complaint", number="BR001-2", category="delay", grade=2, status="closed",
             received_at=at(first), resolved_at=now, resolution_due_at=now - timedelta(hours=2)),
        _row("complaint", number="BR001-3", category="loss", grade=1, status="in_progress",
             received_at=at(first, 15), resolution_breached=True,
             resolution_due_at=at(last_month, 20)),
        _row("monthly_volume", customer_id=big, month=month_key(today), parcels=1,
             revenue_cents=0),
        _row("survey_response", template_id="tpl", form_id="f1", channel="paper",
             answered_on=at(first), answers=answers, deleted_at=now),
        _row("customer", name="沉睡", customer_type="individual",
             first_shipment_date=today - timedelta(days=900), deleted_at=now),
        pks=[complaint_ids[1], complaint_ids[2], volume_ids[0], first_answer, asleep],
    )  # fmt: skip
    del fresh
    with engine.connect() as conn:
        assert_recounted(conn)
        assert_pages_read_as_live(conn)
        customers = f.customer_figures(conn, parse_period("this_month", None, None), None)
        assert customers["BR001"].total == 3  # the deleted one gone


def test_rebuild_command_gives_the_rows_pushes_kept(pg: tuple[str, Engine]) -> None:
    url, engine = pg
    pc = Pc(engine, "BR002")
    today = local_today()
    (cid,) = pc.push(_row("customer", name="甲", customer_type="company"))
    pc.push(
        _row("monthly_volume", customer_id=cid, month=month_key(today), parcels=50,
             revenue_cents=0),
        _row("complaint", number="BR002-1", category="delay", grade=3, status="new",
             received_at=at(today)),
        _row("survey_response", template_id="tpl", form_id="g1", channel="sms",
             answered_on=at(today), answers={"nps": 7, "note": "好"}),
    )  # fmt: skip
    with engine.connect() as conn:
        kept = {table: summary.stored(conn, table) for table in EVERY_SUMMARY}
    assert kept["hq_dash_complaint_day"] and kept["hq_dash_survey_day"]
    assert main(["--db", url, "dashboard", "rebuild"]) == 0
    with engine.connect() as conn:
        assert {table: summary.stored(conn, table) for table in EVERY_SUMMARY} == kept


def test_pushes_recount_only_what_moves_the_customer_summary(
    pg: tuple[str, Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name or address edit counts nothing; a volume edit counts its customer over the
    reference months that volume reaches only; deletes and a merge (rows moved from one
    customer to another in the push) keep every summary equal to a recount."""
    _url, engine = pg
    with engine.begin() as conn:
        conn.execute(
            insert(t.branch).values(code="BR003", name="BR003", created_at=datetime.now(UTC))
        )
    pc = Pc(engine, "BR003")
    today = local_today()
    this = month_key(today)
    old = add_months(this, -8)
    start = today - timedelta(days=700)
    born = datetime(2024, 3, 1, 8, tzinfo=UTC)  # the same in every edit (created_at counts)
    a, b = pc.push(
        _row(
            "customer",
            created_at=born,
            name="甲",
            customer_type="company",
            first_shipment_date=start,
        ),
        _row(
            "customer",
            created_at=born,
            name="乙",
            customer_type="company",
            first_shipment_date=start,
        ),
    )
    months = [add_months(this, -i) for i in range(10)]
    volumes = pc.push(
        *[_row("monthly_volume", customer_id=a, month=mo, parcels=900, revenue_cents=0)
          for mo in months],
        *[_row("monthly_volume", customer_id=b, month=mo, parcels=40, revenue_cents=0)
          for mo in (old, add_months(this, -1))],
    )  # fmt: skip
    a_old = volumes[months.index(old)]
    counted: list[tuple[str, int | None]] = []
    real = summary.counts

    def spy(conn: Connection, table: str, ids: Any, m: Any, months: Any = None) -> Any:
        counted.append((table, None if months is None else len(months)))
        return real(conn, table, ids, m, months)

    monkeypatch.setattr(summary, "counts", spy)
    with engine.connect() as conn:
        kept = summary.stored(conn, "hq_dash_customer_month")
    pc.push(
        _row("customer", created_at=born, name="甲改名", customer_type="company",
             first_shipment_date=start,
             address="新地址 1 号"),
        pks=[a],
    )  # fmt: skip
    assert counted == []  # nothing the summaries count changed
    with engine.connect() as conn:
        assert summary.stored(conn, "hq_dash_customer_month") == kept
    pc.push(
        _row("monthly_volume", customer_id=a, month=old, parcels=3, revenue_cents=0), pks=[a_old]
    )
    assert counted and all(table == "hq_dash_customer_month" for table, _n in counted)
    reached = {n for _table, n in counted}
    assert len(reached) == 1 and reached.pop() in range(1, 14)  # some months, not all 14
    with engine.connect() as conn:
        assert_recounted(conn)
    # a volume moved to another month, a first shipment date changed, a volume deleted
    now = datetime.now(UTC)
    pc.push(
        _row("monthly_volume", customer_id=a, month=add_months(this, -11), parcels=3,
             revenue_cents=0),
        _row("customer", created_at=born, name="乙", customer_type="company",
             first_shipment_date=today - timedelta(days=20)),
        _row("monthly_volume", customer_id=b, month=old, parcels=40, revenue_cents=0,
             deleted_at=now),
        pks=[a_old, b, volumes[-2]],
    )  # fmt: skip
    with engine.connect() as conn:
        assert_recounted(conn)
    # a merge: b's volumes and its record move onto a, b is deleted
    pc.push(_row("staff", username="boss3", display_name="boss", role="supervisor"))
    with engine.connect() as conn:
        boss_id = (
            conn.execute(
                t.ENTITIES["staff"][0].select().where(t.ENTITIES["staff"][0].c.username == "boss3")
            )
            .one()
            .id
        )
    pc.push(
        _row("customer_merge", survivor_id=a, absorbed_id=b, fields={}, merged_at=now,
             merged_by=boss_id),
    )  # fmt: skip
    with engine.connect() as conn:
        gone = conn.execute(
            t.ENTITIES["customer"][0].select().where(t.ENTITIES["customer"][0].c.id == b)
        ).one()
        assert gone.deleted_at is not None and gone.merged_into == a
        assert_recounted(conn)
    # and a deletion of the survivor
    pc.push(
        _row("customer", created_at=born, name="甲改名", customer_type="company",
             first_shipment_date=start,
             deleted_at=now),
        pks=[a],
    )  # fmt: skip
    with engine.connect() as conn:
        assert_recounted(conn)
        assert all(key[1] != "BR003" for key in summary.stored(conn, "hq_dash_customer_month"))
