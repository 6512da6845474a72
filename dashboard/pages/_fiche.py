"""The sections of a fiche région / département beside its main table: each indicator's
trajectory beside France (small multiples), the départements of a région, the targets a
source set for the territory and for its départements."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from dash import html

from core import geography
from core.catalog import Indicator
from core.vocabulary import Level, Origin, Unit
from dashboard import fiches, measure, queries, urls, views
from dashboard.components import dsfr
from dashboard.figures.small_multiple import (
    AREA_COLOURS,
    FRANCE_COLOURS,
    Line,
    legend_svg,
    points_of,
    small_multiple_svg,
)
from dashboard.formatting import NNBSP, format_date, format_number, format_period
from dashboard.pages._common import NATIONAL_ONLY, data_table, downloads_block

SPARK_WIDTH, SPARK_HEIGHT = 300, 120

# -- small multiples ----------------------------------------------------------------------------


def trajectories_section(
    q: queries.Queries,
    *,
    level: str,
    area: geography.Area,
    here: dict[str, str],
    real: bool,
    state: dict[str, str],
) -> list[Any]:
    """« Évolutions » : one small SVG per indicator with values for the territory; a count
    per 100 000 inhabitants beside France's on one scale (`par_habitant=non`: the totals,
    France on its own scale)."""
    per_capita = urls.per_capita(state)
    items = fiches.trajectories(
        q, level=level, code=area.code, real_only=real, per_capita=per_capita
    )
    title = html.H2("Évolutions à côté de la France", className="fr-h3 fr-mt-4w")
    if not items:
        why = f"{views.NO_REAL_FIGURE} pour ce territoire" if real else NATIONAL_ONLY
        return [title, html.P(why + ".", className="fr-text--sm", id="petits-multiples")]
    return [
        title,
        *_trajectories_measure(items, level=level, area=area, state=state),
        _legend(area),
        html.Ul(
            [_small_multiple(t, area=area, here=here) for t in items],
            className="tdb-small-multiples",
            id="petits-multiples",
        ),
    ]


def _trajectories_measure(
    items: list[fiches.Trajectory], *, level: str, area: geography.Area, state: dict[str, str]
) -> list[Any]:
    """When a count is drawn: how (per 100 000 inhabitants on one scale with France, or the
    totals, France on its own scale) and the link to the other."""
    counts = [t for t in items if measure.applies(t.indicator, level)]
    if not counts:
        return []
    divided = [t for t in counts if t.per_capita]
    if divided:
        years = [
            (str(t.group.name if t.group else area.name), int(t.area["population_year"].iloc[0]))
            for t in divided
        ]
        nation = geography.get_area(Level.national, geography.NATIONAL_CODE)
        years.append((nation.name, nation.population_year))
        grouped = " (celle de son groupe pour une valeur publiée avec une autre région)"
        text = (
            f"Nombres et montants {measure.PER_CAPITA_WORDS} ({measure.population_note(years)})"
            f" : la valeur {geography.of_area(area)} divisée par sa population"
            + (grouped if any(t.group for t in divided) else "")
            + ", celle de la France par celle de la France, sur la même échelle ; les taux "
            "tels quels. "
        )
    else:
        text = "Nombres et montants en totaux : la France sur sa propre échelle. "
    return _measure_note(
        text,
        per_capita=bool(divided),
        href=_other_choice(level, area.code, state) + "#petits-multiples",
        note_id="evolutions-par-habitant",
    )


def _other_choice(level: str, code: str, state: dict[str, str]) -> str:
    """The fiche's address with the other `par_habitant` choice."""
    module = urls.AREA_PAGES[Level(level)].module
    params = {k: v for k, v in state.items() if k != "code"}
    return next(
        href
        for _, href, current in urls.per_capita_switch(module, params, code=code)
        if not current
    )


def _measure_note(text: str, *, per_capita: bool, href: str, note_id: str) -> list[Any]:
    """What a section compares, with the link to the other choice (totals or per capita)."""
    label = "Voir les totaux" if per_capita else f"Comparer {measure.PER_CAPITA_WORDS}"
    return [
        html.P(
            [text, html.A(label, href=href, className="fr-link")],
            id=note_id,
            className="fr-text--sm",
        )
    ]


def _legend(area: geography.Area) -> html.Div:
    """What the lines and their styles mean (said once for every small multiple)."""

    def entry(colours: tuple[str, str], who: str) -> list[Any]:
        real, demo = legend_svg(colours=colours)
        return [
            html.Li(
                [html.Img(src=real, alt="", width="40", height="10"), f" {who}, valeur réelle"]
            ),
            html.Li(
                [
                    html.Img(src=demo, alt="", width="40", height="10"),
                    f" {who}, données de démonstration (tirets, plus clair, points creux)",
                ]
            ),
        ]

    return html.Div(
        [
            html.P("Légende des évolutions :", className="fr-text--sm fr-mb-1v"),
            html.Ul(
                [*entry(AREA_COLOURS, area.name), *entry(FRANCE_COLOURS, "France")],
                className="fr-text--sm tdb-legend",
                id="legende-evolutions",
            ),
        ]
    )


def _small_multiple(t: fiches.Trajectory, *, area: geography.Area, here: dict[str, str]) -> Any:
    ind = t.indicator
    # a territory's count or amount in total beside France's: one scale each
    # (`par_habitant=non`, or a count of areas: départements covered)
    own_scales = not t.per_capita and (ind.unit == Unit.count or ind.is_per_capita)
    lines = [Line(points_of(t.area), AREA_COLOURS)]
    if not t.france.empty:
        lines.append(Line(points_of(t.france), FRANCE_COLOURS))
    values = (
        [p.value for p in lines[0].points]
        if own_scales
        else [p.value for ln in lines for p in ln.points]
    )
    high = t.text(max(values))
    labels = (t.text(min(values)), f"{high} {measure.PER_CAPITA_SHORT}" if t.per_capita else high)
    first, last = lines[0].points[0].period, lines[0].points[-1].period
    span = [format_period(d, frequency=ind.frequency) for d in (first, last)]
    notes = [" – ".join(dict.fromkeys(span))]  # « 2019 » for one period
    if t.per_capita:
        notes.append(
            f"{measure.PER_CAPITA_WORDS} ({fiches.population_text(t, area_name=area.name)})"
        )
    if own_scales and len(lines) > 1:
        notes.append("France sur sa propre échelle")
    if t.group is not None:
        notes.append(f"{fiches.shared_text(t.group)} (valeur du groupe, jamais répartie)")
    heading: list[Any] = [html.A(ind.short_label, href=urls.indicator(ind.id, here))]
    if t.per_capita:
        heading.append(f", {measure.PER_CAPITA_WORDS}")
    return html.Li(
        [
            html.H3(heading, className="fr-text--md fr-mb-1v"),
            html.Img(
                src=small_multiple_svg(
                    lines,
                    width=SPARK_WIDTH,
                    height=SPARK_HEIGHT,
                    shared_scale=not own_scales,
                    labels=labels,
                ),
                alt=fiches.trajectory_text(t, area_name=area.name),
                id=f"evolution-{ind.id}",
                className="tdb-small-multiple",
                width=str(SPARK_WIDTH),
                height=str(SPARK_HEIGHT),
            ),
            html.P(" · ".join(notes), className="fr-text--xs fr-mb-0"),
        ],
        className="tdb-small-multiple-item",
    )


# -- the départements of a région ----------------------------------------------------------------


def departments_section(
    q: queries.Queries, *, region_code: str, state: dict[str, str], here: dict[str, str]
) -> list[Any]:
    """The région's départements for one indicator (`indicateur`), with France and the
    région for reference, ranks and the table's download; a count per 100 000
    inhabitants by default, as on the maps (`par_habitant=non`: the totals)."""
    real = urls.real_only(state)
    title = html.H2("Départements de la région", className="fr-h3 fr-mt-4w")
    choices = fiches.department_indicators(q, region_code=region_code, real_only=real)
    chosen = fiches.chosen_indicator(choices, urls.value(state, "indicateur"))
    if chosen is None:
        return [title, html.P(NATIONAL_ONLY + ".")]
    kept = urls.kept(state)
    links = [
        html.Li(
            html.A(
                ind.short_label,
                href=urls.area("region", region_code, {"indicateur": ind.id, **kept}),
                className="fr-tag",
                **dsfr.attrs(aria_current="true" if ind.id == chosen.id else None),
            )
        )
        for ind in choices
    ]
    table = fiches.region_departments(
        q,
        region_code=region_code,
        indicator=chosen,
        real_only=real,
        totals=not urls.per_capita(state),
    )
    per_100k = f", {measure.PER_CAPITA_WORDS}" if _per_capita(table) else ""
    screen = departments_screen(table, chosen)
    return [
        title,
        html.Nav(
            html.Ul(links, className="fr-tags-group"),
            **dsfr.attrs(aria_label="Indicateur affiché pour les départements"),
        ),
        *_departments_measure(table, chosen, region_code=region_code, state=state),
        data_table(
            caption=f"{chosen.short_label} : départements de la région, dernière période"
            + per_100k,
            frame=screen,
            formatters={},
            numeric=[c for c in screen.columns if c not in _TEXT_COLUMNS],
            table_id="tableau-departements",
        ),
        html.P(
            html.A(
                f"{chosen.short_label} : voir la carte des départements",
                href=urls.indicator(chosen.id, {**here, "niveau": Level.department.slug}),
                className="fr-link",
            ),
            className="fr-text--sm",
        ),
        downloads_block(
            urls.region_departments_download(region_code),
            query={"indicateur": chosen.id, **kept},
            label="Télécharger le tableau des départements :",
        ),
    ]


def _per_capita(table: pd.DataFrame) -> bool:
    return bool(len(table)) and bool(table["per_capita"].iloc[0])


def _departments_measure(
    table: pd.DataFrame, ind: Indicator, *, region_code: str, state: dict[str, str]
) -> list[Any]:
    """For a count: what the départements table compares (per 100 000 inhabitants, the
    populations it rests on, or the totals) and the link to the other."""
    if not measure.applies(ind, Level.department) or table.empty:
        return []
    if _per_capita(table):
        years = [
            (str(n), int(y)) for n, y in zip(table["name"], table["population_year"], strict=True)
        ]
        text = (
            f"Valeurs {measure.PER_CAPITA_WORDS} ({measure.population_note(years)}) : la valeur "
            "de chaque département, de la France et de la région divisée par sa population ; "
            "les rangs les comparent, les totaux sont dans la colonne « Total ». "
        )
    else:
        text = "Valeurs totales : les rangs comparent les totaux, qui dépendent de la taille. "
    return _measure_note(
        text,
        per_capita=_per_capita(table),
        href=_other_choice(Level.region, region_code, state) + "#tableau-departements",
        note_id="departements-par-habitant",
    )


_TEXT_COLUMNS = (Level.department.label.capitalize(), "Période", "Origine")
PER_CAPITA_COLUMN = f"Pour 100{NNBSP}000 hab."


def departments_screen(table: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """The départements table as the page writes it (the download keeps the numbers): a
    count per 100 000 inhabitants (France and the région too) with its total beside,
    when the table compares so."""
    per_capita = _per_capita(table)

    def number(v: object) -> str:
        number = None if v is None or pd.isna(v) else float(v)  # type: ignore[arg-type]
        return format_number(number, unit=ind.unit, decimals=ind.decimals)

    def per_100k(v: object) -> str:
        number = None if v is None or pd.isna(v) else float(v)  # type: ignore[arg-type]
        return format_number(number, unit=ind.unit, decimals=measure.PER_CAPITA_DECIMALS)

    def rank(r: object, n: object) -> str:
        return "—" if r is None or pd.isna(r) else f"{int(r)}/{int(n)}"  # type: ignore[call-overload]

    name = Level.department.label.capitalize()
    region = Level.region.label.capitalize()
    pairs = zip(table["code"], table["name"], strict=True)
    in_region = zip(table["region_rank"], table["region_ranked"], strict=True)
    in_france = zip(table["rank"], table["ranked"], strict=True)
    columns: dict[str, list[Any]] = {
        name: [f"{n} ({c})" for c, n in pairs],
        "Période": [format_period(p, frequency=ind.frequency) for p in table["period_start"]],
    }
    if per_capita:
        columns[PER_CAPITA_COLUMN] = [per_100k(v) for v in table["value_per_100k"]]
        columns["Total"] = [number(v) for v in table["value"]]
        columns["France"] = [per_100k(v) for v in table["france_per_100k"]]
        columns[region] = [per_100k(v) for v in table["region_per_100k"]]
    else:
        columns["Valeur"] = [number(v) for v in table["value"]]
        columns["France"] = [number(v) for v in table["france_value"]]
        columns[region] = [number(v) for v in table["region_value"]]
    columns["Rang dans la région"] = [rank(r, n) for r, n in in_region]
    columns["Rang en France"] = [rank(r, n) for r, n in in_france]
    columns["Origine"] = [Origin.label_of(o) for o in table["origin"]]
    return pd.DataFrame(columns, columns=list(columns))


# -- own targets -------------------------------------------------------------------------------


def own_targets_section(
    q: queries.Queries, *, level: str, code: str, here: dict[str, str], real: bool
) -> list[Any]:
    """The targets a source set for this territory: target, deadline, « taux
    d'avancement », status and what it rests on; on a fiche région, how many of its
    départements are behind their own targets, and which."""
    today = dt.date.today()
    mine = fiches.own_targets(
        q, level=level, codes=[code], visible_from=(level, code), today=today, real_only=real
    )
    parts: list[Any] = [
        html.H2("Cibles propres au territoire", className="fr-h3 fr-mt-4w", id="cibles-propres")
    ]
    if mine:
        parts.append(_own_targets_table(mine, here=here))
    else:
        parts.append(
            html.P(
                "Aucune source ne fixe de cible propre à ce territoire.", className="fr-text--sm"
            )
        )
    if level == Level.region:
        parts += _departments_behind(q, region_code=code, here=here, today=today, real=real)
    return parts


def _own_targets_table(items: list[fiches.OwnTarget], *, here: dict[str, str]) -> html.Div:
    rows = []
    for o in items:
        t, a, ind = o.item.target, o.item.assessment, o.indicator
        baseline = (
            f"{format_number(t.baseline.value, unit=t.unit, decimals=ind.decimals)} "
            f"au {format_date(t.baseline.date)}"
            if t.baseline is not None
            else "—"
        )
        current = (
            format_number(a.current, unit=t.unit, decimals=ind.decimals)
            + f" ({format_period(a.current_period, frequency=ind.frequency)})"
            if a.current is not None and a.current_period is not None
            else "—"
        )
        rows.append(
            [
                html.A(ind.short_label, href=urls.indicator(ind.id, here)),
                views.target_text(t, ind),
                format_date(t.deadline),
                baseline,
                current,
                fiches.progress_text(o.item),
                dsfr.badge(a.label, kind=a.status.tone),
                a.basis_label or "—",
                t.source_title,
            ]
        )
    return dsfr.table(
        caption="Cibles fixées par une source pour ce territoire",
        columns=[
            "Indicateur", "Cible", "Échéance", "Valeur initiale", "Valeur actuelle",
            "Taux d'avancement", "Statut", "Base du statut", "Source de la cible",
        ],
        rows=rows,
        numeric=[False, True, False, False, True, True, False, False, False],
        table_id="tableau-cibles-propres",
        compact=True,
    )  # fmt: skip


def _departments_behind(
    q: queries.Queries, *, region_code: str, here: dict[str, str], today: dt.date, real: bool
) -> list[Any]:
    codes = [d.code for d in geography.departments_of(region_code)]
    items = fiches.own_targets(
        q,
        level=Level.department,
        codes=codes,
        visible_from=(Level.region, region_code),
        today=today,
        real_only=real,
    )
    if not items:
        return []
    by_indicator: dict[str, list[fiches.OwnTarget]] = {}
    for o in items:
        by_indicator.setdefault(o.indicator.id, []).append(o)
    entries = [
        html.Li(
            [
                html.A(
                    group[0].indicator.short_label,
                    href=urls.indicator(
                        group[0].indicator.id, {**here, "niveau": Level.department.slug}
                    ),
                ),
                f" : {fiches.behind_text(group)}",
            ]
        )
        for group in by_indicator.values()
    ]
    return [
        html.H3("Départements face à leurs propres cibles", className="fr-h4 fr-mt-2w"),
        html.Ul(entries, id="departements-en-retard"),
    ]
