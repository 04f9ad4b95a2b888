"""The staff accounts of the shell UI tests (a module of its own: ``from conftest import``
picks whichever conftest.py was imported first when test folders run together)."""

from __future__ import annotations

BRANCH = "BR001"
PASSWORDS = {
    "boss": "admin-pass-1",
    "chen": "super-pass-1",
    "wang": "counter-pass",
    "li": "courier-pass",
}
