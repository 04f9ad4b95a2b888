"""A reportlab canvas that writes each finished page to the file at once.

reportlab keeps every page of a document in memory until ``save()`` (as text, or deflated
with :func:`branch_crm.printing.common.compress_finished_pages`), so memory grows with the
page count. :class:`StreamingCanvas` formats a page and its content stream as soon as the
page is finished, writes them to the output file and forgets them; only the cross-reference
offsets (8 bytes per PDF object) and the shared objects (fonts, catalogue) stay until
``save()``. The bytes are an ordinary PDF 1.4 file: reportlab's own object formatting is used
for every object, only the order of objects in the file differs.

Limits: no encryption, no outlines/bookmarks or links pointing at earlier pages (nothing we
print uses them); :meth:`StreamingCanvas.getpdfdata` is not available.
"""

from __future__ import annotations

import logging
import zlib
from array import array
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFDocument,
    PDFIndirectObject,
    PDFName,
    PDFObject,
    PDFPages,
    PDFStream,
    PDFTrailer,
)
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)


class _KidNumbers(PDFObject):  # type: ignore[misc]  # reportlab is untyped
    """The /Kids array of the page tree, written from object numbers (no page objects)."""

    def __init__(self, numbers: array[int]) -> None:
        self.numbers = numbers

    def format(self, document: Any) -> bytes:
        refs = "\n ".join(f"{n} 0 R" for n in self.numbers)
        return f"[ {refs} ]".encode("latin-1")


class _StreamedPages(PDFPages):  # type: ignore[misc]
    """The page tree; remembers each page by its object number only."""

    def __init__(self) -> None:
        super().__init__()
        self.numbers: array[int] = array("i")

    def check_format(self, document: Any) -> None:
        self.Kids = _KidNumbers(self.numbers)
        self.Count = len(self.numbers)


def _deflate(page: Any) -> None:
    """Give the page a FlateDecode content stream (no ASCII85 layer: smaller and faster)."""
    stream = page.stream
    if not stream or page.Contents or not page.compression:
        return
    data = stream.encode("latin-1") if isinstance(stream, str) else stream
    contents = PDFStream(
        PDFDictionary({"Filter": PDFArray([PDFName("FlateDecode")])}), zlib.compress(data)
    )
    contents.__Comment__ = "page stream"
    page.Contents = contents
    page.stream = None


class StreamingDocument(PDFDocument):  # type: ignore[misc]
    """A PDFDocument whose pages are written to ``out`` as they are added."""

    def __init__(self, out: BinaryIO, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._out = out
        self.Pages = self._catalog.Pages = _StreamedPages()
        self.Reference(self.Pages)  # numbered now: every page refers to it as its parent
        header = pdfdoc.PDFFile(self._pdfVersion).strings[0]
        self._header_version = self._pdfVersion
        self._written = 0
        self._offsets: array[int] = array("q")
        self._write(header)
        self.pages_written = 0

    def _write(self, data: bytes) -> int:
        offset = self._written
        self._out.write(data)
        self._written += len(data)
        return offset

    def _set_offset(self, number: int, offset: int) -> None:
        if len(self._offsets) <= number:
            self._offsets.extend([0] * (number + 1 - len(self._offsets)))
        self._offsets[number] = offset

    def _write_object(self, number: int) -> None:
        name = self.numberToId[number]
        data = PDFIndirectObject(name, self.idToObject[name]).format(self)
        self._set_offset(number, self._write(data))

    def addPage(self, page: Any) -> None:
        """Number the page, write it and its content stream, then forget both."""
        _deflate(page)
        first = self.objectcounter + 1
        name = self.thisPageName()
        self.Reference(page, name)
        self.Pages.numbers.append(self.idToObjectNumberAndVersion[name][0])
        self.pageCounter += 1
        self.inObject = None
        number = first
        while number <= self.objectcounter:  # formatting the page numbers its content stream
            self._write_object(number)
            number += 1
        for done in range(first, number):
            done_name = self.numberToId.pop(done)
            del self.idToObject[done_name]
            del self.idToObjectNumberAndVersion[done_name]
        self.pages_written += 1

    def SaveToFile(self, filename: Any, canvas: Any) -> None:
        """Write the shared objects, the cross-reference table and the trailer."""
        if self.encrypt.info():
            raise NotImplementedError("encrypted streaming PDFs are not supported")
        for font in self.delayedFonts:
            font.addObjects(self)
        self.info.invariant = self.invariant
        self.info.digest(self.signature)
        self.Reference(self.Catalog)
        self.Reference(self.info)
        self.Outlines.prepare(self, canvas)
        if self.Outlines.ready < 0:
            self.Catalog.Outlines = None
        if self._pdfVersion > self._header_version:
            raise NotImplementedError(f"PDF {self._pdfVersion} needed after the header was written")
        self._finish()

    def _finish(self) -> None:
        number = 1
        while number <= self.objectcounter:  # formatting may number more objects (fonts)
            if number in self.numberToId:
                self._write_object(number)
            number += 1
        count = self.objectcounter
        if len(self._offsets) <= count:
            self._offsets.extend([0] * (count + 1 - len(self._offsets)))
        xref = self._write(b"xref\n")
        lines = [f"0 {count + 1}\n", "0000000000 65535 f \n"]
        lines += [f"{self._offsets[n]:010d} 00000 n \n" for n in range(1, count + 1)]
        self._write("".join(lines).encode("latin-1"))
        trailer = PDFTrailer(
            startxref=xref,
            Size=count + 1,
            Root=self.Reference(self.Catalog),
            Info=self.Reference(self.info),
            ID=self.ID(),
        )
        self._write(trailer.format(self))

    def GetPDFData(self, canvas: Any) -> bytes:
        """Not available: the pages are in the file, not in memory."""
        raise NotImplementedError("a streaming document is written to its file only")


class StreamingCanvas(Canvas):  # type: ignore[misc]
    """A Canvas writing to ``path`` page by page (bounded memory for long batches)."""

    def __init__(self, path: Path | str, **kwargs: Any) -> None:
        kwargs.setdefault("pageCompression", 1)
        super().__init__(str(path), **kwargs)
        self._file = open(path, "wb")  # noqa: SIM115 - closed by save() or discard()
        old: Any = self._doc
        self._doc: StreamingDocument = StreamingDocument(
            self._file,
            compression=old.compression,
            invariant=old.invariant,
            pdfVersion=old._pdfVersion,
        )
        # the page preamble names the initial font by the OLD document's internal name
        # ("/F1"); rebuild it so the font is registered in the document actually written
        self._make_preamble()

    @property
    def pages_written(self) -> int:
        """Pages already written to the file."""
        return self._doc.pages_written

    def save(self) -> None:
        """Finish the file (shared objects, cross-references, trailer) and close it."""
        try:
            super().save()
        finally:
            self._file.close()

    def discard(self) -> None:
        """Close the unfinished file (a cancelled job); the caller removes it."""
        self._file.close()
