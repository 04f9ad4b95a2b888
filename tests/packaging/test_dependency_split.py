"""Each side imports only its own extra: head office without Qt, OpenCV or zxing (a
``branch-crm[hq]`` install has none), the branch desk without FastAPI, uvicorn or psycopg
(the desktop bundle carries none). Checked in a fresh interpreter whose imports of the other
side's packages fail, as they would where those are not installed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DESKTOP_ONLY = ("PySide6", "shiboken6", "qtawesome", "cv2", "zxingcpp", "numpy", "pypdfium2",
                "reportlab", "pypinyin", "keyring", "PIL", "httpx")  # fmt: skip
HQ_ONLY = ("fastapi", "starlette", "uvicorn", "psycopg", "pydantic_settings")

BLOCKER = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
        return None
sys.meta_path.insert(0, Blocker())
"""


def run_blocked(blocked: tuple[str, ...], body: str) -> subprocess.CompletedProcess[str]:
    code = BLOCKER.format(blocked=set(blocked)) + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )


def test_blocker_blocks() -> None:
    result = run_blocked(("json",), "import json")
    assert result.returncode != 0 and "blocked" in result.stderr


def test_head_office_imports_without_desktop_packages(tmp_path: Path) -> None:
    result = run_blocked(
        DESKTOP_ONLY,
        f"""
        import importlib, os, pkgutil
        os.environ["BRANCH_CRM_DATA_DIR"] = {str(tmp_path)!r}
        import branch_crm.hq as hq
        for info in pkgutil.walk_packages(hq.__path__, "branch_crm.hq."):
            if ".migrations" in info.name or info.name == "branch_crm.hq.testing":
                continue  # migrations run under alembic; testing is the suite's helper
            importlib.import_module(info.name)
        from branch_crm.hq.cli import build_parser
        build_parser()
        from branch_crm.i18n import translator
        assert translator("zh_CN")("Customer") != "Customer"
        print("hq ok")
        """,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "hq ok" in result.stdout


def test_branch_desk_imports_without_head_office_packages() -> None:
    result = run_blocked(
        HQ_ONLY,
        """
        import importlib, pkgutil
        import branch_crm
        for info in pkgutil.walk_packages(branch_crm.__path__, "branch_crm."):
            if info.name.startswith(("branch_crm.hq", "branch_crm.ui.")) or (
                ".migrations" in info.name
            ):
                continue  # the ui package: below, its entry (the rest is Qt and services)
            importlib.import_module(info.name)
        import branch_crm.ui.shell.launcher
        from branch_crm.cli import build_parser
        build_parser()
        print("desk ok")
        """,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "desk ok" in result.stdout


def _names(requirements: list[str]) -> set[str]:
    out = set()
    for line in requirements:
        name = line.split(";")[0]
        for stop in "<>=![ ":
            name = name.split(stop)[0]
        out.add(name.lower())
    return out


def test_pyproject_keeps_each_side_apart_and_bounds_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = _names(project["dependencies"])
    extras = {k: _names(v) for k, v in project["optional-dependencies"].items()}
    assert {"pyside6-essentials", "opencv-python-headless", "zxing-cpp", "qtawesome"} <= (
        extras["desktop"]
    )
    assert {"fastapi", "uvicorn", "psycopg", "pydantic-settings"} <= extras["hq"]
    assert not base & (extras["desktop"] | extras["hq"])
    assert not extras["desktop"] & extras["hq"]
    assert "babel" not in base | extras["desktop"] | extras["hq"]  # compiled .mo at run time
    assert "qrcode" not in base | extras["desktop"] | extras["hq"]  # reportlab draws them
    unbounded = [
        line
        for group in (project["dependencies"], *project["optional-dependencies"].values())
        for line in group
        if "<" not in line and not line.startswith("tzdata")
    ]
    assert unbounded == []
