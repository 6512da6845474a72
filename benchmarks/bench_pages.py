"""Speed of every page template, from the server and in a real browser (prints, never asserts).

    python benchmarks/bench_pages.py [--url http://127.0.0.1:8050] [--start] [--runs 5]
                                     [--no-lighthouse] [--json]

One instance of each template (`/`, the index pages, the search page, `/objectifs`,
`/a-propos`, a fiche région, a fiche département, an indicator page, the 404 page):

* server: time to first byte (request sent → status line and headers read, on a kept-alive
  connection after a warm-up request) and the HTML's size, raw and as sent compressed
  (`Accept-Encoding: br, gzip`, as a browser asks); median of `--runs`;
* browser (Playwright driving Debian's Chromium, /usr/bin/chromium, never a downloaded
  browser; a fresh context, so an empty cache, for each load; median of `--runs`): the page
  as the server sent it (Dash and Plotly load on the reader's first interaction only:
  dashboard/static/dash-on-demand.js), until the network is quiet: first and largest
  contentful paints, the moment the page's title (`main h1`) is in the document, bytes on
  the wire (`encodedDataLength` of every response, compressed, headers included), total
  blocking time (the sum over long tasks (> 50 ms) after the first contentful paint of
  their part beyond 50 ms); then the reader moves the pointer, and « Dash » is the time
  from that move to the page ready (bench_dashboard.py's definition: Dash has replaced the
  server's copy, every chart drawn by Plotly, no callback in flight for a quiet window);
* Lighthouse (npm `lighthouse`, run from node_modules with CHROME_PATH=/usr/bin/chromium;
  its default mobile profile with simulated throttling): performance, accessibility and
  SEO scores, when it is installed (`npm install`); else the output says so.

Without `--url` and when nothing answers on the default URL, or with `--start`, it starts
`python -m dashboard` on a free port against DATABASE_URL (bench_dashboard.running_app).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard import (  # the sibling benchmark (benchmarks/ is no package)
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_PAINT,
    LARGEST_PAINT,
    READY_PROBE,
    ROOT,
    TIMEOUT_MS,
    _kb,
    _ms,
    _wait_ready,
    _watch,
    running_app,
)

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
GOALS = {
    "first_paint_ms": 1000.0,
    "transfer_bytes": 1.5 * 1024 * 1024,
    "performance": 90,
    "accessibility": 100,
    "seo": 100,
}
# One instance of each page template; the indicator page's id is read from /indicateurs.
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("Vue nationale", "/"),
    ("Indicateurs (index)", "/indicateurs"),
    ("Régions (index)", "/regions"),
    ("Départements (index)", "/departements"),
    ("Recherche", "/recherche?q=bretagne"),
    ("Objectifs", "/objectifs"),
    ("À propos", "/a-propos"),
    ("Fiche région", "/regions/53"),
    ("Fiche département", "/departements/29"),
    ("Page indicateur", "/indicateurs/{indicator}"),
    ("Page 404", "/page-inexistante"),
)
# Long tasks, recorded from the start of the navigation (installed before any script).
LONG_TASKS = """
(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector('main h1')) {
      window.__titleAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""
TITLE_AT = "() => window.__titleAt ?? NaN"
BLOCKING = """(until) => {
  const fcp = (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0;
  return window.__longTasks
    .filter(([start, d]) => start + d > fcp && start < until)
    .reduce((sum, [start, d]) => sum + Math.max(0, Math.min(start + d, until)
      - Math.max(start, fcp) - 50), 0);
}"""


@dataclass
class ServerFigures:
    ttfb_ms: float
    html_bytes: int
    compressed_bytes: int
    status: int


@dataclass
class BrowserFigures:
    first_paint_ms: float
    largest_paint_ms: float
    title_ms: float
    ready_ms: float
    transfer_bytes: float
    blocking_ms: float


@dataclass
class Scores:
    performance: float | None = None
    accessibility: float | None = None
    seo: float | None = None
    error: str | None = None


def _get(conn: http.client.HTTPConnection, path: str, encoding: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": encoding})
    response = conn.getresponse()  # returns once the status line and headers are read
    ttfb = (time.perf_counter() - started) * 1000
    return ttfb, response.status, response.read()


def measure_server(base: str, path: str, runs: int) -> ServerFigures:
    """Median time to first byte and the page's size, raw and compressed."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        _get(conn, path, "br, gzip")  # warm-up: the first visitor after start-up is not timed
        timed = [_get(conn, path, "br, gzip") for _ in range(runs)]
        _, status, raw = _get(conn, path, "identity")
    finally:
        conn.close()
    return ServerFigures(
        ttfb_ms=statistics.median(t for t, _, _ in timed),
        html_bytes=len(raw),
        compressed_bytes=int(statistics.median(len(body) for _, _, body in timed)),
        status=status,
    )


def measure_browser(browser: Browser, url: str, runs: int) -> BrowserFigures:
    loads = [_one_load(browser, url) for _ in range(runs)]
    return BrowserFigures(
        first_paint_ms=statistics.median(load.first_paint_ms for load in loads),
        largest_paint_ms=statistics.median(load.largest_paint_ms for load in loads),
        title_ms=statistics.median(load.title_ms for load in loads),
        ready_ms=statistics.median(load.ready_ms for load in loads),
        transfer_bytes=statistics.median(load.transfer_bytes for load in loads),
        blocking_ms=statistics.median(load.blocking_ms for load in loads),
    )


def _one_load(browser: Browser, url: str) -> BrowserFigures:
    """One cold load (fresh context, empty cache) at 1280 px: the page as the server sent it
    until it is quiet (paints, blocking time, bytes), then the reader moves the pointer and
    Dash takes the page over (the time from that move to the page ready)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        context.add_init_script(READY_PROBE)
        context.add_init_script(LONG_TASKS)
        page = context.new_page()
        log = _watch(page)
        page.goto(url, wait_until="networkidle", timeout=TIMEOUT_MS)
        quiet = float(page.evaluate("() => performance.now()"))
        figures = {
            "first_paint_ms": float(page.evaluate(FIRST_PAINT)),
            "largest_paint_ms": float(page.evaluate(LARGEST_PAINT)),
            "title_ms": float(page.evaluate(TITLE_AT)),
            "transfer_bytes": float(sum(log.encoded.values())),
            "blocking_ms": float(page.evaluate(BLOCKING, quiet)),
        }
        moved = float(page.evaluate("() => performance.now()"))
        page.mouse.move(640, 450)  # a trusted input: Dash loads (dash-on-demand.js)
        ready = _wait_ready(page)
        return BrowserFigures(**figures, ready_ms=ready - moved)
    finally:
        context.close()


def lighthouse(url: str) -> Scores:
    """Lighthouse's scores (0–100) for one page, or why there are none."""
    if not LIGHTHOUSE.exists():
        return Scores(error="non installé")
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--only-categories=performance,accessibility,seo",
        "--output=json",
        "--output-path=stdout",
        f"--chrome-flags={flags}",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        report = json.loads(done.stdout)
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        return Scores(error=f"échec ({type(exc).__name__})")
    categories = report.get("categories", {})

    def score(name: str) -> float | None:
        value = categories.get(name, {}).get("score")
        return None if value is None else round(value * 100)

    return Scores(score("performance"), score("accessibility"), score("seo"))


def find_indicator(base: str) -> str:
    """The first indicator linked from the indicator index."""
    with urllib.request.urlopen(base + "/indicateurs", timeout=30) as response:
        page = response.read().decode("utf-8")
    found = re.search(r'href="/indicateurs/([a-z0-9_]+)', page)
    if found is None:
        raise SystemExit("Aucun indicateur lié depuis /indicateurs : base vide ?")
    return found.group(1)


def _mark(value: float | None, goal: float, *, higher: bool) -> str:
    if value is None:
        return ""
    return " ✓" if (value >= goal if higher else value <= goal) else " ✗"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mesure chaque modèle de page.")
    parser.add_argument("--url", help="application déjà lancée")
    parser.add_argument("--start", action="store_true", help="lancer python -m dashboard ici")
    parser.add_argument("--runs", type=int, default=5, help="mesures par page (médiane)")
    parser.add_argument("--no-lighthouse", action="store_true", help="sans Lighthouse")
    parser.add_argument("--json", action="store_true", help="résultats en JSON")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium absent ({CHROMIUM}) : mesures navigateur impossibles.")
        return 1
    with running_app(args.url, start=args.start) as base:
        indicator = find_indicator(base)
        pages = [(name, path.format(indicator=indicator)) for name, path in TEMPLATES]
        results: list[dict[str, Any]] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                for name, path in pages:
                    server = measure_server(base, path, args.runs)
                    in_browser = measure_browser(browser, base + path, args.runs)
                    results.append(
                        {"page": name, "path": path, **asdict(server), **asdict(in_browser)}
                    )
            finally:
                browser.close()
        if not args.no_lighthouse:
            for row in results:
                if row["status"] >= 400:  # Lighthouse refuses to audit an error page
                    row.update(asdict(Scores(error=f"non mesurable (statut {row['status']})")))
                else:
                    row.update(asdict(lighthouse(base + row["path"])))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    _print(results, lighthouse_run=not args.no_lighthouse, runs=args.runs)
    return 0


def _print(results: list[dict[str, Any]], *, lighthouse_run: bool, runs: int) -> None:
    print(f"Pages (médiane de {runs} mesures ; navigateur : Chromium 1280 px, cache vide)")
    header = (
        f"{'page':<22} {'statut':>6} {'TTFB':>8} {'HTML':>9} {'HTML br':>9} "
        f"{'FCP':>10} {'LCP':>10} {'titre':>8} {'Dash':>9} {'transfert':>12} {'TBT':>8}"
    )
    print(header)
    for r in results:
        print(
            f"{r['page']:<22} {r['status']:>6} {_ms(r['ttfb_ms']):>8} "
            f"{_kb(r['html_bytes']):>9} {_kb(r['compressed_bytes']):>9} "
            f"{_ms(r['first_paint_ms']) + _mark(r['first_paint_ms'], GOALS['first_paint_ms'], higher=False):>10} "  # noqa: E501
            f"{_ms(r['largest_paint_ms']) + _mark(r['largest_paint_ms'], GOALS['first_paint_ms'], higher=False):>10} "  # noqa: E501
            f"{_ms(r['title_ms']):>8} {_ms(r['ready_ms']):>9} "
            f"{_kb(r['transfer_bytes']) + _mark(r['transfer_bytes'], GOALS['transfer_bytes'], higher=False):>12} "  # noqa: E501
            f"{_ms(r['blocking_ms']):>8}"
        )
    print(
        "Objectifs : premier affichage du contenu (FCP, LCP) ≤ 1 000 ms, transfert ≤ 1 536 Ko "
        "compressés "
        "(✓ atteint, ✗ non atteint)."
    )
    if not lighthouse_run:
        print("Lighthouse : non lancé (--no-lighthouse).")
        return
    if not LIGHTHOUSE.exists():
        print(
            f"Lighthouse : non installé ({LIGHTHOUSE} absent ; « npm install » l'installe "
            "depuis package.json) : scores non mesurés."
        )
        return
    print("Lighthouse (mobile, limitation simulée) : performance / accessibilité / SEO")
    for r in results:
        if r.get("error"):
            print(f"{r['page']:<22} {r['error']}")
            continue
        cells = [
            f"{r[k]}{_mark(r[k], GOALS[k], higher=True)}"
            for k in ("performance", "accessibility", "seo")
        ]
        print(f"{r['page']:<22} " + " / ".join(cells))
    print("Objectifs : performance ≥ 90, accessibilité = 100, SEO = 100.")


if __name__ == "__main__":
    sys.exit(main())
