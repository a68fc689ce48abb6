/* The shell's navigation, in the browser: no server round trip on a filter change. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    hotspots_shell: {
        /* Nav links keep the shared filters of the query string (page parameters stay with their page,
           their encoding as the URL has it) and mark the current page. */
        navLinks: function (search, pathname, hrefs, shared) {
            const keys = new Set(shared || []);
            const keep = (search || "").replace(/^\?/, "").split("&").filter(function (part) {
                if (!part) { return false; }
                const key = part.split("=")[0].replace(/\+/g, " ");
                try { return keys.has(decodeURIComponent(key)); } catch (e) { return false; }
            });
            const query = keep.length ? "?" + keep.join("&") : "";
            const bare = function (path) { return (path || "/").replace(/\/+$/, "") || "/"; };
            const here = bare(pathname);
            const paths = (hrefs || []).map(function (href) { return (href || "").split("?")[0]; });
            return [
                paths.map(function (path) { return path + query; }),
                paths.map(function (path) { return bare(path) === here ? "nav-link active" : "nav-link"; }),
            ];
        },
    },
});
