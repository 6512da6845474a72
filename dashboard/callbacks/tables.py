"""Value tables filled in the browser when their <details> is first opened.

A long table inside a closed « Tableau des valeurs » costs hundreds of Dash components
that React would render on every page load for nothing. The page sends its rows once,
as data in a dcc.Store, with an empty <tbody>; a clientside callback (assets/tables.js,
no server round trip) builds the rows the first time the summary is activated (mouse,
Enter or Space all click a <summary>). The downloads beside the table are plain links
to server routes and keep working without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State

OPEN = "tdb-table-open"  # the <summary> whose n_clicks asks for the rows
ROWS = "tdb-table-rows"  # the <tbody> filled in the browser
DATA = "tdb-table-data"  # the dcc.Store holding the formatted rows


def component_id(kind: str, table_id: object) -> dict[str, object]:
    """The pattern-matching id of one part of a deferred table."""
    return {"type": kind, "table": table_id}


def store_data(
    rows: Sequence[Sequence[str]], numeric: Sequence[bool], columns: Sequence[str] = ()
) -> dict[str, Any]:
    """What the Store holds: the cells as displayed, which columns are numbers, and the
    column names each cell repeats when the rows are stacked on a phone (`data-label`)."""
    return {"rows": [list(row) for row in rows], "numeric": list(numeric), "columns": list(columns)}


def register(app: dash.Dash) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="tdb", function_name="fillTable"),
        Output(component_id(ROWS, dash.MATCH), "children"),
        Input(component_id(OPEN, dash.MATCH), "n_clicks"),
        State(component_id(DATA, dash.MATCH), "data"),
        State(component_id(ROWS, dash.MATCH), "children"),
        prevent_initial_call=True,
    )
