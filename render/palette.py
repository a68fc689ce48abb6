"""The one palette: colour-blind-safe colours for the map, legends, charts, briefings and reports.

Okabe-Ito for categories, viridis for counts and ranks.  The briefing map and the quarterly report
keep copies of a few of these for now (``geo/briefing_map.py``, ``geo/report.py``); they move here
when those renderers do.
"""

from __future__ import annotations

#: Okabe-Ito colours for the police sectors, assigned in sector-name order.
SECTOR_COLOURS = ("#0072B2", "#009E73", "#CC79A7", "#F0E442", "#56B4E9", "#000000")
#: Outline colours of the alcohol control zones, in config order.
ZONE_COLOURS = ("#D55E00", "#E69F00", "#000000")
#: Viridis steps for counts and ranks (dark = more).
VIRIDIS5 = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
#: Point layers: licensed premises (white dot, black ring), CCTV cameras and their coverage.
PREMISES_FILL = "#ffffff"
CAMERA_FILL = "#000000"
COVERAGE_FILL = "#7f7f7f"
#: Deployment plans: van sites and patrol cells.
VAN_COLOUR = "#440154"
PATROL_COLOUR = "#0072B2"
#: Sector outlines on printed maps.
SECTOR_LINE = "#8a8a8a"
#: Target tracker status colours.
STATUS_COLOURS = {
    "met": "#009E73",
    "on track": "#56B4E9",
    "at risk": "#E69F00",
    "off track": "#D55E00",
}
