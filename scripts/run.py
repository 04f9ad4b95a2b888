"""Quick start: set everything up and start Branch CRM on its default database.

On the first run the database is created and filled with demo data; the demo staff
accounts are printed. Any argument is passed on to ``branch-crm`` (e.g. ``--lang en``).
"""

from __future__ import annotations

import subprocess
import sys

from bootstrap import bootstrap, venv_script

if __name__ == "__main__":
    bootstrap()
    args = sys.argv[1:] or ["--demo-if-new"]
    sys.exit(subprocess.call([str(venv_script("branch-crm")), *args]))
