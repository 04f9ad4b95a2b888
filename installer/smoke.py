"""Smoke test of a built desktop bundle: run its console program as IT and scheduled jobs do.

    python installer/smoke.py [BUNDLE_DIR]        # default dist/BranchCRM

Standard library only (it must run beside a bundle, without the project's environment).
In a fresh temporary data folder it runs ``branch-crm-cli``: ``--version`` (must equal
``branch_crm.__version__`` of this checkout), ``demo`` (a new database: migrations, demo
data), ``search``, ``care plan``, ``complaints sweep``, ``print survey`` (a PDF in Chinese:
must embed a TrueType font, the bundled one when the machine has none) and ``backup``; then
``--version`` of the windowed program, and ``care plan`` once more with no console at all
(standard handles closed, as under the Windows task scheduler; POSIX only here). Prints one
line per step with its time, then the bundle's size; exits 1 at the first failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WINDOWS = os.name == "nt"
TIMEOUT = 300


def exe(bundle: Path, name: str) -> Path:
    return bundle / (name + (".exe" if WINDOWS else ""))


def source_version() -> str:
    text = (ROOT / "src" / "branch_crm" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    assert match is not None
    return match.group(1)


class Smoke:
    def __init__(self, bundle: Path, data: Path) -> None:
        self.bundle = bundle
        self.data = data
        self.db = data / "branch.db"
        self.env = {
            **os.environ,
            "BRANCH_CRM_DATA_DIR": str(data),
            "BRANCH_CRM_KEYRING": "off",
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONIOENCODING": "utf-8",
        }
        self.failed = False

    def run(self, *args: str, program: str = "branch-crm-cli", **options: object) -> str:
        """Run the program; its standard output; raise on a non-zero exit."""
        command = [str(exe(self.bundle, program)), *args]
        result = subprocess.run(
            command,
            capture_output=True,
            env=self.env,
            timeout=TIMEOUT,
            check=False,
            **options,  # type: ignore[arg-type]
        )
        out = result.stdout.decode("utf-8", "replace")
        if result.returncode != 0:
            err = result.stderr.decode("utf-8", "replace")
            raise AssertionError(f"{' '.join(args)}: exit {result.returncode}\n{out}\n{err}")
        return out

    def step(self, title: str, check: Callable[[], str]) -> None:
        if self.failed:
            return
        started = time.monotonic()
        try:
            detail = check()
        except (AssertionError, OSError, subprocess.TimeoutExpired) as exc:
            self.failed = True
            print(f"FAIL {title} ({time.monotonic() - started:.1f} s): {exc}")
            return
        print(f"ok   {title} ({time.monotonic() - started:.1f} s){': ' + detail if detail else ''}")
        sys.stdout.flush()

    # the steps -------------------------------------------------------------------------
    def version(self) -> str:
        out = self.run("--version").strip()
        assert out.endswith(source_version()), f"{out!r} is not version {source_version()}"
        return out

    def demo(self) -> str:
        self.run("--lang", "en", "demo", "--db", str(self.db), "--customers", "300",
                       "--seed", "7")  # fmt: skip
        assert self.db.is_file(), "no database written"
        return f"{self.db.stat().st_size // 1024} KB"

    def search(self) -> str:
        lines = self.run("--lang", "en", "search", "--db", str(self.db), "--json", "1").splitlines()
        rows = [json.loads(line) for line in lines if line.strip()]
        assert rows and all("customer_id" in row for row in rows), lines[:3]
        return f"{len(rows)} customers"

    def care_plan(self) -> str:
        out = self.run("--lang", "en", "care", "plan", "--db", str(self.db), "--json")
        json.loads(out)
        return ""

    def sweep(self) -> str:
        self.run("--lang", "en", "complaints", "sweep", "--db", str(self.db))
        return ""

    def survey_pdf(self) -> str:
        pdf = self.data / "survey.pdf"
        self.run("--db", str(self.db), "--lang", "zh_CN", "print", "survey", "--batch",
                 "--tier", "strategic", "-o", str(pdf), "--language", "zh_CN")  # fmt: skip
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF"), "not a PDF"
        assert b"/FontFile2" in data, "no embedded TrueType font (fell back to STSong-Light)"
        return f"{len(data) // 1024} KB, TrueType font embedded"

    def read_back(self) -> str:
        """The printed survey PDF read as a returned scan: each page's QR serial must be
        read (reportlab draws them, zxing-cpp reads them, pypdfium2 renders the pages)."""
        out = self.run("--db", str(self.db), "--lang", "en", "surveys", "scan",
                       str(self.data / "survey.pdf"))  # fmt: skip
        summary = re.search(r"(\d+) pages?: .* (\d+) unreadable", out)
        assert summary is not None, out
        pages, unreadable = int(summary.group(1)), int(summary.group(2))
        assert pages > 0 and unreadable == 0, out
        serials = re.findall(r"page \d+: (\S+) ", out)
        assert len(serials) == pages, out
        return f"{pages} pages, every QR serial read"

    def signin_sheet(self) -> str:
        sessions = json.loads(
            self.run("--db", str(self.db), "--lang", "en", "training", "list", "--json")
        )
        assert sessions, "the demo has no training session"
        pdf = self.data / "signin.pdf"
        self.run("--db", str(self.db), "--lang", "zh_CN", "print", "signin", "--session",
                 sessions[0]["reference"], "-o", str(pdf), "--language", "zh_CN")  # fmt: skip
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and b"/FontFile2" in data, "no PDF with an embedded font"
        return f"{len(data) // 1024} KB"

    def bundled_font(self) -> str:
        """The survey again with the system's font folders hidden: only the bundle's font is
        left to embed (without it, the PDF would have the unembedded fallback)."""
        empty = self.data / "no-fonts"
        empty.mkdir(exist_ok=True)
        hidden = {"XDG_DATA_DIRS": str(empty), "HOME": str(empty), "WINDIR": str(empty),
                  "LOCALAPPDATA": str(empty), "BRANCH_CRM_CJK_FONT": ""}  # fmt: skip
        saved, self.env = self.env, {**self.env, **hidden}
        try:
            pdf = self.data / "survey-bundled-font.pdf"
            self.run("--db", str(self.db), "--lang", "zh_CN", "print", "survey", "--batch",
                     "--tier", "strategic", "-o", str(pdf), "--language", "zh_CN")  # fmt: skip
        finally:
            self.env = saved
        data = pdf.read_bytes()
        assert b"/FontFile2" in data, "the bundled font was not found (no embedded font)"
        assert b"WenQuanYi" in data, "embedded font is not the bundled WenQuanYi Micro Hei"
        return "WenQuanYi Micro Hei from the bundle"

    def backup(self) -> str:
        (self.data / "backups").mkdir()
        out = self.run("--db", str(self.db), "--lang", "en", "backup", "--to",
                       str(self.data / "backups"))  # fmt: skip
        assert list((self.data / "backups").glob("*")), out
        return ""

    def windowed_version(self) -> str:
        if WINDOWS:
            # a windowed program has no console to print to: check it starts and exits 0
            self.run("--version", program="BranchCRM")
            return "exit 0"
        return self.run("--version", program="BranchCRM").strip()

    def no_console(self) -> str:
        if WINDOWS:
            flags = subprocess.CREATE_NO_WINDOW | subprocess.DETACHED_PROCESS
            command = [
                str(exe(self.bundle, "branch-crm-cli")),
                "care",
                "plan",
                "--db",
                str(self.db),
            ]
            code = subprocess.call(command, env=self.env, creationflags=flags, timeout=TIMEOUT,
                                   stdin=subprocess.DEVNULL, stdout=None, stderr=None)  # fmt: skip
        else:

            def close_standard_handles() -> None:
                for fd in (0, 1, 2):
                    os.close(fd)

            command = [
                str(exe(self.bundle, "branch-crm-cli")),
                "care",
                "plan",
                "--db",
                str(self.db),
            ]
            code = subprocess.call(command, env=self.env, timeout=TIMEOUT,
                                   preexec_fn=close_standard_handles)  # fmt: skip
        assert code == 0, f"exit {code} with no console"
        return ""


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str]) -> int:
    bundle = Path(argv[0]) if argv else ROOT / "dist" / "BranchCRM"
    if not exe(bundle, "branch-crm-cli").is_file():
        print(f"no console program in {bundle}: build it first (python installer/build.py)")
        return 2
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="branch-crm-smoke-") as tmp:
        smoke = Smoke(bundle, Path(tmp))
        smoke.step("--version", smoke.version)
        smoke.step("demo database", smoke.demo)
        smoke.step("search", smoke.search)
        smoke.step("care plan", smoke.care_plan)
        smoke.step("complaints sweep", smoke.sweep)
        smoke.step("print survey (zh_CN PDF)", smoke.survey_pdf)
        smoke.step("read the survey PDF back (surveys scan)", smoke.read_back)
        smoke.step("print sign-in sheet (zh_CN PDF)", smoke.signin_sheet)
        smoke.step("print survey, system fonts hidden", smoke.bundled_font)
        smoke.step("backup", smoke.backup)
        smoke.step("windowed program --version", smoke.windowed_version)
        smoke.step("care plan with no console", smoke.no_console)
    notices = (bundle / "THIRD-PARTY-NOTICES.txt").is_file()
    print(
        f"bundle {bundle}: {folder_size(bundle) / 1e6:.0f} MB; notices "
        f"{'present' if notices else 'MISSING'}; smoke {time.monotonic() - started:.0f} s"
    )
    return 1 if smoke.failed or not notices else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
