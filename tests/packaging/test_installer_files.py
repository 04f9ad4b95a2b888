"""The installer's files say what installer/README.md's checklist asks, and everything takes
its version from branch_crm.__version__ (the bundle build itself is too slow for the suite:
installer/build.py and installer/smoke.py, run by .ci/run)."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

import branch_crm
from branch_crm import install_defaults

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "installer"


@pytest.fixture(scope="module")
def support() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_support", INSTALLER / "build_support.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def iss() -> str:
    return (INSTALLER / "branch_crm.iss").read_text(encoding="utf-8")


def section(iss: str, name: str) -> str:
    match = re.search(rf"^\[{name}\]\n(.*?)(?=^\[|\Z)", iss, re.MULTILINE | re.DOTALL)
    assert match is not None, f"no [{name}] section"
    return "\n".join(line for line in match.group(1).splitlines() if not line.startswith(";"))


def test_one_version_everywhere(support: ModuleType, iss: str) -> None:
    assert support.app_version() == branch_crm.__version__
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"]["attr"] == "branch_crm.__version__"
    assert "AppVersion={#AppVersion}" in iss
    assert branch_crm.__version__ not in iss  # never typed in the script
    assert support.version_tuple("1.2.3rc1") == (1, 2, 3, 0)
    assert support.version_tuple("2.0") == (2, 0, 0, 0)
    resource = support.version_resource("1.2.3", "branch-crm-cli", "Branch CRM command line")
    assert "filevers=(1, 2, 3, 0)" in resource
    assert "StringStruct('OriginalFilename', 'branch-crm-cli.exe')" in resource
    # PyInstaller evaluates the text (on Windows only): it must be one Python expression of
    # its version-info classes
    tree = ast.parse(resource, mode="eval")
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}  # type: ignore[attr-defined]
    assert called == {"VSVersionInfo", "FixedFileInfo", "StringFileInfo", "StringTable",
                      "StringStruct", "VarFileInfo", "VarStruct"}  # fmt: skip


def test_spec_builds_a_windowed_and_a_console_program(support: ModuleType) -> None:
    spec = (INSTALLER / "branch_crm.spec").read_text(encoding="utf-8")
    assert (support.GUI_EXE, support.CLI_EXE) == ("BranchCRM", "branch-crm-cli")
    programs = re.findall(r"EXE\((.*?)\n\)", spec, re.DOTALL)
    assert len(programs) == 2
    gui, cli = programs
    assert "name=support.GUI_EXE" in gui and "console=False" in gui
    assert "name=support.CLI_EXE" in cli and "console=True" in cli
    assert all("icon=icon" in p and "version=" in p for p in programs)
    assert "COLLECT(gui, cli," in spec
    assert (ROOT / "src" / "branch_crm" / "resources" / "icons" / "app.ico").is_file()
    for excluded in ("branch_crm.hq", "fastapi", "uvicorn", "psycopg", "babel"):
        assert f'"{excluded}"' in spec


def test_installer_settings(iss: str) -> None:
    setup = section(iss, "Setup")
    for line in (
        "MinVersion=10.0",
        "ArchitecturesAllowed=x64compatible",
        "ArchitecturesInstallIn64BitMode=x64compatible",
        "PrivilegesRequired=lowest",
        "DefaultDirName={autopf}\\BranchCRM",
        "SetupIconFile=..\\src\\branch_crm\\resources\\icons\\app.ico",
    ):
        assert line in setup.splitlines(), line
    assert re.search(r"^PrivilegesRequiredOverridesAllowed=.*\bdialog\b", setup, re.MULTILINE)
    tasks = section(iss, "Tasks")
    assert re.search(r'Name: "desktopicon";.*Flags: unchecked', tasks)
    icons = section(iss, "Icons")
    assert re.search(r"\{autodesktop\}.*Tasks: desktopicon", icons)
    assert '{group}\\Branch CRM"; Filename: "{app}\\BranchCRM.exe"' in icons
    assert "{app}\\_internal" in section(iss, "InstallDelete")
    run = section(iss, "Run")
    assert re.search(r'branch-crm-cli\.exe"; Parameters: "backup".*runasoriginaluser', run)
    assert "{localappdata}" not in iss and "{userappdata}" not in iss  # data is never touched


def test_installer_languages_and_presets(iss: str) -> None:
    languages = section(iss, "Languages")
    names = re.findall(r'Name: "([^"]+)"; MessagesFile: "([^"]+)"', languages)
    assert {name for name, _file in names} == {"zh_CN", "en"}  # the app's language codes
    shipped = dict(names)["zh_CN"]
    isl = (INSTALLER / shipped).read_text(encoding="utf-8-sig")
    assert isl.startswith("; *** Inno Setup version") and "LanguageID=$0804" in isl
    ini = section(iss, "INI")
    assert ini.count(f'"{{app}}\\{install_defaults.FILE_NAME}"') == 2
    keys = re.findall(r'Section: "([^"]+)"; Key: "([^"]+)"', ini)
    assert keys == [(install_defaults.SECTION, key) for key in install_defaults.KEYS]
    assert "String: \"{param:HQURL}\"; Check: HasParam('HQURL')" in ini
    assert 'String: "{language}"' in ini


def test_readme_schedules_the_console_program_where_the_installer_puts_it() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    lines = [line for line in readme.splitlines() if "/TR " in line]
    assert len(lines) >= 4
    for line in lines:
        assert "\\BranchCRM\\branch-crm-cli.exe" in line, line


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^ ;\\]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def test_lock_files_match_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    locks = {name: _pins(ROOT / "requirements" / f"{name}.txt") for name in ("dev", "bundle", "hq")}
    wanted = {
        "dev": project["dependencies"] + extras["desktop"] + extras["hq"] + extras["dev"],
        "bundle": project["dependencies"] + extras["desktop"] + ["pyinstaller"],
        "hq": project["dependencies"] + extras["hq"],
    }
    for lock, lines in wanted.items():
        for line in lines:
            requirement = Requirement(line)
            name = re.sub(r"[-_.]+", "-", requirement.name).lower()
            assert name in locks[lock], (
                f"{name} not in requirements/{lock}.txt: run scripts/lock.py"
            )
            assert requirement.specifier.contains(locks[lock][name], prereleases=True), (
                f"requirements/{lock}.txt pins {name}=={locks[lock][name]}, pyproject wants "
                f"{requirement.specifier}: run scripts/lock.py"
            )
    assert "fastapi" not in locks["bundle"] and "uvicorn" not in locks["bundle"]
    assert "pyside6-essentials" not in locks["hq"] and "opencv-python-headless" not in locks["hq"]
    shared = locks["bundle"].keys() & locks["dev"].keys()
    assert {n: locks["bundle"][n] for n in shared} == {n: locks["dev"][n] for n in shared}
    text = (ROOT / "requirements" / "dev.txt").read_text(encoding="utf-8")
    assert text.count(" \\\n    --hash=sha256:") >= len(locks["dev"])  # every pin hashed
