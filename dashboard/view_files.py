"""Data by URL, the Our World in Data way: a view's permalink with `.csv`, `-fr.csv`,
`.xlsx` or `.json` appended to its path gives the rows of that view.

`/indicateurs/<id>.csv?niveau=regions&periode=2025-06` is the map and ranking table of that
indicator view, `/regions/53.xlsx` the table of the fiche, `/objectifs-fr.csv?statut=en-retard`
the filtered objectives table. Each is built by the function that builds the download link
of the same table (dashboard.downloads), so the bytes are the same; the old `/donnees/…`
links keep working beside them. JSON gives the same records (`dashboard.records` keys) under
a short header: title, source, permalink, licence. What the reader may not see is the same
404 as an unknown address (the queries filter by the request's reader).
"""

from __future__ import annotations

from typing import Any

import flask
from werkzeug.routing import BaseConverter

from core.vocabulary import Level
from dashboard import downloads, queries, urls

JSON_SUFFIX = downloads.JSON_SUFFIX
LICENCE, LICENCE_URL = downloads.LICENCE, downloads.LICENCE_URL


class LazyConverter(BaseConverter):
    """A path variable as short as possible: `53-fr.csv` is code `53` and `-fr.csv`."""

    regex = "[^/]+?"


def view_file(module: str, values: dict[str, str], params: dict[str, object]) -> downloads.File:
    """The table a page's permalink names, built by the download's own function."""
    q = queries.store()
    if module == "indicator":
        return downloads.indicator_frame(
            q, indicator_id=values["indicator_id"], table="carte", params=params
        )
    if module == "objectives":
        return downloads.objectives_frame(q, params=params)
    page_level = Level.region if module == "region" else Level.department
    level, code = downloads.area_code(level_slug=str(page_level.slug), code=values["code"])
    return downloads.area_frame(q, level=level, code=code, params=params)


def register(server: flask.Flask) -> None:
    server.url_map.converters[urls.LAZY] = LazyConverter
    for module in urls.VIEW_FILE_PAGES:
        server.add_url_rule(urls.view_file_route(module), f"view_file_{module}", _handler(module))


def _handler(module: str) -> Any:
    def view(suffix: str, **values: str) -> flask.Response:
        params = downloads.request_params()
        # the view the permalink shows: a query parameter named like a path variable
        # overrides it there (`/regions/53?code=84` is the fiche of 84), so here too
        values = urls.layout_values(values, flask.request.args.to_dict(flat=False))
        if suffix == JSON_SUFFIX:
            return downloads.answer(
                lambda: (view_file(module, values, params), "json"), send=downloads.send_json
            )
        fmt = downloads.FORMATS[suffix]
        return downloads.answer(lambda: (view_file(module, values, params), fmt))

    return view
