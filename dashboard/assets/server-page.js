/* The server's copy of a page (dashboard/server_html.py) paints before any script runs; Dash's
   entry point stays hidden beside it (tdb.css). Once Dash has rendered the page itself, the
   copy goes, in the same task as the mutation: the two are never painted together. */
(function () {
    var copy = document.getElementById("tdb-server-page");
    var root = document.getElementById("react-entry-point");
    if (!copy || !root) { return; }
    var swap = function () {
        if (!root.querySelector("main")) { return false; }
        copy.remove();
        return true;
    };
    if (swap()) { return; }
    var observer = new MutationObserver(function () {
        if (swap()) { observer.disconnect(); }
    });
    observer.observe(root, { childList: true, subtree: true });
})();
