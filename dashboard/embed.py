"""/embed/indicateurs/<id>?…: one indicator's chart alone, for an iframe on an ARS or a
ministry site.

The same view parameters as the indicator page (`comparer`, `reel`, `niveau`…), read by the
same `views.indicator_view`: France and the compared areas over time as the page's comparison
draws them (per 100 000 inhabitants of each area for a count at région or département level,
unless `par_habitant=non`), drawn server-side as a static SVG
(dashboard/figures/small_multiple.py), so it needs no script at all. Around it:
the title, the source line, the periods and the day of the data, « Données de
démonstration » when one value drawn is demo, and a link back to the full view. Only these
addresses may be framed by other sites (dashboard/security.py). A restricted indicator is
the 404 of an unknown one, as everywhere.
"""

from __future__ import annotations

import datetime as dt
from html import escape

import flask
import pandas as pd

from core.catalog import CatalogError, Indicator
from core.vocabulary import Level, Origin, Unit
from dashboard import downloads, guards, measure, queries, records, urls, views
from dashboard.figures.small_multiple import (
    AREA_COLOURS,
    FRANCE_COLOURS,
    Line,
    points_of,
    small_multiple_svg,
)
from dashboard.formatting import format_date, format_period

WIDTH, HEIGHT = 640, 240
ADDITIVE_UNITS = (Unit.count, Unit.euros)  # France's value is many times an area's
SNIPPET_HEIGHT = 420  # pixels of the iframe the snippet proposes
EMBED_CSS = (
    "body{margin:0;padding:12px;font-family:Marianne,Arial,sans-serif;color:#3a3a3a;"
    "background:#fff}h1{font-size:1.1rem;margin:0 0 4px;color:#161616}"
    "p{margin:4px 0;font-size:.8rem}img{max-width:100%;height:auto;display:block}"
    ".demo{display:inline-block;padding:0 6px;background:#eee;color:#3a3a3a;"
    "font-weight:700;text-transform:uppercase;font-size:.7rem}"
    ".legend span{margin-right:12px}a{color:#000091}"
)


def snippet(src: str) -> str:
    """The iframe code of an embed, to paste into another site's page."""
    return (
        f'<iframe src="{escape(src)}" width="100%" height="{SNIPPET_HEIGHT}" '
        'style="border:0" title="Graphique du tableau de bord du numérique en santé" '
        'loading="lazy"></iframe>'
    )


def lines(view: views.IndicatorView) -> list[tuple[str, pd.DataFrame]]:
    """(name, series) of each line drawn: France, then the compared areas, as the indicator
    page's comparison draws them (views.comparison_frame): per 100 000 inhabitants of each
    area for a count at région or département level, unless `par_habitant=non`."""
    frame = views.comparison_frame(view)
    out = [("France", frame[frame["level"] == Level.national.value])]
    others = frame[frame["level"] != Level.national.value]
    for code in view.compared:
        rows = others[others["code"] == code]
        if not rows.empty:
            out.append((str(rows["name"].iloc[0]), rows))
    return out


def page(view: views.IndicatorView, *, base: str, today: dt.date) -> str:
    """The whole HTML document of an embed."""
    ind = view.indicator
    drawn = [(name, series) for name, series in lines(view) if not series.empty]
    shown = [s[s["value"].notna()] for _, s in drawn]
    values = [float(v) for s in shown for v in s["value"]]
    origins = {str(o) for s in shown if "origin" in s for o in s["origin"].dropna()}
    demo = Origin.demo.value in origins
    # in totals, a count of France dwarfs a région's: each line on its own scale then, as
    # on the fiches; per 100 000 inhabitants they share one
    own_scales = ind.unit in ADDITIVE_UNITS and len(drawn) > 1 and not view.per_capita
    labels = (_fmt(view, min(values)), _fmt(view, max(values))) if values else ("", "")
    chart = small_multiple_svg(
        [
            Line(points_of(s), AREA_COLOURS if i == 0 else FRANCE_COLOURS)
            for i, (_, s) in enumerate(drawn)
        ],
        width=WIDTH,
        height=HEIGHT,
        shared_scale=not own_scales,
        labels=("", "") if own_scales else labels,
    )
    title = f"{ind.label}, {measure.PER_CAPITA_WORDS}" if view.per_capita else ind.label
    link = base + urls.indicator(ind.id, urls.normalise(view.state()))
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="legend">{_legend(drawn)}'
        + (" (chaque courbe sur sa propre échelle)" if own_scales else "")
        + "</p>",
        f'<img src="{chart}" alt="{escape(_description(view, drawn))}" '
        f'width="{WIDTH}" height="{HEIGHT}">',
        f'<p><span class="demo">{escape(records.DEMO_SOURCE)}</span></p>' if demo else "",
        f"<p>{escape(_source_line(ind, origins))}</p>",
        f"<p>{escape(_dates(ind, shown, today=today))}</p>",
        f'<p><a href="{escape(link)}" target="_blank" rel="noopener">'
        "Voir la vue complète sur le tableau de bord du numérique en santé</a></p>",
    ]
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(ind.short_label)} — Tableau de bord du numérique en santé</title>"
        f"<style>{EMBED_CSS}</style></head><body>{''.join(parts)}</body></html>"
    )


def _fmt(view: views.IndicatorView, value: float) -> str:
    return view.shown.text(value, unit=view.indicator.unit)


def _legend(drawn: list[tuple[str, pd.DataFrame]]) -> str:
    return "".join(
        f'<span style="color:{(AREA_COLOURS if i == 0 else FRANCE_COLOURS)[0]}">'
        f"— {escape(name)}</span>"
        for i, (name, _) in enumerate(drawn)
    )


def _description(view: views.IndicatorView, drawn: list[tuple[str, pd.DataFrame]]) -> str:
    """The chart in words: each line's latest value and its period."""
    ind, said = view.indicator, []
    for name, series in drawn:
        known = series[series["value"].notna()]
        if known.empty:
            continue
        last = known.sort_values("period_start").iloc[-1]
        period = format_period(last["period_start"], frequency=ind.frequency)
        value = view.shown.sentence(float(last["value"]), unit=ind.unit)
        said.append(f"{name} : {value} en {period}")
    what = " ; ".join(said) if said else "aucune valeur"
    return f"Évolution de « {ind.short_label} ». Dernières valeurs : {what}."


def _source_line(ind: Indicator, origins: set[str]) -> str:
    names = [s.name for s in ind.sources] if origins - {Origin.demo.value} else []
    if Origin.demo.value in origins:
        names.append(records.DEMO_SOURCE)
    return "Source : " + (" ; ".join(names) or "aucune donnée")


def _dates(ind: Indicator, shown: list[pd.DataFrame], *, today: dt.date) -> str:
    periods = [p for s in shown for p in s["period_start"]]
    consulted = f"Consulté le {format_date(today)}"
    if not periods:
        return consulted
    first, last = min(periods), max(periods)
    span = format_period(last, frequency=ind.frequency)
    if first != last:
        span = f"{format_period(first, frequency=ind.frequency)} à {span}"
    return f"Données : {span} · {consulted}"


def register(server: flask.Flask) -> None:
    @server.route(urls.EMBED_INDICATOR_ROUTE)
    def embed_indicator(indicator_id: str) -> flask.Response:
        q = queries.store()
        try:
            indicator = q.catalog.get(indicator_id)
            view = views.indicator_view(q, indicator, downloads.request_params())
        except CatalogError:
            text = f"Indicateur inconnu « {urls.shown(indicator_id)} »."
            return guards.text_response(text, status=404)
        except queries.DataUnavailable as exc:
            return guards.text_response(str(exc), status=503)
        base = urls.site_origin(flask.request.host_url)
        return flask.Response(page(view, base=base, today=dt.date.today()), mimetype="text/html")
