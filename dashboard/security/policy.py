"""THE access policy: which capability every route and every Dash callback output needs.

One table, read by the request hooks in :mod:`dashboard.security.hooks`.  Anything not listed here is
allowed to ``analyst`` only (deny by default), so a new route or callback cannot leak data to a lower
role: it has to be added here, with the capability its data needs, before officers or the partnership
see it.

Capabilities and the roles that hold them:

* ``shell``: the page frame (filters, header, navigation) and Dash's own plumbing;
* ``aggregates``: hotspot polygons with counts, sector/ward/LSOA counts, NTE matrices, targets, reports;
* ``points``: incident points and lists (sensitive categories at point level included);
* ``plans``: CCTV van sites, patrol cells and the printable briefing (they name streets);
* ``export_aggregates``: downloads of aggregate tables;
* ``upload``: adding data to the store;
* ``admin``: user administration and the audit log;
* ``public``: the suppressed public aggregates (anonymous visitors only when the district enables them;
  the ``public`` role also holds ``shell``, the page frame, so that the Public view page loads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "analyst": frozenset(
        {"shell", "aggregates", "points", "plans", "export_aggregates", "upload", "admin", "public", "account"}
    ),
    "officer": frozenset({"shell", "aggregates", "points", "plans", "export_aggregates", "public", "account"}),
    "partnership": frozenset({"shell", "aggregates", "export_aggregates", "public", "account"}),
    "public": frozenset({"shell", "public"}),
}
#: What an unlisted route or output needs.
DEFAULT_CAPABILITY = "admin"


@dataclass(frozen=True)
class Rule:
    """What a route or output needs.

    Attributes
    ----------
    capability : str
        A key of the capability list above.
    audit : str or None
        The audit action written when it is served (``read_points``, ``export``, ``briefing``,
        ``report``, ``upload``), or ``None``.
    strip : bool
        For a callback output only: a role without the capability still gets the callback's other
        outputs, and this one is removed from the answer (left unchanged in the browser) instead of
        the whole callback being refused.  Used for the map's incident layer, whose callback also
        drives the partnership's hotspot layer.
    """

    capability: str
    audit: str | None = None
    strip: bool = False


SHELL = Rule("shell")
AGG = Rule("aggregates")
PLANS = Rule("plans")
PUBLIC = Rule("public")
UPLOAD = Rule("upload", audit="upload")

#: Paths open to anyone, logged in or not (no data: the login page, static files).
OPEN_PATHS = ("/login", "/logout", "/_security/", "/assets/", "/_dash-component-suites/", "/_favicon.ico")

#: Flask routes: exact path, or a prefix when the key ends with "/".
ROUTES: dict[str, Rule] = {
    "/api/incidents": Rule("points", audit="read_points"),
    "/api/hotspots": AGG,
    "/api/plan": Rule("plans", audit="export"),
    "/api/nte": AGG,
    "/api/targets": AGG,
    "/api/public/": PUBLIC,
    "/briefing": Rule("plans", audit="briefing"),
    "/report": Rule("aggregates", audit="report"),
    "/report.pdf": Rule("aggregates", audit="report"),
    "/report/": Rule("aggregates", audit="report"),
    "/api/report": Rule("aggregates", audit="report"),
    "/admin/": Rule("admin"),
    "/account": Rule("account"),
    # Dash's plumbing: the page frame and the callback graph (no data of their own).
    "/_dash-layout": SHELL,
    "/_dash-dependencies": SHELL,
    "/_reload-hash": SHELL,
    # Each callback is checked output by output (CALLBACK_OUTPUTS below).
    "/_dash-update-component": SHELL,
}

#: Dash Pages paths (a full page load and the Pages router callback) -> rule.
PAGES: dict[str, Rule] = {
    "/": AGG,  # the map: hotspots for everyone, the incident layer only with "points"
    "/deployment": PLANS,
    "/nte": AGG,
    "/night-time-economy": AGG,  # redirects to /nte
    "/sectors": AGG,
    "/data": UPLOAD,
    "/repeats": AGG,  # shares, Gini and Knox ratios for everyone; locations and risk zones with "points"
    "/assess": PLANS,  # the deployment log names places and times of operations
    "/public": PUBLIC,  # suppressed counts per sector or ward, sensitive categories removed
}

#: Dash callback output component ids -> rule (pattern-matching ids by their "type").
CALLBACK_OUTPUTS: dict[str, Rule] = {
    # frame: filters, URL state, header, navigation, the Pages router's store
    "url": SHELL,
    "selection": SHELL,
    "f-error": SHELL,
    "f-hours-note": SHELL,
    "filters-details": SHELL,
    "filters-aside": SHELL,  # the filter panel is hidden on pages that do not use it
    "main": SHELL,
    "nav-link": SHELL,
    "_pages_store": SHELL,
    "_pages_dummy": SHELL,  # the Pages router's title update
    "f-dates": SHELL,
    "f-crime": SHELL,
    "f-ho": SHELL,
    "f-sector": SHELL,
    "f-zone": SHELL,
    "f-days": SHELL,
    "f-hour-from": SHELL,
    "f-hour-to": SHELL,
    "f-cutoff": SHELL,
    # Map page
    "map-incidents": Rule("points", audit="read_points", strip=True),
    "map-count": AGG,
    "map-notes": AGG,
    "map-empty": AGG,
    "map": AGG,
    "map-fit": AGG,
    "map-incidents-done": AGG,
    "map-hotspots": AGG,
    "map-hotspot-labels": AGG,
    "map-hotspot-count": AGG,
    "map-table": AGG,
    "map-table-empty": AGG,
    "map-table-title": AGG,
    "map-bt-request": AGG,
    "map-pai": AGG,
    "map-backtest": AGG,
    "map-selected": AGG,
    "map-details-body": AGG,
    "map-details": AGG,
    "map-download": Rule("export_aggregates", audit="export"),
    "map-density-request": AGG,
    "map-repeats-request": AGG,  # the selection, while the overlay is on (browser-side)
    "map-risk-request": AGG,
    "map-density": AGG,
    "map-incident-grid": AGG,  # counts per 250 m square when a selection has too many points to draw
    # the map's repeat-location and risk-zone overlays are point data (as on the Repeats page); their notes are counts
    "map-repeats": Rule("points", audit="read_points", strip=True),
    "map-risk-zones": Rule("points", audit="read_points", strip=True),
    "map-repeats-note": AGG,
    "map-centroids": Rule("points", audit="read_points", strip=True),  # incidents placed at postcode centroids
    "map-centroid-note": AGG,
    "map-risk-note": AGG,
    "map-hotspot-size-note": AGG,  # which method auto chose and how many hotspots were left out
    "map-hotspot-choices": AGG,  # the size and postcode-centroid controls' values (browser-side)
    "map-centroids-box": AGG,  # the postcode-centroid box shown for the cluster methods
    # Repeats page: concentration figures are aggregates; the locations themselves are point data
    "rp-empty": AGG,
    "rp-gini": AGG,
    "rp-lorenz": AGG,
    "rp-notes": AGG,
    "rp-shares": AGG,
    "rp-summary": AGG,
    "rp-synthetic-badge": AGG,
    "rp-grid": Rule("points", audit="read_points", strip=True),
    "rp-map-layer": Rule("points", audit="read_points", strip=True),
    "nr-notes": AGG,
    "nr-notice": AGG,
    "nr-summary": AGG,
    "nr-table": AGG,
    "nr-map": AGG,
    "nr-zones-summary": AGG,
    # risk zones are circles around recent incidents: point data
    "nr-zones-layer": Rule("points", audit="read_points", strip=True),
    "nr-zones-table": Rule("points", audit="read_points", strip=True),
    "nr-zones-download": Rule("points", audit="export"),
    # Assessment page: the deployment log
    "as-deployment": PLANS,
    "as-record-msg": PLANS,
    "as-result": PLANS,
    # Deployment page
    "dep-van-controls": PLANS,
    "dep-patrol-controls": PLANS,
    "dep-areas": PLANS,
    "dep-points": PLANS,
    "dep-map": PLANS,
    "dep-table": PLANS,
    "dep-summary": PLANS,
    "dep-notes": PLANS,
    "dep-empty": PLANS,
    "dep-briefing": PLANS,
    "dep-download": Rule("plans", audit="export"),
    "dep-record-msg": PLANS,
    # Night-time economy page
    "nte-heatmap": AGG,
    "nte-types-note": AGG,
    "nte-summary": AGG,
    "nte-notes": AGG,
    "nte-empty": AGG,
    "nte-synthetic-badge": AGG,
    "nte-compare": AGG,
    "nte-premises": AGG,
    # Sectors and targets page
    "sec-choropleth": AGG,
    "sec-table": AGG,
    "sec-summary": AGG,
    "sec-synthetic-badge": AGG,
    "sec-trend": AGG,
    "sec-trend-headline": AGG,
    "sec-flags": AGG,
    "tg-body": AGG,
    "tg-download": Rule("export_aggregates", audit="export"),
    # Data page
    "data-report": UPLOAD,
    "data-rejects-path": UPLOAD,
    "data-holdings": UPLOAD,
    "hdr-data": UPLOAD,
    "data-rejects-download": Rule("upload", audit="export"),
    # Public view page: suppressed aggregates only (dashboard/security/public.py)
    "pub-summary": PUBLIC,
    "pub-chart": PUBLIC,
    "pub-table": PUBLIC,
}

#: The Pages router's output: checked against PAGES by the path the browser asks for.
PAGES_CONTENT = "_pages_content"
PAGES_LOCATION = "_pages_location"


def allowed(role: str | None, rule: Rule) -> bool:
    """Whether ``role`` holds ``rule.capability``."""
    return rule.capability in ROLE_CAPABILITIES.get(role or "", frozenset())


def route_rule(path: str) -> Rule | None:
    """The rule of a Flask path (exact, else the longest listed prefix), or ``None`` when unlisted."""
    if path in ROUTES:
        return ROUTES[path]
    best = None
    for key, rule in ROUTES.items():
        if key.endswith("/") and path.startswith(key) and (best is None or len(key) > len(best[0])):
            best = (key, rule)
    return best[1] if best else None


def page_rule(path: str) -> Rule | None:
    """The rule of a Dash page path (trailing slash ignored), or ``None``."""
    clean = "/" + path.strip("/") if path not in ("", "/") else "/"
    return PAGES.get(clean)


def output_key(component_id: str | dict[str, Any]) -> str:
    """The policy key of a callback output id (a dict id is keyed by its ``type``)."""
    if isinstance(component_id, dict):
        return str(component_id.get("type", ""))
    return str(component_id)


def output_rule(component_id: str | dict[str, Any]) -> Rule:
    """The rule of a callback output (unlisted -> :data:`DEFAULT_CAPABILITY`)."""
    return CALLBACK_OUTPUTS.get(output_key(component_id), Rule(DEFAULT_CAPABILITY))


def is_open(path: str) -> bool:
    """Whether ``path`` is served without a login (no data behind it)."""
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in OPEN_PATHS)
