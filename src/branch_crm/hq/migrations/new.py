"""``python -m branch_crm.hq.migrations.new MESSAGE``: autogenerate a head-office revision."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from branch_crm.hq.db import make_engine
from branch_crm.hq.schema import alembic_config, migrate


def main(message: str) -> None:
    """Migrate an empty SQLite file to head, then autogenerate the difference."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+pysqlite:///{Path(folder) / 'hq.db'}"
        engine = make_engine(url)
        migrate(engine)
        with engine.begin() as conn:
            command.revision(alembic_config(connection=conn), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "change")
