/* The server's copy of a page (dashboard/server_html.py) is the page until Dash has rendered
   it itself (Dash loads on the reader's first interaction: dashboard/static/dash-on-demand.js);
   Dash's entry point stays hidden beside it (tdb.css). Then the copy goes, in the same task
   as the mutation: the two are never painted together. The reader loses nothing: what they
   typed in a field of the copy is put in the same field of Dash's page, and focus moves to
   the same element (same id, else the same rank among the page's focusable elements), so a
   keyboard reader whose first Tab loaded Dash goes on from where they were. */
(function () {
    var copy = document.getElementById("tdb-server-page");
    var root = document.getElementById("react-entry-point");
    if (!copy || !root) { return; }
    var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, " +
        "[tabindex]:not([tabindex='-1'])";

    function fieldKey(field) {
        if (field.id) { return "#" + CSS.escape(field.id); }
        return field.name ? "[name='" + CSS.escape(field.name) + "']" : null;
    }

    function carryValues() {
        copy.querySelectorAll("input, select, textarea").forEach(function (field) {
            var key = fieldKey(field);
            if (!key || field.type === "hidden") { return; }
            var twin = root.querySelector(key);
            if (twin && twin.value !== field.value) { twin.value = field.value; }
        });
    }

    function focusTarget() {
        var active = document.activeElement;
        if (!active || !copy.contains(active)) { return null; }
        if (active.id) { return { id: active.id }; }
        return { rank: Array.prototype.indexOf.call(copy.querySelectorAll(FOCUSABLE), active) };
    }

    function refocus(target) {
        if (!target) { return; }
        var twin = target.id ? document.getElementById(target.id)
            : root.querySelectorAll(FOCUSABLE)[target.rank];
        if (twin) { twin.focus({ preventScroll: true }); }
    }

    var swap = function () {
        if (!root.querySelector("main")) { return false; }
        var target = focusTarget();
        carryValues();
        copy.remove();
        refocus(target);
        return true;
    };
    if (swap()) { return; }
    var observer = new MutationObserver(function () {
        if (swap()) { observer.disconnect(); }
    });
    observer.observe(root, { childList: true, subtree: true });
})();
