"""Every route, link and view parameter of the dashboard, in one place.

After datasette's `url_builder`: pages, downloads, health and front-end files are routed
and linked from here only (tests/dashboard/test_urls.py fails on a path literal anywhere
else). Adding a page = its module in pages/ + one line in PAGES: its registration, the
404 status, the header navigation and the cache warm-up read that table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from core import geography
from core.vocabulary import Level, TargetStatus

# -- pages ----------------------------------------------------------------------------------

HOME = "/"
AREA_CHOOSER = "choisir"  # /regions/choisir?code=84: the area chooser form without JavaScript


@dataclass(frozen=True)
class Page:
    """One page: its module in dashboard/pages, its Dash path (a template if it has
    `<variables>`), its header entry and whether start-up builds it ahead."""

    module: str
    path: str
    nav: str | None = None  # label in the header navigation
    nav_values: tuple[tuple[str, str], ...] = ()  # the example a template page's entry opens
    warm: bool = False  # built ahead at start-up (per indicator for the indicator page)

    @property
    def is_template(self) -> bool:
        return "<" in self.path

    def fill(self, **values: str) -> str:
        """The path with its `<variables>` replaced."""
        return re.sub(r"<(\w+)>", lambda m: values[m.group(1)], self.path)

    def match(self, path: str) -> dict[str, str] | None:
        parts = re.split(r"<(\w+)>", self.path)  # literal, name, literal…
        pattern = "".join(
            re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts)
        )
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found else None


def _area_page(level: Level, module: str) -> Page:
    return Page(module, f"/{level.slug}/<code>")


def _index_page(level: Level, module: str) -> Page:
    """/regions, /departements: every area of the level (tile map and list)."""
    return Page(module, f"/{level.slug}", nav=level.plural.capitalize(), warm=True)


PAGES: tuple[Page, ...] = (
    Page("home", HOME, nav="Vue nationale", warm=True),
    Page("objectives", "/objectifs", nav="Objectifs", warm=True),
    Page("indicator_index", "/indicateurs", nav="Indicateurs", warm=True),
    _index_page(Level.region, "region_index"),
    _index_page(Level.department, "department_index"),
    Page("whats_new", "/quoi-de-neuf", nav="Quoi de neuf"),
    Page("open_data", "/donnees", nav="Données et API"),
    Page("about", "/a-propos", nav="À propos"),
    Page("search", "/recherche"),
    _area_page(Level.region, "region"),
    _area_page(Level.department, "department"),
    Page("indicator", "/indicateurs/<indicator_id>", warm=True),
    Page("not_found_404", "/404"),
)
BY_MODULE = {p.module: p for p in PAGES}
AREA_PAGES = {Level.region: BY_MODULE["region"], Level.department: BY_MODULE["department"]}
INDEX_PAGES = {
    Level.region: BY_MODULE["region_index"],
    Level.department: BY_MODULE["department_index"],
}
# The pages whose index carries their HTML, painted before any script (dashboard/app.py):
# every page template, the 404 page included.
SERVER_RENDERED = tuple(p.path for p in PAGES)


def registration(module_name: str) -> dict[str, str]:
    """`path` or `path_template` for `dash.register_page`, from the page's module name."""
    page = BY_MODULE[module_name.rsplit(".", 1)[-1]]
    return {"path_template" if page.is_template else "path": page.path}


def navigation() -> list[tuple[str, str]]:
    """(href, label) of the header navigation, in table order."""
    return [(p.fill(**dict(p.nav_values)), p.nav) for p in PAGES if p.nav]


def section(path: str) -> str:
    """The first path segment, which says which navigation entry is current."""
    return path.strip("/").split("/", 1)[0]


def find(path: str) -> tuple[Page, dict[str, str]] | None:
    """The page a path names, with its variables; a trailing slash is ignored."""
    path = path.rstrip("/") or HOME
    for page in PAGES:
        values = page.match(path)
        if values is not None:
            return page, values
    return None


def page_exists(path: str, query: Mapping[str, object], *, indicator_ids: Collection[str]) -> bool:
    """Whether a path names a page that exists: the HTTP status of the Dash index.

    The layout shows the DSFR 404 page for the same paths; this only decides whether the
    response says 404 too (for crawlers, link checkers and monitoring).
    """
    found = find(path)
    if found is None or found[0].module == "not_found_404":
        return False
    page, values = found
    values = layout_values(values, query)
    if "indicator_id" in values:
        return values["indicator_id"] in indicator_ids
    level = next((lvl for lvl, p in AREA_PAGES.items() if p == page), None)
    if level is not None:  # the chooser (`/regions/choisir?code=84`) is such an override
        return valid_code(level, values["code"]) is not None
    return True


def layout_values(values: Mapping[str, str], query: Mapping[str, object]) -> dict[str, str]:
    """A page's path variables as its layout receives them: Dash lets a query parameter
    of the same name override one (`/regions/53?code=84` shows the fiche of 84), so the
    status, the title and the server's cached HTML must follow the override too. `query`
    holds lists for repeated parameters (`request.args.to_dict(flat=False)`)."""
    return {name: path_value(query[name]) if name in query else v for name, v in values.items()}


def path_value(value: object) -> str:
    """A path variable as a page's layout receives it: Dash lets the query override it
    (`/regions/53?code=a&code=b`), as a list when repeated. The last text counts, as in
    `normalise`."""
    items = value if isinstance(value, list | tuple) else [value]
    last = items[-1] if items else ""
    return last if isinstance(last, str) else ""


def warm_paths(indicator_ids: Collection[str]) -> list[tuple[str, dict[str, str]]]:
    """(Dash path, layout arguments) of the pages built ahead: each warm page, and each
    indicator's default view."""
    out: list[tuple[str, dict[str, str]]] = []
    for page in PAGES:
        if page.warm and page.is_template:
            out += [(page.path, {"indicator_id": i}) for i in indicator_ids]
        elif page.warm:
            out.append((page.path, {}))
    return out


def fill_query(path: str, values: Mapping[str, str]) -> str:
    """A Dash path with its `<variables>` filled from `values`, the rest as the query."""
    names = set(re.findall(r"<(\w+)>", path))
    filled = re.sub(r"<(\w+)>", lambda m: values.get(m.group(1), ""), path)
    return with_query(filled, {k: v for k, v in values.items() if k not in names})


AREA_CODE = re.compile(r"[0-9A-Za-z]{1,3}")  # what a code in an address may be, before lookup
SHOWN_LENGTH = 60


def valid_code(level: str, code: object) -> str | None:
    """The canonical code of an area of this level, or None.

    A code from an address is looked up only if it is 1 to 3 letters or digits: geography
    would forgive `29` followed by a line feed, which must reach no file name or header.
    """
    if not isinstance(code, str) or not AREA_CODE.fullmatch(code):
        return None
    try:
        return geography.get_area(level, code).code
    except (geography.GeographyError, KeyError):
        return None


# -- links ----------------------------------------------------------------------------------


def with_query(path: str, query: Mapping[str, object] | None = None) -> str:
    """`path?a=1&b=2`, empty values left out."""
    qs = urlencode({k: v for k, v in (query or {}).items() if v}, doseq=True)
    return f"{path}?{qs}" if qs else path


def objectives(query: Mapping[str, object] | None = None) -> str:
    return with_query(BY_MODULE["objectives"].path, query)


def real_only(state: Mapping[str, str]) -> bool:
    """Whether a normalised state asks for real data only (`reel=oui`)."""
    return value(state, "reel") == "oui"


REAL_SWITCH = (("Toutes les données", None), ("Données réelles seulement", "oui"))
"""The two choices of the `reel` switch: label, value of the parameter."""


def per_capita(state: Mapping[str, str]) -> bool:
    """Whether a normalised state compares counts per 100 000 inhabitants (the default;
    `par_habitant=non`: totals)."""
    return value(state, "par_habitant") != "non"


PER_CAPITA_SWITCH = (("Pour 100\u202f000 habitants", None), ("Totaux", "non"))
"""The two choices of the `par_habitant` switch: label, value of the parameter."""


def per_capita_switch(
    module: str, state: Mapping[str, str], **values: str
) -> list[tuple[str, str, bool]]:
    """The « Pour 100 000 habitants / Totaux » links of a page: (label, href, current), each
    keeping the rest of the view's state."""
    path = BY_MODULE[module].fill(**values)
    current = state.get("par_habitant")
    return [
        (label, with_query(path, {**state, "par_habitant": choice}), choice == current)
        for label, choice in PER_CAPITA_SWITCH
    ]


def real_switch(
    module: str, state: Mapping[str, str], **values: str
) -> list[tuple[str, str, bool]]:
    """The « Toutes les données / Données réelles seulement » links of a page: (label, href,
    current), each keeping the rest of the view's state (sort, axis, kept parameters);
    `values` fill a template page's path (`indicator_id=…`)."""
    path = BY_MODULE[module].fill(**values)
    current = value(state, "reel")
    return [
        (label, with_query(path, {**state, "reel": choice}), choice == current)
        for label, choice in REAL_SWITCH
    ]


EVENTS_SWITCH = (("Jalons affichés", None), ("Jalons masqués", "non"))
"""The two choices of the `evenements` switch: label, value of the parameter."""


def events_shown(state: Mapping[str, str]) -> bool:
    """Whether a normalised state draws the roadmap milestones (`evenements=non` hides them)."""
    return value(state, "evenements") != "non"


def events_switch(
    module: str, state: Mapping[str, str], **values: str
) -> list[tuple[str, str, bool]]:
    """The « Jalons affichés / masqués » links of a page with time charts: (label, href,
    current), each keeping the rest of the view's state."""
    path = BY_MODULE[module].fill(**values)
    current = value(state, "evenements")
    return [
        (label, with_query(path, {**state, "evenements": choice}), choice == current)
        for label, choice in EVENTS_SWITCH
    ]


def whats_new(query: Mapping[str, object] | None = None) -> str:
    """/quoi-de-neuf: what the last updates changed (`indicateur` filters, `page` pages)."""
    return with_query(BY_MODULE["whats_new"].path, query)


def indicators(query: Mapping[str, object] | None = None) -> str:
    """/indicateurs: the catalogue by axis (`axe`, `statut` filter it)."""
    return with_query(BY_MODULE["indicator_index"].path, query)


def area_index(level: str, query: Mapping[str, object] | None = None) -> str:
    """/regions or /departements: every area of the level."""
    return with_query(INDEX_PAGES[Level(level)].path, query)


def search(query: Mapping[str, object] | None = None) -> str:
    """/recherche?q=…: the action of the header's search form (a plain GET form)."""
    return with_query(BY_MODULE["search"].path, query)


def territory_param(level: str, code: str) -> str:
    """The `territoire` value of an area: `region-53`, `departement-29`."""
    return f"{Level(level).words.territory}-{code}"


def territory(state: Mapping[str, str]) -> tuple[Level, str] | None:
    """The (level, code) a normalised state's `territoire` names, or None."""
    text = state.get("territoire")
    if not text:
        return None
    prefix, _, code = text.partition("-")
    level = next((lvl for lvl in Level.territorial() if lvl.words.territory == prefix), None)
    return (level, code) if level else None


def about(anchor: str | None = None) -> str:
    path = BY_MODULE["about"].path
    return f"{path}#{anchor}" if anchor else path


def indicator(indicator_id: str, query: Mapping[str, object] | None = None) -> str:
    return with_query(BY_MODULE["indicator"].fill(indicator_id=indicator_id), query)


def area(level: str, code: str, query: Mapping[str, object] | None = None) -> str:
    return with_query(AREA_PAGES[Level(level)].fill(code=code), query)


def area_chooser(level: str) -> str:
    """The action of the area chooser form (works without JavaScript)."""
    return AREA_PAGES[Level(level)].fill(code=AREA_CHOOSER)


def area_form_template(level: str) -> str:
    """`/regions/{code}`: where url-forms.js puts the chosen code in the path."""
    return AREA_PAGES[Level(level)].fill(code="{code}")


# -- downloads ------------------------------------------------------------------------------

DOWNLOADS = "/donnees/"
INDICATOR_DOWNLOAD_ROUTE = DOWNLOADS + "indicateurs/<indicator_id>/<name>"
AREA_DOWNLOAD_ROUTE = DOWNLOADS + "<level_slug>/<name>"  # also /donnees/objectifs/tableau…
OBJECTIVES_SLUG, OBJECTIVES_TABLE = "objectifs", "tableau"
DEPARTMENTS_TABLE = str(Level.department.slug)  # the départements table of a fiche région
REGION_DEPARTMENTS_ROUTE = f"{DOWNLOADS}{Level.region.slug}/<code>/<name>"


def indicator_download(indicator_id: str, table: str) -> str:
    """Base of a download (the format's suffix is added by dashboard.downloads)."""
    return f"{DOWNLOADS}indicateurs/{indicator_id}/{table}"


def area_download(level: str, code: str) -> str:
    return f"{DOWNLOADS}{Level(level).slug}/{code}"


def region_departments_download(code: str) -> str:
    """/donnees/regions/53/departements: the fiche région's départements table (the
    indicator in `indicateur`, the format's suffix added by dashboard.downloads)."""
    return f"{DOWNLOADS}{Level.region.slug}/{code}/{DEPARTMENTS_TABLE}"


def objectives_download() -> str:
    return f"{DOWNLOADS}{OBJECTIVES_SLUG}/{OBJECTIVES_TABLE}"


EMBED_ANCHOR = "integrer"  # the section of /donnees that gives an embed's code


def open_data(query: Mapping[str, object] | None = None, anchor: str | None = None) -> str:
    """/donnees: « Données ouvertes et API » (what can be downloaded, and how)."""
    href = with_query(BY_MODULE["open_data"].path, query)
    return f"{href}#{anchor}" if anchor else href


# -- data by URL (Our World in Data): a view's permalink + `.csv` gives its rows -------------

VIEW_FILE_SUFFIXES = ("-fr.csv", ".csv", ".xlsx", ".json")  # `-fr.csv` before `.csv`
VIEW_FILE_PAGES = ("indicator", "region", "department", "objectives")
LAZY = "lazy"  # a path variable as short as possible, so `53-fr.csv` is 53 and `-fr.csv`


def view_file_route(module: str) -> str:
    """`/indicateurs/<lazy:indicator_id><any(…):suffix>`: the page's path and a suffix."""
    path = re.sub(r"<(\w+)>", rf"<{LAZY}:\1>", BY_MODULE[module].path)
    choices = ", ".join(f'"{s}"' for s in VIEW_FILE_SUFFIXES)
    return f"{path}<any({choices}):suffix>"


def view_file(href: str, suffix: str) -> str:
    """A view's link with the file suffix appended to its path, before the query:
    `/regions/53?reel=oui` → `/regions/53.csv?reel=oui`."""
    path, mark, query = href.partition("?")
    return f"{path}{suffix}{mark}{query}"


def site_origin(host_url: str) -> str:
    """`https://host/` → `https://host`: the start of an absolute link (a request's
    `host_url`), to which a path of this module is appended."""
    return host_url.rstrip("/")


# -- embedding (iframes on other sites) -----------------------------------------------------

EMBED = "/embed"  # the only addresses other sites may frame (dashboard/security.py)
EMBED_INDICATOR_ROUTE = EMBED + BY_MODULE["indicator"].path


def embed_indicator(indicator_id: str, query: Mapping[str, object] | None = None) -> str:
    """/embed/indicateurs/<id>?…: the chart of an indicator view alone, for an iframe."""
    return with_query(EMBED + BY_MODULE["indicator"].fill(indicator_id=indicator_id), query)


def may_be_framed(path: str) -> bool:
    """Whether another site may show this address in a frame: the embeds only."""
    return path.startswith(EMBED + "/")


# -- front-end files and service routes -----------------------------------------------------

DSFR = "/dsfr/"
DSFR_ROUTE = DSFR + "<path:name>"
PLOTLY_JS = "/vendor/plotly-basic.min.js"
STATIC = "/static-tdb/"
STATIC_ROUTE = STATIC + "<path:name>"
HEALTH = "/sante"
HEALTHZ = "/healthz"  # process up (no database)
READYZ = "/readyz"  # database reachable, data version, freshness
DASH_CATCH_ALL = "/<path:path>"  # the endpoint of Dash's route for every page path but "/"


def dsfr(name: str) -> str:
    return DSFR + name


def static_file(name: str) -> str:
    return STATIC + name


# -- sign-in --------------------------------------------------------------------------------

SIGN_IN = "/connexion"
SIGN_OUT = "/deconnexion"
PROCONNECT_START = SIGN_IN + "/proconnect"
PROCONNECT_CALLBACK = SIGN_IN + "/proconnect/retour"  # PROCONNECT_REDIRECT_URL ends with it
PROCONNECT_SIGNED_OUT = SIGN_OUT + "/proconnect/retour"  # post_logout_redirect_uri
NEXT_PARAM = "suite"  # where to go after signing in: a path of this site only


def safe_next(value: object) -> str:
    """A path of this site to go to after signing in, else the home page: never another
    site (`//host`, `/\\host`, `https://…`), never a control character."""
    if (
        not isinstance(value, str)
        or not value.startswith("/")
        or value.startswith(("//", "/\\"))
        or any(ord(c) < 32 or c == "\\" for c in value)
        or len(value) > 512
    ):
        return HOME
    return value


def oidc_discovery(issuer: str) -> str:
    """The OpenID Connect discovery document of an issuer (RFC 8414 placement)."""
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def sign_in(next_path: str | None = None) -> str:
    """The sign-in page; `next_path` (kept only if it is a path of this site) afterwards."""
    target = safe_next(next_path) if next_path else HOME
    return with_query(SIGN_IN, {NEXT_PARAM: target if target != HOME else None})


# -- open API (dashboard/api) -----------------------------------------------------------------

API_ROOT = "/api/"  # rate limited, CORS open for anonymous GET
API = "/api/v1"
API_ANY = API_ROOT + "<path:rest>"  # an unknown API address: a 404 problem, never a page
API_INDICATORS = API + "/indicators"
API_INDICATOR = API_INDICATORS + "/<indicator_id>"
API_OBSERVATIONS = API_INDICATOR + "/observations"
API_AREAS = API + "/areas"
API_TARGETS = API + "/targets"
API_CHANGES = API + "/changes"
API_OPENAPI = API + "/openapi.json"
API_EXPORT_CSV = API + "/exports/observations.csv"
API_EXPORT_PARQUET = API + "/exports/observations.parquet"
FEED = "/flux.atom"  # Atom feed of the change history


def openapi_path(route: str) -> str:
    """`/api/v1/indicators/<indicator_id>` → `/api/v1/indicators/{indicator_id}` (OpenAPI)."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def api_indicator(indicator_id: str) -> str:
    return API_INDICATOR.replace("<indicator_id>", quote(indicator_id, safe=""))


def api_observations(indicator_id: str, query: Mapping[str, object] | None = None) -> str:
    path = API_OBSERVATIONS.replace("<indicator_id>", quote(indicator_id, safe=""))
    return with_query(path, query)


# -- deposit and administration (server-rendered forms, dashboard/pages/deposit.py and
# administration.py) ------------------------------------------------------------------------

DEPOSIT = "/depot"
DEPOSIT_TEMPLATE = DEPOSIT + "/modele"  # ?indicateur=ID&format=csv|xlsx
DEPOSIT_PREVIEW = DEPOSIT + "/apercu"  # ?jeton=TOKEN
DEPOSIT_CONFIRM = DEPOSIT + "/confirmer"
DEPOSIT_CANCEL = DEPOSIT + "/annuler"
ADMIN = "/admin"
ADMIN_AUDIT_CSV = ADMIN + "/journal.csv"
ADMIN_DISABLE = ADMIN + "/comptes/desactiver"
ADMIN_WITHDRAW = ADMIN + "/depots/retirer"
ADMIN_RESTORE = ADMIN + "/depots/restaurer"
TOKEN_PARAM, INDICATOR_PARAM, FORMAT_PARAM, PAGE_PARAM = "jeton", "indicateur", "format", "page"
# modules of dashboard/pages that are forms rendered on the server (Flask routes, not Dash)
FORM_PAGES = ("deposit", "administration")


def deposit_template(indicator_id: str, fmt: str) -> str:
    return with_query(DEPOSIT_TEMPLATE, {INDICATOR_PARAM: indicator_id, FORMAT_PARAM: fmt})


def deposit_preview(token: str) -> str:
    return with_query(DEPOSIT_PREVIEW, {TOKEN_PARAM: token})


def admin(page: int = 1) -> str:
    return with_query(ADMIN, {PAGE_PARAM: page if page > 1 else None})


# Not Dash pages (files, the API and its feed, embeds, pages the server writes): links to
# them leave the page instead of navigating inside it (dashboard/assets/url-forms.js).
FILE_PREFIXES = (
    DOWNLOADS, DSFR, STATIC, "/vendor/", API_ROOT, FEED, EMBED + "/",
    SIGN_IN, SIGN_OUT, DEPOSIT, ADMIN,
)  # fmt: skip


# -- view parameters ------------------------------------------------------------------------

MAX_COMPARED = 6


@dataclass(frozen=True)
class Param:
    """One view parameter: `normalise` turns a raw value into its canonical text, or None
    (then the parameter is dropped: an invalid value means the default)."""

    name: str
    allowed: str  # the allowed values, in words (for the README and error pages)
    default: str | None
    kept: bool  # carried over when the reader moves to another page
    old_names: tuple[str, ...]
    normalise: Callable[[str], str | None]
    many: bool = False  # comma-separated or repeated values


def _choice(*values: str) -> Callable[[str], str | None]:
    return lambda text: text if text in values else None


def _identifier(text: str) -> str | None:
    return text if re.fullmatch(r"[a-z][a-z0-9_]{0,63}", text) else None


def _period(text: str) -> str | None:
    day = parse_period(text)
    return period_param(day) if day else None


def _yes(text: str) -> str | None:
    return "oui" if text.lower() in ("oui", "1", "true", "on") else None


def _yes_no(text: str) -> str | None:
    if text.lower() in ("non", "0", "false", "off"):
        return "non"
    return _yes(text)


def _territory(text: str) -> str | None:
    """`region-53`, `departement-01`: a bare `01` would be both Guadeloupe and Ain."""
    prefix, _, code = text.partition("-")
    level = next((lvl for lvl in Level.territorial() if lvl.words.territory == prefix), None)
    canonical = valid_code(level, code) if level else None
    return f"{prefix}-{canonical}" if canonical else None


def _compared(text: str) -> str | None:
    """A code of a région or a département: which one is compared depends on `niveau`."""
    return next(
        (c for c in (valid_code(lvl, text) for lvl in Level.territorial()) if c is not None),
        None,
    )


def _status(text: str) -> str | None:
    status = TargetStatus.from_slug(text)
    return status.slug if status else None


SEARCH_LENGTH = 80  # characters of a search kept: names of areas and indicators are shorter


def _search_text(text: str) -> str | None:
    """The searched words, control characters and repeated spaces removed."""
    words = "".join(ch if ch.isprintable() else " " for ch in text).split()
    return " ".join(words)[:SEARCH_LENGTH].strip() or None


MAX_PAGE = 1000


def _page_number(text: str) -> str | None:
    """A page of a list, 1 to MAX_PAGE (1, the default, is dropped)."""
    return text if re.fullmatch(r"[1-9][0-9]{0,3}", text) and int(text) <= MAX_PAGE else None


def _area_code(text: str) -> str | None:
    return text if re.fullmatch(r"[\w-]{1,12}", text) else None


LEVEL_VALUES = tuple(str(lvl.slug) for lvl in Level.territorial())
SORT_VALUES = ("indicateur", "echeance", "statut", "progression")
STATUS_VALUES = tuple(s.slug for s in TargetStatus)

PARAMS: tuple[Param, ...] = (
    Param("territoire", "region-<code> ou departement-<code>", None, True, (), _territory),
    Param(
        "par_habitant",
        "« oui » (nombres et montants pour 100 000 habitants sur les cartes, classements, "
        "rangs, évolutions et tableau des départements des fiches, et sur la comparaison dans "
        "le temps) ou « non » (totaux)",
        "oui",
        True,
        (),
        _yes_no,
    ),
    Param("reel", "« oui » (données réelles seulement, sans démonstration)", None, True, (), _yes),
    Param(
        "niveau",
        " ou ".join(LEVEL_VALUES),
        LEVEL_VALUES[0],
        False,
        ("level",),
        _choice(*LEVEL_VALUES),
    ),
    Param("periode", "AAAA-MM (dernière période par défaut)", None, False, ("period",), _period),
    Param(
        "comparer",
        f"codes de région, ou de département (niveau=departements), jusqu'à {MAX_COMPARED}",
        None,
        False,
        ("regions",),
        _compared,
        many=True,
    ),
    Param("carte", "tuiles ou geo", "tuiles", False, (), _choice("tuiles", "geo")),
    Param("axe", "un axe du catalogue", None, False, ("axis",), _identifier),
    Param("tri", " ou ".join(SORT_VALUES), "echeance", False, (), _choice(*SORT_VALUES)),
    Param("statut", " ou ".join(STATUS_VALUES), None, False, (), _status),
    Param("q", "mots cherchés : nom ou code", None, False, (), _search_text),
    Param("indicateur", "un indicateur du catalogue", None, False, (), _identifier),
    Param(
        "code", "un code de territoire (formulaire sans JavaScript)", None, False, (), _area_code
    ),
    Param(
        "evenements",
        "« non » (jalons de la feuille de route masqués sur les graphiques)",
        None,
        True,
        (),
        _choice("non"),
    ),
    Param(PAGE_PARAM, f"un numéro de page, de 1 à {MAX_PAGE}", "1", False, (), _page_number),
)
"""The one table of view parameters. `territoire` follows the reader from a fiche to an
indicator page (highlighted there) and back; `par_habitant=non` shows the totals of counts
where maps, rankings, fiche ranks and trajectories compare them per 100 000 inhabitants by default
(dashboard/measure.py). `reel=oui` makes the home page, /objectifs and its downloads assess
targets from real data only. `statut` and `axe` filter /objectifs and /indicateurs.
`evenements=non` hides the roadmap milestones on the time charts and follows the reader;
`indicateur` chooses the indicator of a fiche région's départements table and its file, and
filters /quoi-de-neuf, which `page` pages."""

BY_NAME = {p.name: p for p in PARAMS}
MIGRATIONS = {old: p.name for p in PARAMS for old in p.old_names}


def normalise(raw: Mapping[str, object]) -> dict[str, str]:
    """The canonical view state: old names migrated, unknown parameters dropped, invalid
    values and defaults dropped, lists deduplicated. Cache keys and links use this only."""
    out: dict[str, str] = {}
    for key, value in raw.items():
        param = BY_NAME.get(MIGRATIONS.get(key, key))
        if param is None:
            continue
        texts = _texts(value)
        if param.many:
            items = [n for n in (param.normalise(t) for t in texts) if n]
            text = ",".join(list(dict.fromkeys(items))[:MAX_COMPARED]) or None
        else:
            text = param.normalise(texts[-1]) if texts else None
        if text is not None and text != param.default:
            out[param.name] = text
    return dict(sorted(out.items()))


def kept(state: Mapping[str, str]) -> dict[str, str]:
    """The part of a normalised state that follows the reader to another page."""
    return {k: v for k, v in state.items() if k in BY_NAME and BY_NAME[k].kept}


def value(state: Mapping[str, str], name: str) -> str | None:
    """A parameter of a normalised state, or its default."""
    return state.get(name, BY_NAME[name].default)


def values(state: Mapping[str, str], name: str) -> list[str]:
    text = state.get(name)
    return text.split(",") if text else []


def cache_key(raw: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """A page's cache key part: unknown or invalid parameters add no new entry."""
    return tuple(normalise(raw).items())


def _texts(value: object) -> list[str]:
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if item not in (None, ""):
            out.extend(p for p in str(item).split(",") if p)
    return out


PERIOD = re.compile(r"(\d{4})-(\d{1,2})(?:-\d{1,2})?", re.ASCII)


def parse_period(text: str | None) -> dt.date | None:
    """`2025-03` or `2025-03-01` → 2025-03-01; anything else → None.

    Four ASCII digits for the year: `int()` would take a 20-digit year (then overflow the
    date) or non-ASCII digits.
    """
    found = PERIOD.fullmatch(text or "")
    if found is None:
        return None
    try:
        return dt.date(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:
        return None


def period_param(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def shown(text: str) -> str:
    """A part of an address as an error message may echo it: percent-encoded (no markup,
    no control character) and cut to SHOWN_LENGTH characters."""
    encoded = quote(text, safe="-_.~")
    return encoded if len(encoded) <= SHOWN_LENGTH else encoded[: SHOWN_LENGTH - 1] + "…"
