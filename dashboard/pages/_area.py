"""Fiche région / fiche département: every indicator for the area beside France."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from dash import html

from core import geography
from core.vocabulary import Level
from dashboard import fiches, measure, queries, urls, views
from dashboard.components import dsfr
from dashboard.components.share import share_link
from dashboard.formatting import format_date, format_number
from dashboard.pages._common import (
    NATIONAL_ONLY,
    downloads_block,
    hidden_fields,
    not_found,
    page,
    real_only_note,
    real_switch,
    updated,
)
from dashboard.pages._fiche import (
    departments_section,
    own_targets_section,
    trajectories_section,
)


def area_layout(*, level: str, code: object, params: dict[str, Any]) -> html.Div:
    plural = Level(level).plural
    code = urls.path_value(code)
    canonical = urls.valid_code(level, code)
    path = urls.area(level, code)

    def build(q: queries.Queries) -> list[Any]:
        if canonical is None:
            return not_found(f"Aucun territoire n'a le code « {code} » parmi les {plural.lower()}.")
        return _content(q, level=level, code=canonical, params=params)

    return page(path=path, build=build, params=params, cacheable=canonical is not None)


def area_title(level: str, code: str | None) -> str:
    canonical = urls.valid_code(level, code or "")
    name = geography.get_area(level, canonical).name if canonical else "Territoire inconnu"
    return f"{name} — Tableau de bord du numérique en santé"


def _value(row: pd.Series, column: str) -> str:
    v = row[column]
    if column == "Valeur" and row.get("yes_no") and pd.notna(v):  # SAS opérationnel : oui
        return measure.yes_no(float(v))
    return format_number(
        None if pd.isna(v) else float(v), unit=row["unit"], decimals=int(row["decimals"])
    )


def _content(q: queries.Queries, *, level: str, code: str, params: dict[str, Any]) -> list[Any]:
    singular, plural = Level(level).label, Level(level).plural
    area = geography.get_area(level, code)
    state = urls.normalise(params)
    real = urls.real_only(state)
    kept = urls.kept(state)
    # the links of a fiche carry its territory: the indicator pages highlight it
    here = {**kept, "territoire": urls.territory_param(level, code)}
    table = views.area_table(
        q, level=level, code=code, real_only=real, totals=not urls.per_capita(state)
    )
    table = fiches.with_group_notes(
        table, fiches.group_notes(q, level=level, code=code, real_only=real)
    )
    rows = [
        [
            html.A(r["Indicateur"], href=urls.indicator(r["indicator_id"], here)),
            r["Période"],
            _value(r, "Valeur"),
            _value(r, "France"),
            r["Rang"],
            r["Origine"],
        ]
        for _, r in table.iterrows()
    ]
    parts: list[Any] = [
        dsfr.breadcrumb(
            [
                ("Accueil", urls.with_query(urls.HOME, kept)),
                (plural.capitalize(), urls.area_index(level, kept)),
                (area.name, None),
            ]
        ),
        html.H1(f"{area.name}"),
        html.P(
            f"Fiche {singular} : chaque indicateur de la feuille de route pour ce territoire, à "
            f"côté de la valeur nationale, avec son rang parmi les {plural.lower()}. {updated(q)}.",
            className="fr-text--lead",
        ),
        share_link(urls.area(level, code, {k: v for k, v in state.items() if k != "code"})),
        real_switch(
            urls.real_switch(
                urls.AREA_PAGES[Level(level)].module,
                {k: v for k, v in state.items() if k != "code"},
                code=code,
            )
        ),
        *([real_only_note()] if real else []),
        _chooser(level=level, code=code, kept={k: v for k, v in kept.items() if k != "territoire"}),
        html.H2("Indicateurs", className="fr-h3 fr-mt-4w"),
        html.P(
            f"« {NATIONAL_ONLY} » : aucune valeur territoriale, réelle ou de démonstration, "
            "n'existe pour l'indicateur.",
            className="fr-text--sm",
        ),
        _rank_note(level=level, code=code, state=state),
        dsfr.table(
            caption=f"Indicateurs pour {geography.with_article(area)} et pour la France",
            columns=["Indicateur", "Période", area.name, "France", "Rang", "Origine"],
            rows=rows,
            numeric=[False, False, True, True, True, False],
            table_id="tableau-territoire",
        ),
        downloads_block(
            urls.area_download(level, code), query=kept, label="Télécharger ce tableau :"
        ),
        *trajectories_section(q, level=level, area=area, here=here, real=real, state=state),
    ]
    if level == "region":
        parts.extend(departments_section(q, region_code=code, state=state, here=here))
        parts.extend(_regional_targets(q, code=code, real_only=real))
    parts.extend(own_targets_section(q, level=level, code=code, here=here, real=real))
    if level != "region":
        region = geography.region_of(code)
        parts.append(
            html.P(
                [
                    "Région : ",
                    html.A(
                        region.name,
                        href=urls.area("region", region.code, here),
                        className="fr-link",
                    ),
                ],
                className="fr-mt-4w",
            )
        )
    return parts


def _rank_note(*, level: str, code: str, state: dict[str, str]) -> html.P:
    """How the « Rang » column ranks: counts per 100 000 inhabitants (or as totals with
    `par_habitant=non`), values at their displayed precision; with the link to the other."""
    plural = Level(level).plural
    years = [(a.name, a.population_year) for a in geography.by_level(level)]
    per_capita = urls.per_capita(state)
    module = urls.AREA_PAGES[Level(level)].module
    other = next(
        href
        for _, href, current in urls.per_capita_switch(
            module, {k: v for k, v in state.items() if k != "code"}, code=code
        )
        if not current
    )
    counts = (
        f"les nombres sont classés {measure.PER_CAPITA_WORDS} "
        f"({measure.population_note(years)}), les taux tels quels"
        if per_capita
        else "les nombres sont classés selon leur total"
    )
    return html.P(
        [
            f"Rang parmi les {plural} : {counts} ; des valeurs égales à la précision affichée "
            "partagent leur rang (ex aequo). ",
            html.A(
                "Classer les totaux" if per_capita else f"Classer {measure.PER_CAPITA_WORDS}",
                href=other,
                className="fr-link",
            ),
        ],
        id="rang-par-habitant",
        className="fr-text--sm",
    )


def _chooser(*, level: str, code: str, kept: dict[str, str]) -> html.Section:
    info = Level(level)
    options = [(a.code, f"{a.name} ({a.code})") for a in geography.by_level(level)]
    return html.Section(
        dsfr.form(
            [
                html.Div(
                    [
                        html.Div(
                            dsfr.select(
                                name="code",
                                label=f"Choisir {info.another}",
                                options=options,
                                value=code,
                                select_id="choix-territoire",
                            ),
                            className="fr-col-12 fr-col-md-6",
                        ),
                        *hidden_fields(kept),
                        html.Div(
                            dsfr.button("Afficher", button_id="bouton-territoire"),
                            className="fr-col-12 fr-col-md-3 tdb-align-end",
                        ),
                    ],
                    className="fr-grid-row fr-grid-row--gutters",
                )
            ],
            action=urls.area_chooser(level),
            path_template=urls.area_form_template(level),
            form_id="formulaire-territoire",
            label=f"Choix {info.of_the}",
        ),
        className="fr-mt-2w",
    )


def _regional_targets(q: queries.Queries, *, code: str, real_only: bool) -> list[Any]:
    rows = views.target_rows(q, today=dt.date.today(), scope=code, real_only=real_only)
    if not rows:
        return [
            html.H2("Objectifs régionaux", className="fr-h3 fr-mt-4w"),
            html.P(
                "Le catalogue ne fixe pas d'objectif propre à cette région.",
                className="fr-text--sm",
            ),
        ]
    return [
        html.H2("Objectifs régionaux", className="fr-h3 fr-mt-4w"),
        html.Ul(
            [
                html.Li(
                    [
                        dsfr.badge(r.assessment.label, kind=r.assessment.status.tone),
                        f" {r.indicator.short_label} : {views.target_text(r.target, r.indicator)} "
                        f"au {format_date(r.target.deadline)}",
                        f" (non comparable : {r.assessment.reason})" if r.assessment.reason else "",
                    ]
                )
                for r in rows
            ]
        ),
    ]
