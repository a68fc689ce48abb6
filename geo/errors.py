"""The one error base: every problem a user can fix derives from :class:`HotspotsError`.

Each face maps it the same way: the API answers ``{"error": message}`` with :attr:`HotspotsError.status`,
the CLI prints one line and exits 2, the dashboard shows the message.  Anything that is *not* a
:class:`HotspotsError` is a bug: logged with its traceback and answered with a short message (500 / exit 1).
"""

from __future__ import annotations


class HotspotsError(Exception):
    """A problem with the user's input or the data they asked about (HTTP 400, exit code 2)."""

    #: HTTP status the API answers with.
    status: int = 400


class NotFoundError(HotspotsError):
    """The thing asked for does not exist (a hotspot rank, a deployment, a user)."""

    status = 404


class UnauthorisedError(HotspotsError):
    """No valid credentials were given."""

    status = 401


class ForbiddenError(HotspotsError):
    """The user's role may not see or do this."""

    status = 403


class UnavailableError(HotspotsError):
    """The store is missing, busy with an ingest, replaced or corrupted: try again later."""

    status = 503
