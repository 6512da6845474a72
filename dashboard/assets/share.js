/* « Copier le lien » (dashboard/components/share.py). Progressive enhancement: the permalink
   is a plain link without a script; when the browser can write to the clipboard, the button
   shows (class on <html>, tdb-share.css), copies the page's address and announces
   « Lien copié » in the index's live region (dashboard/app.py ANNOUNCE_ID). The permalink's
   text becomes the whole address, so that a printed page carries it. */
(function () {
  "use strict";

  var canCopy = Boolean(navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext);
  if (canCopy) { document.documentElement.classList.add("tdb-can-copy"); }

  function say(text) {
    var region = document.getElementById("tdb-annonce");
    var status = document.querySelector(".tdb-copy-status");
    if (status) { status.textContent = text; }
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".tdb-copy-link") : null;
    if (!button || !canCopy) { return; }
    navigator.clipboard.writeText(window.location.href).then(
      function () { say("Lien copié"); },
      function () { say("Copie impossible : sélectionnez le lien permanent ci-dessus"); }
    );
  });

  /* The permalink written whole (https://…), whenever Dash renders a page holding one. */
  function absolute() {
    var links = document.querySelectorAll("a.tdb-permalink");
    for (var i = 0; i < links.length; i += 1) {
      if (links[i].textContent !== links[i].href) { links[i].textContent = links[i].href; }
    }
  }
  new MutationObserver(absolute).observe(document.documentElement, { childList: true, subtree: true });
  absolute();
})();

/* Before printing, the value tables folded in a <details> are opened: the first opening
   builds their rows (assets/tables.js), and an open <details> prints whole (tdb-print.css). */
window.addEventListener("beforeprint", function () {
  "use strict";
  var folded = document.querySelectorAll("details.tdb-details:not([open]) > summary");
  for (var i = 0; i < folded.length; i += 1) { folded[i].click(); }
});
