"""What each row of the change history means to a reader (dashboard.changes), and how an
update is summed up: new periods, revisions (before → after), withdrawn values."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.catalog import Catalog
from dashboard.changes import NEW, OTHER, REVISED, WITHDRAWN, classify, summarise
from dashboard.queries import CHANGE_COLUMNS, CHANGE_RUN_COLUMNS, change_frame

IND = "mssante_messages_mois"
WHEN = dt.datetime(2026, 3, 12, 8, 0, tzinfo=dt.UTC)


def change(
    kind: str,
    period: str,
    value: float | None,
    *,
    before: float | None = None,
    before_origin: str | None = None,
    run: int = 2,
    level: str = "national",
    code: str = "FR",
    name: str = "France",
    indicator: str = IND,
) -> list[object]:
    return [run, WHEN, kind, indicator, level, code, name, pd.Timestamp(period), "_total",
            "source", value, before, before_origin]  # fmt: skip


def frame(*rows: list[object]) -> pd.DataFrame:
    return change_frame(pd.DataFrame(list(rows), columns=CHANGE_COLUMNS))


def runs(*ids: int) -> pd.DataFrame:
    return pd.DataFrame(
        [[i, "mssante-messages", "connector", "https://example.org/f.csv", WHEN, i == 1]
         for i in ids],
        columns=CHANGE_RUN_COLUMNS,
    )  # fmt: skip


class TestClassify:
    @pytest.mark.parametrize(
        ("row", "fate"),
        [
            (change("insert", "2025-03-01", 5.0), NEW),
            (change("update", "2025-01-01", 6.0, before=5.0, before_origin="source"), REVISED),
            (change("update", "2025-01-01", 5.0, before=5.0, before_origin="source"), OTHER),
            (change("update", "2025-01-01", 6.0, before=5.0, before_origin="demo"), NEW),
            (change("update", "2025-01-01", None, before=None, before_origin="source"), OTHER),
            (change("update", "2025-01-01", None, before=5.0, before_origin="source"), REVISED),
            (change("delete", "2025-01-01", None, before=5.0, before_origin="source"), WITHDRAWN),
        ],
        ids=["insert", "revised", "same-value", "real-replaces-demo", "masked-both",
             "now-masked", "delete"],
    )  # fmt: skip
    def test_each_kind_of_row(self, row: list[object], fate: str) -> None:
        assert classify(frame(row).iloc[0]) == fate


class TestSummarise:
    def test_an_update_counts_new_periods_revisions_and_withdrawals(self, catalog: Catalog) -> None:
        # Given an update adding March (France and Bretagne), revising January, removing a row
        found = frame(
            change("insert", "2025-03-01", 14.0),
            change("insert", "2025-03-01", 1.0, level="region", code="53", name="Bretagne"),
            change("update", "2025-01-01", 12.5, before=12.0, before_origin="source"),
            change("delete", "2024-12-01", None, before=11.0, before_origin="source"),
        )
        # When it is summed up
        (update,) = summarise(runs(2), found, catalog=catalog)
        (news,) = update.indicators
        # Then March is one new period, January one revision, and one value is withdrawn
        assert news.new_periods == (dt.date(2025, 3, 1),)
        assert news.new_values == 2
        assert [(r.where, r.before, r.after) for r in news.revisions] == [("France", 12.0, 12.5)]
        assert news.counts() == "1 nouvelle période, 1 valeur révisée, 1 valeur retirée"
        assert news.new_periods_text() == "mars 2025"

    def test_an_update_that_only_restated_sources_says_so(self, catalog: Catalog) -> None:
        found = frame(change("update", "2025-01-01", 5.0, before=5.0, before_origin="source"))
        (update,) = summarise(runs(2), found, catalog=catalog)
        assert update.indicators[0].counts() == "1 précision de source"

    def test_runs_keep_their_order_and_those_left_empty_are_dropped(self, catalog: Catalog) -> None:
        # Given three runs, the middle one with nothing the reader may see
        found = frame(
            change("insert", "2025-03-01", 1.0, run=3), change("insert", "2025-01-01", 1.0, run=1)
        )
        # When summed up / Then the latest comes first and the empty one is gone
        assert [u.run_id for u in summarise(runs(3, 2, 1), found, catalog=catalog)] == [3, 1]

    def test_a_revision_is_formatted_in_the_indicator_unit(self, catalog: Catalog) -> None:
        found = frame(change("update", "2025-01-01", 1_250_000.0, before=1_200_000.0,
                             before_origin="source"))  # fmt: skip
        (update,) = summarise(runs(2), found, catalog=catalog)
        news = update.indicators[0]
        assert news.value_text(news.revisions[0].after) == "1\u202f250\u202f000"
        assert update.kind_label == "source ouverte"
