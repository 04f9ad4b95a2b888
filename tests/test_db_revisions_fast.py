"""The start-up revision check reads the migration files and the stamp without Alembic; it
must agree with Alembic exactly."""

from __future__ import annotations

import sqlite3

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from branch_crm.db import make_engine
from branch_crm.db import revisions as dbmod


def test_fast_head_and_known_revisions_match_alembic() -> None:
    script = ScriptDirectory.from_config(dbmod.alembic_config())
    assert dbmod._fast_head() == script.get_current_head()
    assert dbmod.head_revision() == script.get_current_head()
    assert dbmod.known_revisions() == {rev.revision for rev in script.walk_revisions()}


def test_current_revision_matches_alembic(db) -> None:
    with db.engine.connect() as conn:
        assert (
            dbmod.current_revision(conn) == MigrationContext.configure(conn).get_current_revision()
        )
        assert dbmod.current_revision(conn) == dbmod.head_revision()


def test_unstamped_file_has_no_revision(tmp_path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    engine = make_engine(path)
    try:
        with engine.connect() as conn:
            assert dbmod.current_revision(conn) is None
    finally:
        engine.dispose()
