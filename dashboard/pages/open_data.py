"""/donnees: « Données ouvertes et API » — what can be downloaded, and how.

Every address on the page is built by dashboard/urls.py from the request's host, and a test
fetches each of them (tests/dashboard/test_open_data_page.py); the columns of the files are
those of dashboard/records.py COLUMNS, listed from it.
"""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import html

from core import settings
from dashboard import embed, queries, records, reuse, urls
from dashboard.components import dsfr
from dashboard.pages._common import page
from dashboard.view_files import LICENCE, LICENCE_URL

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name="Données ouvertes et API",
    title="Données ouvertes et API — Tableau de bord du numérique en santé",
)


def layout(**params: Any) -> html.Div:
    chosen = urls.value(urls.normalise(params), "indicateur")
    # the examples name the host the reader came through: no shared cache entry
    return page(
        path=urls.open_data(),
        build=lambda q: _content(q, chosen=chosen),
        params=params,
        cacheable=False,
    )


def _base() -> str:
    return urls.site_origin(flask.request.host_url) if flask.has_request_context() else ""


def _code(text: str) -> html.Pre:
    return html.Pre(html.Code(text), className="tdb-code")


def _a(text: str, href: str, *, download: bool = False) -> html.A:
    return dsfr.link(text, href=href, download=download)


def _linked_section(heading: tuple[str, str], before: str, link: html.A, after: str) -> list[Any]:
    """A heading (text, anchor) and a sentence around one link."""
    title, anchor = heading
    return [html.H2(title, id=anchor, className="fr-h3 fr-mt-4w"), html.P([before, link, after])]


def _content(q: queries.Queries, *, chosen: str | None) -> list[Any]:
    ex = reuse.examples(q.catalog, _base(), chosen=chosen)
    limit = settings.dashboard().api_rate_limit
    return [
        dsfr.breadcrumb([("Accueil", urls.HOME), ("Données ouvertes et API", None)]),
        html.H1("Données ouvertes et API"),
        html.P(
            "Tous les chiffres publics du tableau de bord se téléchargent et se lisent par "
            "programme, sans inscription.",
            className="fr-text--lead",
        ),
        html.H2("Licence", id="licence", className="fr-h3 fr-mt-4w"),
        html.P(
            [
                "Les données sont publiées sous ",
                html.A(LICENCE, href=LICENCE_URL),
                " : vous pouvez les réutiliser librement, y compris à des fins commerciales, "
                "en citant la source (« Tableau de bord du numérique en santé ») et la date de "
                "mise à jour. Les valeurs de démonstration sont signalées comme telles dans la "
                "colonne « Origine » : ne les réutilisez pas comme des chiffres réels.",
            ]
        ),
        html.H2("Téléchargements en bloc", id="exports", className="fr-h3 fr-mt-4w"),
        html.P(
            "Toutes les valeurs publiques en un seul fichier long : une ligne par indicateur, "
            "territoire, ventilation et période, dans les colonnes des fichiers de valeurs "
            "ci-dessous (titres en CSV, clés en Parquet) : période ISO, unité, origine et "
            "source, numérateur, dénominateur, drapeaux et traitement."
        ),
        html.Ul(
            [
                html.Li(_a("Toutes les valeurs (CSV)", ex.export_csv, download=True)),
                html.Li(_a("Toutes les valeurs (Parquet)", ex.export_parquet, download=True)),
            ]
        ),
        html.H2("Les données de chaque vue", id="par-vue", className="fr-h3 fr-mt-4w"),
        html.P(
            "Ajoutez .csv, -fr.csv (Excel en français : « ; » et virgule décimale), .xlsx ou "
            ".json au chemin de l'adresse d'une page pour obtenir les lignes du tableau qu'elle "
            "affiche, avec les mêmes paramètres : la carte et le classement d'un indicateur, "
            "le tableau d'une fiche région ou département, le tableau des objectifs filtré. "
            "Ce sont les mêmes fichiers que les liens « Télécharger » des pages."
        ),
        html.Ul(
            [
                html.Li(_a("Carte d'un indicateur par région (CSV)", ex.map_csv, download=True)),
                html.Li(_a("La même, en JSON", ex.map_json, download=True)),
                html.Li(_a("Fiche Bretagne (XLSX)", ex.fiche_xlsx, download=True)),
                html.Li(
                    _a("Objectifs en retard (CSV français)", ex.objectives_csv_fr, download=True)
                ),
            ]
        ),
        html.P(
            "Le JSON contient les mêmes lignes (clés des colonnes ci-dessous) sous un court "
            "en-tête : titre, source, lien permanent de la vue et licence."
        ),
        html.H2("Les mêmes octets par l'API", id="memes-octets", className="fr-h3 fr-mt-4w"),
        html.P(
            [
                "Le téléchargement de la trajectoire d'une page d'indicateur (",
                _a("série de la France et de la Bretagne, CSV", ex.series_csv, download=True),
                ") et l'API (",
                _a("la même sélection par l'API", ex.series_api_csv, download=True),
                ") donnent les mêmes octets pour la même vue. L'adresse de l'API se déduit de "
                "celle de la page : level = le niveau de la vue (national si elle ne montre "
                "que la France), area = FR puis le territoire (territoire=) et les territoires "
                "comparés (comparer=), breakdown=_total, et origin=published,source,deposit "
                "avec reel=oui ; -fr.csv donne format=csv-fr, .xlsx format=xlsx. En JSON "
                "(serie.json), les enregistrements sont ceux des pages de l'API, clé pour clé "
                "et dans le même ordre ; seul l'en-tête diffère (titre, source et licence d'un "
                "côté, pagination de l'autre). Un territoire d'un autre niveau que les "
                "territoires comparés (une région à côté de départements) n'a pas d'adresse "
                "unique dans l'API. La carte et le classement, la répartition, les fiches et "
                "les objectifs n'ont pas d'équivalent octet pour octet dans l'API.",
            ],
            id="equivalence-api",
        ),
        *_linked_section(
            ("Flux des changements", "flux"),
            "Nouvelles périodes, valeurs révisées, retraits et nouvelles sources, par "
            "indicateur : ",
            _a("flux Atom des changements", ex.feed),
            ".",
        ),
        *_linked_section(
            ("API", "api"),
            "L'API répond en JSON (ou en CSV et XLSX pour les valeurs). Sa description "
            "complète, au format OpenAPI 3.1, est le ",
            _a("document OpenAPI", ex.openapi),
            ". Les erreurs sont des documents « problem+json » (RFC 9457) en français.",
        ),
        html.Ul(
            [
                html.Li(_a("Catalogue des indicateurs", ex.indicators)),
                html.Li(
                    _a("Valeurs d'un indicateur par région (JSON, paginé)", ex.observations_json)
                ),
                html.Li(_a("Objectifs, statut et taux d'avancement", ex.targets)),
                html.Li(_a("Régions (codes, noms, population)", ex.areas)),
            ]
        ),
        html.H3("En ligne de commande (curl)", className="fr-h5"),
        _code(f'curl "{ex.indicators}"\ncurl -o valeurs.csv "{ex.observations_csv}"'),
        html.H3("En Python (pandas)", className="fr-h5"),
        _code(
            "import json\nfrom urllib.request import urlopen\n\nimport pandas as pd\n\n"
            f'valeurs = pd.read_csv("{ex.observations_csv}")\n'
            f'tout = pd.read_parquet("{ex.export_parquet}")  # avec pyarrow\n'
            f'carte = pd.DataFrame(json.load(urlopen("{ex.map_json}"))["records"])'
        ),
        html.H3("En R", className="fr-h5"),
        _code(
            f'valeurs <- read.csv("{ex.observations_csv}")\n'
            f'objectifs <- read.csv2("{ex.objectives_csv_fr}", fileEncoding = "UTF-8-BOM")\n'
            f'indicateurs <- jsonlite::fromJSON("{ex.indicators}")'
        ),
        html.H3("Débit", className="fr-h5"),
        html.P(reuse.rate_limit_text(limit), id="limite-debit"),
        html.H2("Intégrer un graphique", id=urls.EMBED_ANCHOR, className="fr-h3 fr-mt-4w"),
        html.P(
            [
                "Chaque indicateur se montre seul dans un cadre (iframe) sur un autre site, avec "
                "son titre, sa source, sa date et un lien vers la vue complète : la page de "
                "l'indicateur mène ici par « Intégrer ce graphique ». Code à copier dans votre "
                "page, pour l'indicateur « ",
                html.A(q.catalog.by_id[ex.indicator_id].short_label, href=ex.embed),
                " » :",
            ]
        ),
        _code(embed.snippet(ex.embed)),
        html.H2("Colonnes des fichiers", id="colonnes", className="fr-h3 fr-mt-4w"),
        html.P(
            "Chaque fichier a les colonnes de ce tableau qui le concernent, dans cet ordre ; "
            "les nombres sont arrondis à la précision publiée, un pourcentage est en points "
            "(numérateur et dénominateur restent tels que la source les donne). Les fichiers "
            "de valeurs (trajectoire et répartition d'un indicateur, valeurs et exports de "
            "l'API) ont toujours les mêmes colonnes : "
            + ", ".join(records.observation_keys(per_capita=False))
            + " ; et, pour un nombre comparé par habitant, "
            + ", ".join(records.PER_CAPITA_FACTS)
            + ". Les CSV et XLSX titrent les colonnes en français ; le JSON et le Parquet "
            "les nomment par leurs clés."
        ),
        dsfr.table(
            caption="Colonnes des fichiers téléchargés",
            columns=["Nom pour les programmes", "Titre (CSV, XLSX)", "Description"],
            rows=[[c.key, c.title, c.description] for c in records.COLUMNS],
            table_id="colonnes-fichiers",
        ),
    ]
