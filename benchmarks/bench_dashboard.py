"""Speed of the dashboard in a real browser (prints, never asserts).

    python benchmarks/bench_dashboard.py [--url http://127.0.0.1:8050] [--start]
                                         [--indicator ID] [--runs 5] [--json]

Measured with Playwright driving the system Chromium (/usr/bin/chromium, never a
downloaded browser), for `/` and `/indicateurs/<id>`:

* first render: from navigation start (performance.timeOrigin) to the first moment
  when every chart is drawn (every `.dash-graph` / `.js-plotly-plot` and every
  chart's `figure.tdb-figure` holds a `.main-svg`: Plotly is loaded on first use),
  Dash has rendered its layout (no `._dash-loading`, no
  `[data-dash-is-loading=true]`) and no `/_dash-update-component` request is in
  flight — a state that must then hold for a quiet window, so that chained callbacks
  are waited for. Fresh browser context (empty cache and storage) for each load,
  after warm-up loads; median of `--runs` loads. The reader moves the pointer as soon as
  the page is parsed (READER_MOVES): a server-rendered page loads Dash and Plotly on the
  reader's first interaction only (dashboard/static/dash-on-demand.js), so this is the
  time to a page Dash has taken over when the reader interacts at once.
* compressed transfer of a first load: sum of `encodedDataLength` of the Chrome
  DevTools Protocol `Network.loadingFinished` events (bytes on the wire, headers
  included), for a cold load.
* server-side callback time: for every POST to `/_dash-update-component`, the
  `app` metric of its `Server-Timing` header (dashboard/app.py sends it on every
  callback: from the first Flask hook to the last, compression included) — and, as a
  second figure, the waiting time measured by Chrome (`receiveHeadersEnd − sendEnd`,
  i.e. time to first byte on localhost: the server time plus queueing and the browser's
  own delays, an upper bound); p50 and p95 of each over the page loads and a few
  interactions: each select of the indicator page's view form changed and the form
  submitted (url-forms.js makes it an in-page navigation: one call of Dash's page
  router, the only callback of the app), then two régions compared.

Without `--url` and when nothing answers on the default URL, or with `--start`, it
starts `python -m dashboard` on a free port against DATABASE_URL, and stops it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "http://127.0.0.1:8050"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
CALLBACK_PATH = "/_dash-update-component"
QUIET_MS = 400  # the ready state must hold this long (chained callbacks)
TIMEOUT_MS = 30_000
OBJECTIVES = {"render_ms": 1000.0, "transfer_bytes": 1.5 * 1024 * 1024, "callback_p95_ms": 100.0}

# Installed before any page script: the reader's first interaction, once the page is parsed.
READER_MOVES = (
    'document.addEventListener("DOMContentLoaded", () =>'
    ' window.dispatchEvent(new PointerEvent("pointermove")));'
)

# Installed before any page script: counts Dash callback requests in flight and records
# the first time (ms since navigation start) from which the page is ready and stays so.
READY_PROBE = """
(() => {
  const probe = { inflight: 0, readySince: null, callbacks: 0, lcp: null, charts: 0 };
  document.addEventListener('DOMContentLoaded', () => {
    probe.charts = document.querySelectorAll('#tdb-server-page .tdb-graph-placeholder').length;
  });
  // Largest contentful paint: when the page's main content was painted, whoever drew it.
  new PerformanceObserver((list) => {
    const entries = list.getEntries();
    probe.lcp = entries[entries.length - 1].startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  window.__bench = probe;
  const isCallback = (url) => String(url).includes('__CALLBACK__');
  const origFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (!isCallback(url)) return origFetch(input, init);
    probe.inflight += 1; probe.callbacks += 1; probe.readySince = null;
    return origFetch(input, init).finally(() => { probe.inflight -= 1; });
  };
  const origOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    if (isCallback(url)) {
      probe.inflight += 1; probe.callbacks += 1; probe.readySince = null;
      this.addEventListener('loadend', () => { probe.inflight -= 1; });
    }
    return origOpen.call(this, method, url, ...rest);
  };
  const ready = () => {
    if (document.readyState !== 'complete') return false;
    const root = document.getElementById('react-entry-point');
    if (!root || !root.firstElementChild) return false;
    // The server's copy of the page (dashboard/server_html.py) stays until Dash has mounted.
    if (document.getElementById('tdb-server-page')) return false;
    if (document.querySelector('._dash-loading, [data-dash-is-loading="true"]')) return false;
    if (probe.inflight > 0) return false;
    // dcc.Graph is lazy (its code and Plotly load on first use): every chart the server's
    // copy reserved a place for (.tdb-graph-placeholder) must be drawn by Plotly.
    if (document.querySelectorAll('.js-plotly-plot .main-svg').length < probe.charts) return false;
    const charts = document.querySelectorAll('.dash-graph, .js-plotly-plot');
    for (const chart of charts) { if (!chart.querySelector('.main-svg')) return false; }
    return true;
  };
  const tick = () => {
    if (ready()) { if (probe.readySince === null) probe.readySince = performance.now(); }
    else { probe.readySince = null; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
""".replace("__CALLBACK__", CALLBACK_PATH)


# First contentful paint (ms since navigation start), as Chromium records it: Dash's
# « Loading... » counts as content, hence also the largest contentful paint.
FIRST_PAINT = (
    "() => (performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN})"
    ".startTime"
)
LARGEST_PAINT = "() => window.__bench.lcp ?? NaN"


@dataclass
class Load:
    render_ms: float
    first_paint_ms: float
    largest_paint_ms: float
    transfer_bytes: int
    requests: int
    charts: int
    callbacks: list[float] = field(default_factory=list)  # Server-Timing (ms)
    waits: list[float] = field(default_factory=list)  # browser wait (ms)


@dataclass
class NetworkLog:
    """CDP network events of one page: bytes on the wire and callback timings."""

    encoded: dict[str, int] = field(default_factory=dict)
    callback_ids: set[str] = field(default_factory=set)
    callback_ms: dict[str, float] = field(default_factory=dict)
    server_timing: dict[str, float] = field(default_factory=dict)

    def on_request(self, event: dict[str, Any]) -> None:
        if CALLBACK_PATH in event["request"]["url"]:
            self.callback_ids.add(event["requestId"])

    def on_response(self, event: dict[str, Any]) -> None:
        request_id = event["requestId"]
        if request_id not in self.callback_ids:
            return
        response = event["response"]
        timing = response.get("timing") or {}
        if timing:
            self.callback_ms[request_id] = timing["receiveHeadersEnd"] - timing["sendEnd"]
        headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        total = server_timing_total(headers.get("server-timing", ""))
        if total is not None:
            self.server_timing[request_id] = total

    def on_finished(self, event: dict[str, Any]) -> None:
        self.encoded[event["requestId"]] = int(event.get("encodedDataLength", 0))

    def callback_times(self) -> tuple[list[float], list[float]]:
        """(server-side times from Server-Timing, browser waits), in ms."""
        return list(self.server_timing.values()), list(self.callback_ms.values())


def server_timing_total(header: str) -> float | None:
    """The server time of a Server-Timing header: its `app` metric (the app's total),
    else the sum of every `dur=` (Dash sends one metric per step in debug mode)."""
    durations: dict[str, float] = {}
    for index, metric in enumerate(header.split(",")):
        name, *params = metric.split(";")
        for param in params:
            key, _, value = param.strip().partition("=")
            if key == "dur":
                with contextlib.suppress(ValueError):
                    durations[name.strip() or str(index)] = float(value)
    if "app" in durations:
        return durations["app"]
    return sum(durations.values()) if durations else None


def _watch(page: Page) -> NetworkLog:
    log = NetworkLog()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
    cdp.on("Network.requestWillBeSent", log.on_request)
    cdp.on("Network.responseReceived", log.on_response)
    cdp.on("Network.loadingFinished", log.on_finished)
    return log


def _wait_ready(page: Page) -> float:
    page.wait_for_function(
        f"() => window.__bench && window.__bench.readySince !== null"
        f" && performance.now() - window.__bench.readySince >= {QUIET_MS}",
        polling=50,
        timeout=TIMEOUT_MS,
    )
    return float(page.evaluate("() => window.__bench.readySince"))


def measure_load(browser: Browser, url: str) -> Load:
    """One load in a fresh context: time to ready, bytes on the wire, callback timings."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        context.add_init_script(READY_PROBE)
        context.add_init_script(READER_MOVES)
        page = context.new_page()
        log = _watch(page)
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        render = _wait_ready(page)
        first_paint = float(page.evaluate(FIRST_PAINT))
        largest_paint = float(page.evaluate(LARGEST_PAINT))
        charts = int(page.evaluate("() => document.querySelectorAll('.main-svg').length"))
        callbacks, waits = log.callback_times()
        return Load(
            render_ms=render,
            first_paint_ms=first_paint,
            largest_paint_ms=largest_paint,
            transfer_bytes=sum(log.encoded.values()),
            requests=len(log.encoded),
            charts=charts,
            callbacks=callbacks,
            waits=waits,
        )
    finally:
        context.close()


def _render_id(page: Page) -> str:
    return str(page.evaluate("() => document.getElementById('contenu')?.dataset.render || ''"))


def _submit_and_wait(page: Page, control: Any) -> None:
    """Submit the GET form holding a control; url-forms.js turns it into a page-router
    navigation (one Dash callback). Waits for the new render (`data-render` of <main>)."""
    before = _render_id(page)
    form = control.locator("xpath=ancestor::form[1]")
    form.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_function(
        "(before) => { const m = document.getElementById('contenu');"
        " return m && m.dataset.render && m.dataset.render !== before; }",
        arg=before,
        polling=50,
        timeout=TIMEOUT_MS,
    )
    _wait_ready(page)


def interact(browser: Browser, url: str) -> tuple[list[float], list[float], int]:
    """Change each single-choice select of the view form, submitting it each time.

    The pages hold no Dash control: the view is in the URL, the controls are a GET form
    that url-forms.js submits as an in-page navigation, so each change costs one call of
    Dash's page-router callback — the callback measured here.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    actions = 0
    try:
        context.add_init_script(READY_PROBE)
        context.add_init_script(READER_MOVES)
        page = context.new_page()
        log = _watch(page)
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        _wait_ready(page)
        selects = page.locator("main form[data-url-form] select:not([multiple])")
        for index in range(min(selects.count(), 4)):
            select = page.locator("main form[data-url-form] select:not([multiple])").nth(index)
            values = select.evaluate("(s) => Array.from(s.options).map((o) => o.value)")
            current = select.input_value()
            others = [v for v in values if v != current]
            if not others or not select.is_visible():
                continue
            select.select_option(others[-1])
            _submit_and_wait(page, select)
            actions += 1
        compare = page.locator("main form[data-url-form] select[multiple]")
        if compare.count():
            values = compare.first.evaluate("(s) => Array.from(s.options).map((o) => o.value)")
            compare.first.select_option(values[:2])
            _submit_and_wait(page, compare.first)
            actions += 1
        callbacks, waits = log.callback_times()
        return callbacks, waits, actions
    finally:
        context.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q
    low, high = int(position), min(int(position) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": percentile(values, 0.5),
        "p95_ms": percentile(values, 0.95),
        "max_ms": max(values, default=float("nan")),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return int(response.status) < 500
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_app(url: str | None, *, start: bool) -> Iterator[str]:
    """The URL of a running app: the given one, or `python -m dashboard` started here."""
    if url and not start:
        yield url
        return
    if not start and _answers(DEFAULT_URL):
        yield DEFAULT_URL
        return
    port = _free_port()
    print(
        f"Démarrage de « python -m dashboard » sur le port {port} "
        f"(DATABASE_URL={os.environ.get('DATABASE_URL', '(réglage par défaut)')})…"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _answers(base):
            if process.poll() is not None:
                error = process.stderr.read() if process.stderr else ""
                raise SystemExit(f"Le tableau de bord n'a pas démarré :\n{error.strip()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"Le tableau de bord ne répond pas sur {base} après 90 s.")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def find_indicator(browser: Browser, base: str) -> str | None:
    """The first indicator linked from the national view."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + "/", timeout=TIMEOUT_MS)
        page.wait_for_selector("a[href*='/indicateurs/']", timeout=TIMEOUT_MS)
        href = page.locator("a[href*='/indicateurs/']").first.get_attribute("href") or ""
        return href.split("/indicateurs/", 1)[1].split("?")[0].split("#")[0] or None
    except Exception:
        return None
    finally:
        context.close()


def _kb(size: float) -> str:
    return f"{size / 1024:,.0f}".replace(",", "\u202f") + "\u202fKo"


def _ms(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") + "\u202fms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Mesure la vitesse du tableau de bord.")
    parser.add_argument("--url", help=f"application déjà lancée (défaut : {DEFAULT_URL})")
    parser.add_argument("--start", action="store_true", help="lancer python -m dashboard ici")
    parser.add_argument("--indicator", help="identifiant d'indicateur (défaut : le premier lié)")
    parser.add_argument("--runs", type=int, default=5, help="chargements mesurés par page")
    parser.add_argument("--warmup", type=int, default=2, help="chargements d'échauffement")
    parser.add_argument("--json", action="store_true", help="résultats en JSON")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {"pages": {}}
    all_callbacks: list[float] = []
    all_waits: list[float] = []
    with running_app(args.url, start=args.start) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            indicator = args.indicator or find_indicator(browser, base)
            paths = ["/"] + ([f"/indicateurs/{indicator}"] if indicator else [])
            if not indicator:
                print("Aucun indicateur trouvé sur la vue nationale : page indicateur non mesurée.")
            for path in paths:
                for _ in range(args.warmup):
                    measure_load(browser, base + path)
                loads = [measure_load(browser, base + path) for _ in range(args.runs)]
                renders = [load.render_ms for load in loads]
                paints = [load.first_paint_ms for load in loads]
                largest = [load.largest_paint_ms for load in loads]
                for load in loads:
                    all_callbacks += load.callbacks
                    all_waits += load.waits
                results["pages"][path] = {
                    "render_ms": renders,
                    "render_median_ms": statistics.median(renders),
                    "first_paint_median_ms": statistics.median(paints),
                    "largest_paint_median_ms": statistics.median(largest),
                    "transfer_bytes": loads[0].transfer_bytes,
                    "requests": loads[0].requests,
                    "charts": loads[0].charts,
                    "callbacks_per_load": len(loads[0].waits),
                }
            if indicator:
                callbacks, waits, actions = interact(browser, f"{base}/indicateurs/{indicator}")
                all_callbacks += callbacks
                all_waits += waits
                results["interactions"] = {"actions": actions, "callbacks": len(waits)}
        finally:
            browser.close()
    results["callbacks"] = _summary(all_callbacks)  # server-side (Server-Timing)
    results["callback_waits"] = _summary(all_waits)  # browser wait, an upper bound
    results["objectives"] = OBJECTIVES
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return 0
    print(f"Tableau de bord : {base} — Chromium système, contexte neuf à chaque chargement")
    for path, page in results["pages"].items():
        spread = ", ".join(_ms(v) for v in page["render_ms"])
        print(
            f"  {path:<40} premier rendu (médiane de {len(page['render_ms'])}) : "
            f"{_ms(page['render_median_ms'])}  [{spread}]  (objectif ≤ 1 000 ms)"
        )
        print(
            f"  {'':<40} premier affichage de contenu (FCP, médiane) : "
            f"{_ms(page['first_paint_median_ms'])} ; plus grand affichage de contenu (LCP, "
            f"médiane) : {_ms(page['largest_paint_median_ms'])}"
        )
        print(
            f"  {'':<40} transfert compressé du premier chargement : "
            f"{_kb(page['transfer_bytes'])} en {page['requests']} requêtes "
            f"(objectif ≤ 1 536 Ko) ; {page['charts']} graphiques ; "
            f"{page['callbacks_per_load']} rappels"
        )
    if "interactions" in results:
        inter = results["interactions"]
        print(
            f"  interactions sur la page indicateur : {inter['actions']} actions, "
            f"{inter['callbacks']} rappels"
        )
    cb, wait = results["callbacks"], results["callback_waits"]
    if cb["count"]:
        print(
            f"  rappels (/_dash-update-component), temps serveur (Server-Timing) : "
            f"n = {cb['count']}, p50 {_ms(cb['p50_ms'])}, p95 {_ms(cb['p95_ms'])}, "
            f"max {_ms(cb['max_ms'])} (objectif p95 ≤ 100 ms)"
        )
    else:
        print("  rappels : aucun en-tête Server-Timing reçu (temps serveur non mesuré)")
    print(
        f"  rappels, attente vue du navigateur (receiveHeadersEnd − sendEnd) : "
        f"n = {wait['count']}, p50 {_ms(wait['p50_ms'])}, p95 {_ms(wait['p95_ms'])}, "
        f"max {_ms(wait['max_ms'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
