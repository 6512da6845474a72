/* Dash on demand. A server-rendered page is complete as the server sent it
   (dashboard/server_html.py: text, tables, links, GET forms, charts as static SVG), so
   Dash's scripts, and Plotly after them, load only when the reader first interacts with
   the page: a pointer move or press, a touch, a key, the wheel. Until then links and
   forms load pages the ordinary way. A page the server did not render (no
   #tdb-server-page) starts Dash at once. Dash's script tags wait, inert, in the
   <template id="tdb-dash-scripts"> (dashboard/app.py split_scripts): they are loaded in
   their order (async = false), then the renderer starts, as the template's last script
   says. */
(function () {
    "use strict";
    var events = ["pointermove", "pointerdown", "touchstart", "keydown", "wheel"];
    var started = false;

    function boot() {
        if (started) { return; }
        started = true;
        events.forEach(function (name) { window.removeEventListener(name, boot, true); });
        var kept = document.getElementById("tdb-dash-scripts");
        var scripts = kept ? kept.content.querySelectorAll("script[src]") : [];
        var last = null;
        Array.prototype.forEach.call(scripts, function (tag) {
            var script = document.createElement("script");
            script.src = tag.getAttribute("src");
            script.async = false;
            document.body.appendChild(script);
            last = script;
        });
        var start = function () { window.renderer = new window.DashRenderer(); };
        if (last) { last.addEventListener("load", start); } else { start(); }
    }

    if (!document.getElementById("tdb-server-page")) { boot(); return; }
    events.forEach(function (name) {
        window.addEventListener(name, boot, { capture: true, passive: true });
    });
})();
