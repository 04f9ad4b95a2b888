"""Which schema a branch file has and which this version knows (read from the migration
files and the stamp without importing Alembic, the slow part of a start), and running the
Alembic migrations."""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from branch_crm.models import Base


def alembic_config(connection: Connection | None = None) -> Any:
    """The Alembic configuration of the branch migrations (optionally bound to a connection)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("branch_crm") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


_REVISION_RE = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN_RE = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(?:None|[\"']([^\"']+)[\"'])\s*$", re.M)


@functools.cache
def _revision_graph() -> dict[str, str | None] | None:
    """revision -> down_revision read from the migration files without importing Alembic
    (that import costs a third of a second at every start); None when a file does not follow
    the simple pattern, and Alembic decides."""
    graph: dict[str, str | None] = {}
    folder = Path(str(resources.files("branch_crm") / "migrations" / "versions"))
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("__"):
            continue
        text = path.read_text(encoding="utf-8")
        revision, down = _REVISION_RE.search(text), _DOWN_RE.search(text)
        if revision is None or down is None:
            return None
        graph[revision.group(1)] = down.group(1)
    return graph or None


def _fast_head() -> str | None:
    graph = _revision_graph()
    if graph is None:
        return None
    heads = set(graph) - {down for down in graph.values() if down is not None}
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    """The newest migration this version of the app knows."""
    fast = _fast_head()
    if fast is not None:
        return fast
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every migration this version of the app knows."""
    graph = _revision_graph()
    if graph is not None:
        return set(graph)
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    """The revision stamped in the file (read directly; Alembic only for unusual layouts)."""
    exists = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).first()
    if exists is None:
        return None
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    if len(rows) <= 1:
        return str(rows[0][0]) if rows else None
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def run_migrations(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` in one transaction."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def metadata() -> Any:
    """The model metadata Alembic compares against."""
    return Base.metadata
