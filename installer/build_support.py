"""What the desktop bundle's build needs besides PyInstaller itself (standard library, plus
``packaging``, which PyInstaller brings): the one version, the Windows version resource, the
Chinese font to ship, and the third-party licence notices.

Used by installer/branch_crm.spec and installer/build.py; checked by
tests/packaging/test_installer_files.py.
"""

from __future__ import annotations

import os
import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "branch_crm"
APP_NAME = "Branch CRM"
PUBLISHER = "Branch CRM"
GUI_EXE = "BranchCRM"
CLI_EXE = "branch-crm-cli"
NOTICES = "THIRD-PARTY-NOTICES.txt"
FONT_ENV = "BRANCH_CRM_BUNDLE_FONT"
"""Path of the CJK TrueType font to ship, or ``none`` to build without one (then PCs without
a Chinese font print with the unembedded STSong-Light fallback)."""
FONT_FILE = "wqy-microhei.ttc"
FONT_SEARCH = [
    Path("/usr/share/fonts/truetype/wqy") / FONT_FILE,  # Debian/Ubuntu fonts-wqy-microhei
    Path("/usr/share/fonts/wenquanyi/wqy-microhei") / FONT_FILE,  # Fedora, Arch
    ROOT / "build" / "fonts" / FONT_FILE,  # the Windows workflow puts it here
]
FONT_LICENCE = """WenQuanYi Micro Hei (wqy-microhei.ttc), shipped so that printed forms can embed a
Chinese font on PCs that have none.
Copyright (C) 2008-2010 The WenQuanYi Project Board of Trustees; portions (C) 2008 Google
Corporation (Droid Sans Fallback).
Licensed under the Apache License, Version 2.0, or the GNU General Public License version 3
(or later) with the font embedding exception; we use it under the Apache License 2.0:
http://www.apache.org/licenses/LICENSE-2.0 . Source: http://wenq.org/ and Debian's
fonts-wqy-microhei package.
"""
QT_NOTE = """Qt and Qt for Python (PySide6, shiboken6)
The Qt libraries (Qt6*.dll / libQt6*.so.6, the plugins under PySide6/) and the PySide6 and
shiboken6 modules are used under the GNU Lesser General Public License version 3
(https://www.gnu.org/licenses/lgpl-3.0.html). They are shipped unmodified as separate
dynamically linked files in this folder (the one-folder bundle): you may replace them with
your own build of the same Qt version. The corresponding source code is available from
https://download.qt.io/official_releases/qt/ and https://code.qt.io/ (Qt) and
https://download.qt.io/official_releases/QtForPython/ (PySide6). The Qt Company and
contributors hold the copyright.
"""


def app_version() -> str:
    """``branch_crm.__version__``, read from the source (the one place it is written)."""
    text = (SRC / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise RuntimeError("no __version__ in src/branch_crm/__init__.py")
    return match.group(1)


def version_tuple(version: str) -> tuple[int, int, int, int]:
    """The four numbers of a Windows version resource: "1.2.3rc1" -> (1, 2, 3, 0)."""
    numbers = [int(n) for n in re.findall(r"\d+", version.split("+", maxsplit=1)[0])[:3]]
    numbers += [0] * (4 - len(numbers))
    return (numbers[0], numbers[1], numbers[2], numbers[3])


def version_resource(version: str, exe_name: str, description: str) -> str:
    """PyInstaller's version-file text (a ``VSVersionInfo`` expression) for one executable."""
    numbers = version_tuple(version)
    strings = {
        "CompanyName": PUBLISHER,
        "FileDescription": description,
        "FileVersion": version,
        "InternalName": exe_name,
        "LegalCopyright": f"(C) {PUBLISHER}. Third-party notices: {NOTICES}",
        "OriginalFilename": f"{exe_name}.exe",
        "ProductName": APP_NAME,
        "ProductVersion": version,
    }
    table = ",\n          ".join(f"StringStruct({k!r}, {v!r})" for k, v in strings.items())
    return f"""VSVersionInfo(
  ffi=FixedFileInfo(
    filevers={numbers}, prodvers={numbers}, mask=0x3F, flags=0x0, OS=0x40004,
    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([
      StringTable('040904B0', [
          {table}])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""


def write_version_file(folder: Path, exe_name: str, description: str) -> Path:
    """Write the version resource text of ``exe_name`` into ``folder``; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"version-{exe_name}.txt"
    path.write_text(version_resource(app_version(), exe_name, description), encoding="utf-8")
    return path


def bundle_font() -> Path | None:
    """The CJK TrueType font to ship: ``BRANCH_CRM_BUNDLE_FONT``, else the build machine's
    WenQuanYi Micro Hei. Raises when none is found and the variable does not say ``none``."""
    wanted = os.environ.get(FONT_ENV, "").strip()
    if wanted.lower() == "none":
        return None
    for path in [Path(wanted)] if wanted else FONT_SEARCH:
        if path.is_file():
            return path
    raise SystemExit(
        f"no {FONT_FILE} to bundle (looked at {wanted or ', '.join(map(str, FONT_SEARCH))}); "
        f"install fonts-wqy-microhei, set {FONT_ENV}=<path>, or {FONT_ENV}=none to build "
        "without a font"
    )


def bundled_distributions(
    root: str = "branch-crm", extras: tuple[str, ...] = ("desktop",)
) -> list[metadata.Distribution]:
    """The installed distributions the desktop bundle carries: the requirements of
    ``branch-crm[desktop]``, followed recursively, markers evaluated for this machine."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    pending: list[tuple[str, tuple[str, ...]]] = [(root, extras)]
    while pending:
        name, wanted_extras = pending.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        key = _normal(dist.metadata["Name"])
        first = key not in seen
        seen.setdefault(key, dist)
        for line in dist.requires or []:
            requirement = Requirement(line)
            environments = [{"extra": e} for e in wanted_extras] or [{"extra": ""}]
            if requirement.marker is not None and not any(
                requirement.marker.evaluate(env) for env in environments
            ):
                continue
            if first or requirement.extras:
                pending.append((requirement.name, tuple(sorted(requirement.extras))))
    seen.pop(_normal(root), None)
    return sorted(seen.values(), key=lambda d: _normal(d.metadata["Name"]))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    classifiers = [
        c.split("::")[-1].strip()
        for c in meta.get_all("Classifier") or []
        if c.startswith("License ::")
    ]
    licence = (meta.get("License") or "").strip()
    if licence and len(licence) < 200 and "\n" not in licence:
        return licence
    return "; ".join(classifiers) or "see the licence text below"


def _licence_files(dist: metadata.Distribution) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for entry in dist.files or []:
        name = entry.name.upper()
        if ".dist-info" not in str(entry) or not name.startswith(
            ("LICENSE", "LICENCE", "COPYING", "NOTICE", "AUTHORS")
        ):
            continue
        try:
            text = entry.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if text:
            out.append((str(entry), text))
    return out


def python_licence() -> str | None:
    """The licence text of the Python interpreter the bundle carries."""
    base = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for path in (base / "LICENSE.txt", base / "lib" / version / "LICENSE.txt",
                 Path("/usr/lib") / version / "LICENSE.txt"):  # fmt: skip
        if path.is_file():
            return path.read_text(encoding="utf-8", errors="replace")
    return None


def notices_text(font: Path | None) -> str:
    """The third-party notices of the bundle, from the installed distributions' metadata."""
    rule = "=" * 78
    parts = [
        f"{APP_NAME} {app_version()}: third-party software notices",
        "",
        "This program includes the following third-party software. Each is listed with its",
        "version and licence as its package declares them, followed by the licence texts",
        "the package ships.",
        "",
        rule,
        QT_NOTE,
    ]
    if font is not None:
        parts += [rule, FONT_LICENCE]
    dists = bundled_distributions()
    parts += [rule, "Summary", ""]
    parts += [f"  {d.metadata['Name']} {d.version}: {_licence_of(d)}" for d in dists]
    parts.append("")
    interpreter = python_licence()
    if interpreter:
        parts += [rule, f"Python {sys.version.split()[0]} (the interpreter)", "", interpreter]
    for dist in dists:
        parts += [rule, f"{dist.metadata['Name']} {dist.version}", f"Licence: {_licence_of(dist)}"]
        home = dist.metadata.get("Home-page") or next(
            (u.split(",", 1)[1].strip() for u in dist.metadata.get_all("Project-URL") or []),
            "",
        )
        if home:
            parts.append(f"Home page: {home}")
        for name, text in _licence_files(dist):
            parts += ["", f"--- {name}", text.rstrip()]
        parts.append("")
    return "\n".join(parts) + "\n"


def write_notices(folder: Path, font: Path | None) -> Path:
    """Write :data:`NOTICES` into ``folder`` (the bundle's top folder)."""
    path = folder / NOTICES
    path.write_text(notices_text(font), encoding="utf-8")
    return path
