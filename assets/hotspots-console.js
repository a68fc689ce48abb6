/* dash-leaflet 1.1 leaves debug output in its Map component: every change of the map's `viewport` prop logs
   "ISSUE BOUNDS UPDATE" (or "BREAK BOUNDS CHANGE", "ISSUE CENTER/ZOOM CHANGE", "BREAK CENTER/ZOOM CHANGE")
   with console.log.  Drop exactly those four messages so the console only shows what needs attention;
   every other message passes through unchanged. */
(function () {
    const DEBUG = new Set(["ISSUE BOUNDS UPDATE", "BREAK BOUNDS CHANGE", "ISSUE CENTER/ZOOM CHANGE",
                           "BREAK CENTER/ZOOM CHANGE"]);
    const log = console.log.bind(console);
    console.log = function () {
        if (arguments.length === 1 && DEBUG.has(arguments[0])) { return; }
        return log.apply(console, arguments);
    };
})();
