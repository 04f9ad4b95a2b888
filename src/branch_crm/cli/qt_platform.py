"""Which system libraries Qt's display plugin (xcb, wayland) lacks, and the Debian/Ubuntu
packages that provide them.

Qt aborts when its platform plugin cannot load and names only the first missing library;
this module asks ``ldd`` about the plugin file and names every missing library and its
package. Used by ``branch-crm`` before Qt starts and by ``scripts/bootstrap.py``, which loads
this file by path under the system Python before the project is installed: it must stay
standard-library only, import nothing from ``branch_crm`` and print nothing itself.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LIBRARY_PACKAGES = {
    # shared library -> Debian/Ubuntu package (Qt 6's xcb, wayland and offscreen plugins)
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}


@dataclass(frozen=True)
class Missing:
    """Libraries a Qt plugin cannot find, and the packages to install for them."""

    plugin: str
    libraries: tuple[str, ...]
    packages: tuple[str, ...]
    unknown: tuple[str, ...]
    """Missing libraries of no package this module knows (named as they are)."""


def display_plugins(env: Mapping[str, str] | None = None) -> list[str]:
    """The platform plugins Qt will load to show windows here (Linux only): none when it
    runs offscreen (or another non-display plugin) or on Windows and macOS."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return []
    forced = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if forced:
        return [forced] if forced in ("xcb", "wayland") else []
    if env.get("DISPLAY"):
        return ["xcb"]  # also under Wayland with XWayland: Qt falls back to it
    if env.get("WAYLAND_DISPLAY"):
        return ["wayland"]
    return []


def pyside_dir(site_packages: Path | None = None) -> Path | None:
    """PySide6's folder, found without importing it (Qt is not loaded)."""
    if site_packages is not None:
        folder = site_packages / "PySide6"
        return folder if folder.is_dir() else None
    spec = importlib.util.find_spec("PySide6")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return Path(locations[0]) if locations else None


def plugin_file(plugin: str, pyside: Path | None) -> Path | None:
    """The platform plugin's library (``libqxcb.so`` for "xcb"), if it is there."""
    if pyside is None:
        return None
    path = pyside / "Qt" / "plugins" / "platforms" / f"libq{plugin}.so"
    return path if path.is_file() else None


def parse_ldd(output: str) -> list[str]:
    """The libraries ``ldd`` reports as "not found", in its order, each once."""
    found: list[str] = []
    for line in output.splitlines():
        name, _arrow, rest = line.strip().partition("=>")
        if rest.strip() == "not found" and name.strip() not in found:
            found.append(name.strip())
    return found


def missing_libraries(path: Path) -> list[str]:
    """What ``ldd`` cannot find for ``path`` (empty when ldd is not available)."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        done = subprocess.run(
            [ldd, str(path)], capture_output=True, text=True, check=False, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return parse_ldd(done.stdout)


def packages_for(libraries: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(packages to install, libraries of no known package), each in order and once."""
    packages: list[str] = []
    unknown: list[str] = []
    for library in libraries:
        package = LIBRARY_PACKAGES.get(library)
        if package is None:
            unknown.append(library)
        elif package not in packages:
            packages.append(package)
    return tuple(packages), tuple(unknown)


def check_plugin(plugin: str, pyside: Path | None = None) -> Missing | None:
    """What ``plugin`` lacks; None when nothing is missing or it cannot be checked."""
    path = plugin_file(plugin, pyside if pyside is not None else pyside_dir())
    libraries = missing_libraries(path) if path is not None else []
    if not libraries:
        return None
    packages, unknown = packages_for(libraries)
    return Missing(plugin, tuple(libraries), packages, unknown)


def check_display(
    env: Mapping[str, str] | None = None, pyside: Path | None = None
) -> Missing | None:
    """What the display plugin Qt is about to load lacks (see :func:`display_plugins`)."""
    for plugin in display_plugins(env):
        missing = check_plugin(plugin, pyside)
        if missing is not None:
            return missing
    return None


def install_command(packages: tuple[str, ...] | list[str]) -> str:
    """The command that installs ``packages`` on Debian/Ubuntu."""
    return "sudo apt-get install -y " + " ".join(packages)
