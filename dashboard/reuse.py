"""What the /donnees page (dashboard/pages/open_data.py) gives to reusers: the example
addresses, all built by dashboard/urls.py, and the rate limit in words."""

from __future__ import annotations

from dataclasses import dataclass

from core.catalog import Catalog
from core.models import TOTAL
from core.vocabulary import Level
from dashboard import urls

EXAMPLE_REGION = "53"  # Bretagne: the région of every example


@dataclass(frozen=True)
class Examples:
    """The addresses the page shows, absolute (copied into a terminal or a script)."""

    indicator_id: str
    map_csv: str
    map_json: str
    fiche_xlsx: str
    objectives_csv_fr: str
    embed: str
    indicators: str
    observations_csv: str
    observations_json: str
    series_csv: str  # the indicator page's series download of a view…
    series_api_csv: str  # …and the API address that answers the same bytes
    targets: str
    areas: str
    openapi: str
    export_csv: str
    export_parquet: str
    feed: str


def examples(catalog: Catalog, base: str, *, chosen: str | None = None) -> Examples:
    """The example addresses for the indicator of `indicateur` if the reader may see it,
    else the first one shown by région."""
    shown = [i for i in catalog.indicators if Level.region in i.levels_shown]
    ind = catalog.by_id.get(chosen or "") or (shown or list(catalog.indicators))[0]
    view = {"niveau": str(Level.region.slug)}
    return Examples(
        indicator_id=ind.id,
        map_csv=base + urls.view_file(urls.indicator(ind.id, view), ".csv"),
        map_json=base + urls.view_file(urls.indicator(ind.id, view), ".json"),
        fiche_xlsx=base + urls.view_file(urls.area(Level.region, EXAMPLE_REGION), ".xlsx"),
        objectives_csv_fr=base
        + urls.view_file(urls.objectives({"statut": "en-retard"}), "-fr.csv"),
        embed=base + urls.embed_indicator(ind.id, view),
        indicators=base + urls.API_INDICATORS,
        observations_csv=base
        + urls.api_observations(ind.id, {"level": Level.region.value, "format": "csv"}),
        observations_json=base + urls.api_observations(ind.id, {"level": Level.region.value}),
        series_csv=base
        + urls.with_query(
            urls.indicator_download(ind.id, "serie") + ".csv", {"comparer": EXAMPLE_REGION}
        ),
        series_api_csv=base
        + urls.api_observations(
            ind.id,
            {
                "level": Level.region.value,
                "area": f"FR,{EXAMPLE_REGION}",
                "breakdown": TOTAL,
                "format": "csv",
            },
        ),
        targets=base + urls.API_TARGETS,
        areas=base + urls.with_query(urls.API_AREAS, {"level": Level.region.value}),
        openapi=base + urls.API_OPENAPI,
        export_csv=base + urls.API_EXPORT_CSV,
        export_parquet=base + urls.API_EXPORT_PARQUET,
        feed=base + urls.FEED,
    )


def rate_limit_text(limit: str) -> str:
    """The rate limit of /api/ in words, from the API_RATE_LIMIT setting."""
    if limit == "0":
        return "L'API n'est pas limitée en débit sur ce serveur."
    return (
        f"Chaque client anonyme peut faire au plus « {limit} » requêtes sur l'API "
        "(notation : nombre/période). Au-delà, la réponse est 429 avec un en-tête Retry-After "
        "qui dit combien de secondes attendre. Les pages, les fichiers par vue et le flux Atom "
        "ne sont pas limités."
    )
