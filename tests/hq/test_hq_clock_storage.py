"""Row clocks: stored grouped by stamp, read in either form; the revision that rewrites them
upgrades and downgrades without losing a stamp (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import text

from branch_crm.hq.db import WRITE_OPTION, make_engine
from branch_crm.hq.schema import alembic_config, migrate
from branch_crm.sync import codec

STAMP_A = "1767225600000.0000000000.node-a"
STAMP_B = "1767225600001.0000000003.node-b"
PER_COLUMN = {"name": STAMP_A, "phone": STAMP_A, "notes": STAMP_B, "id": STAMP_A}


def test_clocks_round_trip_and_older_form_is_read() -> None:
    text = codec.encode_clocks(PER_COLUMN)
    assert json.loads(text) == {STAMP_A: ["name", "phone", "id"], STAMP_B: ["notes"]}
    assert codec.decode_clocks(text) == PER_COLUMN
    assert codec.decode_clocks(json.dumps(PER_COLUMN)) == PER_COLUMN  # as written before
    assert codec.decode_clocks(codec.encode_clocks({})) == {}
    assert len(text) < len(json.dumps(PER_COLUMN))


@pytest.mark.parametrize("size", [3, 12_001])
def test_revision_rewrites_clocks_and_downgrades_back(hq_url: str, size: int) -> None:
    engine = make_engine(hq_url)
    migrate(engine, "hq0002")
    rows = [
        {"table_name": "customer", "pk": f"pk-{i:06d}", "clocks": json.dumps(PER_COLUMN)}
        for i in range(size)
    ]
    parked = {
        "table_name": "customer_phone",
        "pk": "parked-1",
        "branch_code": "BR1",
        "data": "{}",
        "clocks": json.dumps(PER_COLUMN),
        "conflict_id": "c1",
    }
    with engine.begin() as conn:  # as the previous version stored them: one entry a column
        conn.execute(text("INSERT INTO hq_row_clock VALUES (:table_name, :pk, :clocks)"), rows)
        conn.execute(
            text(
                "INSERT INTO hq_parked (table_name, pk, branch_code, data, clocks, conflict_id) "
                "VALUES (:table_name, :pk, :branch_code, :data, :clocks, :conflict_id)"
            ),
            parked,
        )

    def stored() -> list[str]:
        with engine.connect() as conn:
            clocks = conn.exec_driver_sql(  # the rows above (pk-...; head office seeds its own)
                "SELECT clocks FROM hq_row_clock WHERE pk >= 'pk-' ORDER BY pk"
            ).scalars()
            extra = conn.exec_driver_sql("SELECT clocks FROM hq_parked").scalars()
            return [*clocks, *extra]

    try:
        migrate(engine, "hq0003")
        grouped = json.loads(codec.encode_clocks(PER_COLUMN))
        upgraded = stored()
        assert len(upgraded) == size + 1  # more rows than one rewrite page
        assert all(json.loads(clocks) == grouped for clocks in upgraded)
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            command.downgrade(alembic_config(connection=conn), "hq0002")
        assert all(json.loads(clocks) == PER_COLUMN for clocks in stored())
        migrate(engine)
        assert all(json.loads(clocks) == grouped for clocks in stored())
    finally:
        engine.dispose()
