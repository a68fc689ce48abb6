/* Hotspot rank labels never sit on top of each other: labels whose boxes would overlap at the
   current zoom are merged into one label at the best-ranked hotspot ("1–3", or "1, 4" when the
   ranks are not consecutive, runs as ranges: "1, 3, 6–9"); zooming in separates them again.  Runs on the rendered labels (DOM
   boxes), whenever the marker pane changes (new labels, zoom, pan).  Each label keeps the ranks it
   stands for in data-ranks; clicking a merged label opens the best-ranked hotspot's details. */
(function () {
    const GAP = 2; // pixels kept clear between two labels
    const BASE = 24; // the label's own width (hotspots-map.js: iconSize 24)

    function rankOf(el) {
        if (!el.dataset.rank) {
            const m = /Hotspot (\d+)/.exec(el.getAttribute("title") || "");
            el.dataset.rank = m ? m[1] : (el.textContent || "").trim();
        }
        return parseInt(el.dataset.rank, 10);
    }

    // "3" for one rank; consecutive runs as ranges: "1–3", "1, 3, 6–9".
    function labelText(ranks) {
        const r = ranks.slice().sort(function (a, b) { return a - b; });
        const parts = [];
        for (let i = 0; i < r.length; i++) {
            let j = i;
            while (j + 1 < r.length && r[j + 1] === r[j] + 1) { j++; }
            parts.push(j > i ? r[i] + "\u2013" + r[j] : String(r[i]));
            i = j;
        }
        return parts.join(", ");
    }

    function widthOf(text) { return Math.max(BASE, 7 * text.length + 12); }

    function box(c, w) { return {l: c.x - w / 2 - GAP, r: c.x + w / 2 + GAP, t: c.y - BASE / 2 - GAP, b: c.y + BASE / 2 + GAP}; }

    function hits(a, b) { return a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b; }

    // Groups of labels (best rank first) such that no two groups' labels overlap.
    function groups(items) {
        let out = items.map(function (it) { return {lead: it, ranks: [it.rank]}; });
        for (let pass = 0; pass < 20; pass++) {
            let merged = false;
            const kept = [];
            for (const g of out) {
                const w = widthOf(labelText(g.ranks));
                const into = kept.find(function (k) {
                    return hits(box(k.lead.c, widthOf(labelText(k.ranks))), box(g.lead.c, w));
                });
                if (into) { into.ranks = into.ranks.concat(g.ranks); merged = true; } else { kept.push(g); }
            }
            out = kept;
            if (!merged) { break; }
        }
        return out;
    }

    function declutter(pane) {
        const els = Array.prototype.slice.call(pane.querySelectorAll(".hs-rank"));
        for (const el of els) { if (el.style.display === "none") { el.style.display = ""; } }
        // Measured after un-hiding all: the centre does not depend on this function's width and margin.
        const items = els.map(function (el) {
            const r = el.getBoundingClientRect();
            return {el: el, rank: rankOf(el), c: {x: r.left + r.width / 2, y: r.top + r.height / 2}};
        });
        items.sort(function (a, b) { return a.rank - b.rank; });
        const lead = new Map();
        for (const g of groups(items)) { lead.set(g.lead.el, g.ranks); }
        for (const it of items) {
            const el = it.el;
            const ranks = lead.get(el);
            if (!ranks) { el.style.display = "none"; el.dataset.ranks = ""; continue; }
            const text = labelText(ranks);
            const w = widthOf(text);
            el.style.display = "";
            el.style.width = w + "px";
            el.style.marginLeft = (-w / 2) + "px";
            el.dataset.ranks = ranks.slice().sort(function (a, b) { return a - b; }).join(" ");
            const span = el.querySelector("span");
            if (span && span.textContent !== text) { span.textContent = text; }
            el.setAttribute("title", ranks.length > 1
                ? "Hotspots " + text + " (overlapping at this zoom): click for hotspot " + it.rank + ", zoom in to separate"
                : "Hotspot " + it.rank + ": click for details");
        }
    }

    let observed = null;
    let observer = null;
    let queued = false;

    function schedule() {
        if (queued) { return; }
        queued = true;
        window.requestAnimationFrame(function () {
            queued = false;
            if (observed && document.body.contains(observed)) {
                observer.disconnect();
                declutter(observed);
                observer.takeRecords();
                observer.observe(observed, {childList: true, subtree: true, attributes: true, attributeFilter: ["style"]});
            }
        });
    }

    function attach() {
        const pane = document.querySelector("#map .leaflet-marker-pane");
        if (!pane || pane === observed) { return; }
        observed = pane;
        if (observer) { observer.disconnect(); }
        observer = new MutationObserver(schedule);
        observer.observe(pane, {childList: true, subtree: true, attributes: true, attributeFilter: ["style"]});
        schedule();
    }

    window.setInterval(attach, 400);
    window.addEventListener("resize", schedule);
})();
