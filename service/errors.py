"""Errors of the service layer: the one base from :mod:`geo.errors` and the options error."""

from __future__ import annotations

from geo.errors import (
    ForbiddenError,
    HotspotsError,
    NotFoundError,
    UnauthorisedError,
    UnavailableError,
)

__all__ = [
    "ForbiddenError",
    "HotspotsError",
    "NotFoundError",
    "OptionsError",
    "UnauthorisedError",
    "UnavailableError",
]


class OptionsError(HotspotsError):
    """An option that cannot be used: unknown value, not a number, or outside :data:`service.limits.LIMITS`."""
