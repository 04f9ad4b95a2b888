"""Frozen-app entry point used by PyInstaller (branch_crm.spec)."""

import sys

from branch_crm.cli import main

if __name__ == "__main__":
    sys.exit(main())
