"""A CJK font for printed documents: embed a TrueType font found on the PC, else STSong-Light.

DESIGN.md section 5: Chinese must render on any PC. We look for a TrueType CJK font in the
usual system folders (Windows, Linux, macOS), embed it (reportlab subsets it), and fall back
to reportlab's built-in CID font STSong-Light, which is not embedded: PDF viewers substitute
a system Song/Ming face for it. Fonts with PostScript (CFF) outlines, such as the Noto CJK
``.ttc`` files of Debian's fonts-noto-cjk, are refused by reportlab and skipped.

The installed desktop bundle carries WenQuanYi Micro Hei (``resources/fonts``, put there by
the build: installer/branch_crm.spec), searched after the system's folders, so a PC without a
Chinese TrueType font still embeds one; a source checkout has no such folder.

Some fallback fonts (Droid Sans Fallback) carry no Latin letters or digits; text is then
split into runs and the characters the CJK font lacks are drawn in Helvetica. The same is
done for separators a font lacks (the ``·`` of "a · b" in STSong-Light, checked against the
glyphs of an embedded font), so they never print as empty boxes.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

FALLBACK_CID = "STSong-Light"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
ENV_OVERRIDE = "BRANCH_CRM_CJK_FONT"
"""``path`` or ``path#index`` of a font to try first (IT can point at a company font)."""
CJK_PROBE = "中文签到表培训满意度调查"
LATIN_PROBE = "AZaz09"
PUNCTUATION_PROBE = "·–—•…“”‘’×"
"""Separators and punctuation our texts use: a font lacking one has it drawn in Helvetica
(which has them all), never as an empty box."""
CID_LACKS = "·–•"
"""What the STSong-Light fallback (UniGB-UCS2-H) cannot show: the middle dot of "a · b"
renders as a box, the en dash as a narrow hyphen with a gap; Helvetica draws them."""

# (file name, sub-font index inside a .ttc), best first.
SEARCH_LIST: list[tuple[str, int]] = [
    # Windows
    ("msyh.ttc", 0),  # Microsoft YaHei (Windows 8+)
    ("msyh.ttf", 0),  # Microsoft YaHei (Windows 7)
    ("simhei.ttf", 0),  # SimHei
    ("simsun.ttc", 0),  # SimSun
    ("simkai.ttf", 0),
    # Linux
    ("wqy-microhei.ttc", 0),  # fonts-wqy-microhei
    ("wqy-zenhei.ttc", 0),  # fonts-wqy-zenhei
    ("NotoSansSC-Regular.ttf", 0),
    ("NotoSansCJKsc-Regular.ttf", 0),
    ("NotoSansCJK-Regular.ttc", 2),  # CFF outlines: reportlab refuses it, kept for a future one
    ("uming.ttc", 0),  # fonts-arphic-uming
    ("DroidSansFallbackFull.ttf", 0),  # fonts-droid-fallback (no Latin glyphs)
    ("DroidSansFallback.ttf", 0),
    # macOS
    ("PingFang.ttc", 0),
    ("STHeiti Light.ttc", 0),
    ("STHeiti Medium.ttc", 0),
    ("Hiragino Sans GB.ttc", 0),
    ("Songti.ttc", 0),
    ("Arial Unicode.ttf", 0),
]


def bundled_font_dir() -> Path:
    """The fonts shipped with the desktop bundle (absent in a source checkout)."""
    from importlib import resources

    return Path(str(resources.files("branch_crm") / "resources" / "fonts"))


def font_dirs() -> list[Path]:
    """Folders that hold system and per-user fonts on this platform, then the bundle's."""
    return [*system_font_dirs(), bundled_font_dir()]


def system_font_dirs() -> list[Path]:
    """Folders that hold system and per-user fonts on this platform."""
    home = Path.home()
    if sys.platform.startswith("win"):
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [
            Path("/System/Library/Fonts"),
            Path("/System/Library/Fonts/Supplemental"),
            Path("/Library/Fonts"),
            home / "Library" / "Fonts",
        ]
    data_dirs = os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":")
    return [
        *(Path(d) / "fonts" for d in data_dirs if d),
        home / ".local" / "share" / "fonts",
        home / ".fonts",
    ]


@dataclass(frozen=True)
class PdfFonts:
    """The fonts registered for printing and how to split text among them.

    ``regular``/``bold`` are reportlab font names. ``missing`` holds characters the CJK
    font lacks (checked per character) when it has no Latin glyphs; such characters are
    drawn in Helvetica. ``embedded`` is False for the STSong-Light fallback.
    """

    regular: str
    bold: str
    path: Path | None
    embedded: bool
    label: str
    needs_split: bool = False
    _glyphs: frozenset[int] = field(default=frozenset(), repr=False)
    """The characters the font has (checked when ``needs_split``); empty: all but ``_lacks``."""
    _lacks: frozenset[int] = field(default=frozenset(), repr=False)
    """Punctuation the font is known to lack (:data:`PUNCTUATION_PROBE`), drawn in Helvetica."""

    def covers(self, char: str) -> bool:
        """True when the CJK font draws ``char`` itself."""
        code = ord(char)
        if code in self._lacks:
            return False
        return not self.needs_split or not self._glyphs or code in self._glyphs

    def runs(self, text: str, bold: bool = False) -> list[tuple[str, str]]:
        """``text`` cut into (piece, font name) runs, each drawable with one font."""
        main = self.bold if bold else self.regular
        if not self.needs_split:
            return [(text, main)]
        latin = LATIN_BOLD if bold else LATIN
        out: list[tuple[str, str]] = []
        for char in text:
            name = main if self.covers(char) else latin
            if out and out[-1][1] == name:
                out[-1] = (out[-1][0] + char, name)
            else:
                out.append((char, name))
        return out


_lock = threading.Lock()
_chosen: list[PdfFonts] = []
"""Holds the fonts once chosen (a list, so no ``global`` statement is needed)."""


def _index_dirs(dirs: Iterable[Path]) -> dict[str, Path]:
    """Lower-case file name -> first path found, over every font folder (recursive)."""
    found: dict[str, Path] = {}
    seen: set[str] = set()
    for folder in dirs:
        if not folder.is_dir():
            continue
        # font folders are often symlinks (Debian alternatives, NixOS, a linked company font
        # share): follow them, but visit each real folder once (no endless symlink loops)
        for root, subdirs, files in os.walk(folder, followlinks=True):
            real = os.path.realpath(root)
            if real in seen:
                subdirs.clear()
                continue
            seen.add(real)
            for name in files:
                found.setdefault(name.lower(), Path(root) / name)
    return found


def candidates() -> list[tuple[Path, int]]:
    """Font files to try, best first: the override variable, then SEARCH_LIST hits."""
    out: list[tuple[Path, int]] = []
    override = os.environ.get(ENV_OVERRIDE, "").strip()
    if override:
        path, _sep, index = override.partition("#")
        out.append((Path(path), int(index) if index.isdigit() else 0))
    index_by_name = _index_dirs(font_dirs())
    for name, sub in SEARCH_LIST:
        hit = index_by_name.get(name.lower())
        if hit is not None:
            out.append((hit, sub))
    return out


def _try_ttf(path: Path, sub: int) -> PdfFonts | None:
    """Register ``path`` as an embedded TrueType font if reportlab accepts it and it has CJK."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    name = f"CJK-{path.stem}-{sub}".replace(" ", "")
    try:
        font = TTFont(name, str(path), subfontIndex=sub)
    except (TTFError, OSError, ValueError, KeyError, IndexError) as exc:
        log.info("font %s#%d not usable: %s", path, sub, exc)
        return None
    glyphs = frozenset(font.face.charToGlyph)
    if any(ord(c) not in glyphs for c in CJK_PROBE):
        log.info("font %s#%d lacks Chinese characters; skipped", path, sub)
        return None
    pdfmetrics.registerFont(font)
    family = font.face.name.decode("latin-1") if isinstance(font.face.name, bytes) else name
    needs_split = any(ord(c) not in glyphs for c in LATIN_PROBE)
    lacks = frozenset(ord(c) for c in PUNCTUATION_PROBE if ord(c) not in glyphs)
    return PdfFonts(
        regular=name,
        bold=name,
        path=path,
        embedded=True,
        label=f"{family} ({path})",
        needs_split=needs_split or bool(lacks),
        _glyphs=glyphs if needs_split else frozenset(),
        _lacks=lacks,
    )


def _fallback() -> PdfFonts:
    """reportlab's built-in STSong-Light CID font (not embedded; viewers substitute it)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
    return PdfFonts(
        regular=FALLBACK_CID,
        bold=FALLBACK_CID,
        path=None,
        embedded=False,
        label=f"{FALLBACK_CID} (built-in, not embedded)",
        needs_split=True,
        _lacks=frozenset(ord(c) for c in CID_LACKS),
    )


def choose_fonts() -> PdfFonts:
    """Find, register and return the printing fonts (no caching; see :func:`pdf_fonts`)."""
    for path, sub in candidates():
        fonts = _try_ttf(path, sub)
        if fonts is not None:
            log.info("printing with embedded font %s", fonts.label)
            return fonts
    fonts = _fallback()
    log.info("no embeddable CJK TrueType font found; printing with %s", fonts.label)
    return fonts


def pdf_fonts() -> PdfFonts:
    """The printing fonts, chosen once per process."""
    with _lock:
        if not _chosen:
            _chosen.append(choose_fonts())
        return _chosen[0]


def reset() -> None:
    """Forget the chosen fonts (tests change the search list, IT changes the override)."""
    with _lock:
        _chosen.clear()
