/* Leaflet style and marker functions for the map page (referenced from Python with
   dash_extensions.javascript.Namespace("hotspots", "map")).  Colours: Okabe-Ito for categories,
   viridis for counts and ranks (both colour-blind safe). */
window.hotspots = Object.assign({}, window.hotspots, {
    map: {
        boundary: function (feature) {
            return {color: "#000000", weight: 2.5, fill: false, dashArray: null};
        },
        sector: function (feature, context) {
            const colours = (context && context.hideout && context.hideout.colours) || {};
            const c = colours[feature.properties.sector] || "#0072B2";
            return {color: c, weight: 2, fillColor: c, fillOpacity: 0.06};
        },
        zone: function (feature, context) {
            const colours = (context && context.hideout && context.hideout.colours) || {};
            const c = colours[feature.properties.zone] || "#D55E00";
            return {color: c, weight: 2.5, dashArray: "6 4", fillColor: c, fillOpacity: 0.12};
        },
        coverage: function (feature) {
            return {color: "#555555", weight: 1, fillColor: "#7f7f7f", fillOpacity: 0.25};
        },
        hotspot: function (feature, context) {
            // Rank 1 is the strongest: darkest viridis end, thick outline.
            const ramp = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
            const rank = feature.properties.rank || 1;
            const n = (context && context.hideout && context.hideout.n) || 1;
            const i = Math.min(ramp.length - 1, Math.floor((rank - 1) * ramp.length / Math.max(n, 1)));
            return {color: "#000000", weight: rank <= 3 ? 2.5 : 1.2, fillColor: ramp[i], fillOpacity: 0.45};
        },
        density: function (feature, context) {
            const ramp = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
            const b = Math.max(0, Math.min(ramp.length - 1, feature.properties.band || 0));
            return {stroke: false, fillColor: ramp[b], fillOpacity: 0.35};
        },
        premises: function (feature, latlng) {
            return L.circleMarker(latlng, {radius: 4, color: "#000000", weight: 1.5, fillColor: "#ffffff", fillOpacity: 1});
        },
        camera: function (feature, latlng) {
            return L.circleMarker(latlng, {radius: 3, color: "#ffffff", weight: 1, fillColor: "#000000", fillOpacity: 1});
        },
        incident: function (feature, latlng) {
            const marker = L.circleMarker(latlng, {radius: 4, color: "#ffffff", weight: 1, fillColor: "#440154", fillOpacity: 0.9});
            if (feature.properties && feature.properties.postcode === true) {
                // a fixed text (no data in it): the point is the centre of a postcode, not the incident's
                marker.bindTooltip("Placed at postcode centroid (the centre of the postcode, not the incident's point)");
            }
            return marker;
        },
        cluster: function (feature, latlng, index, context) {
            const n = feature.properties.point_count;
            const bands = [[10, "#fde725", "#000"], [100, "#5ec962", "#000"], [1000, "#21918c", "#fff"],
                           [10000, "#3b528b", "#fff"], [Infinity, "#440154", "#fff"]];
            let band = bands[bands.length - 1];
            for (const b of bands) { if (n < b[0]) { band = b; break; } }
            const size = 28 + 6 * Math.min(4, Math.floor(Math.log10(Math.max(n, 1))));
            const icon = L.divIcon({
                html: '<div style="background:' + band[1] + ';color:' + band[2] + '"><span>' +
                      feature.properties.point_count_abbreviated + '</span></div>',
                className: "marker-cluster hs-cluster",
                iconSize: L.point(size, size)
            });
            return L.marker(latlng, {icon: icon, title: n + " incidents: click to zoom in", alt: n + " incidents"});
        }
    }
});

/* Hotspot rank labels (a DivIcon at each drawn hotspot's incident-weighted centre). */
window.hotspots.map.rankLabel = function (feature, latlng) {
    const rank = feature.properties.rank;
    const icon = L.divIcon({
        html: "<span>" + rank + "</span>",
        className: "hs-rank",
        iconSize: L.point(24, 24)
    });
    // Not a tab stop: close hotspots' labels overlap (too small a target, WCAG 2.5.8), and the ranked table
    // below the map opens the same details from the keyboard (Enter on a row).
    return L.marker(latlng, {icon: icon, title: "Hotspot " + rank + ": click for details", keyboard: false,
                             alt: "Hotspot " + rank, zIndexOffset: 1000000 - 1000 * rank});
};

/* Clientside callbacks of the map page. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    hotspots_map: {
        // Debounce: resolve with the request only if no newer filter change arrived within 700 ms,
        // so quick successive filter changes start one backtest (seconds of server time), not many.
        backtestRequest: function (selection, method) {
            const nu = window.dash_clientside.no_update;
            if (selection === null || selection === undefined || !method) { return nu; }
            const token = {};
            window.hotspots._backtestToken = token;
            return new Promise(function (resolve) {
                setTimeout(function () {
                    resolve(window.hotspots._backtestToken === token ? {selection: selection, method: method} : nu);
                }, 700);
            });
        },
        // The clicked hotspot's rank, or null when the selection or method changes or on close.
        selectHotspot: function (nPoly, nLabel, nClose, selection, method, cell, polyClick, labelClick) {
            const cc = window.dash_clientside.callback_context;
            const trig = (cc.triggered && cc.triggered.length) ? cc.triggered[0].prop_id.split(".")[0] : "";
            const click = trig === "map-hotspots" ? polyClick : (trig === "map-hotspot-labels" ? labelClick : null);
            let rank = click && click.properties ? click.properties.rank : null;
            if (trig === "map-table" && cell && cell.rowId !== undefined) { rank = parseInt(cell.rowId, 10); }
            return (rank === null || rank === undefined) ? null : {rank: rank};
        },
        // The map's centre and zoom into the URL's lat, lon and zoom (5 decimals: about a metre), other
        // parameters kept; no update when they are already there.
        viewToUrl: function (center, zoom, search) {
            const nu = window.dash_clientside.no_update;
            if (!center || zoom === null || zoom === undefined) { return nu; }
            const lat = Array.isArray(center) ? center[0] : center.lat;
            const lon = Array.isArray(center) ? center[1] : (center.lng !== undefined ? center.lng : center.lon);
            if (typeof lat !== "number" || typeof lon !== "number") { return nu; }
            const params = new URLSearchParams(search || "");
            params.set("lat", lat.toFixed(5));
            params.set("lon", lon.toFixed(5));
            params.set("zoom", String(Math.round(zoom * 100) / 100));
            const out = "?" + params.toString();
            return out === (search || "") ? nu : out;
        },
        // Ask the server for the density surface only while its overlay is switched on.
        densityRequest: function (selection, method, overlays, name) {
            const on = Array.isArray(overlays) && overlays.indexOf(name) >= 0;
            const wasOn = window.hotspots._densityOn === true;
            window.hotspots._densityOn = on;
            if (on) { return {selection: selection, method: method}; }
            return wasOn ? null : window.dash_clientside.no_update;
        }
    }
});
