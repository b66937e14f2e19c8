"""The one error type the API and the actions raise for bad input.

Every refusal reaches the client as ``{"detail": ..., "code": ...}`` with a 4xx
status; ``detail`` is translated, ``code`` is stable for programs.
"""

from __future__ import annotations


class ApiError(Exception):
    status = 400

    def __init__(self, detail: str, code: str, *, status: int | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.detail = str(detail)
        self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}


class NotFound(ApiError):
    status = 404


class PermissionDenied(ApiError):
    status = 403
