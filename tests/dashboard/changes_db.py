"""A small database whose change history has news: loads through the ETL's one write path
(etl.pipeline.load_tidy), then a revision, as a source update would do."""

from __future__ import annotations

from sqlalchemy import Engine

from core.catalog import Catalog
from core.vocabulary import Origin
from etl.pipeline import LoadResult, load_tidy
from etl.write import Provenance
from tests.etl.test_pipeline import request, rows

PUBLIC = "mssante_messages_mois"  # monthly count, public
RESTRICTED = "patients_chroniques_acte_telesante"  # yearly count, `visibility: restricted`
SOURCE_URL = "https://example.org/messagerie.csv"


def national(indicator_id: str, period: str, value: str) -> dict[str, str]:
    return {"indicator_id": indicator_id, "level": "national", "code": "FR", "period": period,
            "value": value}  # fmt: skip


def load(engine: Engine, catalog: Catalog, *records: dict[str, str], source: str) -> LoadResult:
    """One connector run of national rows (no aggregation: nothing below France)."""
    return load_tidy(
        engine,
        request(
            catalog,
            rows(*records),
            source=source,
            kind="connector",
            origin=Origin.source,
            aggregate=False,
            provenance=Provenance(source_url=SOURCE_URL),
        ),
    )


def with_revision(engine: Engine, catalog: Catalog) -> tuple[int, int]:
    """A first load (two months of the public indicator, one year of the restricted one),
    then an update revising January and adding March: the two run ids."""
    first = load(
        engine,
        catalog,
        national(PUBLIC, "2025-01", "1200000"),
        national(PUBLIC, "2025-02", "1300000"),
        national(RESTRICTED, "2024", "850000"),
        source="mssante-messages",
    )
    second = load(
        engine,
        catalog,
        national(PUBLIC, "2025-01", "1250000"),
        national(PUBLIC, "2025-02", "1300000"),
        national(PUBLIC, "2025-03", "1400000"),
        national(RESTRICTED, "2024", "900000"),
        source="mssante-messages",
    )
    return first.run_id, second.run_id
