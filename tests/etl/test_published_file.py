"""The curated file of really published figures (etl/reference/published_figures.csv)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from core.catalog import Catalog, load_catalog
from etl.published import PUBLISHED_CSV, read_published

HEADER = (
    "slug;geo_level;geo_code;period_type;period_start;breakdown;value;unit;qualifier;retained;"
    "source_publisher;source_title;source_url;published_on;verified;note"
)
KEY = ["slug", "geo_level", "geo_code", "period_type", "period_start", "breakdown"]

# Indicators of docs/indicators.md that have at least one dated published figure.
SLUGS_WITH_FIGURES = (
    "mes_profils_crees",
    "mes_comptes_actives",
    "mes_taux_activation",
    "mes_taux_opposition",
    "mes_documents_alimentes_mois",
    "mes_documents_par_secteur",
    "mes_part_population_document_recu",
    "mes_utilisateurs_actifs",
    "mes_applications_catalogue",
    "segur_v1_taux_deploiement",
    "segur_v1_structures_equipees",
    "segur_logiciels_references",
    "segur_financement_sons",
    "ins_qualification",
    "mssante_equipement_professionnels",
    "psc_authentifications_mois",
    "ecps_actives",
    "ordonnance_numerique",
    "esms_dui_actifs",
    "teleconsultations_actes",
    "telesurveillance_patients",
    "sas_departements_couverts",
    "care_etablissements_engages",
    "eds_hospitaliers",
    "projets_rd_finances",
)

# Indicators whose only figures are surveys or unverified orders of magnitude.
SLUGS_WITHOUT_FIGURES = (
    "mes_messagerie_usage",
    "mes_bilans_prevention",
    "mediateurs_numeriques_sante_formes",
    "mssante_messages_mois",
    "cisis_documents_structures",
    "teleexpertises_actes",
    "patients_chroniques_acte_telesante",
    "cyber_part_budget_numerique",
)


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return pd.read_csv(PUBLISHED_CSV, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def real_catalog() -> Catalog:
    return load_catalog()


def _rows(figures: pd.DataFrame, **where: str) -> pd.DataFrame:
    mask = pd.Series(True, index=figures.index)
    for column, value in where.items():
        mask &= figures[column] == value
    return figures[mask]


class TestFileFormat:
    def test_the_file_is_utf8_without_bom(self) -> None:
        # Given the curated file
        # When its first bytes are read
        head = PUBLISHED_CSV.read_bytes()[:3]
        # Then there is no byte-order mark and the text decodes as UTF-8
        assert head != b"\xef\xbb\xbf"
        PUBLISHED_CSV.read_bytes().decode("utf-8")

    def test_the_header_is_exact(self) -> None:
        # Given the curated file
        # When its first line is read
        first_line = PUBLISHED_CSV.read_text(encoding="utf-8").splitlines()[0]
        # Then it is exactly the agreed header
        assert first_line == HEADER

    def test_it_parses_with_pandas(self, figures: pd.DataFrame) -> None:
        # Given the file read with ';' and every cell as text
        # When its shape is checked
        # Then every row has the sixteen columns and the file is not a sample
        assert list(figures.columns) == HEADER.split(";")
        assert len(figures) >= 80


class TestRowValues:
    def test_every_slug_exists_in_the_catalog(
        self, figures: pd.DataFrame, real_catalog: Catalog
    ) -> None:
        # Given the catalog's slugs
        # When the file's slugs are compared with them
        unknown = set(figures["slug"]) - set(real_catalog.by_id)
        # Then none is unknown
        assert unknown == set()

    def test_figures_are_national(self, figures: pd.DataFrame) -> None:
        # Given the curated file
        # When geographic levels and codes are collected
        geo = set(zip(figures["geo_level"], figures["geo_code"], strict=True))
        # Then every figure is national, with code FR
        assert geo == {("national", "FR")}

    @pytest.mark.parametrize(
        ("column", "allowed"),
        [
            ("unit", {"count", "percent", "euros"}),
            ("qualifier", {"exact", "approx", "lower_bound", "upper_bound"}),
            ("period_type", {"date", "month", "quarter", "year"}),
            ("retained", {"true", "false"}),
            ("verified", {"true", "false"}),
        ],
    )
    def test_coded_columns_stay_in_their_allowed_sets(
        self, figures: pd.DataFrame, column: str, allowed: set[str]
    ) -> None:
        # Given a coded column
        # When its distinct values are collected
        values = set(figures[column])
        # Then they all belong to the allowed set
        assert values <= allowed

    def test_values_are_plain_numbers_with_a_decimal_point(self, figures: pd.DataFrame) -> None:
        # Given the value column
        # When each value is matched against a plain number
        bad = [v for v in figures["value"] if not re.fullmatch(r"\d+(\.\d+)?", v)]
        # Then none uses a comma, a space or a unit
        assert bad == []

    def test_percent_values_are_between_0_and_100(self, figures: pd.DataFrame) -> None:
        # Given the percent rows
        percents = figures.loc[figures["unit"] == "percent", "value"].astype(float)
        # When their range is checked
        # Then they are expressed as 0-100 numbers
        assert percents.between(0, 100).all()

    def test_period_starts_match_their_period_type(self, figures: pd.DataFrame) -> None:
        # Given each row's period type and start
        def fits(period_type: str, start: str) -> bool:
            day = dt.date.fromisoformat(start)
            if period_type == "month":
                return day.day == 1
            if period_type == "quarter":
                return day.day == 1 and day.month in {1, 4, 7, 10}
            if period_type == "year":
                return (day.month, day.day) == (1, 1)
            return True

        # When each start is checked
        bad = [
            (r.slug, r.period_type, r.period_start)
            for r in figures.itertuples()
            if not fits(r.period_type, r.period_start)
        ]
        # Then months, quarters and years start on their first day
        assert bad == []

    def test_published_on_is_a_full_or_partial_date(self, figures: pd.DataFrame) -> None:
        # Given the published_on column
        # When each non-empty value is matched
        bad = [
            v
            for v in figures["published_on"]
            if v and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", v)
        ]
        # Then it is YYYY, YYYY-MM or YYYY-MM-DD
        assert bad == []

    def test_breakdowns_are_total_or_a_catalog_value(
        self, figures: pd.DataFrame, real_catalog: Catalog
    ) -> None:
        # Given each row's breakdown
        def allowed(slug: str) -> set[str]:
            breakdown = real_catalog.get(slug).breakdown
            return {"_total"} | (set(breakdown.values) if breakdown else set())

        # When it is compared with the indicator's breakdown values
        bad = [
            (r.slug, r.breakdown)
            for r in figures.itertuples()
            if r.breakdown not in allowed(r.slug)
        ]
        # Then it is "_total" or a declared value
        assert bad == []

    def test_every_row_names_its_source(self, figures: pd.DataFrame) -> None:
        # Given the curated file
        # When publishers and titles are checked
        missing = figures[(figures["source_publisher"] == "") | (figures["source_title"] == "")]
        # Then no figure is left without its citation
        assert missing.empty

    def test_non_retained_rows_explain_why(self, figures: pd.DataFrame) -> None:
        # Given the rows kept out of the series
        not_retained = figures[figures["retained"] == "false"]
        # When their notes are read
        # Then each one carries an explanation
        assert (not_retained["note"] != "").all()


class TestKeys:
    def test_at_most_one_retained_row_per_key(self, figures: pd.DataFrame) -> None:
        # Given the retained rows
        retained = figures[figures["retained"] == "true"]
        # When they are grouped by key
        counts = retained.groupby(KEY).size()
        # Then no key has two retained values
        assert counts[counts > 1].empty

    def test_rows_are_unique_for_the_database_constraint(self, figures: pd.DataFrame) -> None:
        # Given the unique constraint of the published_figures table
        columns = [*KEY, "source_url", "value"]
        # When duplicates are searched
        duplicated = figures[figures.duplicated(columns, keep=False)]
        # Then there is none
        assert duplicated.empty


class TestCoverage:
    @pytest.mark.parametrize("slug", SLUGS_WITH_FIGURES)
    def test_every_indicator_with_a_published_figure_has_rows(
        self, figures: pd.DataFrame, slug: str
    ) -> None:
        # Given an indicator with a dated figure in indicators.md
        # When its rows are selected
        rows = _rows(figures, slug=slug)
        # Then the file holds at least one
        assert not rows.empty

    @pytest.mark.parametrize("slug", SLUGS_WITHOUT_FIGURES)
    def test_indicators_without_verified_figures_have_no_rows(
        self, figures: pd.DataFrame, slug: str
    ) -> None:
        # Given an indicator whose only figures are surveys or unverified magnitudes
        # When its rows are selected
        rows = _rows(figures, slug=slug)
        # Then none was invented
        assert rows.empty

    def test_the_csa_survey_is_not_a_published_figure(self, figures: pd.DataFrame) -> None:
        # Given the CSA survey (5 % say they opposed MES)
        # When the opposition rows are read
        values = set(_rows(figures, slug="mes_taux_opposition", unit="percent")["value"])
        # Then the survey value is absent
        assert "5" not in values


class TestKnownFigures:
    def test_activated_accounts_on_10_january_2024(self, figures: pd.DataFrame) -> None:
        # Given the REPSS figure of 10 January 2024
        # When the row is selected
        rows = _rows(
            figures, slug="mes_comptes_actives", period_type="date", period_start="2024-01-10"
        )
        # Then it is the exact retained count 10 567 231, verified
        assert rows[["value", "unit", "qualifier", "retained", "verified"]].values.tolist() == [
            ["10567231", "count", "exact", "true", "true"]
        ]

    def test_created_profiles_on_10_january_2024(self, figures: pd.DataFrame) -> None:
        # Given the REPSS figure of 10 January 2024
        # When the retained row is selected
        rows = _rows(
            figures,
            slug="mes_profils_crees",
            period_type="date",
            period_start="2024-01-10",
            retained="true",
        )
        # Then it is 68 406 684 profiles
        assert rows["value"].tolist() == ["68406684"]

    @pytest.mark.parametrize(
        ("year", "retained_value", "alternative"),
        [("2020", "19000000", "18600000"), ("2023", "11600000", "12000000")],
    )
    def test_teleconsultations_keep_the_cnam_total_and_the_alternative(
        self, figures: pd.DataFrame, year: str, retained_value: str, alternative: str
    ) -> None:
        # Given the yearly teleconsultation totals of a year with two sources
        rows = _rows(
            figures,
            slug="teleconsultations_actes",
            period_type="year",
            period_start=f"{year}-01-01",
            unit="count",
        )
        # When retained and alternative values are separated
        retained = rows.loc[rows["retained"] == "true", "value"].tolist()
        others = set(rows.loc[rows["retained"] == "false", "value"])
        # Then the CNAM total is retained and the other source is kept as an alternative
        assert retained == [retained_value]
        assert alternative in others

    def test_segur_wave_1_reached_more_than_99_percent(self, figures: pd.DataFrame) -> None:
        # Given the ANS press release of 21 September 2023
        rows = _rows(figures, slug="segur_v1_taux_deploiement", period_start="2023-09-20")
        # When the row is read
        # Then it is a lower bound of 99 %
        assert rows[["value", "unit", "qualifier"]].values.tolist() == [
            ["99", "percent", "lower_bound"]
        ]

    def test_care_applications_by_category_add_up_to_the_total(self, figures: pd.DataFrame) -> None:
        # Given the CaRE D1 applications at the closing of the call
        rows = _rows(
            figures,
            slug="care_etablissements_engages",
            period_start="2024-04-19",
            unit="count",
            retained="true",
        )
        # When the categories are summed
        total = rows.loc[rows["breakdown"] == "_total", "value"].astype(int).tolist()
        by_category = rows.loc[rows["breakdown"] != "_total", "value"].astype(int).sum()
        # Then they add up to the 1 207 applications
        assert total == [1207]
        assert by_category == 1207

    def test_the_retained_e_prescription_series_counts_prescriptions(
        self, figures: pd.DataFrame
    ) -> None:
        # Given the e-prescription rows
        rows = _rows(figures, slug="ordonnance_numerique", retained="true")
        # When retained units are collected
        # Then the retained series counts prescriptions
        assert set(rows["unit"]) == {"count"}


class TestReadPublished:
    def test_the_loader_accepts_the_whole_file(self, real_catalog: Catalog) -> None:
        # Given the curated file and the real catalog
        # When the ETL reader checks it
        frame = read_published(PUBLISHED_CSV, real_catalog)
        # Then every row is accepted
        raw = pd.read_csv(PUBLISHED_CSV, sep=";", dtype=str, keep_default_na=False)
        assert len(frame) == len(raw)
