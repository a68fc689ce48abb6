/* Keyboard and screen-reader fixes for markup that Dash 4's components render (WCAG 2.2 AA, checked by axe-core
   in tests/browser/test_accessibility.py).  Each fix is idempotent and re-applied by one MutationObserver, since
   React re-renders some of these attributes whenever a component's value changes.

   1. Dropdowns: a hidden read-only input (tabindex 0, aria-hidden) forwards focus to the trigger button
      (tabindex -1).  Tabbing off the last dropdown of a panel then sent the focus back to the start of the panel,
      a keyboard trap (2.1.2).  The trigger becomes the tab stop; the forwarding input leaves the tab order.
   2. Checklists and radio items render role=listbox / role=option around native inputs: an option may not hold
      a focusable input (nested-interactive) and the listbox has no name.  The native inputs are the controls, so
      the container becomes a named group (radiogroup) labelled by its <label for> or <legend>, the roles go.
   3. Date range picker: the wrapper div carries aria-expanded / aria-haspopup, not allowed without a role; the
      clear link is an <a> without href (not focusable, aria-label not allowed): it becomes a button.
   4. Scrollable regions (tables, notes) must be reachable to scroll by keyboard: tabindex 0, a region role and
      a name (the table's caption or the section's heading).  A table that does not scroll is a tab stop too, so
      a keyboard user lands on every table.
   5. Leaflet's clickable shapes leave the tab order (the map is one stop).
   6. The file input inside dcc.Upload gets a name; an AG Grid cell opens its row (as a click does) on Enter. */
(function () {
    let uid = 0;
    const idOf = (e) => e.id || (e.id = "hs-a11y-" + (++uid));

    function dropdowns(root) {
        root.querySelectorAll(".dash-dropdown-wrapper").forEach(function (w) {
            const target = w.querySelector("input.dash-dropdown-focus-target");
            const trigger = w.querySelector("button.dash-dropdown");
            if (target && target.tabIndex !== -1) { target.tabIndex = -1; }
            if (target && target.getAttribute("aria-hidden") !== null) { target.removeAttribute("aria-hidden"); }
            if (target && !target.inert) { target.inert = true; }
            if (trigger && trigger.tabIndex !== 0 && !trigger.disabled) { trigger.tabIndex = 0; }
        });
    }

    function nameSource(list) {
        if (list.id) {
            const label = document.querySelector('label[for="' + CSS.escape(list.id) + '"]');
            if (label) { return label; }
        }
        const fieldset = list.closest("fieldset");
        return fieldset ? fieldset.querySelector("legend") : null;
    }

    // Only checklists and radio items: a dropdown's open menu is a real listbox of options and keeps its roles.
    const inMenu = function (el) { return !!el.closest(".dash-dropdown-content, .dash-dropdown-options"); };

    function optionLists(root) {
        root.querySelectorAll(".dash-options-list[role=listbox]").forEach(function (list) {
            if (inMenu(list)) { return; }
            const radio = list.classList.contains("dash-radioitems");
            list.setAttribute("role", radio ? "radiogroup" : "group");
            const source = nameSource(list);
            if (source && list.getAttribute("aria-labelledby") !== idOf(source)) {
                list.setAttribute("aria-labelledby", idOf(source));
            }
        });
        root.querySelectorAll(".dash-options-list-option[role=option]").forEach(function (opt) {
            if (!inMenu(opt)) { opt.removeAttribute("role"); }
        });
        root.querySelectorAll(".dash-options-list-option[aria-selected]").forEach(function (opt) {
            if (!inMenu(opt)) { opt.removeAttribute("aria-selected"); }
        });
    }

    function clickOnKey(e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.currentTarget.click(); }
    }

    function datePickers(root) {
        root.querySelectorAll(".dash-datepicker-input-wrapper").forEach(function (w) {
            ["aria-expanded", "aria-haspopup", "aria-disabled", "aria-labelledby"].forEach(function (a) {
                if (w.hasAttribute(a)) { w.removeAttribute(a); }
            });
        });
        root.querySelectorAll("a.dash-datepicker-clear").forEach(function (a) {
            if (a.getAttribute("role") !== "button") { a.setAttribute("role", "button"); }
            if (a.tabIndex !== 0) { a.tabIndex = 0; }
            if (!a.dataset.hsKeys) { a.dataset.hsKeys = "1"; a.addEventListener("keydown", clickOnKey); }
        });
    }

    function focusables(e) {
        return e.querySelector("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])");
    }

    function regionName(e) {
        const caption = e.querySelector("caption");
        if (caption && caption.innerText.trim()) { return caption.innerText.trim(); }
        const section = e.closest("section, .page-card, .stat-bar");
        const heading = section && section.querySelector("h1, h2, h3, h4");
        if (e.classList.contains("notes")) { return "Notes" + (heading ? ": " + heading.innerText.trim() : ""); }
        return heading ? heading.innerText.trim() : "Table";
    }

    function scrollRegions(root) {
        root.querySelectorAll(".table-responsive, .notes, table").forEach(function (e) {
            if (e.tagName === "TABLE" && e.closest("[data-hs-region]")) { return; }
            const scrolls = e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1;
            const stop = (scrolls || e.tagName === "TABLE") && !focusables(e);
            if (!stop) { return; }
            if (e.tabIndex !== 0) { e.tabIndex = 0; }
            if (e.tagName !== "TABLE") {
                e.dataset.hsRegion = "1";
                if (e.getAttribute("role") !== "region") { e.setAttribute("role", "region"); }
            }
            const name = regionName(e);
            if (e.tagName !== "TABLE" || !e.querySelector("caption")) {
                if (e.getAttribute("aria-label") !== name) { e.setAttribute("aria-label", name); }
            }
        });
    }

    // Leaflet's clickable SVG shapes (incident squares, hotspot and sector polygons) are each a tab stop in
    // Chromium: hundreds of stops inside the map before the next control.  The map itself stays the stop
    // (arrows pan, +/- zoom) and the ranked table opens each hotspot's details.
    function mapShapes(root) {
        root.querySelectorAll(".leaflet-overlay-pane path.leaflet-interactive").forEach(function (p) {
            if (p.getAttribute("tabindex") !== "-1") { p.setAttribute("tabindex", "-1"); }
        });
    }

    function misc(root) {
        root.querySelectorAll("input[type=file]:not([aria-label])").forEach(function (i) {
            i.setAttribute("aria-label", "Choose a file to upload");
        });
    }

    // An AG Grid cell opens its row's details on Enter, as a click does (the grid's own keys move between cells).
    document.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" || !e.target.closest) { return; }
        const cell = e.target.closest(".ag-cell");
        if (cell && cell.closest(".hs-clickable-grid")) { cell.click(); }
    });

    let busy = false;
    function fix() {
        if (busy) { return; }
        busy = true;
        try {
            dropdowns(document);
            optionLists(document);
            datePickers(document);
            scrollRegions(document);
            mapShapes(document);
            misc(document);
        } finally {
            busy = false;
        }
    }
    const observer = new MutationObserver(fix);
    function start() {
        fix();
        observer.observe(document.body, {
            childList: true, subtree: true, attributes: true,
            attributeFilter: ["role", "aria-selected", "aria-expanded", "aria-hidden", "tabindex", "style"]
        });
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
