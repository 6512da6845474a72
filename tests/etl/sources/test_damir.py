"""Open DAMIR connector: streaming aggregation, filters, unmapped zones, malformed files.

Fixtures are written by tests/fixtures/damir/make_fixtures.py, whose HAPPY list spells out
each row; the expected sums below are added up by hand from it.
"""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pandas as pd
import pytest

from core.geography import by_level
from etl.sources.base import TIDY_COLUMNS, RawFile, SourceError
from etl.sources.damir import (
    FILE_WIDTH,
    SAMPLE_HEADER,
    ActCodes,
    Config,
    DamirConnector,
    DamirFormatError,
    DamirReferenceError,
    ZoneLookup,
    load_act_codes,
    load_zones,
    stream_aggregate,
    to_regions,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "damir"
TC, TE = "teleconsultations_actes", "teleexpertises_actes"
CODES = ActCodes(by_indicator={TC: frozenset({9001, 9002}), TE: frozenset({9003})}, verified=True)
ZONES = ZoneLookup(
    regions={11: "11", 53: "53", 84: "84"},
    labels={11: "Île-de-France", 53: "Bretagne", 84: "Auvergne-Rhône-Alpes"},
    verified=True,
)


def values(tidy: pd.DataFrame) -> dict[tuple[str, str, str, str], str]:
    return {
        (r.indicator_id, r.level, r.code, r.period): r.value for r in tidy.itertuples(index=False)
    }


def failure(path: Path) -> DamirFormatError:
    with pytest.raises(DamirFormatError) as info:
        stream_aggregate(path, codes=CODES)
    return info.value


class TestStreamAggregate:
    def test_sums_quantities_of_counted_rows_by_indicator_period_and_zone(self) -> None:
        # Given the fixture month, When it is streamed
        agg = stream_aggregate(FIXTURES / "A202401.csv.gz", codes=CODES)
        # Then each (indicator, period, zone) holds the hand-made sum of PRS_ACT_QTE
        got = {(r.indicator_id, r.period, int(r.zone)): r.acts for r in agg.acts.itertuples()}
        assert got == {
            (TC, "202401", 11): 1 + 2,  # lines 2, 3 (line 4 has PRS_REM_TYP 1)
            (TC, "202401", 84): 3 - 1,  # lines 5, 6: the regularisation is netted
            (TC, "202401", 99): 4,  # line 8
            (TC, "202312", 53): 1,  # line 10
            (TE, "202401", 84): 1,  # line 7 (line 11 has PRS_REM_TYP 3)
        }

    def test_counts_every_data_line(self) -> None:
        agg = stream_aggregate(FIXTURES / "A202401.csv.gz", codes=CODES)
        assert agg.lines == 10

    def test_drops_rows_whose_reimbursement_type_is_not_zero(self) -> None:
        # Given codes where only the line-4 and line-11 services would count more
        agg = stream_aggregate(FIXTURES / "A202401.csv.gz", codes=CODES)
        idf = agg.acts[(agg.acts["indicator_id"] == TC) & (agg.acts["zone"] == 11)]
        # Then line 4 (quantity 5, PRS_REM_TYP 1) is not in Île-de-France's 3
        assert idf["acts"].tolist() == [3]
        bzh = agg.acts[(agg.acts["indicator_id"] == TE) & (agg.acts["zone"] == 53)]
        assert bzh.empty

    def test_ignores_services_outside_the_code_lists(self) -> None:
        # Given only the tele-expertise code, When streamed
        agg = stream_aggregate(
            FIXTURES / "A202401.csv.gz",
            codes=ActCodes(by_indicator={TE: frozenset({9003})}, verified=True),
        )
        # Then teleconsultation and service 1111 rows are not counted
        assert agg.acts["indicator_id"].unique().tolist() == [TE]
        assert agg.acts["acts"].sum() == 1

    def test_missing_column_names_the_column_and_returns_nothing(self) -> None:
        err = failure(FIXTURES / "missing_column.csv.gz")
        assert "missing_column.csv.gz" in str(err)
        assert "ligne 1, colonne « PRS_REM_TYP » : colonne absente" in str(err)

    def test_bad_numbers_name_file_line_column_and_value(self) -> None:
        err = failure(FIXTURES / "bad_number.csv.gz")
        assert err.problems[0] == (
            "Fichier « bad_number.csv.gz », ligne 3, colonne « PRS_ACT_QTE » : valeur "
            "invalide « abc ». Attendu : un nombre (point décimal)."
        )
        assert err.problems[1].startswith(
            "Fichier « bad_number.csv.gz », ligne 5, colonne « BEN_RES_REG » : "
            "valeur invalide « 1 1 »."
        )
        assert len(err.problems) == 2

    def test_short_row_names_the_line(self) -> None:
        err = failure(FIXTURES / "short_row.csv.gz")
        assert err.problems == (
            f"Fichier « short_row.csv.gz », ligne 3 : 45 champs au lieu de {FILE_WIDTH}. "
            f"Attendu : {FILE_WIDTH} valeurs séparées par « ; », suivies d'un « ; » final.",
        )

    def test_truncated_gzip_is_refused(self) -> None:
        err = failure(FIXTURES / "truncated.csv.gz")
        assert "truncated.csv.gz" in str(err)
        assert "tronqué" in str(err)

    def test_gzip_truncated_after_the_header_is_refused(self, tmp_path: Path) -> None:
        # Given 5 000 rows whose gzip stream is cut at 60 %
        row = {"FLX_ANN_MOI": "202401", "BEN_RES_REG": "11", "PRS_NAT": "9001"}
        row |= {"PRS_ACT_QTE": "1", "PRS_REM_TYP": "0"}
        lines = [
            ";".join(row.get(n, str(i % 97)) for n in SAMPLE_HEADER) + ";\n" for i in range(5000)
        ]
        data = gzip.compress((";".join(SAMPLE_HEADER) + ";\n" + "".join(lines)).encode())
        path = tmp_path / "A202401.csv.gz"
        path.write_bytes(data[: len(data) * 6 // 10])
        # Then nothing is returned and the file is named as truncated
        err = failure(path)
        assert "« A202401.csv.gz » illisible : fichier gzip tronqué" in str(err)

    def test_a_file_that_is_not_gzip_is_refused(self, tmp_path: Path) -> None:
        plain = tmp_path / "A202401.csv.gz"
        plain.write_text(";".join(SAMPLE_HEADER) + ";\n", encoding="utf-8")
        err = failure(plain)
        assert "gzip attendu" in str(err)

    def test_header_without_trailing_separator_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "A202401.csv.gz"
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(";".join(SAMPLE_HEADER) + "\n")
        err = failure(path)
        assert "ne finit pas par « ; »" in str(err)

    def test_invalid_processing_month_is_refused(self, tmp_path: Path) -> None:
        # Given a counted row whose FLX_ANN_MOI has month 13
        path = tmp_path / "A202401.csv.gz"
        row = {"FLX_ANN_MOI": "202413", "BEN_RES_REG": "11", "PRS_NAT": "9001"}
        row |= {"PRS_ACT_QTE": "1", "PRS_REM_TYP": "0"}
        line = ";".join(row.get(n, "0") for n in SAMPLE_HEADER) + ";\n"
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(";".join(SAMPLE_HEADER) + ";\n" + line)
        # Then the month is named
        assert "mois de traitement invalide « 202413 »" in str(failure(path))


class TestToRegions:
    def test_regions_and_france_carry_the_hand_made_sums(self) -> None:
        agg = stream_aggregate(FIXTURES / "A202401.csv.gz", codes=CODES)
        tidy = to_regions(agg, zones=ZONES).tidy
        assert values(tidy) == {
            (TC, "region", "11", "202401"): "3",
            (TC, "region", "84", "202401"): "2",
            (TC, "national", "FR", "202401"): "9",  # 3 + 2 + 4 in zone 99
            (TC, "region", "53", "202312"): "1",
            (TC, "national", "FR", "202312"): "1",
            (TE, "region", "84", "202401"): "1",
            (TE, "national", "FR", "202401"): "1",
        }

    def test_unmapped_zone_is_reported_apart_and_counted_in_france(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        agg = stream_aggregate(FIXTURES / "A202401.csv.gz", codes=CODES)
        result = to_regions(agg, zones=ZONES)
        assert result.unmapped[["indicator_id", "period", "zone", "acts"]].values.tolist() == [
            [TC, "202401", 99, 4]
        ]
        assert "zone « 99 » (hors table)" in caplog.text
        assert "99" not in set(result.tidy["code"])

    def test_tidy_frame_has_the_interface_columns(self) -> None:
        agg = stream_aggregate(FIXTURES / "A202401.csv.gz", codes=CODES)
        tidy = to_regions(agg, zones=ZONES).tidy
        assert tuple(tidy.columns) == TIDY_COLUMNS
        assert set(tidy["breakdown"]) == {"_total"}
        assert set(tidy["file"]) == {"A202401.csv.gz"}


class TestLoadZones:
    def test_reference_maps_to_known_regions_and_says_it_is_unverified(self) -> None:
        zones = load_zones()
        regions = {a.code for a in by_level("region")}
        assert set(zones.regions.values()) <= regions
        assert len(zones.regions) == 13
        assert zones.verified is False

    def test_unknown_region_code_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "zones.csv"
        path.write_text(
            "zone_code,zone_label,region_code,verified,note\n5,Zone,05,false,\n", encoding="utf-8"
        )
        with pytest.raises(DamirReferenceError, match="ligne 2, colonne « region_code »"):
            load_zones(path)


class TestLoadActCodes:
    def test_reference_lists_both_indicators_and_says_it_is_unverified(self) -> None:
        codes = load_act_codes()
        assert set(codes.by_indicator) == {TC, TE}
        assert codes.verified is False

    def test_code_counted_for_two_indicators_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "acts.csv"
        path.write_text(
            f"indicator_id,prs_nat,verified\n{TC},1,true\n{TE},1,true\n", encoding="utf-8"
        )
        with pytest.raises(DamirReferenceError, match="déjà compté"):
            load_act_codes(path)


def _raw(path: Path) -> RawFile:
    return RawFile(
        source="damir",
        url=f"file://{path}",
        path=path,
        sha256="0" * 64,
        retrieved_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
        file_name=path.name,
    )


class TestConfig:
    def test_url_and_file_name_come_from_the_month(self) -> None:
        config = Config(
            name="damir",
            label="Open DAMIR",
            month="2024-01",
            url_template="https://exemple.test/Open_DAMIR/A{yyyy}{mm}.csv.gz",
        )
        assert config.url == "https://exemple.test/Open_DAMIR/A202401.csv.gz"
        assert config.file_name == "A202401.csv.gz"

    def test_month_must_be_yyyy_mm(self) -> None:
        with pytest.raises(ValueError, match="AAAA-MM"):
            Config(name="damir", label="Open DAMIR", month="202401")


class TestDamirConnector:
    def test_unverified_source_refuses_to_download(self) -> None:
        connector = DamirConnector.from_config(
            Config(name="damir", label="Open DAMIR", month="2024-01", verified=False)
        )
        with pytest.raises(SourceError, match="non vérifiée"):
            connector.extract(fetcher=None)  # type: ignore[arg-type]

    def test_result_reads_the_configured_lookups(self, tmp_path: Path) -> None:
        acts = tmp_path / "acts.csv"
        acts.write_text(
            f"indicator_id,prs_nat,verified\n{TC},9001,true\n{TC},9002,true\n{TE},9003,true\n",
            encoding="utf-8",
        )
        config = Config(name="damir", label="Open DAMIR", month="2024-01", acts_file=acts)
        result = DamirConnector.from_config(config).result(_raw(FIXTURES / "A202401.csv.gz"))
        # Reference zones map 11 and 84 to themselves; 99 stays outside
        assert values(result.tidy)[(TC, "national", "FR", "202401")] == "9"
        assert values(result.tidy)[(TC, "region", "11", "202401")] == "3"
