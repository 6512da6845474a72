"""End-to-end: the three journeys of the dashboard's readers, each driven as the reader
would (clicks, the keyboard in the search box) and ending on the answer, checked against
the database through the dashboard's own functions.

- the delegation: which national targets are late, and for the SAS, which départements;
- an ARS of Bretagne: which of its départements lag per 100 000 inhabitants, through the
  indicator page that keeps Bretagne selected and compares it with France, back to the
  fiche's départements table;
- a journalist: a département's figure as an XLSX cell equal to the number on screen, and
  a link that restores the view.

The server reads a database of its own: the demo data and the DITP sources of the vendored
snapshot (the SAS coverage with a target per département), so that the other e2e tests keep
their demo-only database.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import expect

from core import geography
from core.catalog import load_catalog
from core.vocabulary import Level
from dashboard import fiches, measure, queries, targets, views
from dashboard.cache import MemoryCache
from dashboard.components.share import COPIED, COPY_BUTTON_ID, PERMALINK_ID
from tests.e2e.conftest import reader_context, serve

DITP_SOURCES = ("ditp-mes-activation", "ditp-sas-population", "ditp-aidants-numeriques")
SAS = "sas_couverture_population"
REGION, REGION_NAME = "53", "Bretagne"
DEPARTMENT, DEPARTMENT_NAME = "29", "Finistère"
PEOPLE = "mes_profils_crees"  # « how many people in my département »
RENDERED = "#react-entry-point #contenu h1"
WAIT = 30_000


@pytest.fixture(scope="session")
def live_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """This module's own database (demo and DITP), not the one of the other e2e tests."""
    return f"sqlite:///{tmp_path_factory.mktemp('e2e-journeys') / 'journeys.sqlite'}"


@pytest.fixture(scope="session")
def live_url(tmp_path_factory: pytest.TempPathFactory, live_database_url: str) -> Iterator[str]:
    yield from serve(
        tmp_path_factory,
        live_database_url,
        ["init"],
        ["demo", "--until", "2025-12"],
        ["run", *DITP_SOURCES],
    )


@pytest.fixture(scope="session")
def reads(live_url: str, live_database_url: str) -> queries.Queries:
    """The database the server reads, read by the dashboard's own functions."""
    engine = queries.make_engine(live_database_url)
    return queries.Queries(engine, cache=MemoryCache(), catalog=load_catalog())


def words(text: str | None) -> str:
    """Text as read: every run of spaces (narrow and non-breaking included) as one space."""
    return re.sub(r"\s+", " ", (text or "").replace("\u202f", " ").replace("\xa0", " ")).strip()


def french_number(text: str) -> float:
    """« 947 919 », « 31,8 % » → 947919.0, 31.8."""
    found = re.search(r"-?\d[\d\s\u202f\xa0]*(?:,\d+)?", text)
    assert found, f"pas de nombre dans « {text} »"
    return float(re.sub(r"[\s\u202f\xa0]", "", found.group(0)).replace(",", "."))


def table_rows(page: Any, selector: str) -> list[dict[str, str]]:
    """A table as its reader sees it: one dict per row, keyed by column header."""
    head = [words(t) for t in page.locator(f"{selector} thead th").all_text_contents()]
    rows = []
    for row in page.locator(f"{selector} tbody tr").all():
        cells = [words(t) for t in row.locator("th, td").all_text_contents()]
        rows.append(dict(zip(head, cells, strict=True)))
    return rows


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(RENDERED, timeout=WAIT)


def heading(page: Any) -> str:
    return words(page.locator("#contenu h1").text_content())


class TestDelegation:
    """« Which targets are late, and where? »"""

    def test_from_the_home_counter_to_the_late_targets_and_the_departements_behind(
        self, page: Any, live_url: str, reads: queries.Queries
    ) -> None:
        # Given the national targets and their statuses, computed from the database today
        rows = views.target_rows(reads, today=dt.date.today())
        sas = next(r for r in rows if r.indicator.id == SAS)
        status = sas.assessment.status
        assert status in targets.BEHIND, "le scénario suppose le SAS en retard"
        late = views.with_status(rows, status)
        behind = sorted(
            (t for t in sas.territories if t.is_behind), key=lambda t: geography.sort_key(t.code)
        )
        assert behind, "le scénario suppose des départements en retard"
        # When the delegation clicks the counter of that status on the home page
        open_page(page, live_url + "/")
        counters = page.locator("section[aria-label='Synthèse des objectifs']")
        counters.get_by_role("link", name=status.label, exact=True).click()
        page.wait_for_url(f"**statut={status.slug}**", timeout=WAIT)
        page.wait_for_selector("#tableau-objectifs tbody tr", timeout=WAIT)
        # Then the table lists exactly the targets of that status, each saying so
        shown = table_rows(page, "#tableau-objectifs")
        assert sorted(r["Indicateur"] for r in shown) == sorted(
            r.indicator.short_label for r in late
        )
        assert {r["Statut"] for r in shown} == {status.label}
        # And for the SAS, where: the départements behind, by name, as the database says
        remark = next(r for r in shown if r["Indicateur"] == sas.indicator.short_label)["Remarque"]
        listed = re.search(r"dans (\d+) départements : (.+?)(?: et (\d+) autres?)?\.", remark)
        assert listed, remark
        names = listed.group(2).split(", ")
        assert int(listed.group(1)) == len(behind)
        assert names == [t.name for t in behind[: views.TERRITORIES_SHOWN]]
        assert int(listed.group(3) or 0) == len(behind) - len(names)
        # And the map of the départements, one click away, says the same
        page.get_by_role("link", name="Voir la carte des départements").click()
        page.wait_for_selector("#cibles-territoriales", timeout=WAIT)
        assert f"/indicateurs/{SAS}" in page.url and "niveau=departements" in page.url
        note = words(page.locator("#cibles-territoriales").text_content())
        assert f"dans {len(behind)} départements : {', '.join(names)}" in note


class TestRegionalAgency:
    """« How is Bretagne doing against France, and which of its départements lag, per
    100 000 inhabitants? »"""

    def test_from_the_regions_index_to_the_lagging_departements_per_100_000_inhabitants(
        self, page: Any, live_url: str, reads: queries.Queries
    ) -> None:
        # Given a count (profiles created) for Bretagne's départements, compared per
        # 100 000 inhabitants: each value divided by its population, as measure.py does
        ind = reads.catalog.get(PEOPLE)
        assert measure.applies(ind, Level.department), "le scénario suppose un nombre"
        table = fiches.region_departments(reads, region_code=REGION, indicator=ind)
        per_100k = {
            str(r.name): round(
                measure.per_capita(
                    r.value, geography.get_area(Level.department, r.code).population
                ),
                measure.PER_CAPITA_DECIMALS,
            )
            for r in table.itertuples(index=False)
        }
        assert len(per_100k) == len(geography.departments_of(REGION))
        lowest = min(per_100k.values())
        expected = sorted(
            f"{n} ({c})"
            for c, n in zip(table["code"], table["name"], strict=True)
            if per_100k[str(n)] == lowest
        )
        france = measure.per_capita(
            table["france_value"].iloc[0],
            geography.get_area(Level.national, geography.NATIONAL_CODE).population,
        )
        region = measure.per_capita(
            table["region_value"].iloc[0], geography.get_area(Level.region, REGION).population
        )
        # When the ARS goes from the régions' index to its fiche
        open_page(page, live_url + "/regions")
        page.get_by_role("link", name=f"{REGION_NAME} ({REGION})", exact=True).click()
        expect(page.locator("#contenu h1")).to_have_text(REGION_NAME, timeout=WAIT)
        # And chooses the indicator of its départements table
        chooser = page.locator("nav[aria-label='Indicateur affiché pour les départements']")
        chooser.get_by_role("link", name=ind.short_label, exact=True).click()
        caption = f"{ind.short_label} : départements de la région"
        page.locator("#tableau-departements caption", has_text=caption).wait_for(timeout=WAIT)
        # And opens its map of the départements: Bretagne stays selected, its départements
        # listed per 100 000 inhabitants, compared with France over time
        page.get_by_role("link", name=f"{ind.short_label} : voir la carte des départements").click()
        page.wait_for_selector("#valeurs-territoire", timeout=WAIT)
        assert f"territoire=region-{REGION}" in page.url
        assert "niveau=departements" in page.url
        listed = [words(t) for t in page.locator("#valeurs-territoire li").all_text_contents()]
        assert len(listed) == len(per_100k)
        for line in listed:
            name, rest = line.split(" : ", 1)
            assert "pour 100 000 habitants" in rest
            assert french_number(rest) == per_100k[name]
        comparison = page.locator("section", has=page.locator("h2", has_text="comparée"))
        words_there = words(comparison.text_content())
        assert "à la France, pour 100 000 habitants" in words_there
        assert "de la France et de la Bretagne, pour 100 000 habitants" in words_there
        # When the ARS goes back to the fiche and chooses the indicator again
        page.locator("#lien-fiche-territoire").click()
        expect(page.locator("#contenu h1")).to_have_text(REGION_NAME, timeout=WAIT)
        chooser = page.locator("nav[aria-label='Indicateur affiché pour les départements']")
        chooser.get_by_role("link", name=ind.short_label, exact=True).click()
        page.locator("#tableau-departements caption", has_text=caption).wait_for(timeout=WAIT)
        # Then the table says it compares per 100 000 inhabitants
        assert "pour 100 000 habitants" in words(
            page.locator("#tableau-departements caption").text_content()
        )
        rows = table_rows(page, "#tableau-departements")
        assert len(rows) == len(per_100k)
        count = len(rows)
        # each département per 100 000 inhabitants, as measure.py computes it, the total
        # beside, and France and the région per 100 000 inhabitants for reference
        for r in rows:
            name = r["Département"].rsplit(" (", 1)[0]
            assert french_number(r["Pour 100 000 hab."]) == per_100k[name]
            assert french_number(r["France"]) == round(france, measure.PER_CAPITA_DECIMALS)
            assert french_number(r["Région"]) == round(region, measure.PER_CAPITA_DECIMALS)
        by_name = dict(zip(table["name"], table["value"], strict=True))
        assert french_number(rows[0]["Total"]) == round(
            float(by_name[rows[0]["Département"].rsplit(" (", 1)[0]])
        )
        # And the lagging départements are identifiable: ranked last in the région, per
        # 100 000 inhabitants, the lowest values of the table
        last = [r for r in rows if r["Rang dans la région"].startswith(f"{count}/")]
        if not last:  # tied at the bottom: they share the better rank
            worst = max(int(r["Rang dans la région"].split("/")[0]) for r in rows)
            last = [r for r in rows if r["Rang dans la région"].startswith(f"{worst}/")]
        assert sorted(r["Département"] for r in last) == expected
        assert rows[-1]["Département"] in expected  # listed last
        assert all(french_number(r["Pour 100 000 hab."]) == lowest for r in last)
        # below the région per 100 000 inhabitants (the région's total is its départements',
        # so its value per inhabitant lies between theirs)
        assert all(french_number(r["Pour 100 000 hab."]) < french_number(r["Région"]) for r in last)


class TestJournalist:
    """« How many people in my département, as a spreadsheet, with a link to this view? »"""

    def test_from_the_header_search_to_a_numeric_xlsx_cell_and_a_link_that_restores_it(
        self, browser: Any, live_url: str, reads: queries.Queries, tmp_path: Path
    ) -> None:
        ind = reads.catalog.get(PEOPLE)
        context = reader_context(
            browser, viewport={"width": 1280, "height": 900}, locale="fr-FR", accept_downloads=True
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_url)
        try:
            page = context.new_page()
            # When the journalist types the département's name in the header search
            open_page(page, live_url + "/")
            field = page.locator("#recherche-entete")
            field.fill(DEPARTMENT_NAME)
            field.press("Enter")
            page.wait_for_url("**/recherche?q=**", timeout=WAIT)
            page.get_by_role("link", name=f"{DEPARTMENT_NAME} ({DEPARTMENT})").click()
            expect(page.locator("#contenu h1")).to_have_text(DEPARTMENT_NAME, timeout=WAIT)
            # Then the fiche gives the indicator's figure for the département
            page.wait_for_selector("#tableau-territoire tbody tr", timeout=WAIT)
            row = next(
                r
                for r in table_rows(page, "#tableau-territoire")
                if r["Indicateur"] == ind.short_label
            )
            on_fiche = french_number(row[DEPARTMENT_NAME])
            # When they open the indicator from the fiche
            fiche = page.locator("#tableau-territoire")
            fiche.get_by_role("link", name=ind.short_label, exact=True).click()
            page.wait_for_selector("#valeurs-territoire", timeout=WAIT)
            assert f"territoire=departement-{DEPARTMENT}" in page.url
            # and, wanting « how many », switch the map from per 100 000 inhabitants to totals
            page.get_by_role("link", name="Totaux", exact=True).click()
            page.wait_for_url("**par_habitant=non**", timeout=WAIT)
            expect(page.locator('#choix-par-habitant a[aria-current="true"]')).to_have_text(
                "Totaux", timeout=WAIT
            )
            shown_line = words(page.locator("#valeurs-territoire li").first.text_content())
            assert shown_line.startswith(f"{DEPARTMENT_NAME} :")
            on_screen = french_number(shown_line.split(":", 1)[1])
            assert on_screen == on_fiche
            title = heading(page)
            # And download the map's figures as XLSX
            with page.expect_download() as download:
                page.locator("a[href*='/carte.xlsx']").click()
            file = tmp_path / download.value.suggested_filename
            download.value.save_as(file)
            # Then the département's cell is a number, equal to the one on screen
            sheet = openpyxl.load_workbook(file).worksheets[0]
            header = [c.value for c in sheet[1]]
            code_col, value_col = header.index("Code territoire"), header.index("Valeur")
            cells = [r for r in sheet.iter_rows(min_row=2) if r[code_col].value == DEPARTMENT]
            assert len(cells) == 1
            cell = cells[0][value_col]
            assert cell.data_type == "n" and isinstance(cell.value, int | float)
            assert round(float(cell.value), ind.decimals) == on_screen
            level = Level.department.value
            assert cells[0][header.index("Code niveau")].value == level
            # When they copy the link of the view (or take the permalink shown beside the
            # button) and open it in a new page
            page.locator(f"#{COPY_BUTTON_ID}").click()
            expect(page.locator("#tdb-annonce")).to_have_text(COPIED, timeout=5_000)
            copied = page.evaluate("navigator.clipboard.readText()")
            assert copied == page.url
            permalink = words(page.locator(f"#{PERMALINK_ID}").text_content())
            for link in (copied, permalink):
                again = context.new_page()
                open_page(again, link)
                again.wait_for_selector("#valeurs-territoire", timeout=WAIT)
                # Then the same view is restored: same heading, same figure
                assert heading(again) == title, link
                restored = words(again.locator("#valeurs-territoire li").first.text_content())
                assert restored == shown_line, link
                again.close()
        finally:
            context.close()
