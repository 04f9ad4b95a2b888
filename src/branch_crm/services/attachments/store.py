"""What may go into the content-addressed file store beside the database (its layout and
atomic writes: db.file_store).

A file is checked by its content, never its name: JPEG, PNG and HEIC photos (HEIC becomes
JPEG: every PC and printer reads that) and PDF. A photo is turned upright (EXIF
orientation), scaled down to a print size (:data:`MAX_SIDE` on its long side) and written
again without its metadata (no GPS position of the customer's home travels with it).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from branch_crm.errors import CrmError
from branch_crm.i18n import _

log = logging.getLogger(__name__)

MAX_SIDE = 2000
"""Long side of a stored photo in pixels: sharp on an A4 page at 200 dpi."""
JPEG_QUALITY = 85
MAX_PIXELS = 80_000_000
"""A picture claiming more pixels than this is refused before it is decoded (a "bomb")."""
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
MIME_EXTENSION = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


class AttachmentRefused(CrmError):
    """A file that cannot be attached; the message says why in the user's language."""


@dataclass(frozen=True)
class Prepared:
    """A file ready for the store: its bytes as stored and what they are."""

    data: bytes
    mime: str
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        """The store key of these bytes."""
        return hashlib.sha256(self.data).hexdigest()


def sniff(head: bytes) -> str | None:
    """What the first bytes say a file is: jpeg, png, heic, pdf or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "heic"
    return None


def prepare(data: bytes, *, name: str, max_bytes: int) -> Prepared:
    """Check ``data`` by its content and turn it into what is stored; AttachmentRefused with
    a clear message otherwise (too large, not a photo or PDF, cut short, unreadable)."""
    if len(data) > max_bytes:
        raise AttachmentRefused(
            _("{name} is {size}; a file may be at most {limit}.").format(
                name=name, size=human_size(len(data)), limit=human_size(max_bytes)
            )
        )
    if not data:
        raise AttachmentRefused(_("{name} is empty.").format(name=name))
    kind = sniff(data[:32])
    if kind is None:
        raise AttachmentRefused(
            _("{name} is not a photo (JPEG, PNG, HEIC) or a PDF.").format(name=name)
        )
    if kind == "pdf":
        return _pdf(data, name)
    return _image(data, kind, name)


def _pdf(data: bytes, name: str) -> Prepared:
    if b"%%EOF" not in data[-2048:]:
        raise AttachmentRefused(_("{name} is cut short: the PDF has no end.").format(name=name))
    return Prepared(data, "application/pdf")


def _image(data: bytes, kind: str, name: str) -> Prepared:
    from PIL import Image, ImageOps

    if kind == "heic":
        _register_heif()
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()  # reads every byte: a cut-off file fails here
            picture = ImageOps.exif_transpose(opened)
    except Image.DecompressionBombError as exc:
        raise AttachmentRefused(
            _("{name} has too many pixels to be a photo of a parcel.").format(name=name)
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        log.info("picture %s refused: %s", name, exc)
        raise AttachmentRefused(
            _("{name} is cut short or damaged and cannot be read.").format(name=name)
        ) from exc
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if kind == "png":
        if picture.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            picture = picture.convert("RGBA")
        picture.save(out, "PNG", optimize=True)
        mime = "image/png"
    else:
        if picture.mode != "RGB":
            picture = picture.convert("RGB")
        picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        mime = "image/jpeg"
    return Prepared(out.getvalue(), mime, picture.width, picture.height)


def _register_heif() -> None:
    try:
        import pillow_heif
    except ImportError as exc:  # installed with the app; a broken install says so
        raise AttachmentRefused(_("HEIC photos cannot be read on this PC.")) from exc
    pillow_heif.register_heif_opener()


def human_size(size: int) -> str:
    """1.5 MB, 800 KB, 12 bytes."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return _("{count} bytes").format(count=size)
