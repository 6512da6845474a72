/* dcc.Graph loads Plotly itself the first time a chart is drawn, from
   window._dashPlotlyJSURL (which Dash points at its full bundle): make it the partial
   build served here, whose address the page gives in this script's data-plotly. */
(function () {
    var url = document.currentScript.getAttribute("data-plotly");
    Object.defineProperty(window, "_dashPlotlyJSURL", {
        get: function () { return url; },
        set: function () {}
    });
})();
