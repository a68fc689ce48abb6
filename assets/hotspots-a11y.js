/* Keyboard and screen-reader fixes for Dash 4's dropdowns.

   A dcc.Dropdown renders a hidden read-only input (tabindex 0, aria-hidden) that forwards focus to its
   trigger button (tabindex -1).  Tabbing off the last dropdown of a panel then sends the focus back to the
   start of the panel, a keyboard trap (WCAG 2.1.2), and axe reports a focusable aria-hidden element.
   Make the trigger itself the tab stop and take the forwarding input out of the tab order. */
(function () {
    function fix(root) {
        root.querySelectorAll(".dash-dropdown-wrapper").forEach(function (w) {
            const target = w.querySelector("input.dash-dropdown-focus-target");
            const trigger = w.querySelector("button.dash-dropdown");
            if (target && target.tabIndex !== -1) { target.tabIndex = -1; }
            if (trigger && trigger.tabIndex !== 0 && !trigger.disabled) { trigger.tabIndex = 0; }
        });
    }
    const observer = new MutationObserver(function () { fix(document); });
    function start() {
        fix(document);
        observer.observe(document.body, {childList: true, subtree: true});
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
