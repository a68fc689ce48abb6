/* Sends the session's CSRF token with every same-origin state-changing request (Dash callbacks are
   POSTs), and shows who is logged in with a log-out link.  The token comes from the hotspots_csrf
   cookie that the server sets on each page. */
(function () {
  "use strict";
  function token() {
    var m = document.cookie.match(/(?:^|; )hotspots_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  var original = window.fetch;
  window.fetch = function (input, init) {
    init = init || {};
    var method = (init.method || (input && input.method) || "GET").toUpperCase();
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (method !== "GET" && method !== "HEAD" && new URL(url, window.location.href).origin === window.location.origin) {
      var headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
      headers.set("X-CSRFToken", token());
      init.headers = headers;
    }
    return original.call(this, input, init);
  };
  function accountBar() {
    if (document.getElementById("security-account")) { return; }
    original.call(window, "/_security/whoami", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (who) {
        if (!who || !who.user || document.getElementById("security-account")) { return; }
        var bar = document.createElement("div");
        bar.id = "security-account";
        bar.className = "security-account small";
        bar.setAttribute("style", "position:fixed;right:8px;bottom:6px;z-index:2000;background:#fff;" +
          "border:1px solid #dde1e7;border-radius:4px;padding:2px 8px;");
        var name = document.createElement("span");
        name.textContent = who.user + " (" + who.role + ") · ";
        var out = document.createElement("a");
        out.href = "/logout";
        out.textContent = "Log out";
        bar.appendChild(name);
        bar.appendChild(out);
        document.body.appendChild(bar);
      })
      .catch(function () { /* the bar is a convenience only */ });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", accountBar);
  } else {
    accountBar();
  }
})();
