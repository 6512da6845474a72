"""DITP Baromètre connector: the vendored snapshot, bad rows, the live file, the registry."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, select

from core.catalog import Catalog, CatalogError
from core.models import Observation, Run, RunStatus
from etl.http import HttpFetcher
from etl.run import run_source
from etl.sources.base import SourceError
from etl.sources.ditp import REFERENCE_DIR, SNAPSHOT_URL, Config, DitpConnector
from etl.sources.registry import SourceConfigError, build_connector

SNAPSHOT = REFERENCE_DIR / "ditp"
HEADER = "indic_id,enforce_zone_id,metric_enforce_date,maille,indic_vi,indic_va,indic_vc,indic_ta"
MES = {"name": "ditp-mes", "type": "ditp", "label": "Baromètre", "ditp_id": "IND-583",
       "indicator": "mes_activation_population"}  # fmt: skip
SAS = {**MES, "name": "ditp-sas", "ditp_id": "IND-587", "indicator": "sas_couverture_population"}


def connector(entry: dict[str, str], **extra: str) -> DitpConnector:
    return DitpConnector.from_config(Config.model_validate({**entry, **extra}))


def load(
    entry: dict[str, str], *, fetcher: HttpFetcher, catalog: Catalog, **extra: str
) -> pd.DataFrame:
    conn = connector(entry, **extra)
    return conn.to_tidy(conn.extract(fetcher=fetcher), catalog=catalog)


def values(tidy: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    return {(r.level, r.code, r.period): r.value for r in tidy.itertuples(index=False)}


def refusal(tmp_path: Path, body: str, *, fetcher: HttpFetcher, catalog: Catalog) -> str:
    (tmp_path / "ind-583.csv").write_text(f"{HEADER}\n{body}\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load(MES, fetcher=fetcher, catalog=catalog, directory=str(tmp_path))
    return str(caught.value)


class TestVendoredSnapshot:
    def test_mes_activation_is_national_only_with_its_published_values(
        self, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        # Given the pinned IND-583 file, When it is read
        tidy = load(MES, fetcher=fetcher, catalog=catalog)
        # Then only the seven dated national values remain (territorial rows are empty)
        got = values(tidy)
        assert len(got) == 7 and set(tidy["level"]) == {"national"}
        assert got[("national", "FR", "2024-07")] == "19.3"
        assert got[("national", "FR", "2022-12")] == "12.0"
        # And the target row (dated 2026-12, no current value) is no observation
        assert ("national", "FR", "2026-12") not in got
        assert set(tidy["indicator_id"]) == {"mes_activation_population"}

    def test_sas_population_is_national_and_by_department(
        self, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        # Given the pinned IND-587 file, When it is read
        tidy = load(SAS, fetcher=fetcher, catalog=catalog)
        counts = tidy.groupby("level").size().to_dict()
        # Then France has 7 dates and 100 départements (no Mayotte) have 3 each, no région
        assert counts == {"national": 7, "department": 300}
        got = values(tidy)
        assert got[("national", "FR", "2024-09")] == "95.0"
        # And the December 2022 row keeps the current value, not the initial one (36)
        assert got[("national", "FR", "2022-12")] == "42.0"
        # And Corsica and overseas zones map to their COG codes
        assert {"2A", "2B", "971", "974"} <= set(tidy.loc[tidy["level"] == "department", "code"])
        assert "976" not in set(tidy["code"])
        assert got[("department", "01", "2024-09")] == "100.0"

    def test_rows_point_back_to_the_file(self, fetcher: HttpFetcher, catalog: Catalog) -> None:
        tidy = load(MES, fetcher=fetcher, catalog=catalog)
        assert set(tidy["file"]) == {"ind-583.csv"}
        lines = (SNAPSHOT / "ind-583.csv").read_text(encoding="utf-8").splitlines()
        first = tidy.iloc[0]
        assert lines[int(first["row"]) - 1].startswith("IND-583,FRANCE,2022-12-01,NAT,")

    def test_readme_gives_the_sha256_of_each_vendored_file(self) -> None:
        readme = (SNAPSHOT / "LISEZMOI.md").read_text(encoding="utf-8")
        assert "c469c68f9abaceda0987e75f02d1dc0037563d36" in readme
        for path in sorted(SNAPSHOT.glob("*.csv")):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert re.search(rf"`{path.name}`.*`{digest}`", readme), path.name


class TestBadRowsAreRefusedInFrench:
    def test_unknown_department_names_file_row_column_and_value(
        self, tmp_path: Path, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        message = refusal(
            tmp_path, "IND-583,FRANCE,2024-07-01,NAT,,19.3,,\nIND-583,D20,2024-07-01,DEPT,,5,,",
            fetcher=fetcher, catalog=catalog,
        )  # fmt: skip
        assert (
            "Fichier « ind-583.csv », ligne 3, colonne « enforce_zone_id » : valeur invalide "
            "« D20 ». Attendu : « D » suivi d'un code de département (ex. « D2A », « D971 »)."
        ) in message
        assert "aucune donnée retenue" in message

    def test_zone_disagreeing_with_its_level_is_refused(
        self, tmp_path: Path, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        message = refusal(
            tmp_path, "IND-583,R84,2024-07-01,NAT,,19.3,,", fetcher=fetcher, catalog=catalog
        )
        assert "ligne 2, colonne « enforce_zone_id » : valeur invalide « R84 »" in message

    def test_bad_value_date_level_and_indicator_are_all_listed(
        self, tmp_path: Path, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        body = "\n".join(
            [
                'IND-583,FRANCE,2024-06-01,NAT,,"19,3",,',  # decimal comma: not this format
                "IND-583,FRANCE,2024-07-01,NAT,,dix,,",
                "IND-583,FRANCE,2024-07-15,NAT,,19.3,,",
                "IND-583,FRANCE,2024-07-01,PAYS,,19.3,,",
                "IND-587,FRANCE,2024-07-01,NAT,,19.3,,",
            ]
        )
        message = refusal(tmp_path, body, fetcher=fetcher, catalog=catalog)
        assert "ligne 2, colonne « indic_va » : valeur invalide « 19,3 »" in message
        assert "ligne 3, colonne « indic_va » : valeur invalide « dix »" in message
        assert (
            "ligne 4, colonne « metric_enforce_date » : valeur invalide « 2024-07-15 »" in message
        )
        assert "ligne 5, colonne « maille » : valeur invalide « PAYS »" in message
        assert "ligne 6, colonne « indic_id » : valeur invalide « IND-587 »" in message

    def test_missing_column_is_named(
        self, tmp_path: Path, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        (tmp_path / "ind-583.csv").write_text(
            "indic_id,enforce_zone_id,maille,indic_va\nIND-583,FRANCE,NAT,19.3\n", encoding="utf-8"
        )
        with pytest.raises(SourceError, match="colonnes absentes « metric_enforce_date »"):
            load(MES, fetcher=fetcher, catalog=catalog, directory=str(tmp_path))

    def test_unknown_indicator_stops_the_read(self, fetcher: HttpFetcher, catalog: Catalog) -> None:
        with pytest.raises(CatalogError, match="Indicateur inconnu « inexistant »"):
            load({**MES, "indicator": "inexistant"}, fetcher=fetcher, catalog=catalog)


class TestLiveFile:
    def test_url_template_downloads_the_named_file(
        self, httpserver: HTTPServer, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        # Given the raw file served under its Baromètre name
        body = (SNAPSHOT / "ind-587.csv").read_bytes()
        httpserver.expect_request("/data/ind-587.csv").respond_with_data(body)
        template = httpserver.url_for("/data/") + "{file}"
        # When the connector reads the live URL
        tidy = load(SAS, fetcher=fetcher, catalog=catalog, url_template=template)
        # Then the rows are the snapshot's, named after the downloaded file
        assert values(tidy)[("national", "FR", "2024-09")] == "95.0"
        assert set(tidy["file"]) == {"ind-587.csv"}

    def test_template_without_placeholder_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"doit contenir « \{file\} »"):
            Config.model_validate({**MES, "url_template": "https://example.org/ind-583.csv"})


class TestRegistry:
    def test_catalog_sources_build_ditp_connectors(self, catalog: Catalog) -> None:
        entries = [e for e in catalog.sources if e.get("type") == "ditp"]
        built = {e["ditp_id"]: build_connector(e, catalog=catalog) for e in entries}
        assert set(built) == {"IND-583", "IND-587", "IND-734"}
        assert all(isinstance(c, DitpConnector) for c in built.values())

    def test_unknown_indicator_is_refused_at_build(self, catalog: Catalog) -> None:
        with pytest.raises(SourceConfigError, match="indicateur inconnu « inexistant »"):
            build_connector({**MES, "indicator": "inexistant"}, catalog=catalog)


class TestCitedSource:
    def test_rows_of_the_vendored_copy_cite_the_published_file(
        self, engine: Engine, fetcher: HttpFetcher, catalog: Catalog
    ) -> None:
        # Given the connector reading its vendored snapshot from disk
        conn = connector(MES)
        # When it runs
        result = run_source(engine, conn, catalog=catalog, fetcher=fetcher)
        # Then its rows and its run cite the pinned commit's published file, not a local path
        assert result.status == RunStatus.success
        published = SNAPSHOT_URL.replace("{file}", "ind-583.csv")
        with engine.connect() as db:
            cited = set(db.scalars(select(Observation.source_url)))
            run_url = db.scalar(select(Run.source_url).where(Run.id == result.run_id))
        assert cited == {published}
        assert run_url == published
        assert published.startswith("https://raw.githubusercontent.com/DITP-pilotage/")
