"""Message catalogue tool: find strings without a translation and add them to an area file.

    python scripts/i18n.py check                 # list untranslated strings per language
    python scripts/i18n.py add AREA [PATH...]    # append missing strings from PATHs (default:
                                                 # all of src) to <lang>/AREA.po: English gets the
                                                 # source text, Chinese an empty msgstr to fill in
    python scripts/i18n.py fill AREA FILE.json   # set Chinese translations of zh_CN/AREA.po from a
                                                 # JSON object {msgid: translation}

Catalogues live in src/branch_crm/resources/locale/<lang>/<area>.po; every file of a language
is loaded. Run it with the project's virtual environment (.venv/bin/python).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "branch_crm"
LOCALE = SRC / "resources" / "locale"
LANGS = ("zh_CN", "en")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def extract(paths: Iterable[Path]) -> dict[str | tuple[str, str], list[str]]:
    """msgid (or (singular, plural)) -> source locations, for every marked string."""
    found: dict[str | tuple[str, str], list[str]] = {}
    for path in paths:
        for lineno, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            key = message if isinstance(message, str) else (message[0], message[1])
            found.setdefault(key, []).append(f"{path.relative_to(ROOT)}:{lineno}")
    return found


def source_files(args: list[str]) -> list[Path]:
    """The .py files under the given paths (default: the whole package)."""
    roots = [ROOT / a for a in args] if args else [SRC]
    files: list[Path] = []
    for root in roots:
        files += [root] if root.is_file() else sorted(root.rglob("*.py"))
    return files


def translated(lang: str) -> set[str]:
    """msgids (singular form) with a non-empty translation in any file of ``lang``."""
    done: set[str] = set()
    for po_file in (LOCALE / lang).glob("*.po"):
        with po_file.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
            strings = (
                message.string if isinstance(message.string, tuple | list) else [message.string]
            )
            if all(strings):
                done.add(str(msgid))
    return done


def check() -> int:
    """Print untranslated strings; non-zero exit when any."""
    found = extract(source_files([]))
    missing = 0
    for lang in LANGS:
        have = translated(lang)
        for key, where in sorted(found.items(), key=lambda kv: str(kv[0])):
            msgid = key if isinstance(key, str) else key[0]
            if msgid not in have:
                missing += 1
                sys.stdout.write(f"{lang}: {msgid!r}  ({where[0]})\n")
    return 1 if missing else 0


def add(area: str, paths: list[str]) -> int:
    """Append missing strings of ``paths`` to each language's ``area.po``."""
    found = extract(source_files(paths))
    for lang in LANGS:
        target = LOCALE / lang / f"{area}.po"
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            with target.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Branch CRM", charset="utf-8")
        present = {
            str(m.id[0] if isinstance(m.id, tuple | list) else m.id) for m in catalog if m.id
        }
        have = translated(lang) | present
        added = 0
        for key, where in found.items():
            msgid = key if isinstance(key, str) else key[0]
            if msgid in have:
                continue
            string: str | tuple[str, ...]
            if isinstance(key, tuple):
                string = key if lang == "en" else ("",)
            else:
                string = key if lang == "en" else ""
            catalog.add(
                key, string, locations=[(w.split(":")[0], int(w.split(":")[1])) for w in where]
            )
            added += 1
        with target.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
        sys.stdout.write(f"{target.relative_to(ROOT)}: {added} added\n")
    return 0


def fill(area: str, json_file: str) -> int:
    """Set zh_CN translations of ``area.po`` from a JSON mapping msgid -> translation."""
    import json

    mapping = json.loads(Path(json_file).read_text(encoding="utf-8"))
    target = LOCALE / "zh_CN" / f"{area}.po"
    with target.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    done = 0
    for message in catalog:
        msgid = message.id[0] if isinstance(message.id, tuple | list) else message.id
        if msgid in mapping:
            text = mapping[msgid]
            message.string = (text,) if isinstance(message.id, tuple | list) else text
            done += 1
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
    sys.stdout.write(f"{target.relative_to(ROOT)}: {done} translations set\n")
    return 0


def main(argv: list[str]) -> int:
    """Command-line entry."""
    commands = {"check": 1, "add": 2, "fill": 3}
    if not argv or argv[0] not in commands or len(argv) < commands[argv[0]]:
        sys.stdout.write(__doc__ or "")
        return 2
    if argv[0] == "check":
        return check()
    if argv[0] == "fill":
        return fill(argv[1], argv[2])
    return add(argv[1], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
