"""The pages of a scanned file as images: PDF (rendered at 200 dpi), PNG, JPEG, TIFF (every
page of a multi-page TIFF). A file that cannot be opened raises :class:`ScanFileError`, with
the reason in words; pages are produced one at a time, so memory does not grow with a stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branch_crm.errors import CrmError
from branch_crm.i18n import _

__all__ = ["PDF_DPI", "SUFFIXES", "PageImage", "ScanFileError", "count_pages", "read_pages"]

PDF_DPI = 200
SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff")
MAX_PIXELS = 60_000_000
"""A larger image is refused (a photo of 48 megapixels is fine)."""


class ScanFileError(CrmError):
    """A file that is not a readable PDF or image."""


@dataclass
class PageImage:
    """Page ``number`` (from 1) of ``path``: greyscale or BGR pixels (numpy, uint8)."""

    path: Path
    number: int
    pixels: Any

    @property
    def label(self) -> str:
        """``name.pdf p.3`` (the page number only for files of several pages)."""
        return _("{name} page {number}").format(name=self.path.name, number=self.number)


def _kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff")):
        return "image"
    return ""


def _open_error(path: Path, reason: str) -> ScanFileError:
    return ScanFileError(_("Cannot read {path}: {reason}").format(path=path, reason=reason))


def _check(path: Path) -> str:
    if not path.exists():
        raise _open_error(path, _("no such file"))
    if path.is_dir():
        raise _open_error(path, _("it is a folder"))
    try:
        kind = _kind(path)
    except OSError as exc:
        raise _open_error(path, exc.strerror or str(exc)) from exc
    if not kind:
        raise _open_error(path, _("not a PDF, PNG, JPEG or TIFF file"))
    return kind


def _pdf_pages(path: Path, dpi: int) -> Iterator[PageImage]:
    import numpy as np
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise _open_error(path, _("the PDF is damaged or protected")) from exc
    try:
        for index in range(len(document)):
            page = document[index]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            image = bitmap.to_numpy()
            pixels = np.ascontiguousarray(image[:, :, 0] if image.ndim == 3 else image)
            page.close()
            yield PageImage(path, index + 1, pixels)
    finally:
        document.close()


def _pil_pages(path: Path) -> Iterator[PageImage]:
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(path)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise _open_error(path, _("the image is damaged or of an unknown kind")) from exc
    with image:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            try:
                if frame.mode in ("L", "RGB"):
                    pixels = np.asarray(frame)
                elif frame.mode in ("1", "I;16", "I", "F", "P", "LA"):
                    pixels = np.asarray(frame.convert("L"))
                else:
                    pixels = np.asarray(frame.convert("RGB"))
            except OSError as exc:
                raise _open_error(path, _("the image is damaged or of an unknown kind")) from exc
            if pixels.ndim == 3:
                pixels = np.ascontiguousarray(pixels[:, :, ::-1])  # RGB -> BGR (OpenCV)
            yield PageImage(path, index + 1, pixels)


def read_pages(path: Path, *, dpi: int = PDF_DPI) -> Iterator[PageImage]:
    """Every page of ``path``, in order; raises ScanFileError before the first page when the
    file cannot be opened."""
    path = Path(path)
    kind = _check(path)
    pages = _pdf_pages(path, dpi) if kind == "pdf" else _pil_pages(path)
    first = next(pages, None)  # opening errors surface here, before anything is read
    if first is None:
        raise _open_error(path, _("it has no pages"))
    yield first
    yield from pages


def count_pages(path: Path) -> int:
    """How many pages ``path`` has (for progress); raises ScanFileError."""
    path = Path(path)
    kind = _check(path)
    if kind == "pdf":
        import pypdfium2 as pdfium

        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise _open_error(path, _("the PDF is damaged or protected")) from exc
        try:
            return len(document)
        finally:
            document.close()
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1))
    except (UnidentifiedImageError, OSError) as exc:
        raise _open_error(path, _("the image is damaged or of an unknown kind")) from exc
