/* Builds the rows of a value table the first time its <details> is opened
   (see dashboard/callbacks/tables.py): the same cells dsfr.table() renders,
   a row header then data cells, numbers aligned right, each named by its column. */
(function () {
  "use strict";

  function cell(type, text, props) {
    props.children = text;
    return { type: type, namespace: "dash_html_components", props: props };
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.tdb = {
    fillTable: function (clicks, data, current) {
      if (!data || (current && current.length)) {
        return window.dash_clientside.no_update;
      }
      var numeric = data.numeric || [];
      var columns = data.columns || [];
      return data.rows.map(function (row) {
        return {
          type: "Tr",
          namespace: "dash_html_components",
          props: {
            children: row.map(function (text, i) {
              /* the column's name, written before the cell when rows are stacked (tdb.css) */
              var props = columns[i] ? { "data-label": columns[i] } : {};
              if (i === 0) { props.scope = "row"; return cell("Th", text, props); }
              if (numeric[i]) { props.className = "fr-cell--right tdb-num"; }
              return cell("Td", text, props);
            })
          }
        };
      });
    }
  };
})();
