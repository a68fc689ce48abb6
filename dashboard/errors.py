"""How the dashboard answers an error: a user's is shown as its message, anything else is logged.

Every face maps :class:`service.errors.HotspotsError` to its clear message (the API to
``{"error": message}`` with ``exc.status``, the CLI to one line and exit 2, the pages to the text in
the page); anything else is a bug, logged with its traceback and answered with a short message.
"""

from __future__ import annotations

import logging

from service.errors import HotspotsError

log = logging.getLogger("dashboard")


def explain(exc: BaseException, what: str) -> str:
    """The text a page shows for ``exc`` (call inside the ``except`` block, so the traceback is logged).

    Parameters
    ----------
    exc : BaseException
        The error caught.
    what : str
        What could not be shown, e.g. ``"Hotspots unavailable"``.
    """
    if isinstance(exc, HotspotsError):
        return f"{what}: {exc}"
    log.exception("%s", what)
    return f"{what}: an internal error ({type(exc).__name__}); see the server log"


def is_user_error(exc: BaseException) -> bool:
    """True for an error the user can fix (:class:`HotspotsError`)."""
    return isinstance(exc, HotspotsError)
