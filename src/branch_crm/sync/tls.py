"""TLS to head office: certificates are checked against the operating system's certificate
store (Windows, macOS, Linux: ``truststore``), so an office's own certificate authority or a
TLS-inspecting proxy that IT has put in that store is trusted, as in the browser; or against
one CA certificate file (PEM) given in the settings (``hq.ca_file``)."""

from __future__ import annotations

import functools
import logging
import ssl
from pathlib import Path

log = logging.getLogger(__name__)


class CaFileError(Exception):
    """The CA certificate file of the settings cannot be used; ``reason`` in short."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def ssl_context(ca_file: str | Path | None = None) -> ssl.SSLContext:
    """The context to verify head office with: only ``ca_file``'s authorities when one is
    given (CaFileError when it cannot be read), else the OS certificate store."""
    if ca_file:
        path = Path(ca_file)
        if not path.is_file():
            raise CaFileError(str(path), "no such file")
        try:
            return ssl.create_default_context(cafile=str(path))
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise CaFileError(str(path), str(exc) or type(exc).__name__) from exc
    return _store_context()


@functools.cache
def _store_context() -> ssl.SSLContext:
    """One context on the OS store per process (the store itself is consulted at each
    handshake on Windows and macOS)."""
    try:
        import truststore
    except ImportError:  # an install without it: Python's own defaults
        log.warning("truststore is not installed: the OS certificate store is not used")
        return ssl.create_default_context()
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def certificate_problem(exc: BaseException) -> str | None:
    """The verification failure (in OpenSSL's or the OS's words) behind a connection error,
    None when the error is not about an untrusted certificate."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    for error in chain:
        if isinstance(error, ssl.SSLCertVerificationError):
            return str(error.verify_message or error.reason or error)
    for error in chain:
        text = str(error)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
            return text
    return None
