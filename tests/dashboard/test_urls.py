"""Routes, links and view parameters: one module, and no path literal anywhere else."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path
from typing import Any

import dash
import pytest

from dashboard import urls
from dashboard.app import create_app

ROOT = Path(__file__).resolve().parents[2]
PAGES_DIR = ROOT / "dashboard" / "pages"
# A quoted path: "/", "/objectifs", f"/regions/{code}", href="/dsfr/…" inside a longer string.
PATH_LITERAL = re.compile(r"""["'](/(?:[\w<{.-][^"'\s]*)?)["'?#]""")
# Not URLs: Plotly's fill pattern « / » (hatching of masked areas on the maps).
NOT_URLS = {("dashboard/figures/colour_scale.py", '"shape": "/"')}


def path_literals_in_python(source: str, *, name: str = "") -> list[str]:
    """Path literals in the strings of a module, docstrings left out (they may cite one)."""
    tree = ast.parse(source)
    docstrings = {
        node.body[0].value.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }
    lines = source.splitlines()
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.STRING or token.start[0] in docstrings:
            continue
        line = lines[token.start[0] - 1]
        if any(name == f and snippet in line for f, snippet in NOT_URLS):
            continue
        found += [f"ligne {token.start[0]} : {m}" for m in PATH_LITERAL.findall(token.string)]
    return found


def path_literals_in_script(source: str) -> list[str]:
    return [
        f"ligne {n} : {m}"
        for n, line in enumerate(source.splitlines(), 1)
        if not line.lstrip().startswith(("/*", "*", "//"))
        for m in PATH_LITERAL.findall(line)
    ]


class TestNoPathLiteralOutsideUrls:
    def test_dashboard_code_and_scripts_build_every_path_with_urls(self) -> None:
        # Given every module of dashboard/ but urls.py, and the browser scripts
        found = []
        for path in sorted((ROOT / "dashboard").rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if name == "dashboard/urls.py":
                continue
            source = path.read_text(encoding="utf-8")
            found += [f"{name}, {hit}" for hit in path_literals_in_python(source, name=name)]
        scripts = sorted((ROOT / "dashboard" / "assets").glob("*.js"))
        assert scripts, "no browser script found: has dashboard/assets moved?"
        for path in scripts:
            source = path.read_text(encoding="utf-8")
            found += [f"{path.name}, {hit}" for hit in path_literals_in_script(source)]
        # Then none writes a path itself
        assert found == []

    @pytest.mark.parametrize(
        "source",
        [
            'html.A("Accueil", href="/")',
            'LINK = f"/indicateurs/{ind.id}"',
            "x = '<link href=\"/dsfr/favicon.svg\">'",
            'base = "/donnees/objectifs/tableau"',
            'path = f"/{slug}/{code}?tri=echeance"',
        ],
    )
    def test_the_scan_catches_a_path_literal(self, source: str) -> None:
        assert path_literals_in_python(source) != []

    def test_the_scan_catches_a_path_in_a_script(self) -> None:
        assert path_literals_in_script('if (p.indexOf("/donnees/") === 0) {}') != []

    def test_the_scan_skips_docstrings_and_non_paths(self) -> None:
        source = '"""/objectifs: the targets."""\nx = "a/b"\ny = "</svg>"\nz = 1 / 2\n'
        assert path_literals_in_python(source) == []


class TestPagesTable:
    def test_every_page_module_has_one_line_in_the_table(self) -> None:
        modules = {p.stem for p in PAGES_DIR.glob("*.py") if not p.stem.startswith("_")}
        assert modules == {p.module for p in urls.PAGES} | set(urls.FORM_PAGES)

    def test_dash_registers_each_page_at_its_path(self) -> None:
        # Given the app (which registers the pages)
        create_app(database_url="sqlite://", redis_url="")
        registered = {
            e["module"].rsplit(".", 1)[-1]: e.get("path_template") or e["path"]
            for e in dash.page_registry.values()
        }
        # Then each page is where the table says
        assert registered == {p.module: p.path for p in urls.PAGES}

    def test_navigation_reads_the_table(self) -> None:
        # « Régions » and « Départements » open their index pages, not one area
        assert urls.navigation() == [
            ("/", "Vue nationale"),
            ("/objectifs", "Objectifs"),
            ("/indicateurs", "Indicateurs"),
            ("/regions", "Régions"),
            ("/departements", "Départements"),
            ("/quoi-de-neuf", "Quoi de neuf"),
            ("/donnees", "Données et API"),
            ("/a-propos", "À propos"),
        ]

    def test_warm_up_reads_the_table(self) -> None:
        assert urls.warm_paths(["a", "b"]) == [
            ("/", {}),
            ("/objectifs", {}),
            ("/indicateurs", {}),
            ("/regions", {}),
            ("/departements", {}),
            ("/indicateurs/<indicator_id>", {"indicator_id": "a"}),
            ("/indicateurs/<indicator_id>", {"indicator_id": "b"}),
        ]

    @pytest.mark.parametrize(
        ("path", "query", "exists"),
        [
            ("/", {}, True),
            ("/a-propos/", {}, True),
            ("/indicateurs/a", {}, True),
            ("/indicateurs/b", {}, False),
            ("/indicateurs/a/serie", {}, False),
            ("/regions/choisir", {"code": "84"}, True),
            ("/regions/choisir", {}, False),
            ("/departements/2a", {}, True),
            ("/404", {}, False),
            ("/inconnue", {}, False),
            # a query parameter named like a path variable overrides it, as Dash does
            ("/indicateurs/b", {"indicator_id": "a"}, True),
            ("/indicateurs/a", {"indicator_id": "b"}, False),
            ("/regions/53", {"code": "zz"}, False),
            ("/regions/choisir", {"code": ["84", "zz"]}, False),  # the last one counts
            ("/regions/choisir", {"code": ["zz", "84"]}, True),
        ],
    )
    def test_page_exists(self, path: str, query: dict[str, object], exists: bool) -> None:
        assert urls.page_exists(path, query, indicator_ids={"a"}) is exists

    def test_layout_values_are_the_path_variables_dash_passes_to_the_layout(self) -> None:
        values = {"indicator_id": "a"}
        assert urls.layout_values(values, {}) == {"indicator_id": "a"}
        assert urls.layout_values(values, {"indicator_id": ["b", "c"], "reel": "oui"}) == {
            "indicator_id": "c"
        }

    def test_section_names_the_current_navigation_entry(self) -> None:
        assert urls.section("/regions/84") == "regions"
        assert urls.section("/") == ""


class TestLinks:
    def test_page_links(self) -> None:
        assert urls.indicator("x", {"niveau": "departements", "periode": None}) == (
            "/indicateurs/x?niveau=departements"
        )
        assert urls.area("department", "2A") == "/departements/2A"
        assert urls.area_chooser("region") == "/regions/choisir"
        assert urls.area_form_template("department") == "/departements/{code}"
        assert urls.about("sources") == "/a-propos#sources"
        assert urls.objectives({"tri": "statut"}) == "/objectifs?tri=statut"

    def test_download_bases_keep_their_old_addresses(self) -> None:
        assert urls.indicator_download("x", "serie") == "/donnees/indicateurs/x/serie"
        assert urls.area_download("region", "53") == "/donnees/regions/53"
        assert urls.objectives_download() == "/donnees/objectifs/tableau"

    def test_fill_query_puts_variables_in_the_path_and_the_rest_in_the_query(self) -> None:
        assert (
            urls.fill_query("/indicateurs/<indicator_id>", {"indicator_id": "x", "carte": "geo"})
            == "/indicateurs/x?carte=geo"
        )


class TestNormalise:
    def test_old_names_are_migrated(self) -> None:
        assert urls.normalise({"level": "departements", "period": "2025-03", "axis": "a1"}) == {
            "axe": "a1",
            "niveau": "departements",
            "periode": "2025-03",
        }

    def test_unknown_parameters_invalid_values_and_defaults_are_dropped(self) -> None:
        raw = {"foo": "bar", "carte": "tuiles", "niveau": "communes", "tri": "echeance"}
        assert urls.normalise(raw) == {}

    def test_compared_regions_are_canonical_unique_and_at_most_six(self) -> None:
        raw = {"comparer": ["53,53", "1", "99", "11", "24", "27", "28", "32", "44"]}
        assert urls.normalise(raw) == {"comparer": "53,01,11,24,27,28"}
        assert urls.values(urls.normalise(raw), "comparer")[:2] == ["53", "01"]

    def test_a_period_is_written_year_month(self) -> None:
        assert urls.normalise({"periode": "2025-03-01"}) == {"periode": "2025-03"}
        assert urls.normalise({"periode": "mars"}) == {}

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("region-53", "region-53"),
            ("region-1", "region-01"),
            ("departement-1", "departement-01"),
            ("departement-2a", "departement-2A"),
            ("01", None),
            ("region-99", None),
            ("departement-20", None),
            ("commune-01", None),
        ],
    )
    def test_a_territory_names_its_level(self, raw: str, expected: str | None) -> None:
        assert urls.normalise({"territoire": raw}).get("territoire") == expected

    def test_reel_is_oui_or_absent(self) -> None:
        assert urls.normalise({"reel": "1"}) == {"reel": "oui"}
        assert urls.normalise({"reel": "non"}) == {}

    @pytest.mark.parametrize("raw", ["non", "0", "NON", "false"])
    def test_par_habitant_is_on_by_default_and_only_non_is_kept(self, raw: str) -> None:
        # per 100 000 inhabitants is the default: « oui » is dropped, « non » kept
        assert urls.BY_NAME["par_habitant"].default == "oui"
        assert urls.normalise({"par_habitant": "oui"}) == {}
        assert urls.normalise({"par_habitant": "1"}) == {}
        assert urls.normalise({"par_habitant": raw}) == {"par_habitant": "non"}
        assert urls.per_capita({}) and not urls.per_capita({"par_habitant": "non"})

    def test_the_per_capita_switch_keeps_the_rest_of_the_view(self) -> None:
        state = urls.normalise({"niveau": "departements", "territoire": "region-53"})
        links = urls.per_capita_switch("indicator", state, indicator_id="ecps_actives")
        assert links == [
            (
                "Pour 100\u202f000 habitants",
                "/indicateurs/ecps_actives?niveau=departements&territoire=region-53",
                True,
            ),
            (
                "Totaux",
                "/indicateurs/ecps_actives?niveau=departements&territoire=region-53"
                "&par_habitant=non",
                False,
            ),
        ]

    def test_the_last_of_repeated_values_wins(self) -> None:
        assert urls.normalise({"carte": ["tuiles", "geo"]}) == {"carte": "geo"}

    def test_value_falls_back_to_the_default(self) -> None:
        assert urls.value({}, "niveau") == "regions"
        assert urls.value({}, "periode") is None

    def test_only_territory_and_switches_follow_the_reader(self) -> None:
        state = urls.normalise(
            {"territoire": "region-53", "reel": "oui", "carte": "geo", "par_habitant": "non"}
        )
        assert urls.kept(state) == {"par_habitant": "non", "reel": "oui", "territoire": "region-53"}

    def test_reel_oui_asks_for_real_data_only(self) -> None:
        assert urls.real_only(urls.normalise({"reel": "oui"}))
        assert not urls.real_only(urls.normalise({"reel": "non"}))
        assert not urls.real_only({})

    def test_the_real_switch_keeps_the_rest_of_the_view(self) -> None:
        # Given /objectifs sorted by status, on real data only
        state = urls.normalise({"tri": "statut", "reel": "oui"})
        # When its switch is built
        links = urls.real_switch("objectives", state)
        # Then each choice keeps the sort, and the current one is the real-only link
        assert links == [
            ("Toutes les données", "/objectifs?tri=statut", False),
            ("Données réelles seulement", "/objectifs?reel=oui&tri=statut", True),
        ]

    def test_the_real_switch_of_the_home_page_starts_on_all_data(self) -> None:
        assert urls.real_switch("home", {}) == [
            ("Toutes les données", "/", True),
            ("Données réelles seulement", "/?reel=oui", False),
        ]

    def test_sort_values_are_the_sorts_of_the_objectives_table(self) -> None:
        from dashboard import views

        assert set(urls.SORT_VALUES) == set(views.SORTS)

    def test_every_parameter_is_documented_in_the_readme(self) -> None:
        readme = (ROOT / "README.md").read_text(encoding="utf-8")
        missing = [p.name for p in urls.PARAMS if f"| `{p.name}` |" not in readme]
        assert missing == []


class TestCacheKeys:
    def test_unknown_parameters_add_no_cache_entry(self, db_url: str) -> None:
        # Given the app and a page whose content is counted when built
        from dashboard.pages._common import page

        app = create_app(database_url=db_url, redis_url="")
        built: list[dict[str, Any]] = []

        def build(params: dict[str, Any]) -> Any:
            return lambda q: built.append(params) or []

        with app.server.test_request_context("/objectifs"):
            # When the same view is asked with unknown, invalid or default parameters
            for params in ({}, {"utm_source": "x"}, {"tri": "echeance", "zz": "1"}, {"axe": "!"}):
                page(path="/test-cache", build=build(params), params=params)
            # Then it is built once; a real change of view builds it again
            assert len(built) == 1
            page(path="/test-cache", build=build({"tri": "statut"}), params={"tri": "statut"})
            assert len(built) == 2


class TestOldDownloadAddresses:
    def test_an_old_parameter_name_gives_the_same_file(self, db_url: str) -> None:
        client = create_app(database_url=db_url, redis_url="").server.test_client()
        base = "/donnees/indicateurs/mes_taux_activation/carte.csv"
        new = client.get(base + "?niveau=departements")
        old = client.get(base + "?level=departements")
        assert new.status_code == old.status_code == 200
        assert new.data == old.data
        assert b"Code" in new.data
