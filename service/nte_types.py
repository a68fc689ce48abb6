"""The night-time economy's crime types, keys and window: one place for every face.

**The crime-type rule, the same in the API, the CLI and the page**: the night-time crime types are
the selection's crime filter (parameter ``crime``) when one is given; otherwise violence
(:data:`geo.schema.NTE_VIOLENCE`).  The filter *replaces* the night-time types, it is never
intersected with them.  The NTE page's crime-type boxes set that same ``crime`` parameter.
"""

from __future__ import annotations

from geo.schema import NTE_VIOLENCE
from geo.selection import Selection
from geo.timing import NTE_OPTIONAL, NTE_WINDOW
from service.errors import OptionsError
from service.limits import LIMITS

#: Night-time crime-type keys (the page's boxes, documentation) -> data.police.uk crime type.
NTE_TYPE_KEYS: dict[str, str] = {
    "violence": NTE_VIOLENCE[0],
    "public-order": NTE_OPTIONAL[0],
    "criminal-damage": NTE_OPTIONAL[1],
    "asb": NTE_OPTIONAL[2],
}
#: Premises linking radius (metres) when none is given.
DEFAULT_RADIUS = float(LIMITS["premises_radius"].default or 50.0)
#: Linking radii offered on the page; the API and CLI take any value in the limits table.
RADII = (25, 50, 100)


def nte_types(selection: Selection) -> tuple[str, ...]:
    """The crime types analysed: the selection's crime filter when given, else violence."""
    return tuple(selection.crime_types) or NTE_VIOLENCE


def type_keys(types: tuple[str, ...]) -> list[str]:
    """The keys of those of ``types`` that have one, in table order."""
    return [k for k, t in NTE_TYPE_KEYS.items() if t in types]


def parse_window(text: object) -> tuple[int, int]:
    """``HH-HH`` (may cross midnight) -> (start, end); missing gives :data:`geo.timing.NTE_WINDOW`."""
    if text in (None, ""):
        return NTE_WINDOW
    try:
        a, b = (int(x) for x in str(text).split("-"))
    except ValueError:
        raise OptionsError(f"window '{text}' must be HH-HH, e.g. 18-06") from None
    if not (0 <= a <= 23 and 0 <= b <= 24) or a == b % 24:
        raise OptionsError(f"window '{text}': two different hours in 0-24")
    return a, b


def window_text(window: tuple[int, int], dash: str = "-") -> str:
    """``18:00-06:00`` (``dash`` between the two times)."""
    return f"{window[0]:02d}:00{dash}{window[1] % 24:02d}:00"
