"""Targets of each territory, from the database: the Baromètre's published progress rates
reproduced zone by zone, each département's status with its origin, /objectifs and the
indicator page with real data only (`DEMO=0`: nothing but the DITP sources loaded)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dash
import pandas as pd
import pytest

from core.catalog import Catalog
from core.geography import normalize_code
from core.vocabulary import Level, Origin, TargetStatus
from dashboard import downloads, queries, targets, urls, views
from dashboard.app import create_app
from dashboard.server_html import to_html
from etl.http import HttpFetcher, HttpSettings, Progress
from etl.run import run_sources
from tests.core.test_progress import DITP_DIR, DITP_ROUNDING, PublishedRate, published_rates

SNAPSHOT_DAY = dt.date(2024, 10, 15)  # the day of the pinned commit c469c68
SAS = "sas_couverture_population"
FILES = {
    "ind-583.csv": "mes_activation_population",
    "ind-587.csv": SAS,
    "ind-734.csv": "aidants_numeriques_formes",
}
LEVELS = {"NAT": "national", "REG": "region", "DEPT": "department"}


@pytest.fixture
def loaded(db_url: str, catalog: Catalog, tmp_path: Path) -> queries.Queries:
    """A database holding the three DITP sources and nothing else (no demo data)."""
    config = HttpSettings(timeout=2.0, retries=0, backoff=0.0, cache_dir=tmp_path / "cache")
    fetcher = HttpFetcher(config=config, progress=Progress(interactive=False))
    engine = queries.make_engine(db_url)
    names = ("ditp-mes-activation", "ditp-sas-population", "ditp-aidants-numeriques")
    results = run_sources(engine, catalog, names=names, fetcher=fetcher, say=lambda _: None)
    assert not [r.message for r in results if r.failed]
    return queries.configure(database_url=db_url)


def area_of(rate: PublishedRate) -> tuple[str, str]:
    level = LEVELS[rate.level]
    code = "FR" if level == "national" else rate.zone[1:]
    return level, normalize_code(level, code)


ALL_RATES = [rate for name in FILES for rate in published_rates(DITP_DIR / name)]


def render(db_url: str, module: str, **params: str) -> str:
    """The HTML of a page's layout, built as the server builds it."""
    app = create_app(database_url=db_url, redis_url="")
    layout = next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]
    with app.server.test_request_context("/"):
        return to_html(layout(**params))


class TestPublishedRatesFromTheDatabase:
    def test_every_published_rate_at_every_level_is_reproduced(
        self, loaded: queries.Queries
    ) -> None:
        # Given every row of the pinned files that carries `indic_ta` (France, régions and
        # départements), and the values and per-zone targets loaded into the database
        assert {r.level for r in ALL_RATES} == {"NAT", "REG", "DEPT"}
        assert len(ALL_RATES) == 1 + 101 + 120
        computed: dict[tuple[str, str, str], float | None] = {}
        for indicator_id in FILES.values():
            ind = loaded.catalog.get(indicator_id)
            for level in LEVELS.values():
                # When each zone's status is computed from the database on the snapshot's day
                for t in views.territory_assessments(loaded, ind, level=level, today=SNAPSHOT_DAY):
                    computed[(indicator_id, t.level, t.code)] = t.assessment.progress
        # Then each zone's progress rate is DITP's, to its two-decimal rounding
        missed = []
        for rate in ALL_RATES:
            key = (FILES[rate.file], *area_of(rate))
            got = computed.get(key)
            if got is None or got != pytest.approx(rate.published, abs=DITP_ROUNDING):
                missed.append((rate.file, rate.zone, rate.published, got))
        assert missed == []
        # And a zone the Baromètre sets no target for has none (Mayotte for the SAS)
        assert (SAS, "department", "976") not in computed


class TestStatusOfEachDepartment:
    def test_each_department_has_its_status_and_the_origin_it_rests_on(
        self, loaded: queries.Queries
    ) -> None:
        # When the SAS coverage of each département is assessed against its own target
        items = views.territory_assessments(
            loaded, loaded.catalog.get(SAS), level="department", today=SNAPSHOT_DAY
        )
        by_code = {i.code: i for i in items}
        # Then Ain (100 %) has reached it, Pyrénées-Atlantiques (66 % since its 66 % baseline)
        # is behind, with no progress since its baseline
        assert by_code["01"].assessment.status is TargetStatus.reached
        d64 = by_code["64"].assessment
        assert d64.status is TargetStatus.behind and d64.progress == pytest.approx(0.0)
        assert by_code["64"].target.baseline is not None
        assert by_code["64"].target.baseline.value == 66.0
        # And every status rests on the source's real values, never on demo
        assert {i.assessment.origins for i in items} == {frozenset({Origin.source})}
        assert {i.assessment.basis_label for i in items} == {targets.REAL_BASIS}
        counts = dict(targets.count_by_status(items))
        assert counts == {TargetStatus.behind: 10, TargetStatus.reached: 90}

    def test_a_status_on_demo_values_says_so(self, loaded: queries.Queries) -> None:
        # Given the stored target of a département and a demo series for it
        stored = loaded.source_targets(indicator_id=SAS)
        ain = stored[stored["code"] == "01"]
        series = pd.DataFrame(
            {
                "code": "01",
                "period_start": pd.to_datetime(["2024-03-01", "2024-06-01", "2024-09-01"]),
                "value": [10.0, 20.0, 30.0],
                "is_masked": False,
                "origin": Origin.demo.value,
            }
        )
        # When it is assessed
        (item,) = targets.assess_territories(
            series, ain, frequency="monthly", direction="higher_is_better", unit="percent",
            today=SNAPSHOT_DAY,
        )  # fmt: skip
        # Then the status rests on demo
        assert item.assessment.basis_label == targets.DEMO_BASIS


class TestObjectives:
    def test_the_sas_row_counts_and_lists_the_departments_behind(
        self, loaded: queries.Queries
    ) -> None:
        # When the national targets are listed
        rows = views.target_rows(loaded, today=SNAPSHOT_DAY)
        sas = next(r for r in rows if r.indicator.id == SAS and r.target.deadline.year == 2026)
        # Then the SAS row carries the 100 départements' own targets
        assert len(sas.territories) == 100
        remark = views.objectives_table([sas], sort="echeance")["Remarque"].iloc[0]
        assert "Cibles fixées aussi pour 100 départements" in remark
        assert "En retard : 10 ; Atteint : 90." in remark
        assert "Pyrénées-Atlantiques" in remark and "Ain" not in remark.split("Non atteinte")[1]
        # And the aidants' row has the 101 départements' own targets (each its own value),
        # while a target no source sets per territory has none (MES: France only)
        by_id = {r.indicator.id: r for r in rows if r.territories}
        assert set(by_id) == {SAS, "aidants_numeriques_formes"}
        aidants = by_id["aidants_numeriques_formes"].territories
        assert len(aidants) == 101 and len({t.target.value for t in aidants}) > 1
        behind = sum(t.is_behind for t in aidants)
        text = views.territories_text(aidants)
        assert behind > views.TERRITORIES_SHOWN
        assert text.endswith(f" et {behind - views.TERRITORIES_SHOWN} autres.")

    def test_the_page_links_to_the_map_of_the_departments(
        self, db_url: str, loaded: queries.Queries
    ) -> None:
        # Given the app on the database of real data only, When /objectifs is built
        html = render(db_url, "pages.objectives")
        # Then the SAS row says how many départements have their own target, and links to them
        assert "Cibles fixées aussi pour 100 départements" in html
        link = urls.indicator(SAS, {"niveau": Level.department.slug}).replace("&", "&amp;")
        assert f'href="{link}"' in html
        assert "Voir la carte des départements" in html


class TestIndicatorPageWithRealDataOnly:
    def test_map_table_and_download_show_each_department_against_its_target(
        self, loaded: queries.Queries
    ) -> None:
        # Given only real data (no demo), When the SAS indicator is viewed by département
        params = {"niveau": Level.department.slug}
        view = views.indicator_view(loaded, loaded.catalog.get(SAS), params, today=SNAPSHOT_DAY)
        table = views.snapshot_table(view)
        # Then every département with a value is shown against its 100 % target
        rows = table.set_index("Code")
        assert rows.loc["64", "Statut de la cible"] == TargetStatus.behind.label
        assert rows.loc["01", "Statut de la cible"] == TargetStatus.reached.label
        assert rows.loc["01", "Cible"].startswith("100")
        assert rows.loc["976", "Statut de la cible"] == "—"  # no target set for Mayotte
        assert set(rows.loc[rows["Cible"] != "—", "Base du statut"]) == {targets.REAL_BASIS}
        assert set(rows["Origine"].dropna()) - {""} == {Origin.source.label}
        # And the map's download holds the same columns
        file = downloads.indicator_frame(loaded, indicator_id=SAS, table="carte", params=params)
        got = file.frame.set_index("area_code")
        assert got.loc["64", "status"] == TargetStatus.behind.value
        assert got.loc["01", "status"] == TargetStatus.reached.value
        assert got.loc["01", "target_value"] == 100
        assert pd.isna(got.loc["976", "target_value"])  # no target set for Mayotte
        assert set(got.loc[got["target_value"].notna(), "basis"]) == {targets.REAL_BASIS}

    def test_the_page_says_how_many_departments_reached_their_target(
        self, db_url: str, loaded: queries.Queries
    ) -> None:
        # When the SAS page is built by département, real data only
        html = render(
            db_url, "pages.indicator",
            indicator_id=SAS, niveau=Level.department.slug, reel="oui",
        )  # fmt: skip
        # Then it says how the départements stand against their own targets
        assert 'id="cibles-territoriales"' in html
        assert "Cibles fixées aussi pour 100 départements" in html
        assert "Statut de la cible" in html
        assert "Démonstration" not in html.split('id="cibles-territoriales"')[1][:2000]

    def test_a_level_without_own_targets_adds_no_column(self, loaded: queries.Queries) -> None:
        view = views.indicator_view(
            loaded, loaded.catalog.get(SAS), {"niveau": Level.region.slug}, today=SNAPSHOT_DAY
        )
        assert view.territories == []
        assert "Statut de la cible" not in views.snapshot_table(view).columns
