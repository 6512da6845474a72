"""/a-propos: methodology, sources and licences, accessibility statement, legal notices."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import queries, targets, urls
from dashboard.components import dsfr
from dashboard.pages._common import editorial, page

dash.register_page(
    __name__,
    **urls.registration(__name__),
    name="À propos",
    title="À propos — Tableau de bord du numérique en santé",
)


def layout(**params: Any) -> html.Div:
    return page(path=urls.about(), build=_content, params=params)  # params: the demo banner


def _content(q: queries.Queries) -> list[Any]:
    sources: dict[str, Any] = {}
    for ind in q.catalog.indicators:
        for s in ind.sources:
            sources.setdefault(s.name, s)
    return [
        dsfr.breadcrumb([("Accueil", urls.HOME), ("À propos", None)]),
        html.H1("À propos du tableau de bord"),
        html.H2("Méthodologie", id="methodologie", className="fr-h3 fr-mt-4w"),
        html.H3("Statut des objectifs et projection", className="fr-h5"),
        html.P(targets.METHOD_TEXT),
        html.P(
            "La cible est comparée à la grandeur que fixe le texte : dernière valeur, somme "
            "glissante sur 12 mois, somme de l'année civile (année complète uniquement) ou part "
            "des départements concernés. Pour un indicateur « plus bas, mieux c'est », la "
            "comparaison est inversée. La date d'atteinte projetée est la première période où "
            "la valeur observée ou projetée atteint la cible, au plus dix ans après l'échéance."
        ),
        html.H3("Règles d'agrégation", className="fr-h5"),
        html.P(
            "Les départements s'additionnent en régions et en France pour les comptages. Les taux "
            "sont recalculés à partir de leur numérateur et de leur dénominateur, jamais moyennés. "
            "Un indicateur de programme national n'est pas décliné par territoire."
        ),
        html.H3("Secret statistique", className="fr-h5"),
        html.P(
            "Les valeurs couvertes par le secret statistique sont affichées "
            "« secret statistique », "
            "en gris hachuré sur les cartes, jamais comme un zéro ; elles sont exclues des "
            "tendances."
        ),
        html.H3("Données réelles et données de démonstration", className="fr-h5"),
        html.P(
            "Les chiffres publiés (communiqués, rapports), les chargements des sources ouvertes "
            "et les dépôts des ARS sont des données réelles. Les données de démonstration sont "
            "synthétiques : elles servent à montrer le tableau de bord là où aucune donnée réelle "
            "n'existe. Elles sont tracées en gris, signalées par un badge « Démonstration », et un "
            "bandeau s'affiche sur chaque page tant qu'il en existe. Une donnée réelle remplace "
            "toujours la donnée de démonstration de la même période."
        ),
        html.P(
            "« À confirmer » signale une information que l'équipe n'a pas pu recouper avec la "
            "publication d'origine (un chiffre rapporté par la presse, par exemple)."
        ),
        html.H2("Sources et licences", id="sources", className="fr-h3 fr-mt-4w"),
        html.Ul(
            [
                html.Li(
                    [
                        dsfr.source_link(editorial(s.name), s.url),
                        f" — {s.publisher}",
                        f" — licence : {s.licence}" if s.licence else "",
                    ]
                )
                for s in sources.values()
            ]
        ),
        html.P(
            "Contours géographiques : Source : IGN – ADMIN EXPRESS COG 2018, conversion "
            "france-geojson (G. David), Licence Ouverte / Open Licence (Etalab). Codes et "
            "populations : Insee, Code officiel géographique et recensement de la population."
        ),
        html.H2("Déclaration d'accessibilité", id="accessibilite", className="fr-h3 fr-mt-4w"),
        html.P(
            "L'administration s'engage à rendre ce service accessible conformément à l'article 47 "
            "de la loi n° 2005-102 du 11 février 2005. Cette déclaration porte sur le tableau de "
            "bord du numérique en santé."
        ),
        html.H3("État de conformité", className="fr-h5"),
        html.P(
            "Le site est partiellement conforme au référentiel général d'amélioration de "
            "l'accessibilité (RGAA 4.1) : aucun audit complet n'a encore été réalisé. Les tests "
            "automatisés (axe-core) ne relèvent aucune anomalie, quelle que soit sa gravité, sur "
            "chaque modèle de page, en grand écran (1\u202f280 pixels) comme sur téléphone "
            "(390 pixels). Les tableaux se lisent sur téléphone ligne par ligne, chaque valeur "
            "précédée du nom de sa colonne."
        ),
        html.H3("Contenus non accessibles et alternatives", className="fr-h5"),
        html.P(
            "Les graphiques interactifs ne sont pas entièrement utilisables au clavier ni avec un "
            "lecteur d'écran. Chaque graphique est accompagné d'une description textuelle et du "
            "tableau de ses valeurs, téléchargeable en CSV et en XLSX."
        ),
        html.H3("Retour d'information et voies de recours", className="fr-h5"),
        html.P(
            "Si vous n'arrivez pas à accéder à un contenu, contactez la délégation au numérique "
            "en santé pour obtenir une alternative. Si vous n'obtenez pas de réponse, vous pouvez "
            "saisir le Défenseur des droits (formulaire en ligne, délégué territorial, ou courrier "
            "gratuit : Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07)."
        ),
        html.H2("Mentions légales", id="mentions-legales", className="fr-h3 fr-mt-4w"),
        html.P(
            "Éditeur : ministère chargé de la santé — délégation au numérique en santé (DNS). "
            "Directeur de la publication : le délégué au numérique en santé."
        ),
        html.P(
            "Réutilisation : sauf mention contraire, les données et les contenus sont sous Licence "
            "Ouverte / Open Licence 2.0 (Etalab). Le code source est publié sous licence MIT."
        ),
        html.P(
            "Données personnelles : le site ne dépose aucun cookie et ne fait aucune mesure "
            "d'audience ; il ne collecte aucune donnée personnelle."
        ),
    ]
