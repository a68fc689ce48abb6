"""Colour-blind-safe colours shared by the map, legends and charts (Okabe-Ito and viridis)."""

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
