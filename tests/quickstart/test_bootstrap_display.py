"""scripts/bootstrap.py and scripts/run.py: pip's progress shown, what Qt's display plugin
lacks found with ldd and installed (as root) or named with the command, demo data on a first
run whatever options are given."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from branch_crm.cli import qt_platform

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture
def scripts() -> Iterator[tuple[ModuleType, ModuleType]]:
    """(bootstrap, run) imported from scripts/ as run.py does."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        import bootstrap
        import run

        yield bootstrap, run
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["--demo-if-new"]),
        (["--lang", "en"], ["--demo-if-new", "--lang", "en"]),
        (["--db", "x.db", "--courier"], ["--demo-if-new", "--db", "x.db", "--courier"]),
        (["--demo-if-new", "--lang", "en"], ["--demo-if-new", "--lang", "en"]),
        (["--no-demo", "--lang", "zh_CN"], ["--lang", "zh_CN"]),
    ],
)
def test_run_asks_for_demo_data_whatever_the_options(scripts, argv, expected) -> None:
    _bootstrap, run = scripts
    assert run.app_arguments(argv) == expected


def fake_python(folder: Path, output: str, code: int) -> Path:
    """An executable that prints ``output`` and exits ``code`` whatever it is asked."""
    script = folder / "python"
    script.write_text(f"#!/bin/sh\ncat <<'END'\n{output}\nEND\nexit {code}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


PIP_OUTPUT = """Obtaining file:///repo
Collecting PySide6>=6.6
  Downloading PySide6-6.7.0-cp39-abi3-manylinux_2_28_x86_64.whl (513 kB)
Requirement already satisfied: sqlalchemy in ./.venv/lib/python3.11/site-packages
Installing collected packages: PySide6, branch-crm"""


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for pip")
def test_pip_install_shows_its_progress(scripts, tmp_path, monkeypatch, capsys) -> None:
    bootstrap, _run = scripts
    monkeypatch.setattr(bootstrap, "venv_python", lambda: fake_python(tmp_path, PIP_OUTPUT, 0))
    bootstrap.pip_install(["-e", "."], "installing the project")
    err = capsys.readouterr().err
    assert "[bootstrap] installing the project" in err
    assert "pip: Collecting PySide6>=6.6" in err
    assert "pip: Downloading PySide6-6.7.0" not in err  # indented: not a line of its own
    assert "pip: Installing collected packages: PySide6, branch-crm" in err
    assert "Requirement already satisfied" not in err
    assert "done in" in err


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for pip")
def test_failing_pip_shows_the_end_of_its_output(scripts, tmp_path, monkeypatch, capsys) -> None:
    bootstrap, _run = scripts
    failing = fake_python(tmp_path, "Collecting nothing\nERROR: No matching distribution", 1)
    monkeypatch.setattr(bootstrap, "venv_python", lambda: failing)
    with pytest.raises(subprocess.CalledProcessError):
        bootstrap.pip_install(["nothing"], "installing")
    assert "ERROR: No matching distribution" in capsys.readouterr().err


LDD_OUTPUT = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f3c)
\tlibxcb-cursor.so.0 => not found
\tlibxkbcommon-x11.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-cursor.so.0 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibsomething-new.so.3 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3c)
"""


def test_every_missing_library_and_its_package_is_named() -> None:
    libraries = qt_platform.parse_ldd(LDD_OUTPUT)
    assert libraries == [
        "libxcb-cursor.so.0",
        "libxkbcommon-x11.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libsomething-new.so.3",
    ]
    packages, unknown = qt_platform.packages_for(libraries)
    assert packages == ("libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-icccm4", "libxcb-keysyms1")
    assert unknown == ("libsomething-new.so.3",)


@pytest.mark.parametrize(
    ("env", "plugins"),
    [
        ({"DISPLAY": ":0"}, ["xcb"]),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, ["xcb"]),
        ({"WAYLAND_DISPLAY": "wayland-0"}, ["wayland"]),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, []),
        ({"QT_QPA_PLATFORM": "xcb"}, ["xcb"]),
        ({}, []),
    ],
)
def test_display_plugins_follow_the_environment(env, plugins, monkeypatch) -> None:
    monkeypatch.setattr(qt_platform.sys, "platform", "linux")
    assert qt_platform.display_plugins(env) == plugins


def fake_pyside(folder: Path) -> Path:
    platforms = folder / "PySide6" / "Qt" / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (platforms / "libqxcb.so").write_bytes(b"")
    return folder / "PySide6"


@pytest.fixture
def xcb_lacking(monkeypatch, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    """A desktop whose xcb plugin lacks what LDD_OUTPUT says; PySide6's (fake) folder."""
    monkeypatch.setattr(qt_platform.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(
        qt_platform, "missing_libraries", lambda path: qt_platform.parse_ldd(LDD_OUTPUT)
    )
    return fake_pyside(tmp_path)


def test_not_root_names_all_packages_and_the_command(scripts, xcb_lacking, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    bootstrap, _run = scripts
    monkeypatch.setattr(bootstrap, "qt_platform", lambda: qt_platform)
    monkeypatch.setattr(bootstrap, "venv_pyside", lambda: xcb_lacking)
    monkeypatch.setattr(bootstrap, "_can_apt", lambda: False)
    monkeypatch.setattr(bootstrap, "apt_install", lambda packages: pytest.fail("not root"))
    assert bootstrap.ensure_display_packages() is False
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0 libxkbcommon-x11.so.0" in err
    command = "sudo apt-get install -y libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4"
    assert command + " libxcb-keysyms1" in err


def test_root_installs_them_all_at_once(scripts, xcb_lacking, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    bootstrap, _run = scripts
    installed: list[list[str]] = []

    def apt_install(packages: list[str]) -> None:
        installed.append(packages)
        monkeypatch.setattr(qt_platform, "missing_libraries", lambda path: [])

    monkeypatch.setattr(bootstrap, "qt_platform", lambda: qt_platform)
    monkeypatch.setattr(bootstrap, "venv_pyside", lambda: xcb_lacking)
    monkeypatch.setattr(bootstrap, "_can_apt", lambda: True)
    monkeypatch.setattr(bootstrap.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(bootstrap, "apt_install", apt_install)
    assert bootstrap.ensure_display_packages() is True
    assert installed == [
        ["libxcb-cursor0", "libxkbcommon-x11-0", "libxcb-icccm4", "libxcb-keysyms1"]
    ]


def test_offscreen_checks_nothing(scripts, monkeypatch) -> None:
    bootstrap, _run = scripts
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(bootstrap, "apt_install", lambda packages: pytest.fail("offscreen"))
    assert bootstrap.ensure_display_packages() is True


def test_bootstrap_loads_the_packages_own_checks_by_path(scripts) -> None:
    bootstrap, _run = scripts
    loaded = bootstrap.qt_platform()
    assert loaded.LIBRARY_PACKAGES == qt_platform.LIBRARY_PACKAGES


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb plugin: Linux only")
def test_the_real_xcb_plugin_needs_only_known_x_libraries() -> None:
    """Every X library the installed xcb plugin links (found or not) has its package in the
    table, so a missing one is named with its package."""
    plugin = qt_platform.plugin_file("xcb", qt_platform.pyside_dir())
    if plugin is None:
        pytest.skip("PySide6 without the xcb plugin")
    done = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True)
    linked = [line.split()[0] for line in done.stdout.splitlines() if "=>" in line]
    x_libraries = [n for n in linked if n.startswith(("libxcb", "libX", "libxkb"))]
    assert x_libraries, done.stdout
    assert [n for n in x_libraries if n not in qt_platform.LIBRARY_PACKAGES] == []
