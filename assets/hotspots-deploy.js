/* Leaflet style and marker functions for the Deployment page (Namespace("hotspots", "deploy")).
   Van sites: viridis' darkest purple; patrol cells: Okabe-Ito blue; both also differ by shape. */
window.hotspots = Object.assign({}, window.hotspots, {
    deploy: {
        sector: function (feature) {
            return {color: "#6f6f6f", weight: 1, opacity: 0.7, fill: false};
        },
        area: function (feature) {
            if (feature.properties.kind === "patrol") {
                return {color: "#0072B2", weight: 2.5, fillColor: "#0072B2", fillOpacity: 0.3};
            }
            return {color: "#440154", weight: 2, fillColor: "#440154", fillOpacity: 0.15};
        },
        rank: function (feature, latlng) {
            const p = feature.properties;
            const van = p.kind !== "patrol";
            const icon = L.divIcon({
                html: "<span>" + p.rank + "</span>",
                className: "dep-rank " + (van ? "dep-site" : "dep-cell-label"),
                iconSize: van ? L.point(26, 26) : L.point(28, 22)
            });
            return L.marker(latlng, {icon: icon, alt: (van ? "Van site " : "Patrol cell ") + p.rank, riseOnHover: true, keyboard: false,
                                     zIndexOffset: 1000 - p.rank});
        }
    }
});
