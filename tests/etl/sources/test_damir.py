"""Open DAMIR connector: streaming aggregation, filters, unmapped zones, malformed files.

Fixtures are written by tests/fixtures/damir/make_fixtures.py, whose HAPPY list spells out
each row; the expected sums below are added up by hand from it.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from core.catalog import load_catalog
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
from tests.scripts_loader import load_script

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "damir"
TC, TE, TS = "teleconsultations_actes", "teleexpertises_actes", "telesurveillance_actes"
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
        # A total has no source line: errors name its line in the table of totals
        assert set(tidy["file"]) == {"A202401.csv.gz (totaux par zone)"}
        assert tidy["row"].tolist() == list(range(2, len(tidy) + 2))


SINGLE_REGION_ZONES = (11, 24, 27, 28, 32, 44, 52, 53, 75, 76, 84)


class TestLoadZones:
    def test_reference_holds_the_official_zones_and_is_verified(self) -> None:
        zones = load_zones()
        # 13 zones of the official description, and 99 « Inconnu »
        assert sorted(zones.labels) == sorted((5, *SINGLE_REGION_ZONES, 93, 99))
        assert zones.labels[93] == "Provence-Alpes-Côte d'Azur et Corse"
        assert zones.verified is True

    def test_single_region_zones_map_to_their_region(self) -> None:
        zones = load_zones()
        assert zones.regions == {z: str(z) for z in SINGLE_REGION_ZONES}
        assert set(zones.regions.values()) <= {a.code for a in by_level("region")}

    def test_grouped_and_unknown_zones_map_to_no_region(self) -> None:
        # Given zone 5 (all overseas régions) and 93 (PACA and Corse): never split
        zones = load_zones()
        assert {5, 93, 99}.isdisjoint(zones.regions)
        assert "94" not in zones.regions.values()

    def test_grouped_zones_map_to_their_region_group(self) -> None:
        # Given the two zones that publish several régions together
        zones = load_zones()
        # Then each is a région group of core.geography, and 99 is in none
        assert dict(zones.groups) == {5: "DROM", 93: "PACA-COR"}
        assert {g.code: g.name for g in by_level("group")} == {
            "DROM": "Outre-mer (5 DROM)",
            "PACA-COR": "PACA et Corse",
        }

    @pytest.mark.parametrize(
        ("lines", "message"),
        [
            # a zone mapped to a région and to a group
            (["93,PACA,93,PACA-COR,true"], "l'un ou l'autre"),
            # a group code core.geography does not declare
            (["5,DOM,,OUTREMER,true"], "ligne 2, colonne « group_code »"),
            # Corse alone while PACA-Corse is a group: its acts would be drawn twice
            (
                ["93,PACA et Corse,,PACA-COR,true", "94,Corse,94,,true"],
                "région « 94 », déjà publiée seule",
            ),
        ],
    )
    def test_inconsistent_group_mapping_is_refused(
        self, tmp_path: Path, lines: list[str], message: str
    ) -> None:
        path = tmp_path / "zones.csv"
        header = "zone_code,zone_label,region_code,group_code,verified"
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        with pytest.raises(DamirReferenceError, match=message):
            load_zones(path)

    def test_unknown_region_code_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "zones.csv"
        path.write_text(
            "zone_code,zone_label,region_code,verified,note\n5,Zone,05,false,\n", encoding="utf-8"
        )
        with pytest.raises(DamirReferenceError, match="ligne 2, colonne « region_code »"):
            load_zones(path)


VERIFIED_TC = {1191, 1192, 1046, 1039, 1040, 1056, 1057, 1096, 1157, 1164}
VERIFIED_TE = {1193, 1194, 1097, 1158, 1165}
TELESURVEILLANCE = {1172, 1174, 1190, 1201, 1202}
SUPPLEMENTS = {1166, 1197, 1198, 1199}
LATE_PAYMENT_PENALTY = 1167


class TestLoadActCodes:
    def test_reference_counts_the_verified_codes(self) -> None:
        codes = load_act_codes()
        assert codes.by_indicator == {TC: VERIFIED_TC, TE: VERIFIED_TE, TS: TELESURVEILLANCE}
        assert codes.verified is True

    def test_listed_codes_that_are_not_counted(self) -> None:
        # The tele-expertise supplements and requests are not counted (double count)
        codes = load_act_codes()
        assert codes.excluded == SUPPLEMENTS | {LATE_PAYMENT_PENALTY}
        assert LATE_PAYMENT_PENALTY not in codes.indicator_of()
        # Télésurveillance acts are never patients
        assert "telesurveillance_patients" not in codes.by_indicator

    def test_telesurveillance_codes_can_never_feed_patients(self, tmp_path: Path) -> None:
        path = tmp_path / "acts.csv"
        path.write_text(
            "indicator_id,prs_nat,verified\ntelesurveillance_patients,1174,true\n",
            encoding="utf-8",
        )
        with pytest.raises(DamirReferenceError, match=r"ligne 2.*pas des patients"):
            load_act_codes(path)

    def test_the_new_indicator_is_in_the_catalog(self) -> None:
        ind = load_catalog().get(TS)
        assert ind.label == "Actes de télésurveillance remboursés"
        assert ind.levels_shown == ["national", "region", "group"]

    def test_row_without_indicator_is_excluded_not_counted(self, tmp_path: Path) -> None:
        path = tmp_path / "acts.csv"
        path.write_text(
            f"indicator_id,prs_nat,verified\n{TC},1191,true\n,1167,true\n", encoding="utf-8"
        )
        codes = load_act_codes(path)
        assert codes.by_indicator == {TC: {1191}}
        assert codes.excluded == {1167}

    def test_code_counted_for_two_indicators_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "acts.csv"
        path.write_text(
            f"indicator_id,prs_nat,verified\n{TC},1,true\n{TE},1,true\n", encoding="utf-8"
        )
        with pytest.raises(DamirReferenceError, match="déjà listé"):
            load_act_codes(path)

    def test_code_both_counted_and_excluded_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "acts.csv"
        path.write_text(f"indicator_id,prs_nat,verified\n{TC},1,true\n,1,true\n", encoding="utf-8")
        with pytest.raises(DamirReferenceError, match="déjà listé pour « teleconsultations"):
            load_act_codes(path)


def _write_month(path: Path, rows: list[tuple[int, int, int, int]]) -> Path:
    """A month file in the real layout (55 columns); rows are (zone, PRS_NAT, qty, rem_typ)."""
    lines = [";".join(SAMPLE_HEADER) + ";\n"]
    for zone, code, qty, rem_typ in rows:
        cells = {"FLX_ANN_MOI": "202401", "BEN_RES_REG": str(zone), "PRS_NAT": str(code)}
        cells |= {"PRS_ACT_QTE": str(qty), "PRS_REM_TYP": str(rem_typ)}
        lines.append(";".join(cells.get(n, "0") for n in SAMPLE_HEADER) + ";\n")
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(lines)
    return path


class TestVerifiedReferenceOnRealLayout:
    def test_hand_made_month_gives_the_totals_per_zone(self, tmp_path: Path) -> None:
        # Given one month with the official codes and zones, sums made by hand
        path = _write_month(
            tmp_path / "A202401.csv.gz",
            [
                (11, 1191, 2, 0),  # TC Île-de-France
                (11, 1191, -1, 0),  # regularisation, netted
                (11, 1046, 5, 1),  # PRS_REM_TYP 1: not counted
                (11, 1167, 7, 0),  # late-payment penalty: not counted
                (93, 1192, 3, 0),  # PACA and Corse: the group, never split
                (5, 1164, 1, 0),  # overseas régions: the group « Outre-mer (5 DROM) »
                (5, 1157, 2, 0),  # overseas régions again
                (99, 1040, 1, 0),  # unknown: France only
                (84, 1193, 1, 0),  # TE Auvergne-Rhône-Alpes
                (84, 1199, 1, 0),  # request for tele-expertise: not counted
                (84, 1166, 1, 0),  # tele-expertise supplement: not counted
                (84, 1172, 4, 0),  # télésurveillance: acts, not patients
                (5, 1190, 1, 0),  # télésurveillance variable bonus, overseas
                (75, 1165, 2, 0),  # TE Nouvelle-Aquitaine
            ],
        )
        # When it is streamed with the reference tables
        agg = stream_aggregate(path, codes=load_act_codes())
        result = to_regions(agg, zones=load_zones())
        # Then
        assert values(result.tidy) == {
            (TC, "region", "11", "202401"): "1",
            (TC, "group", "PACA-COR", "202401"): "3",
            (TC, "group", "DROM", "202401"): "3",
            # 1 + 3 (zone 93) + 3 (zone 5) + 1 (zone 99): each zone once
            (TC, "national", "FR", "202401"): "8",
            (TE, "region", "84", "202401"): "1",
            (TE, "region", "75", "202401"): "2",
            (TE, "national", "FR", "202401"): "3",
            (TS, "region", "84", "202401"): "4",
            (TS, "group", "DROM", "202401"): "1",
            (TS, "national", "FR", "202401"): "5",
        }
        # No région of a group gets a value: a group is never split
        members = {"01", "02", "03", "04", "06", "93", "94"}
        assert members.isdisjoint(result.tidy.loc[result.tidy["level"] == "region", "code"])
        assert sorted(int(z) for z in result.unmapped["zone"]) == [99]

    def test_late_payment_penalty_1167_is_not_counted(self, tmp_path: Path) -> None:
        # Given a month where 1167 sits beside one teleconsultation of the same zone
        path = _write_month(tmp_path / "A202401.csv.gz", [(11, 1167, 9, 0), (11, 1191, 1, 0)])
        # When streamed
        agg = stream_aggregate(path, codes=load_act_codes())
        # Then only the teleconsultation is there
        assert agg.acts[["indicator_id", "zone", "acts"]].values.tolist() == [[TC, 11, 1]]


def _sums_by_reading_each_line(path: Path) -> tuple[Counter[tuple[str, int]], Counter[int]]:
    """Independent count in plain Python: (indicator, zone) → acts, and PRS_NAT → lines."""
    indicator_of = load_act_codes().indicator_of()
    acts: Counter[tuple[str, int]] = Counter()
    lines_per_code: Counter[int] = Counter()
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            code = int(row["PRS_NAT"])
            lines_per_code[code] += 1
            if row["PRS_REM_TYP"] == "0" and code in indicator_of:
                acts[(indicator_of[code], int(row["BEN_RES_REG"]))] += int(row["PRS_ACT_QTE"])
    return acts, lines_per_code


class TestGeneratedMonth:
    def test_generated_file_gives_the_line_by_line_totals_per_zone(self, tmp_path: Path) -> None:
        # Given a generated month in the real layout, built from the reference tables
        path = tmp_path / "A202401.csv.gz"
        load_script("generate_damir").generate(path, lines=20_000, seed=7, month=202401, level=1)
        expected, lines_per_code = _sums_by_reading_each_line(path)
        # (the file holds the excluded codes and the grouped, unknown and foreign zones)
        assert {LATE_PAYMENT_PENALTY, *TELESURVEILLANCE} <= set(lines_per_code)
        assert {5, 93, 99, 0} <= {zone for _, zone in expected}
        # When it is streamed
        agg = stream_aggregate(path, codes=load_act_codes())
        # Then every (indicator, zone) total is the line-by-line one
        got = {(r.indicator_id, int(r.zone)): r.acts for r in agg.acts.itertuples()}
        assert got == dict(expected)
        assert agg.lines == 20_000

    def test_generated_file_regions_groups_and_france(self, tmp_path: Path) -> None:
        # Given a generated month in the real layout (55 official columns)
        path = tmp_path / "A202401.csv.gz"
        load_script("generate_damir").generate(path, lines=20_000, seed=11, month=202401, level=1)
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            header = fh.readline().rstrip("\n").split(";")[:-1]
        assert header == list(SAMPLE_HEADER) and len(set(header)) == FILE_WIDTH == 55
        expected, _ = _sums_by_reading_each_line(path)
        # When it is streamed and mapped to areas
        tidy = to_regions(stream_aggregate(path, codes=load_act_codes()), zones=load_zones()).tidy
        got = values(tidy)
        for indicator in (TC, TE, TS):
            by_zone = {zone: v for (ind, zone), v in expected.items() if ind == indicator}
            # Then France counts every zone once (99 and the foreign zone 0 included)
            assert got[(indicator, "national", "FR", "202401")] == str(sum(by_zone.values()))
            # a région only its own zone
            for zone in SINGLE_REGION_ZONES:
                want = by_zone.get(zone, 0)
                assert got.get((indicator, "region", str(zone), "202401"), "0") == str(want)
            # zones 5 and 93 are their région group, whole
            for zone, group in ((5, "DROM"), (93, "PACA-COR")):
                want = by_zone.get(zone, 0)
                assert got.get((indicator, "group", group, "202401"), "0") == str(want)
            # régions + groups + zones 99 and 0 (France only) = France: nothing counted twice
            areas = sum(int(v) for (ind, lvl, _, _), v in got.items() if ind == indicator)
            france = int(got[(indicator, "national", "FR", "202401")])
            assert areas - france == france - by_zone.get(99, 0) - by_zone.get(0, 0)
        assert {code for (_, level, code, _) in got if level == "region"} <= {
            str(z) for z in SINGLE_REGION_ZONES
        }
        assert {code for (_, level, code, _) in got if level == "group"} == {"DROM", "PACA-COR"}


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
