"""Quick start: set everything up and start Branch CRM on its default database.

On the first run the database is created and filled with demo data (whatever other options
are given, e.g. ``--lang en``); the demo staff accounts are printed. Every argument is passed
on to ``branch-crm``; ``--no-demo`` (taken out here) starts a new database empty instead.
On a desktop the system libraries Qt's display plugin needs are checked (and installed on
Debian/Ubuntu as root) before the app starts.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from bootstrap import bootstrap, venv_script

NO_DEMO = "--no-demo"


def app_arguments(argv: Sequence[str]) -> list[str]:
    """The ``branch-crm`` command line for ``run.py ARGV``: ``--demo-if-new`` first (a new
    database gets demo data) unless ``--no-demo`` is among them."""
    args = [arg for arg in argv if arg != NO_DEMO]
    if NO_DEMO in argv or "--demo-if-new" in args:
        return args
    return ["--demo-if-new", *args]


if __name__ == "__main__":
    bootstrap(display=True)
    sys.exit(subprocess.call([str(venv_script("branch-crm")), *app_arguments(sys.argv[1:])]))
