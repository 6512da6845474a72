/* The view lives in the URL. A GET form submission or an internal link click becomes an
   in-page navigation of the Dash pages router (the same event dcc.Link dispatches), and
   focus is put back on the control the user was on. Without JavaScript, and before Dash
   has replaced the server's copy of the page (dashboard/static/dash-on-demand.js loads it
   on the reader's first interaction), the same forms and links simply load the page. */
(function () {
  "use strict";

  function renderId() {
    var main = document.getElementById("contenu");
    return main ? main.getAttribute("data-render") : null;
  }

  /* Says what the page now shows in the live region of the index (dashboard/app.py
     ANNOUNCE_ID): after a form, focus stays on its button and nothing else would tell a
     screen reader that the view below has changed. */
  function announce() {
    var region = document.getElementById("tdb-annonce");
    var heading = document.querySelector("#contenu h1");
    if (!region || !heading) { return; }
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = "Vue mise à jour : " + heading.textContent;
    }, 100);
  }

  /* Dash's router is running: its copy of the page has replaced the server's. */
  function dashRuns() {
    return Boolean(window.DashRenderer) && !document.getElementById("tdb-server-page");
  }

  function navigate(url, focusId, isForm) {
    var before = renderId();
    window.history.pushState({}, "", url);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    var tries = 0;
    var timer = window.setInterval(function () {
      tries += 1;
      var target = focusId ? document.getElementById(focusId) : document.getElementById("contenu");
      var rendered = renderId() !== before;
      if ((target && rendered) || tries > 60) {
        window.clearInterval(timer);
        if (target) { target.focus({ preventScroll: Boolean(focusId) }); }
        if (!focusId) { window.scrollTo(0, 0); }
        if (isForm && rendered) { announce(); }
      }
    }, 50);
  }

  /* Downloads and front-end files are not pages: their prefixes come from the page
     (data-file-prefixes, written from dashboard/urls.py), not from this script. */
  function isFile(pathname) {
    var holder = document.querySelector("[data-file-prefixes]");
    var prefixes = holder ? holder.getAttribute("data-file-prefixes").split(" ") : [];
    return prefixes.some(function (prefix) { return pathname.indexOf(prefix) === 0; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-url-form]") || !dashRuns()) { return; }
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") { params.append(key, value); }
    });
    var path = form.getAttribute("action") || window.location.pathname;
    var template = form.getAttribute("data-path-template");
    if (template) {
      path = template.replace(/\{(\w+)\}/g, function (_, name) {
        var value = params.get(name) || "";
        params.delete(name);
        return encodeURIComponent(value);
      });
    }
    var query = params.toString();
    var submitter = event.submitter;
    navigate(path + (query ? "?" + query : ""), submitter && submitter.id ? submitter.id : null,
             true);
  });

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey || !dashRuns()) { return; }
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.hasAttribute("download") || link.target) { return; }
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || isFile(url.pathname)) { return; }
    if (url.pathname === window.location.pathname && url.search === window.location.search &&
        url.hash) { return; }  /* in-page anchor: let the browser scroll */
    if (url.hash) { return; }
    event.preventDefault();
    navigate(url.pathname + url.search, null);
  });
})();
