"""The briefing map's legend: inline SVG swatches with labels, matching :mod:`geo.briefing_map`'s layers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geo.briefing_map import COVERAGE_FILL, PATROL_COLOUR, PLACE_COLOUR, SECTOR_LINE, VAN_COLOUR, ZONE_COLOURS, escape

if TYPE_CHECKING:
    from geo.config import District


def legend_svg(kind: str, district: District) -> str:
    """A one-line legend (inline SVG swatches with labels) for the briefing."""

    def item(swatch: str, label: str) -> str:
        return (
            f'<span class="lg"><svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">{swatch}</svg>'
            f"{escape(label)}</span>"
        )

    items = []
    if kind == "van":
        items.append(
            item(
                f'<circle cx="11" cy="7" r="6.5" fill="{VAN_COLOUR}" stroke="#fff"/>'
                '<text x="11" y="7" font-size="8" fill="#fff" text-anchor="middle" '
                'dominant-baseline="central">1</text>',
                "Van site (rank)",
            )
        )
        items.append(
            item(
                f'<circle cx="11" cy="7" r="6" fill="{VAN_COLOUR}" fill-opacity="0.16" stroke="{VAN_COLOUR}"/>',
                "Van camera radius",
            )
        )
    else:
        items.append(
            item(
                f'<rect x="3" y="1" width="16" height="12" fill="{PATROL_COLOUR}" fill-opacity="0.3" '
                f'stroke="{PATROL_COLOUR}" stroke-width="1.5"/>',
                "Patrol cell (rank)",
            )
        )
    items.append(
        item(
            f'<circle cx="11" cy="7" r="6" fill="{COVERAGE_FILL}" fill-opacity="0.25" stroke="#555"/>'
            '<circle cx="11" cy="7" r="2" fill="#000"/>',
            "Fixed CCTV and coverage (illustrative)",
        )
    )
    for i, z in enumerate(district.zones):
        c = ZONE_COLOURS[i % len(ZONE_COLOURS)]
        label = z.label + (" (illustrative)" if z.illustrative else "")
        items.append(
            item(f'<rect x="2" y="2" width="18" height="10" fill="none" stroke="{c}" stroke-dasharray="4 2"/>', label)
        )
    items.append(
        item(f'<line x1="1" y1="7" x2="21" y2="7" stroke="{SECTOR_LINE}"/>', "Police sector boundary (illustrative)")
    )
    items.append(item('<line x1="1" y1="7" x2="21" y2="7" stroke="#000" stroke-width="2"/>', "District boundary"))
    items.append(
        item(
            f'<circle cx="5" cy="7" r="2" fill="{PLACE_COLOUR}"/><text x="9" y="10" font-size="8" '
            f'fill="{PLACE_COLOUR}">Ab</text>',
            "Named location of the data (snap point)",
        )
    )
    return '<div class="legend">' + "".join(items) + "</div>"


__all__ = ["legend_svg"]
