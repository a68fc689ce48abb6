"""Recording deployments: one input object for every face (CLI flags, the dashboard form, a plan).

Parameter names (the same in the CLI, URLs and forms): ``kind`` (van/patrol), exactly one of
``site`` (``E,N``, with ``radius``), ``cell`` (``E,N,SIZE``) or ``area`` (GeoJSON text in WGS84),
``from``/``to`` (dd/mm/yyyy), ``days`` (``fri,sat``), ``hours`` (``20-04``), ``who``, ``notes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import shapely

from geo import deployments as dep
from geo.deployments import Deployment, DeploymentError
from geo.params import parse_date, parse_days, parse_hours
from geo.selection import SelectionError
from service.errors import OptionsError
from service.limits import check_number, parse_number
from service.source import Source

#: How long a deployment recorded from a plan lasts when no dates are given (the plan's week).
PLAN_DEFAULT_DAYS = 7


def _floats(raw: Any, n: int, name: str, example: str) -> tuple[float, ...] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, list | tuple) and len(raw) == n and not isinstance(raw[0], str):
        parts = list(raw)
    else:
        parts = [p.strip() for p in str(raw).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise OptionsError(f"'{name}' must be {example}, got '{raw}'") from None
    if len(values) != n:
        raise OptionsError(f"'{name}' must be {example}, got '{raw}'")
    return values


@dataclass(frozen=True)
class DeploymentInput:
    """What a user enters to record a deployment (validated in full by :func:`add_deployment`)."""

    kind: str = "van"
    site: tuple[float, float] | None = None
    radius: float = 100.0
    cell: tuple[float, float, float] | None = None
    area: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    days: tuple[int, ...] = ()
    hours: tuple[int, int] | None = None
    who: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        """Check that exactly one place and both dates are given, and the radius is in bounds."""
        given = [n for n in ("site", "cell", "area") if getattr(self, n)]
        if len(given) != 1:
            raise OptionsError("give exactly one place: a site (E,N and radius), a cell (E,N,SIZE) or a drawn area")
        if self.date_from is None or self.date_to is None:
            raise OptionsError("both dates are required ('from' and 'to', dd/mm/yyyy)")
        check_number("radius", self.radius)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> DeploymentInput:
        """Parse the parameter names listed in the module docstring."""
        try:
            return cls(
                kind=str(params.get("kind") or "van").strip().lower(),
                site=cast(
                    "tuple[float, float] | None",
                    _floats(params.get("site"), 2, "site", "E,N in metres (British National Grid)"),
                ),
                radius=cast(float, parse_number("radius", params.get("radius"))),
                cell=cast(
                    "tuple[float, float, float] | None", _floats(params.get("cell"), 3, "cell", "E,N,SIZE in metres")
                ),
                area=params.get("area") or None,
                date_from=parse_date(params.get("from"), "from"),
                date_to=parse_date(params.get("to"), "to"),
                days=parse_days(params.get("days")),
                hours=parse_hours(params.get("hours")),
                who=str(params.get("who") or ""),
                notes=str(params.get("notes") or ""),
            )
        except SelectionError as exc:
            raise OptionsError(str(exc)) from None

    def to_params(self) -> dict[str, str]:
        """The inverse of :meth:`from_params` (empty values left out)."""
        out = {"kind": self.kind, "who": self.who}
        if self.site:
            out |= {"site": f"{self.site[0]:g},{self.site[1]:g}", "radius": f"{self.radius:g}"}
        if self.cell:
            out["cell"] = ",".join(f"{v:g}" for v in self.cell)
        if self.area:
            out["area"] = self.area
        out |= {"from": f"{self.date_from:%d/%m/%Y}", "to": f"{self.date_to:%d/%m/%Y}"}
        if self.days:
            out["days"] = ",".join(str(d) for d in self.days)
        if self.hours:
            out["hours"] = f"{self.hours[0]:02d}-{self.hours[1]:02d}"
        if self.notes:
            out["notes"] = self.notes
        return out


def _build(source: Source, inp: DeploymentInput, plan: Mapping[str, Any] | None = None, label: str = "") -> Deployment:
    district = source.district()
    assert inp.date_from is not None and inp.date_to is not None  # checked in DeploymentInput.__post_init__
    extra: dict[str, Any] = {}
    if inp.site:
        geom, place = dep.site_area(inp.site[0], inp.site[1], inp.radius), "site"
        extra = {"easting": inp.site[0], "northing": inp.site[1], "radius_m": float(inp.radius)}
    elif inp.cell:
        geom, place = dep.cell_area(*inp.cell), "cell"
        extra = {"easting": inp.cell[0], "northing": inp.cell[1], "cell_m": inp.cell[2]}
    else:
        geom, place = dep.area_from_geojson(inp.area), "area"
    return dep.make_deployment(
        kind=inp.kind,
        geometry=geom,
        place=place,
        date_from=inp.date_from,
        date_to=inp.date_to,
        who=inp.who,
        district=district,
        days=inp.days,
        hours=inp.hours,
        notes=inp.notes,
        label=label,
        plan=plan,
        **extra,
    )


def add_deployment(source: Source, inp: DeploymentInput) -> Deployment:
    """Validate and store a deployment; returns it with its id (DeploymentError names a bad field)."""
    deployment = _build(source, inp)
    return dep.add(source.open_store(read_only=False), deployment)


def list_deployments(source: Source) -> list[Deployment]:
    """Every recorded deployment, oldest first (not cached: the log changes without an ingest)."""
    return dep.list_all(source.open_store())


def get_deployment(source: Source, deployment_id: int | str) -> Deployment:
    """One deployment (NotFoundError when there is none; OptionsError when the id is not a number)."""
    return dep.get(source.open_store(), _id(deployment_id))


def remove_deployment(source: Source, deployment_id: int | str) -> Deployment:
    """Delete one deployment; returns what was deleted."""
    return dep.remove(source.open_store(read_only=False), _id(deployment_id))


def _id(raw: int | str) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise OptionsError(f"a deployment id is a whole number, got '{raw}'") from None
    if value < 1:
        raise OptionsError(f"a deployment id is a whole number from 1, got '{raw}'")
    return value


def _plan_params(plan_options: Any) -> dict[str, Any]:
    if hasattr(plan_options, "to_params"):
        params = dict(plan_options.to_params())
    elif isinstance(plan_options, Mapping):
        params = dict(plan_options)
    else:
        raise OptionsError("plan options must be a mapping of plan parameters or an options object")
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 else v) for k, v in params.items()}


def record_from_plan(
    source: Source,
    plan_options: Any,
    who: str,
    notes: str = "",
    *,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Deployment:
    """Record the plan shown on the Deployment page as one deployment (its sites or cells together).

    Parameters
    ----------
    source : Source
    plan_options : PlanOptions, or a mapping of its parameters
        The plan's parameters as in the page URL: the selection (``from``, ``to``, ``crime``,
        ``days``, ``hours`` ...), ``mode`` (van/patrol), ``k``, ``radius``, ``cell``, ``n``.
    who, notes : str
    date_from, date_to : date, optional
        When the plan is carried out; default the week the plan is for
        (:func:`service.plan.plan_window`: from the day after the selection's last date), the same
        week the briefing's nights are in.

    Returns
    -------
    Deployment
        The target area is the union of the plan's circles (van) or cells (patrol), exactly as
        :func:`service.plan.run_plan` sites them; the nights and hours are the selection's; the
        plan parameters are kept in ``plan``.
    """
    from service.plan import PlanOptions, run_plan

    if isinstance(plan_options, PlanOptions):
        options = plan_options
    else:
        params = _plan_params(plan_options)
        mode = str(params.get("mode") or "van").lower()
        if mode not in ("van", "patrol"):
            raise OptionsError(f"plan mode must be van or patrol, got '{mode}'")
        options = PlanOptions.from_params({**params, "mode": mode})
    run = run_plan(source, options)
    table = run.result.table
    if options.mode == "van":
        shapes = (
            []
            if run.result.empty
            else [dep.site_area(r.easting, r.northing, options.radius) for r in table.itertuples()]
        )
        label = f"{len(shapes)} van site{'s' if len(shapes) != 1 else ''} of {options.radius:g} m from the plan"
    else:
        shapes = [] if run.result.empty else list(table.geometry)
        label = f"{len(shapes)} patrol cell{'s' if len(shapes) != 1 else ''} of {options.cell:g} m from the plan"
    if not shapes:
        raise DeploymentError("the plan has no sites or cells to record (no incidents match the selection)")
    start = date_from or run.start
    end = date_to or start + timedelta(days=PLAN_DEFAULT_DAYS - 1)
    sel = options.selection
    deployment = dep.make_deployment(
        kind=options.mode,
        geometry=shapely.union_all(shapes),
        place="area",
        date_from=start,
        date_to=end,
        who=who,
        district=source.district(),
        days=sel.days,
        hours=sel.hours,
        notes=notes,
        label=label,
        plan={**_plan_params(options), "mode": options.mode},
    )
    return dep.add(source.open_store(read_only=False), deployment)


__all__ = [
    "DeploymentInput",
    "add_deployment",
    "get_deployment",
    "list_deployments",
    "record_from_plan",
    "remove_deployment",
]
