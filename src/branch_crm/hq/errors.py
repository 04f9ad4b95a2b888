"""Errors of head office's service layer; the app turns each into a JSON response."""

from __future__ import annotations


class HqError(Exception):
    """A refusal with an HTTP status and a sentence a person can act on."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


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
