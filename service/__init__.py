"""The service layer: one typed options object, one function and one typed result per analysis.

Every face (dashboard callbacks, API routes, CLI verbs) parses its input into an options object,
calls the analysis function with a :class:`~service.source.Source`, and renders the result. So
every face shows the same numbers, by construction.

The pattern, for an analysis ``thing`` in ``service/thing.py``::

    @dataclass(frozen=True)
    class ThingOptions:
        selection: Selection = Selection()
        k: int = LIMITS["k"].default           # numeric options are checked against service.limits
        def __post_init__(self): ...            # validates once; raises OptionsError
        @classmethod
        def from_params(cls, params) -> ThingOptions   # URL/API/CLI parameter names, in one place
        def to_params(self) -> dict[str, str]          # the inverse, omitting defaults

    @dataclass(frozen=True)
    class ThingResult: ...                      # typed fields; no tuples checked by length

    @cache.cached
    def run_thing(source: Source, options: ThingOptions) -> ThingResult: ...

Errors a user can fix derive from :class:`service.errors.HotspotsError`; anything else is a bug.
"""

from service.errors import HotspotsError, OptionsError
from service.source import Source

__all__ = ["HotspotsError", "OptionsError", "Source"]
