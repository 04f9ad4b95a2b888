"""DESIGN.md section 1: dependencies point one way, there are no import cycles, nothing outside
ui/ imports Qt, and ui/ and cli/ are wired explicitly (no import-time discovery).

Imports are read from the source: module-level ones and those inside functions (lazy) alike;
only imports under ``if TYPE_CHECKING:`` are left out (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "branch_crm"
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "qtawesome", "qtpy", "shiboken6")
ALLOWED = {PACKAGE / "cli" / "app.py"}  # the launcher hands over to ui/ lazily

# --- the layers of DESIGN.md section 1 ---------------------------------------------------

BASE = {"", "argparse_i18n", "errors", "filecopy", "i18n", "ids", "install_defaults", "timeutil"}
"""Modules every layer may use (the package root, errors, messages, ids, time, the installer's
presets, checked file copies); they import only each other."""

MAY_IMPORT: dict[str, set[str]] = {
    # a layer (a package or module right under branch_crm) -> what it may import besides
    # itself and BASE; anything else is an upward (or sideways) import
    "models": set(),
    "reference": {"models"},  # the schema, defaults, roles and labels both sides share
    "db": {"models", "reference"},  # seeds the default survey template after a migration
    "migrations": {"models", "db", "sync"},  # a migration regenerates the capture triggers
    "sync": {"models", "db"},
    "printing": {"reference"},  # the codes' labels
    "excel": set(),
    "omr": set(),
    "logsetup": {"db"},  # the log file lives in the data folder
    "services": {"models", "reference", "db", "sync", "printing", "excel", "omr"},
    # sync + its own storage (on the same tables) + the shared reference schema and roles
    "hq": {"models", "reference", "db", "sync", "logsetup"},
    "ui": {"models", "reference", "db", "sync", "services", "printing", "excel", "omr", "logsetup"},
    "cli": {
        *("models", "reference", "db", "sync", "services", "printing", "excel", "omr"),
        *("logsetup", "ui"),
    },
}

KNOWN_UPWARD: dict[tuple[str, str], str] = {
    # (importing module, layer it may not import) -> why it still does; the cycle such an
    # import closes is its fault and is not reported again by the cycle check
    ("branch_crm.migrations.versions.0007_customer_list", "services"): "fills the list columns",
    ("branch_crm.hq.testing", "services"): "the test harness registers a real branch",
}

KNOWN_CYCLES: list[frozenset[str]] = []

# --- reading imports ---------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    """``branch_crm.ui.pages`` for ``<root>/branch_crm/ui/pages.py`` (a package: its folder)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at module level or in a function, but not under
    ``if TYPE_CHECKING:`` (its ``else`` runs and counts)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            for statement in child.orelse:
                yield from _import_nodes(ast.Module(body=[statement], type_ignores=[]))
        elif isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        else:
            yield from _import_nodes(child)


def imported_names(path: Path, module: str) -> list[tuple[str, int]]:
    """(dotted name, line) of everything ``module`` (at ``path``) imports: ``from a import b``
    gives ``a.b`` (a module or not: :func:`import_graph` decides)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[tuple[str, int]] = []
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
            continue
        base = node.module or ""
        if node.level:
            parent = package[: len(package) - node.level + 1]
            base = ".".join([*parent, *([base] if base else [])])
        found += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return found


def import_graph(root: Path) -> dict[str, dict[str, int]]:
    """module -> {imported branch_crm module: line} for every module under ``root``."""
    paths = {module_name(p, root): p for p in (root / "branch_crm").rglob("*.py")}

    def known(name: str) -> str | None:  # the module a dotted name is, or is defined in
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, dict[str, int]] = {}
    for module, path in paths.items():
        edges: dict[str, int] = {}
        for name, line in imported_names(path, module):
            target = known(name) if name.split(".")[0] == "branch_crm" else None
            if target is not None and target != module:
                edges.setdefault(target, line)
        graph[module] = edges
    return graph


# --- the checks --------------------------------------------------------------------------


def layer(module: str) -> str:
    """The layer of a module: the package or module right under branch_crm ("" the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def upward_imports(graph: dict[str, dict[str, int]]) -> dict[tuple[str, str], list[str]]:
    """(module, layer it may not import) -> "target:line" for each import against the table."""
    found: dict[tuple[str, str], list[str]] = {}
    for module, edges in graph.items():
        own = layer(module)
        allowed = BASE if own in BASE else {own, *BASE, *MAY_IMPORT.get(own, ())}
        for target, line in edges.items():
            if layer(target) not in allowed:
                found.setdefault((module, layer(target)), []).append(f"{target}:{line}")
    return found


def _reachable(graph: dict[str, dict[str, int]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += graph.get(module, {})
    return seen


def cycles(graph: dict[str, dict[str, int]]) -> list[frozenset[str]]:
    """The groups of modules that import each other, directly or through others."""
    reach = {module: _reachable(graph, module) for module in graph}
    groups = {
        frozenset({module} | {other for other in reach[module] if module in reach[other]})
        for module in graph
        if module in reach[module]
    }
    return sorted(groups, key=sorted)


def without_known_upward(graph: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """The graph less the upward imports KNOWN_UPWARD lists."""
    return {
        module: {t: n for t, n in edges.items() if (module, layer(t)) not in KNOWN_UPWARD}
        for module, edges in graph.items()
    }


def discovery(path: Path) -> list[str]:
    """Import-time discovery in a module: pkgutil, importlib.import_module, __import__, or an
    ``except ImportError`` guard ("is this feature installed")."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            caught = {n.id for n in names if isinstance(n, ast.Name)}
            found += sorted(caught & {"ImportError", "ModuleNotFoundError"})
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module == "importlib":
                modules = [f"importlib.{a.name}" for a in node.names]
            found += [m for m in modules if m in ("pkgutil", "importlib.import_module")]
        elif isinstance(node, ast.Attribute) and node.attr in ("import_module", "iter_modules"):
            found.append(node.attr)
        elif isinstance(node, ast.Name) and node.id == "__import__":
            found.append("__import__")
    return found


def _qt_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in QT_MODULES]
    return found


# --- the tests ---------------------------------------------------------------------------


def test_no_qt_outside_ui() -> None:
    offenders = {}
    for path in PACKAGE.rglob("*.py"):
        if "ui" in path.relative_to(PACKAGE).parts or path in ALLOWED:
            continue
        imports = _qt_imports(path)
        if imports:
            offenders[str(path.relative_to(PACKAGE))] = imports
    assert offenders == {}


def test_the_check_sees_a_qt_import(tmp_path: Path) -> None:
    sample = tmp_path / "leak.py"
    sample.write_text("from PySide6.QtCore import QObject\nimport qtawesome as qta\n")
    assert _qt_imports(sample) == ["PySide6.QtCore", "qtawesome"]


def test_every_layer_is_in_the_table() -> None:
    layers = {layer(module) for module in import_graph(PACKAGE.parent)}
    assert layers - BASE - set(MAY_IMPORT) == set()


def test_dependencies_point_one_way() -> None:
    found = upward_imports(import_graph(PACKAGE.parent))
    assert {k: v for k, v in found.items() if k not in KNOWN_UPWARD} == {}
    assert set(KNOWN_UPWARD) - set(found) == set(), "fixed: take it off KNOWN_UPWARD"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    _write(tmp_path, "models/__init__.py", "def f():\n    from branch_crm.ui.page import Page\n")
    _write(tmp_path, "services/__init__.py", "from branch_crm import models\n")
    _write(tmp_path, "services/care.py", "from . import things\nfrom ..cli import main\n")
    _write(tmp_path, "services/things.py", "")
    _write(tmp_path, "sync/client.py", "import branch_crm.services.care as care\n")
    _write(tmp_path, "ui/page.py", "from branch_crm.services.care import plan\nPage = 1\n")
    _write(tmp_path, "cli/__init__.py", "main = 1\n")
    assert upward_imports(import_graph(tmp_path)) == {
        ("branch_crm.models", "ui"): ["branch_crm.ui.page:2"],
        ("branch_crm.services.care", "cli"): ["branch_crm.cli:2"],
        ("branch_crm.sync.client", "services"): ["branch_crm.services.care:1"],
    }


def test_no_import_cycles() -> None:
    found = cycles(without_known_upward(import_graph(PACKAGE.parent)))
    assert [sorted(c) for c in found if c not in KNOWN_CYCLES] == []
    assert [sorted(c) for c in KNOWN_CYCLES if c not in found] == [], "gone: empty KNOWN_CYCLES"


def test_the_check_sees_a_cycle_through_a_lazy_import(tmp_path: Path) -> None:
    _write(tmp_path, "ui/a.py", "from branch_crm.ui import b\n")
    _write(tmp_path, "ui/b.py", "def f():\n    from branch_crm.ui.c import C\n")
    _write(tmp_path, "ui/c.py", "def g():\n    import branch_crm.ui.a\nC = 1\n")
    typed = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from branch_crm.ui import a\n"
    _write(tmp_path, "ui/d.py", typed)
    _write(tmp_path, "ui/e.py", "from branch_crm.ui import d\n")
    graph = import_graph(tmp_path)
    assert "branch_crm.ui.a" not in graph["branch_crm.ui.d"]
    assert cycles(graph) == [frozenset({"branch_crm.ui.a", "branch_crm.ui.b", "branch_crm.ui.c"})]


def test_ui_and_cli_are_wired_explicitly() -> None:
    """Pages, cards, buttons, commands and documents are listed, never discovered; the one
    ImportError caught is cli/app.py's (Qt's system libraries missing on a server)."""
    found = {
        str(path.relative_to(PACKAGE)): discovery(path)
        for folder in ("ui", "cli")
        for path in (PACKAGE / folder).rglob("*.py")
        if discovery(path)
    }
    assert found == {"cli/app.py": ["ImportError"]}


def test_the_check_sees_discovery(tmp_path: Path) -> None:
    sample = tmp_path / "features.py"
    sample.write_text(
        "import importlib, pkgutil\n"
        "for info in pkgutil.iter_modules(__path__):\n"
        "    importlib.import_module(info.name)\n"
        "try:\n    from . import extra\nexcept (ImportError, KeyError):\n    extra = None\n"
    )
    assert sorted(discovery(sample)) == ["ImportError", "import_module", "iter_modules", "pkgutil"]


def _write(root: Path, name: str, text: str) -> None:
    path = root / "branch_crm" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    for folder in path.relative_to(root).parents:  # every folder is a package
        init = root / folder / "__init__.py"
        if folder != Path(".") and not init.exists():
            init.write_text("")
    path.write_text(text)
