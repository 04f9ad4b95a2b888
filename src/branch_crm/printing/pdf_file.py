"""The one way a PDF is written to disk: every printed document goes through here.

Pages are streamed (:class:`~branch_crm.printing.stream.StreamingCanvas`) into a temporary
file beside the target; only a finished document replaces the target, in one
``os.replace``. A document that fails or is cancelled half-way leaves the file that was
there before untouched and no partial file behind, so a preview, a printer or a supervisor
opening the folder never sees half a PDF.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from branch_crm.printing.common import PAGE_H, PAGE_W
from branch_crm.printing.stream import StreamingCanvas

__all__ = ["PdfFile", "pdf_canvas"]

log = logging.getLogger(__name__)

CREATOR = "Branch CRM"


class PdfFile:
    """One PDF being written to ``output``: draw on :attr:`canvas`, then :meth:`finish`
    (or :meth:`discard` on cancel or error). Raises ``OSError`` when the folder cannot be
    written; callers turn it into a message for the user."""

    def __init__(
        self,
        output: Path | str,
        *,
        title: str,
        pagesize: tuple[float, float] = (PAGE_W, PAGE_H),
    ) -> None:
        self.output = Path(output)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(
            prefix=f".{self.output.stem}-", suffix=".part", dir=self.output.parent
        )
        os.close(handle)
        self._partial = Path(name)
        try:
            self.canvas = StreamingCanvas(self._partial, pagesize=pagesize, pageCompression=1)
        except BaseException:
            self._partial.unlink(missing_ok=True)
            raise
        self.canvas.setTitle(title)
        self.canvas.setCreator(CREATOR)
        self._open = True

    @property
    def partial(self) -> Path:
        """The temporary file the pages go to until the document is finished."""
        return self._partial

    def finish(self) -> Path:
        """Complete the document and put it in place of ``output``; returns ``output``."""
        try:
            self.canvas.save()
            os.replace(self._partial, self.output)
        except BaseException:
            self.discard()
            raise
        self._open = False
        return self.output

    def discard(self) -> None:
        """Abandon the document: ``output`` keeps what it held before; nothing is left."""
        if self._open:
            self.canvas.discard()
            self._open = False
        self._partial.unlink(missing_ok=True)


@contextmanager
def pdf_canvas(
    output: Path | str,
    *,
    title: str,
    pagesize: tuple[float, float] = (PAGE_W, PAGE_H),
) -> Iterator[StreamingCanvas]:
    """``with pdf_canvas(path, title=...) as canvas:`` draw the pages; the file appears at
    ``path`` when the block ends without an error (see :class:`PdfFile`)."""
    pdf = PdfFile(output, title=title, pagesize=pagesize)
    try:
        yield pdf.canvas
    except BaseException:
        pdf.discard()
        raise
    pdf.finish()
