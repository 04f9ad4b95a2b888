"""Set up everything the app and its tests need, with nothing but Python 3.11+ to start from.

Creates ``.venv`` (even where the OS Python lacks ``ensurepip``), installs into it the exact
versions of the lock file ``requirements/dev.txt`` (every extra: desktop, head office and the
development tools; hashes checked) and the project itself (editable), again whenever
``pyproject.toml`` or the lock file changed, compiles the message catalogues (``.po`` to
``.mo``), and on Debian/Ubuntu installs the few system libraries Qt and the Chinese fonts need
(when running as root; otherwise it says what to install).
With ``display=True`` (``scripts/run.py`` on a desktop) it also checks, with ``ldd``, what
Qt's display plugin (xcb, or wayland) lacks, and installs those packages too. Every step
says what it does on stderr, pip's downloads and installs included.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import venv
from collections import deque
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "dev.txt"
"""Every dependency of the checkout, pinned with hashes (scripts/lock.py writes it)."""
WINDOWS = os.name == "nt"

# shared library -> Debian package, for Qt (offscreen included) and PDF checks
DEBIAN_LIBS = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libfontconfig.so.1": "libfontconfig1",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}
DEBIAN_FONTS = {
    # family fc-list reports -> Debian package; Micro Hei is TrueType, so PDFs can embed it
    "WenQuanYi Micro Hei": "fonts-wqy-microhei",
    "Noto Sans CJK SC": "fonts-noto-cjk",
}


PIP_PROGRESS = ("Collecting ", "Downloading ", "Building ", "Installing collected packages")
"""pip output lines worth showing while it works (the rest only when it fails)."""


def say(message: str) -> None:
    """Progress output of the bootstrap (this is a command-line tool)."""
    sys.stderr.write(f"[bootstrap] {message}\n")
    sys.stderr.flush()


def venv_python() -> Path:
    """The interpreter inside the project's virtual environment."""
    return VENV / ("Scripts/python.exe" if WINDOWS else "bin/python")


def venv_script(name: str) -> Path:
    """A console script installed into the virtual environment."""
    return VENV / ("Scripts" if WINDOWS else "bin") / (name + (".exe" if WINDOWS else ""))


def _get_pip_without_ensurepip() -> None:
    say("this Python has no ensurepip; fetching pip from PyPI")
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        info = json.load(response)
        base = response.geturl()
    wheel = next(u for u in info["urls"] if u["filename"].endswith(".whl"))
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / wheel["filename"]
        urllib.request.urlretrieve(urllib.parse.urljoin(base, wheel["url"]), target)
        subprocess.check_call([str(venv_python()), f"{target}/pip", "install", str(target)])


def ensure_venv() -> None:
    """Create ``.venv`` with a working pip."""
    if venv_python().exists():
        probe = subprocess.run(
            [str(venv_python()), "-m", "pip", "--version"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return
    say(f"creating {VENV}")
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    except (subprocess.CalledProcessError, OSError):
        venv.EnvBuilder(with_pip=False, clear=True).create(VENV)
        _get_pip_without_ensurepip()


def pip_install(args: list[str], title: str) -> None:
    """Run ``pip install ARGS`` showing what it collects and installs, one line each; on
    failure show the end of its output and raise CalledProcessError."""
    command = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", *args]
    say(title)
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=40)
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    ) as process:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.rstrip()
            tail.append(line)
            if line.startswith(PIP_PROGRESS):
                say(f"  pip: {line[:110]}")
        code = process.wait()
    if code != 0:
        sys.stderr.write("\n".join(tail) + "\n")
        raise subprocess.CalledProcessError(code, command)
    say(f"  done in {time.monotonic() - started:.0f} s")


def ensure_installed(lock: Path = LOCK) -> None:
    """Install the locked dependencies, then the project (editable, without resolving
    anything), when ``pyproject.toml`` or the lock file changed since the last time."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + lock.read_bytes())
    stamp = VENV / f".installed-{digest.hexdigest()[:16]}"
    if stamp.exists():
        return
    pip_install(["--upgrade", "pip"], "updating pip in .venv")
    pip_install(
        ["--require-hashes", "-r", str(lock)],
        f"installing the locked dependencies ({lock.relative_to(ROOT)}) into .venv (the first "
        "time takes a few minutes: Qt alone is a large download)",
    )
    pip_install(["--no-deps", "-e", str(ROOT)], "installing Branch CRM (editable) into .venv")
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.write_text("ok\n")


def compile_catalogs() -> None:
    """The message catalogues' ``.mo`` files, rewritten where a ``.po`` file changed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        from compile_catalogs import compile_all
    finally:
        sys.path.pop(0)
    for path in compile_all():
        say(f"compiled {path.relative_to(ROOT)}")


def _missing_debian_packages() -> list[str]:
    if not sys.platform.startswith("linux") or not shutil.which("dpkg"):
        return []
    known = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    missing = [pkg for lib, pkg in DEBIAN_LIBS.items() if lib not in known]
    if shutil.which("fc-list"):
        for family, package in DEBIAN_FONTS.items():
            found = subprocess.run(
                ["fc-list", f":family={family}"], capture_output=True, text=True, check=False
            ).stdout
            if not found.strip():
                missing.append(package)
    else:
        missing += list(DEBIAN_FONTS.values())
    return missing


def _can_apt() -> bool:
    return bool(hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"))


def apt_install(packages: list[str]) -> None:
    """``apt-get update`` and ``install`` (as root), their output shown as it comes."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say("apt-get update")
    subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
    say("apt-get install " + " ".join(packages))
    subprocess.check_call(["apt-get", "install", "-y", "-q", *packages], env=env)


def ensure_system_packages() -> None:
    """On Debian/Ubuntu, install the Qt runtime libraries and a CJK font if they are missing."""
    say("checking system libraries and fonts")
    missing = _missing_debian_packages()
    if not missing:
        return
    if not _can_apt():
        say("missing system packages: " + " ".join(missing))
        say("install them with: sudo apt-get install -y " + " ".join(missing))
        return
    say("installing system packages: " + " ".join(missing))
    apt_install(missing)


def qt_platform() -> ModuleType:
    """src/branch_crm/cli/qt_platform.py, loaded by path (standard library only)."""
    path = ROOT / "src" / "branch_crm" / "cli" / "qt_platform.py"
    spec = importlib.util.spec_from_file_location("branch_crm_qt_platform", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def venv_pyside() -> Path | None:
    """PySide6's folder inside .venv."""
    for site in sorted(VENV.glob("lib/python3*/site-packages")):
        if (site / "PySide6").is_dir():
            return site / "PySide6"
    return None


def ensure_display_packages() -> bool:
    """When windows are to be shown (DISPLAY or WAYLAND_DISPLAY set, not offscreen): the
    packages Qt's display plugin lacks, asked of ``ldd``; installed on Debian/Ubuntu as root,
    else named with the command to install them. True when nothing is missing."""
    checks = qt_platform()
    plugins = checks.display_plugins()
    if not plugins:
        return True
    say(f"checking what Qt's {'/'.join(plugins)} display plugin needs")
    missing = checks.check_display(pyside=venv_pyside())
    if missing is None:
        return True
    if missing.packages and shutil.which("dpkg") and _can_apt():
        say("Qt's display plugin needs: " + " ".join(missing.packages))
        apt_install(list(missing.packages))
        missing = checks.check_display(pyside=venv_pyside())
        if missing is None:
            return True
    say(f"Qt's {missing.plugin} plugin cannot load; missing: " + " ".join(missing.libraries))
    if missing.packages:
        say("install them with: " + checks.install_command(missing.packages))
    return False


def bootstrap(*, display: bool = False) -> None:
    """Everything above, in order; ``display``: the app is about to show windows."""
    if sys.version_info < (3, 11):  # noqa: UP036 - runs under the system Python
        sys.exit("Branch CRM needs Python 3.11 or newer")
    ensure_system_packages()
    ensure_venv()
    ensure_installed()
    compile_catalogs()
    if display:
        ensure_display_packages()
