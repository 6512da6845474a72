/* PNG export of a chart (the toolbar's « Télécharger le graphique en PNG »). Under its title,
   a chart carries the URL of its view (dashboard/downloads.py export_marks, the line
   « Vue : /indicateurs/…?… » of figures/theme.py VIEW_NOTE): its path, because a page kept in
   the shared cache cannot know the site's address. Just before Plotly copies the chart into
   the image (its toolbar's own click handler runs after this capturing one), the path is
   written whole, https://…/indicateurs/…?…, with Plotly's public `relayout`: the PNG, and the
   chart on screen, then name the view by its full address. */
(function () {
  "use strict";

  var NOTE = "Vue : ";
  var BUTTON = ".modebar-btn[data-title='Télécharger le graphique en PNG']";

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(BUTTON) : null;
    var chart = button ? button.closest(".js-plotly-plot") : null;
    if (!chart || !window.Plotly || !chart.layout || !chart.layout.title) { return; }
    var subtitle = chart.layout.title.subtitle;
    var text = subtitle && typeof subtitle.text === "string" ? subtitle.text : "";
    var at = text.lastIndexOf(NOTE);
    if (at === -1) { return; }
    var start = at + NOTE.length;
    var end = text.indexOf("<br>", start);
    if (end === -1) { end = text.length; }
    var address = text.slice(start, end);
    var whole = new URL(address, window.location.href).href;
    if (whole === address) { return; }
    window.Plotly.relayout(chart, { "title.subtitle.text": text.slice(0, start) + whole + text.slice(end) });
  }, true);
})();
