"""Errors of head office's service layer; the app turns each into a JSON response.

An error carries an English message template marked with ``N_()`` and its values:
``.detail`` is the English sentence (logs, tests, the command line); the app answers in
the caller's language with :meth:`HqError.render`.
"""

from __future__ import annotations

from collections.abc import Callable


class HqError(Exception):
    """A refusal with an HTTP status and a sentence a person can act on."""

    status = 400

    def __init__(self, message: str, /, **params: object) -> None:
        self.message, self.params = message, params
        self.detail = message.format(**params)
        super().__init__(self.detail)

    def render(self, translate: Callable[[str], str]) -> str:
        """The sentence in the language of ``translate`` (English if its template is
        broken: a refusal must still be answered)."""
        try:
            return translate(self.message).format(**self.params)
        except (KeyError, IndexError, ValueError):
            return self.detail


class Unauthorized(HqError):
    """Missing, unknown or revoked token (401)."""

    status = 401


class Forbidden(HqError):
    """The token's branch may not write or read this (403)."""

    status = 403


class NotFoundError(HqError):
    """No such branch or record (404)."""

    status = 404


class IncompatibleSchema(HqError):
    """Branch and head office versions cannot sync (409); the branch keeps its queue."""

    status = 409


class BadPayload(HqError):
    """A payload that parses but makes no sense (422)."""

    status = 422
