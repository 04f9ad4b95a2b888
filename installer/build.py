"""Build the desktop bundle (and on Windows the installer) from a checkout.

    python installer/build.py                 # dist/BranchCRM/ (PyInstaller, one folder)
    python installer/build.py --installer     # + installer/Output/BranchCRM-Setup-<ver>.exe
    python installer/build.py --smoke         # + run installer/smoke.py on the bundle
    python installer/build.py --venv .venv-bundle --smoke    # what .ci/run does

With ``--venv DIR`` it first makes (or brings up to date) a virtual environment holding
exactly the bundle's lock file (``pip install --require-hashes -r requirements/bundle.txt``,
then the project with ``--no-deps``) and runs itself there; otherwise run it with a Python
whose environment is that already (installer/README.md). The version comes from
``branch_crm.__version__`` for both the executables' version resource (the spec) and the
installer (``/DAppVersion=`` and ``/DFileVersion=`` for ISCC).
Prints the folder's size and the time taken.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import build_support as support  # noqa: E402

DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
ISCC_PLACES = [
    Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")) / "Inno Setup 6",
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "Inno Setup 6",
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "Inno Setup 7",
    Path(os.environ.get("LOCALAPPDATA", "")) / "Programs" / "Inno Setup 6",
]


def say(message: str) -> None:
    sys.stderr.write(f"[build] {message}\n")
    sys.stderr.flush()


def folder_size(folder: Path) -> int:
    """Bytes of every file under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build_bundle() -> Path:
    """Run PyInstaller on the spec; the bundle's folder."""
    command = [
        sys.executable, "-m", "PyInstaller", str(HERE / "branch_crm.spec"), "--noconfirm",
        "--distpath", str(DIST), "--workpath", str(WORK),
    ]  # fmt: skip
    say(" ".join(command))
    subprocess.check_call(command, cwd=ROOT)
    return DIST / support.GUI_EXE


def iscc() -> str:
    """The Inno Setup command-line compiler: ``ISCC`` variable, PATH, or the usual folders."""
    named = os.environ.get("ISCC") or shutil.which("iscc")
    if named:
        return named
    for folder in ISCC_PLACES:
        if (folder / "ISCC.exe").is_file():
            return str(folder / "ISCC.exe")
    raise SystemExit("Inno Setup's ISCC.exe not found: install Inno Setup 6.5+ or set ISCC")


def build_installer(bundle: Path) -> Path:
    """Compile installer/branch_crm.iss over ``bundle``; the setup program."""
    version = support.app_version()
    numbers = ".".join(str(n) for n in support.version_tuple(version))
    command = [iscc(), f"/DAppVersion={version}", f"/DFileVersion={numbers}",
               f"/DBundleDir={bundle}", str(HERE / "branch_crm.iss")]  # fmt: skip
    say(" ".join(command))
    subprocess.check_call(command, cwd=ROOT)
    return HERE / "Output" / f"BranchCRM-Setup-{version}.exe"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv(venv: Path) -> Path:
    """``venv`` with requirements/bundle.txt and the project installed; its Python."""
    lock = ROOT / "requirements" / "bundle.txt"
    digest = hashlib.sha256(lock.read_bytes() + (ROOT / "pyproject.toml").read_bytes())
    stamp = venv / f".bundle-{digest.hexdigest()[:16]}"
    python = venv_python(venv)
    if stamp.exists() and python.exists():
        return python
    pip = [str(python), "-m", "pip"]
    if not python.exists():
        say(f"creating {venv}")
        made = subprocess.call([sys.executable, "-m", "venv", str(venv)])
        if made != 0:  # a Python without ensurepip (Debian): borrow the checkout's pip
            subprocess.check_call([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    if subprocess.call([*pip, "--version"], stdout=subprocess.DEVNULL) != 0:
        pip = [str(venv_python(ROOT / ".venv")), "-m", "pip", "--python", str(python)]
    pip += ["install", "--disable-pip-version-check", "-q"]
    say(f"installing {lock.relative_to(ROOT)} into {venv}")
    subprocess.check_call([*pip, "--require-hashes", "-r", str(lock)])
    subprocess.check_call([*pip, "--no-deps", "-e", str(ROOT)])
    for old in venv.glob(".bundle-*"):
        old.unlink()
    stamp.write_text("ok\n")
    return python


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="build in this environment (made if needed)")
    parser.add_argument("--installer", action="store_true", help="also build the installer")
    parser.add_argument("--smoke", action="store_true", help="run installer/smoke.py after")
    args = parser.parse_args(argv)
    if args.venv is not None:
        python = ensure_venv(args.venv.resolve())
        rest = [a for a in argv if a != "--venv" and a != str(args.venv)]
        return subprocess.call([str(python), str(Path(__file__).resolve()), *rest])
    started = time.monotonic()
    bundle = build_bundle()
    say(
        f"bundle {bundle}: {folder_size(bundle) / 1e6:.0f} MB, version {support.app_version()}, "
        f"built in {time.monotonic() - started:.0f} s"
    )
    if args.installer:
        setup = build_installer(bundle)
        say(f"installer {setup}: {setup.stat().st_size / 1e6:.0f} MB")
    if args.smoke:
        return subprocess.call([sys.executable, str(HERE / "smoke.py"), str(bundle)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
