"""The one error of the review engine: a detector whose package is not installed or will not load."""

from __future__ import annotations


class ModelUnavailable(RuntimeError):
    """A detector cannot run here; the message names the missing package and the extra that brings it."""
