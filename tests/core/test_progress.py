"""The progress rate (« taux d'avancement ») against DITP's published `indic_ta`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.package_data import package_path
from core.progress import progress_rate

DITP_DIR = package_path("etl", "reference") / "ditp"
DITP_FILES = ("ind-583.csv", "ind-587.csv", "ind-734.csv")
# DITP publishes `indic_ta` rounded to two decimals: half a unit of the last digit (and a
# hair for the float error of a half rounded up, 34.375 → 34.38).
DITP_ROUNDING = 0.005 + 1e-9


@dataclass(frozen=True)
class PublishedRate:
    """One row that carries `indic_ta`, with its zone's own baseline and target."""

    file: str
    zone: str
    level: str
    date: str
    initial: float
    current: float
    target: float
    published: float


def _number(cell: str) -> float | None:
    return float(cell) if cell.strip() else None


def published_rates(path: Path) -> list[PublishedRate]:
    """Every row with `indic_ta`; a zone's `indic_vi` and `indic_vc` sit on rows of their own."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    initial: dict[str, float] = {}
    target: dict[str, float] = {}
    for row in rows:
        zone = row["enforce_zone_id"]
        for column, found in (("indic_vi", initial), ("indic_vc", target)):
            value = _number(row[column])
            if value is not None:
                # one baseline and one target per zone in the pinned commit
                assert zone not in found, f"{path.name} : {column} en double pour {zone}"
                found[zone] = value
    rates = []
    for row in rows:
        published = _number(row["indic_ta"])
        if published is None:
            continue
        zone = row["enforce_zone_id"]
        current = _number(row["indic_va"])
        assert current is not None, f"{path.name} : {zone} a un taux sans valeur actuelle"
        rates.append(
            PublishedRate(
                file=path.name,
                zone=zone,
                level=row["maille"],
                date=row["metric_enforce_date"],
                initial=initial[zone],
                current=current,
                target=target[zone],
                published=published,
            )
        )
    return rates


ALL_RATES = [rate for name in DITP_FILES for rate in published_rates(DITP_DIR / name)]


class TestDitpPublishedRates:
    def test_the_snapshot_holds_the_expected_rows(self) -> None:
        # Given the vendored Baromètre files of commit c469c68
        # When every row carrying `indic_ta` is read
        by_file = {name: [r for r in ALL_RATES if r.file == name] for name in DITP_FILES}
        # Then IND-583 has its national rate, IND-587 France and 100 départements (no Mayotte),
        # IND-734 France, its 18 régions and 101 départements
        assert len(by_file["ind-583.csv"]) == 1
        assert len(by_file["ind-587.csv"]) == 101
        assert len(by_file["ind-734.csv"]) == 120
        assert {r.level for r in ALL_RATES} == {"NAT", "REG", "DEPT"}

    @pytest.mark.parametrize(
        "rate", ALL_RATES, ids=[f"{r.file}-{r.zone}-{r.date}" for r in ALL_RATES]
    )
    def test_every_published_rate_is_reproduced(self, rate: PublishedRate) -> None:
        # Given a row's current value and its zone's own initial and target values
        # When the progress rate is computed from the baseline (the Baromètre's indicators rise)
        computed = progress_rate(
            current=rate.current,
            target=rate.target,
            baseline=rate.initial,
            direction="higher_is_better",
        )
        # Then it is DITP's published `indic_ta`, to its two-decimal rounding
        assert computed == pytest.approx(rate.published, abs=DITP_ROUNDING)

    @pytest.mark.parametrize(
        ("zone", "file", "expected"),
        [
            ("FRANCE", "ind-583.csv", 19.21),
            ("FRANCE", "ind-587.csv", 92.19),
            ("D64", "ind-587.csv", 0.0),
        ],
    )
    def test_the_rates_quoted_in_the_issue(self, zone: str, file: str, expected: float) -> None:
        # Given IND-583 (19,3 − 12) ÷ (50 − 12), IND-587 France (95 − 36) ÷ (100 − 36)
        # and D64, whose baseline 66 is its current value
        rate = next(r for r in ALL_RATES if r.file == file and r.zone == zone)
        # When computed; Then the published rate
        computed = progress_rate(
            current=rate.current, target=rate.target, baseline=rate.initial,
            direction="higher_is_better",
        )  # fmt: skip
        assert rate.published == expected
        assert computed == pytest.approx(expected, abs=DITP_ROUNDING)

    def test_a_zone_past_its_target_is_published_at_100(self) -> None:
        # Given the IND-734 zones whose current value meets their target, some set below
        # their baseline (D05: from 49 to 43, now 66) or passed far beyond (D04: 59 for 51)
        met = [r for r in ALL_RATES if r.current >= r.target and r.initial != r.target]
        # When their rate is computed; Then it is 100, as published, not the formula's value
        assert {(r.zone, r.published) for r in met if r.zone in ("D04", "D05")} == {
            ("D04", 100.0),
            ("D05", 100.0),
        }
        assert {r.published for r in met} == {100.0}
        assert {
            progress_rate(
                current=r.current,
                target=r.target,
                baseline=r.initial,
                direction="higher_is_better",
            )
            for r in met
        } == {100.0}

    def test_current_over_target_would_not_reproduce_them(self) -> None:
        # Given the same rows
        # When the rate ignores the baseline (current ÷ target)
        def share(r: PublishedRate) -> float | None:
            return progress_rate(
                current=r.current, target=r.target, baseline=None, direction="higher_is_better"
            )

        missed = {
            (r.file, r.zone)
            for r in ALL_RATES
            if share(r) != pytest.approx(r.published, abs=DITP_ROUNDING)
        }
        # Then the national rates of both indicators and D64 are missed
        assert missed >= {
            ("ind-583.csv", "FRANCE"),
            ("ind-587.csv", "FRANCE"),
            ("ind-587.csv", "D64"),
        }


class TestProgressRate:
    def test_with_a_baseline_it_runs_from_the_baseline_to_the_target(self) -> None:
        assert progress_rate(
            current=12.0, target=50.0, baseline=12.0, direction="higher_is_better"
        ) == pytest.approx(0.0)
        assert progress_rate(
            current=50.0, target=50.0, baseline=12.0, direction="higher_is_better"
        ) == pytest.approx(100.0)

    def test_with_a_baseline_it_is_not_clamped(self) -> None:
        # Given a value under its baseline (IND-583 fell to 9,2 in August 2023)
        rate = progress_rate(current=9.2, target=50.0, baseline=12.0, direction="higher_is_better")
        # Then the rate is negative, not hidden at 0
        assert rate == pytest.approx(-7.368, abs=1e-3)

    def test_with_a_baseline_a_lower_is_better_target_is_measured_too(self) -> None:
        # Given a delay to bring down from 40 to 10 days, now 25
        rate = progress_rate(current=25.0, target=10.0, baseline=40.0, direction="lower_is_better")
        # Then half the way is done
        assert rate == pytest.approx(50.0)

    def test_a_baseline_equal_to_the_target_gives_100_once_met(self) -> None:
        # Given a département already at its target of 100 % at the baseline
        met = progress_rate(
            current=100.0, target=100.0, baseline=100.0, direction="higher_is_better"
        )
        fell = progress_rate(
            current=90.0, target=100.0, baseline=100.0, direction="higher_is_better"
        )
        # Then 100 while it stays there, and no rate once it falls under
        assert (met, fell) == (100.0, None)

    def test_without_a_baseline_it_is_a_share_of_a_rising_target(self) -> None:
        rate = progress_rate(current=19.3, target=50.0, baseline=None, direction="higher_is_better")
        assert rate == pytest.approx(38.6)

    def test_without_a_baseline_a_lower_is_better_target_has_none(self) -> None:
        assert (
            progress_rate(current=5.0, target=10.0, baseline=None, direction="lower_is_better")
            is None
        )

    def test_without_a_baseline_a_zero_target_has_none(self) -> None:
        assert (
            progress_rate(current=5.0, target=0.0, baseline=None, direction="higher_is_better")
            is None
        )
