"""The shared table mapping: aggregate rows out of the detail, and checked against it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from etl.sources.base import RawFile, SourceError, SumCheckError
from etl.sources.table import TableMapping, to_tidy
from tests.etl.sources.conftest import FIXTURES

SECTEURS: dict[str, Any] = {
    "indicator": "medecins_liberaux_effectif",
    "period_column": "annee",
    "value_column": "effectif",
    "department_column": "departement",
    "region_column": "region",
    "filters": [
        {"column": "profession_sante", "equals": ["Médecins généralistes"]},
        {"column": "libelle_secteur_conventionnel", "equals": ["tout secteur compris"]},
    ],
    "totals": {"departement": ["999"], "region": ["FRANCE"]},
}


def raw_file(path: Path, *, name: str = "") -> RawFile:
    return RawFile(
        source="t", url=path.as_uri(), path=path, sha256="0" * 64,
        retrieved_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), file_name=name or path.name,
    )  # fmt: skip


def edited(tmp_path: Path, fixture: str, *, old: str, new: str) -> Path:
    text = (FIXTURES / "ameli" / fixture).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / fixture
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


class TestToTidy:
    def test_source_total_over_sectors_per_department(self) -> None:
        # Given the secteurs file, keeping the « tout secteur compris » rows
        raw = raw_file(FIXTURES / "ameli" / "demographie-secteurs-conventionnels.csv")
        # When it is read
        tidy = to_tidy(raw, mapping=TableMapping.model_validate(SECTEURS))
        # Then one row per département, the masked sector not hiding the published total
        assert tidy[["code", "period", "value", "is_masked"]].values.tolist() == [
            ["22", "2023", "413", False],
            ["29", "2023", "699", False],
        ]

    def test_sum_over_sectors_masks_a_department_with_ns(self) -> None:
        # Given the per-sector rows summed by the connector instead
        mapping = TableMapping.model_validate(
            {
                **SECTEURS,
                "filters": [{"column": "profession_sante", "equals": ["Médecins généralistes"]}],
                "totals": {
                    "departement": ["999"],
                    "region": ["FRANCE"],
                    "libelle_secteur_conventionnel": ["tout secteur compris"],
                },
                "sum_over": ["secteur_conventionnel"],
            }
        )
        # When it is read
        tidy = to_tidy(raw_file(FIXTURES / "ameli" / "demographie-secteurs-conventionnels.csv"),
                       mapping=mapping)  # fmt: skip
        # Then sectors add up, and an NS sector masks its département's sum
        assert tidy[["code", "value", "is_masked"]].values.tolist() == [
            ["22", "413", False],
            ["29", "NS", True],
        ]

    def test_total_mismatch_is_refused(self, tmp_path: Path) -> None:
        # Given a région total that no longer equals its départements (413 + 699 ≠ 1113)
        path = edited(
            tmp_path, "demographie-secteurs-conventionnels.csv",
            old="53;Bretagne;999;Tout département;9;tout secteur compris;1112",
            new="53;Bretagne;999;Tout département;9;tout secteur compris;1113",
        )  # fmt: skip
        # When it is read, then a French error names the file, row, total and sum
        with pytest.raises(SumCheckError) as err:
            to_tidy(raw_file(path), mapping=TableMapping.model_validate(SECTEURS))
        message = str(err.value)
        assert message.startswith(
            "Fichier « demographie-secteurs-conventionnels.csv », ligne 9, colonne « effectif » :"
            " le total publié « 1113 »"
        )
        assert "somme des lignes de détail (1112, 2 lignes)" in message

    def test_masked_detail_skips_the_check(self, tmp_path: Path) -> None:
        # Given a 2022 France total that differs, but one 2022 département is « NS »
        path = edited(
            tmp_path, "effectifs.csv",
            old="2022;Diabète;;;DIA_CAT_CAT;tsage;9;99;999;186000",
            new="2022;Diabète;;;DIA_CAT_CAT;tsage;9;99;999;999999",
        )  # fmt: skip
        mapping = TableMapping.model_validate(
            {
                "indicator": "patients_chroniques_effectif",
                "period_column": "annee",
                "value_column": "Ntop",
                "department_column": "dept",
                "region_column": "region",
                "filters": [{"column": "top", "equals": ["DIA_CAT_CAT"]},
                            {"column": "sexe", "equals": ["9"]},
                            {"column": "cla_age_5", "equals": ["tsage"]}],
                "totals": {"dept": ["999"], "region": ["99"]},
            }
        )  # fmt: skip
        # When it is read, then no error: the sum cannot be checked
        assert len(to_tidy(raw_file(path), mapping=mapping)) == 8

    def test_missing_column_is_named(self, tmp_path: Path) -> None:
        # Given a file without the « effectif » column
        path = edited(tmp_path, "demographie-secteurs-conventionnels.csv",
                      old=";effectif\n", new=";nombre\n")  # fmt: skip
        # When it is read, then the error names the missing column
        with pytest.raises(SourceError, match="colonnes absentes « effectif »"):
            to_tidy(raw_file(path), mapping=TableMapping.model_validate(SECTEURS))


class TestTableMapping:
    @pytest.mark.parametrize(
        "change",
        [
            {"indicator": None},  # no indicator at all
            {"department_column": None, "region_column": None},  # no area
            {"value_column": None},  # no value
            {"level_column": "niveau"},  # level without code, and two area styles
        ],
    )
    def test_incoherent_mapping_is_refused(self, change: dict[str, Any]) -> None:
        with pytest.raises(ValueError):
            TableMapping.model_validate({**SECTEURS, **change})

    def test_filter_needs_exactly_one_test(self) -> None:
        with pytest.raises(ValueError, match="soit « equals », soit « endswith »"):
            TableMapping.model_validate({**SECTEURS, "filters": [{"column": "x"}]})
