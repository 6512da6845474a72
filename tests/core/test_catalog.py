"""The real indicator catalog (indicators.yaml) and its validation errors."""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.catalog import DEFAULT_CATALOG_PATH, Catalog, CatalogError, load_catalog, parse_catalog
from core.package_data import package_path

# The 33 indicators of docs/indicators.md, in the document's order.
REFERENCE_SLUGS = (
    "mes_profils_crees",
    "mes_comptes_actives",
    "mes_taux_activation",
    "mes_taux_opposition",
    "mes_documents_alimentes_mois",
    "mes_documents_par_secteur",
    "mes_part_population_document_recu",
    "mes_utilisateurs_actifs",
    "mes_messagerie_usage",
    "mes_applications_catalogue",
    "mes_bilans_prevention",
    "mediateurs_numeriques_sante_formes",
    "segur_v1_taux_deploiement",
    "segur_v1_structures_equipees",
    "segur_logiciels_references",
    "segur_financement_sons",
    "ins_qualification",
    "mssante_equipement_professionnels",
    "mssante_messages_mois",
    "psc_authentifications_mois",
    "ecps_actives",
    "ordonnance_numerique",
    "cisis_documents_structures",
    "esms_dui_actifs",
    "teleconsultations_actes",
    "teleexpertises_actes",
    "telesurveillance_patients",
    "patients_chroniques_acte_telesante",
    "sas_departements_couverts",
    "cyber_part_budget_numerique",
    "care_etablissements_engages",
    "eds_hospitaliers",
    "projets_rd_finances",
)

# The "Target table" of docs/indicators.md: (slug, value, deadline).
TARGET_TABLE = (
    ("mes_profils_crees", 65_000_000, dt.date(2022, 12, 31)),
    ("mes_documents_alimentes_mois", 16_000_000, dt.date(2023, 12, 31)),
    ("mes_documents_alimentes_mois", 250_000_000, dt.date(2023, 12, 31)),
    ("mes_documents_alimentes_mois", 400_000_000, dt.date(2026, 12, 31)),
    ("mes_applications_catalogue", 50, dt.date(2027, 12, 31)),
    ("mes_bilans_prevention", 1_000_000, dt.date(2027, 12, 31)),
    ("mediateurs_numeriques_sante_formes", 10_000, dt.date(2026, 6, 30)),
    ("segur_v1_taux_deploiement", 99, dt.date(2023, 9, 20)),
    ("ordonnance_numerique", 70, dt.date(2025, 12, 31)),
    ("esms_dui_actifs", 410_000, dt.date(2024, 12, 31)),
    ("patients_chroniques_acte_telesante", 1_000_000, dt.date(2025, 12, 31)),
    ("sas_departements_couverts", 90, dt.date(2023, 12, 31)),
    ("cyber_part_budget_numerique", 10, dt.date(2027, 12, 31)),
    ("eds_hospitaliers", 50, dt.date(2027, 12, 31)),
    ("projets_rd_finances", 300, dt.date(2026, 12, 31)),
)

AXES = {
    "citoyens": 1,
    "professionnels": 2,
    "acces": 3,
    "cadre": 4,
}


@pytest.fixture(scope="module")
def real_catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def raw_catalog() -> dict[str, Any]:
    """A fresh, mutable copy of indicators.yaml as a plain dict."""
    return copy.deepcopy(yaml.safe_load(DEFAULT_CATALOG_PATH.read_text(encoding="utf-8")))


def _indicator(raw: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(ind for ind in raw["indicators"] if ind["id"] == slug)


class TestLoadCatalog:
    def test_the_real_catalog_loads(self) -> None:
        # Given the indicators.yaml of the repository
        # When it is loaded
        catalog = load_catalog()
        # Then it is a valid catalog of version 1
        assert isinstance(catalog, Catalog)
        assert catalog.version == 1

    def test_it_has_the_four_axes_of_the_roadmap_in_order(self, real_catalog: Catalog) -> None:
        # Given the loaded catalog
        # When its axes are listed
        axes = {axis.id: axis.order for axis in real_catalog.axes}
        # Then they are the four axes of the 2023-2027 roadmap, ordered 1 to 4
        assert axes == AXES

    def test_every_indicator_of_the_reference_document_is_present(
        self, real_catalog: Catalog
    ) -> None:
        # Given the 33 slugs of indicators.md
        # When the catalog's slugs are collected
        slugs = {ind.id for ind in real_catalog.indicators}
        # Then none is missing (technical series such as denominators may come in addition)
        assert set(REFERENCE_SLUGS) - slugs == set()

    def test_indicators_follow_the_order_of_the_reference_document(
        self, real_catalog: Catalog
    ) -> None:
        # Given the loaded catalog
        # When its reference indicators are read in file order
        order = tuple(ind.id for ind in real_catalog.indicators if ind.id in REFERENCE_SLUGS)
        # Then the order is the one of indicators.md
        assert order == REFERENCE_SLUGS

    @pytest.mark.parametrize(("slug", "value", "deadline"), TARGET_TABLE)
    def test_every_target_of_the_target_table_is_present(
        self, real_catalog: Catalog, slug: str, value: float, deadline: dt.date
    ) -> None:
        # Given a row of the Target table of indicators.md
        # When the indicator's targets are read
        targets = {(t.value, t.deadline) for t in real_catalog.get(slug).targets}
        # Then the target is there with its value and deadline
        assert (value, deadline) in targets

    def test_the_e_prescription_target_keeps_its_range_and_percent_unit(
        self, real_catalog: Catalog
    ) -> None:
        # Given the CNAM objective of 70-80 % of liberal doctors
        # When the e-prescription target is read
        (target,) = real_catalog.get("ordonnance_numerique").targets
        # Then both bounds are kept and the unit is not faked into a count
        assert (target.value, target.value_max, target.unit) == (70, 80, "percent")

    def test_the_sas_target_is_a_share_of_departements(self, real_catalog: Catalog) -> None:
        # Given the target "90 % of départements by end 2023"
        # When the SAS targets are read
        comparisons = {
            t.value: t.comparison for t in real_catalog.get("sas_departements_couverts").targets
        }
        # Then the 90 % target compares the share of covered areas
        assert comparisons[90] == "share_of_areas"

    @pytest.mark.parametrize(
        ("slug", "file"),
        [
            ("mes_activation_population", "ind-583.csv"),
            ("sas_couverture_population", "ind-587.csv"),
        ],
    )
    def test_the_ditp_targets_carry_the_published_national_baseline(
        self, real_catalog: Catalog, slug: str, file: str
    ) -> None:
        # Given the national row of the vendored Baromètre file that carries `indic_vi`
        path = package_path("etl", "reference") / "ditp" / file
        with path.open(encoding="utf-8", newline="") as handle:
            row = next(r for r in csv.DictReader(handle) if r["maille"] == "NAT" and r["indic_vi"])
        # When the catalog target is read
        (target,) = real_catalog.get(slug).targets
        # Then its baseline is that value at that date, and says where it comes from
        assert target.baseline is not None
        assert target.baseline.value == float(row["indic_vi"])
        assert target.baseline.date == dt.date.fromisoformat(row["metric_enforce_date"])
        assert row["indic_id"] in target.baseline.source

    def test_annual_document_targets_compare_a_twelve_month_sum(
        self, real_catalog: Catalog
    ) -> None:
        # Given the yearly targets (250 M and 400 M documents) on a monthly flow
        # When the documents targets are read
        targets = real_catalog.get("mes_documents_alimentes_mois").targets
        comparisons = {t.value: t.comparison for t in targets}
        # Then yearly targets sum twelve months, the monthly one takes the latest month
        assert comparisons[250_000_000] in {"rolling_12m_sum", "calendar_year_sum"}
        assert comparisons[400_000_000] in {"rolling_12m_sum", "calendar_year_sum"}
        assert comparisons[16_000_000] == "latest"

    def test_every_indicator_with_a_target_is_a_headline(self, real_catalog: Catalog) -> None:
        # Given the indicators that carry a target
        with_target = {ind.id for ind in real_catalog.indicators if ind.targets}
        # When the headline indicators are collected
        headlines = {ind.id for ind in real_catalog.indicators if ind.headline}
        # Then all of them are headlines
        assert with_target <= headlines

    def test_short_labels_fit_on_a_card(self, real_catalog: Catalog) -> None:
        # Given the loaded catalog
        # When short labels are measured
        too_long = [ind.id for ind in real_catalog.indicators if len(ind.short_label) > 40]
        # Then none exceeds 40 characters
        assert too_long == []

    def test_percent_indicators_show_one_decimal(self, real_catalog: Catalog) -> None:
        # Given the percent indicators
        # When their number of decimals is read
        decimals = {
            ind.id: ind.decimals for ind in real_catalog.indicators if ind.unit == "percent"
        }
        # Then each shows one decimal
        assert set(decimals.values()) == {1}

    def test_damir_telehealth_is_never_shown_by_departement(self, real_catalog: Catalog) -> None:
        # Given the telehealth indicators fed by Open DAMIR (région of residence only)
        # When their shown levels are read
        slugs = ("teleconsultations_actes", "teleexpertises_actes", "telesurveillance_actes")
        levels = {slug: real_catalog.get(slug).levels_shown for slug in slugs}
        # Then they stop at the région (and the région groups of zones 5 and 93)
        assert levels == {slug: ["national", "region", "group"] for slug in slugs}

    def test_sector_breakdowns_are_published_nationally_only(self, real_catalog: Catalog) -> None:
        # Given indicators whose breakdown no public source gives by territory
        slugs = (
            "mes_documents_par_secteur",
            "segur_v1_taux_deploiement",
            "segur_v1_structures_equipees",
        )
        # When their published levels are read
        levels = {slug: real_catalog.get(slug).levels_published for slug in slugs}
        # Then only the national level is published (territories shown are ARS deposits or demo)
        assert set(map(tuple, levels.values())) == {("national",)}

    def test_the_activation_rate_is_a_ratio_of_two_catalog_indicators(
        self, real_catalog: Catalog
    ) -> None:
        # Given the MES activation rate
        # When its aggregation is read
        agg = real_catalog.get("mes_taux_activation").aggregation
        # Then it is re-aggregated from activated accounts over created profiles, in percent
        assert (agg.rule, agg.numerator, agg.denominator, agg.scale) == (
            "ratio",
            "mes_comptes_actives",
            "mes_profils_crees",
            100,
        )

    def test_a_missing_file_is_reported_in_french(self, tmp_path: Path) -> None:
        # Given a path where no catalog exists
        path = tmp_path / "absent.yaml"
        # When it is loaded
        with pytest.raises(CatalogError) as err:
            load_catalog(path)
        # Then the French message says the catalog was not found
        assert "Catalogue introuvable" in str(err.value)


class TestParseCatalog:
    def test_an_unknown_unit_names_the_indicator_and_the_field(
        self, raw_catalog: dict[str, Any]
    ) -> None:
        # Given a catalog whose indicator has a unit outside the allowed list
        _indicator(raw_catalog, "mes_comptes_actives")["unit"] = "personnes"
        # When it is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw_catalog)
        # Then the French message names the indicator and the field
        message = str(err.value)
        assert "indicateur « mes_comptes_actives »" in message
        assert "champ « unit »" in message
        assert "valeur non autorisée" in message

    def test_a_missing_label_names_the_indicator_and_the_field(
        self, raw_catalog: dict[str, Any]
    ) -> None:
        # Given a catalog whose indicator has no label
        del _indicator(raw_catalog, "teleconsultations_actes")["label"]
        # When it is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw_catalog)
        # Then the message names the indicator, the field and says it is missing
        message = str(err.value)
        assert "indicateur « teleconsultations_actes »" in message
        assert "champ « label » : champ obligatoire absent" in message

    def test_an_unknown_field_is_rejected(self, raw_catalog: dict[str, Any]) -> None:
        # Given a catalog whose indicator carries a misspelt field
        _indicator(raw_catalog, "sas_departements_couverts")["frequence"] = "quarterly"
        # When it is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw_catalog)
        # Then the message names the indicator and the unknown field
        message = str(err.value)
        assert "indicateur « sas_departements_couverts »" in message
        assert "champ « frequence » : champ inconnu" in message

    def test_a_ratio_without_numerator_is_rejected(self, raw_catalog: dict[str, Any]) -> None:
        # Given a ratio indicator whose numerator was removed
        del _indicator(raw_catalog, "mes_taux_activation")["aggregation"]["numerator"]
        # When it is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw_catalog)
        # Then the message names the indicator and explains the ratio rule
        message = str(err.value)
        assert "indicateur « mes_taux_activation »" in message
        assert "« ratio » exige « numerator » et « denominator »" in message

    def test_a_not_aggregable_indicator_shown_by_region_is_rejected(
        self, raw_catalog: dict[str, Any]
    ) -> None:
        # Given a not_aggregable indicator that would be shown by région
        ind = _indicator(raw_catalog, "mes_taux_opposition")
        ind["levels_shown"] = ["national", "region"]
        # When it is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw_catalog)
        # Then the message names the indicator and says it is national only
        message = str(err.value)
        assert "indicateur « mes_taux_opposition »" in message
        assert "ne s'affiche qu'au niveau national" in message

    def test_a_baseline_after_the_deadline_names_the_indicator_and_the_field(
        self, raw_catalog: dict[str, Any]
    ) -> None:
        # Given the MES activation target with a baseline dated after its deadline
        (target,) = _indicator(raw_catalog, "mes_activation_population")["targets"]
        target["baseline"]["date"] = dt.date(2027, 1, 1)
        # When it is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw_catalog)
        # Then the French message names the indicator, the target and both dates
        message = str(err.value)
        assert "indicateur « mes_activation_population », champ « targets.0 »" in message
        assert "« baseline.date » (2027-01-01) doit précéder l'échéance" in message
        assert "(2026-12-31)" in message

    def test_a_baseline_without_value_names_the_field(self, raw_catalog: dict[str, Any]) -> None:
        # Given the SAS coverage target whose baseline lost its value
        (target,) = _indicator(raw_catalog, "sas_couverture_population")["targets"]
        del target["baseline"]["value"]
        # When it is parsed
        with pytest.raises(CatalogError) as err:
            parse_catalog(raw_catalog)
        # Then the message names the indicator and the missing field
        message = str(err.value)
        assert "indicateur « sas_couverture_population »" in message
        assert "champ « targets.0.baseline.value » : champ obligatoire absent" in message

    def test_an_unmodified_copy_parses(self, raw_catalog: dict[str, Any]) -> None:
        # Given the raw catalog as read from the file
        # When it is parsed without change
        catalog = parse_catalog(raw_catalog)
        # Then it yields the 33 reference indicators (the fixture itself is valid)
        assert set(REFERENCE_SLUGS) <= set(catalog.by_id)
