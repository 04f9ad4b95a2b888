"""Write the keys tables of the help topics from the keys the app registers.

    PYTHONPATH=src .venv/bin/python scripts/help_keys.py [--check]

Opens the main window offscreen on a fresh database as an administrator (every page), shows
each page in each language, and replaces the block between ``<!-- keys:begin`` and
``<!-- keys:end -->`` of ``resources/help/<language>/<page>.md`` (and of ``overview.md``, the
main window's own keys) with the table of that page's keys (ui.help.key_tables). A topic
without the markers is left alone. ``--check`` writes nothing and exits 1 when a table is
out of date (tests/ui/help/test_help_keys.py does the same).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path


def current_blocks() -> dict[str, dict[str, str]]:
    """language -> topic -> keys block, from a live main window."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from branch_crm import i18n
    from branch_crm.db import open_database
    from branch_crm.models import Role
    from branch_crm.services.context import Actor
    from branch_crm.ui.context import AppContext
    from branch_crm.ui.help import key_tables
    from branch_crm.ui.main_window import MainWindow
    from branch_crm.ui.tasks import TaskRunner

    found: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(Path(folder) / "help.db")
        actor = Actor("staff-admin", "admin", "Admin", Role("admin"), "BR001")
        ctx = AppContext.for_tests(db, actor, tasks=TaskRunner(synchronous=True))
        window = MainWindow(ctx)
        window.show()
        app.processEvents()
        for language in i18n.LANGUAGES:
            i18n.set_language(language)
            app.processEvents()
            found[language] = key_tables.blocks(window)
        window.close()
        window.deleteLater()  # its pages must not outlive the database (language changes)
        from PySide6.QtCore import QEvent

        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        ctx.close()
        db.dispose()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; 1 if stale")
    args = parser.parse_args(argv)
    from branch_crm.ui.help import key_tables, topics

    stale = []
    for language, made in current_blocks().items():
        for name, block in made.items():
            path = topics.help_dir() / language / f"{name}.md"
            if not path.is_file():
                continue
            source = path.read_text(encoding="utf-8")
            updated = key_tables.replace_block(source, block)
            if updated != source:
                stale.append(str(path))
                if not args.check:
                    path.write_text(updated, encoding="utf-8")
    for path in stale:
        print(("stale: " if args.check else "wrote: ") + path)
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
