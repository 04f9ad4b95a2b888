"""The branch of every test actor, and the passwords of the real staff accounts that
``staffed`` (tests/ui/conftest.py) creates; child processes sign in with them too."""

from __future__ import annotations

BRANCH = "BR001"
PASSWORDS = {
    "boss": "admin-pass-1",
    "chen": "super-pass-1",
    "wang": "counter-pass",
    "li": "courier-pass",
}
