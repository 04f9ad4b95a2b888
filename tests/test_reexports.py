"""One home per name: a module's ``__all__`` lists what it defines, never a name it imports
from elsewhere (callers import a name from where it is defined). Package ``__init__`` files
that gather their package's names (``models``) are the exception."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "branch_crm"

KNOWN_REEXPORTS: dict[str, set[str]] = {
    # module -> names its __all__ still passes on, and why
    "branch_crm.ui.counter.hooks": {"icon"},  # ui/counter/profile.py reads hooks.icon
}


def reexports(source: str) -> set[str]:
    """The names a module's ``__all__`` lists that it imports rather than defines."""
    tree = ast.parse(source)
    imported: set[str] = set()
    listed: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            listed = {e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant)}
    return listed & imported


def test_the_check_sees_a_reexport() -> None:
    planted = "from branch_crm.reference.roles import Permission\n\n__all__ = ['Permission', 'f']\n"
    assert reexports(planted) == {"Permission"}
    assert reexports("def f(): ...\n__all__ = ['f']\n") == set()


def test_no_module_passes_on_a_name_it_imports() -> None:
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        names = reexports(path.read_text(encoding="utf-8"))
        if names:
            module = ".".join(("branch_crm", *path.relative_to(PACKAGE).with_suffix("").parts))
            found[module] = names
    assert found == KNOWN_REEXPORTS
