"""row clocks grouped by stamp (``{"<stamp>": ["column", ...]}``), a quarter of the size

Every synced row has a clock entry at head office (``hq_row_clock``, and the clocks of parked
rows in ``hq_parked``); most rows carry one stamp for all their columns, which the older form
(``{"column": "<stamp>"}``) repeated per column. Upgrade rewrites the stored clocks in the
grouped form; downgrade writes them back one entry per column, as the older version reads
them. Column layout is unchanged.

Revision ID: hq0003
Revises: hq0002
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "hq0003"
down_revision: str | None = "hq0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000
TABLES = ("hq_row_clock", "hq_parked")


def _rewrite(convert: Callable[[str], str]) -> None:
    conn = op.get_bind()
    for name in TABLES:
        table = sa.table(name, sa.column("table_name"), sa.column("pk"), sa.column("clocks"))
        last: tuple[str, str] = ("", "")
        while True:  # keyset pages: bounded memory whatever the table's size
            rows = conn.execute(
                sa.select(table.c.table_name, table.c.pk, table.c.clocks)
                .where(sa.tuple_(table.c.table_name, table.c.pk) > sa.tuple_(*last))
                .order_by(table.c.table_name, table.c.pk)
                .limit(CHUNK)
            ).all()
            if not rows:
                break
            changed = [
                {"t": t, "p": p, "c": new} for t, p, old in rows if (new := convert(old)) != old
            ]
            if changed:
                conn.execute(
                    table.update()
                    .where(table.c.table_name == sa.bindparam("t"), table.c.pk == sa.bindparam("p"))
                    .values(clocks=sa.bindparam("c")),
                    changed,
                )
            last = (rows[-1][0], rows[-1][1])


# the two forms, spelled out here (not imported) so this revision keeps meaning what it meant


def _decode(text: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(text)
    if not any(isinstance(value, list) for value in raw.values()):
        return raw
    return {column: stamp for stamp, columns in raw.items() for column in columns}


def _grouped(text: str) -> str:
    groups: dict[str, list[str]] = {}
    clocks = _decode(text)
    for column, stamp in clocks.items():
        if not isinstance(stamp, str):
            return text
        groups.setdefault(stamp, []).append(column)
    return json.dumps(groups, ensure_ascii=False, separators=(",", ":"))


def _per_column(text: str) -> str:
    return json.dumps(_decode(text), ensure_ascii=False, separators=(",", ":"))


def upgrade() -> None:
    _rewrite(_grouped)


def downgrade() -> None:
    _rewrite(_per_column)
