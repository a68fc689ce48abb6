"""Parameter parsing shared by every options object: the selection, choices, booleans, one-value checks.

Parameters arrive as a mapping of name to a string, a number or a list (a repeated query-string key,
a repeated CLI flag).  The shared selection names are those of :mod:`geo.params`; each options
object adds its own and refuses names it does not know.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from geo.params import selection_from_mapping, selection_to_mapping
from geo.selection import Selection
from service.errors import OptionsError

#: Query parameters of the shared selection (the same names in URLs, the API and CLI flags).
SHARED_PARAMS: tuple[str, ...] = ("from", "to", "crime", "ho", "sector", "zone", "days", "hours", "night_cutoff")

Params = Mapping[str, Any]


def check_known(params: Params, own: Iterable[str]) -> None:
    """Refuse parameters that are neither shared selection names nor in ``own``.

    Raises
    ------
    OptionsError
        Naming the unknown parameters and the allowed ones.
    """
    allowed = (*SHARED_PARAMS, *own)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise OptionsError(f"unknown parameter(s) {', '.join(unknown)}; use {', '.join(allowed)}")


def selection_of(params: Params) -> Selection:
    """The selection described by the shared parameters of ``params`` (others are ignored)."""
    return selection_from_mapping({k: v for k, v in params.items() if k in SHARED_PARAMS})


def selection_params(selection: Selection) -> dict[str, str | list[str]]:
    """The shared parameters of a selection, omitting defaults."""
    return selection_to_mapping(selection)


def single(params: Params, name: str) -> Any:
    """The one value of ``name`` (None when absent); a repeated parameter is an error."""
    value = params.get(name)
    if isinstance(value, list | tuple):
        if len(value) > 1:
            raise OptionsError(f"parameter '{name}' given more than once")
        value = value[0] if value else None
    return value


def choice(params: Params, name: str, choices: Iterable[str], default: str) -> str:
    """One of ``choices`` (``default`` when absent or empty)."""
    value = single(params, name)
    if value in (None, ""):
        return default
    options = tuple(choices)
    if str(value) not in options:
        raise OptionsError(f"unknown {name} '{value}'; choose from {', '.join(options)}")
    return str(value)


def flag(params: Params, name: str, default: bool = False) -> bool:
    """A true/false parameter (``1/0``, ``true/false``, ``yes/no``, ``on/off``)."""
    value = single(params, name)
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise OptionsError(f"parameter '{name}' must be true or false, got '{value}'")


def number_text(value: float | int) -> str:
    """A number as a parameter value (``150``, not ``150.0``)."""
    return f"{value:g}" if isinstance(value, float) else str(value)
