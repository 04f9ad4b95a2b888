"""Set up everything the app and its tests need, with nothing but Python 3.11+ to start from.

Creates ``.venv`` (even where the OS Python lacks ``ensurepip``), installs the project into
it when ``pyproject.toml`` changed, and on Debian/Ubuntu installs the few system libraries
Qt and the Chinese fonts need (when running as root; otherwise it says what to install).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
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


def ensure_installed(extras: str = "dev") -> None:
    """Install the project (editable) and its extras when its requirements changed."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{digest[:16]}"
    if stamp.exists():
        return
    say("installing Branch CRM and its dependencies into .venv (first run takes a few minutes)")
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.check_call([*pip, "--quiet", "--upgrade", "pip"])
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.check_call([*pip, "--quiet", "-e", target])
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.write_text("ok\n")


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


def ensure_system_packages() -> None:
    """On Debian/Ubuntu, install the Qt runtime libraries and a CJK font if they are missing."""
    missing = _missing_debian_packages()
    if not missing:
        return
    can_root = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")
    if not can_root:
        say("missing system packages: " + " ".join(missing))
        say("install them with: sudo apt-get install -y " + " ".join(missing))
        return
    say("installing system packages: " + " ".join(missing))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.check_call(["apt-get", "install", "-y", "-qq", *missing], env=env)


def bootstrap(extras: str = "dev") -> None:
    """Everything above, in order."""
    if sys.version_info < (3, 11):  # noqa: UP036 - runs under the system Python
        sys.exit("Branch CRM needs Python 3.11 or newer")
    ensure_system_packages()
    ensure_venv()
    ensure_installed(extras)
