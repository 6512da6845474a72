"""Open DAMIR end to end: the catalog's enabled source, its URL pointed at a local server, loads
régions, région groups and France into the database, each zone counted once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, select

from core.catalog import Catalog
from core.models import Area, Observation, RunStatus
from etl.run import run_sources
from tests.etl.sources.test_damir import _write_month
from tests.etl.test_http import make_fetcher

ROWS = [
    (11, 1191, 2, 0),  # TC Île-de-France
    (93, 1192, 3, 0),  # TC PACA and Corse: the group
    (5, 1164, 1, 0),  # TC overseas: the group « Outre-mer (5 DROM) »
    (99, 1040, 4, 0),  # TC unknown zone: France only
    (84, 1172, 2, 0),  # télésurveillance, Auvergne-Rhône-Alpes
]


def damir_entry(catalog: Catalog, url_template: str) -> dict[str, Any]:
    [entry] = [e for e in catalog.sources if e["name"] == "open-damir"]
    return {**entry, "url_template": url_template}


def test_the_catalog_source_is_enabled_and_verified(catalog: Catalog) -> None:
    entry = damir_entry(catalog, "")
    assert entry.get("enabled", True) is True
    assert entry["verified"] is True


def test_a_month_loads_regions_groups_and_france(
    engine: Engine, catalog: Catalog, httpserver: HTTPServer, tmp_path: Path
) -> None:
    # Given a month in the real layout served where url_template points
    body = _write_month(tmp_path / "A202401.csv.gz", ROWS).read_bytes()
    httpserver.expect_request("/damir/A202401.csv.gz").respond_with_data(body)
    template = httpserver.url_for("/damir/A{yyyy}{mm}.csv.gz")
    cat = catalog.model_copy(update={"sources": [damir_entry(catalog, template)]})
    # When the ETL runs the source
    [result] = run_sources(
        engine, cat, fetcher=make_fetcher(tmp_path / "cache"), say=lambda _: None
    )
    # Then the zones are stored as régions and région groups, and France as their sum
    assert result.status is RunStatus.success, result.message
    with engine.connect() as conn:
        stored = {
            (ind, level, code): value
            for ind, level, code, value in conn.execute(
                select(Observation.indicator_id, Area.level, Area.code, Observation.value)
                .join(Area, Area.id == Observation.area_id)
                .where(Observation.origin == "source")
            )
        }
        groups = conn.execute(select(Area.code, Area.population).where(Area.level == "group"))
        group_population = dict(groups.all())
    tc, ts = "teleconsultations_actes", "telesurveillance_actes"
    assert stored == {
        (tc, "region", "11"): 2,
        (tc, "group", "PACA-COR"): 3,
        (tc, "group", "DROM"): 1,
        (tc, "national", "FR"): 10,  # 2 + 3 + 1 + 4 (zone 99): no zone counted twice
        (ts, "region", "84"): 2,
        (ts, "national", "FR"): 2,
    }
    # The groups are areas of the database, with the population of their régions
    assert group_population == {"DROM": 2_184_983, "PACA-COR": 5_218_960 + 355_486}
