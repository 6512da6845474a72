"""Throughput of the production topology under a real load generator (prints, never asserts).

    python benchmarks/bench_api.py [--duration 60] [--connections 32] [--workers 2] [--json]

Starts, on this machine, what production runs: throwaway PostgreSQL and Redis
(scripts/services.sh; or the servers named by TEST_POSTGRES_URL and TEST_REDIS_URL, as
`make bench` starts them, in a fresh database), the full demo database loaded by the ETL's
command line (`python -m etl init`, `published`, `run` of the DITP files, `demo`),
`gunicorn -w 2` of the dashboard with REDIS_URL and API_RATE_LIMIT=0. Once the workers have
warmed their pages (their CPU is idle), `wrk` (Debian package) drives each address for
`--duration` seconds and this prints requests/s, p50/p99 latency and errors for:

* a cached public API GET: /api/v1/indicators;
* an observations page of one indicator at département level (JSON, 100 rows);
* the bulk CSV export of every observation;
* a whole public page as a reader receives it: `/`, whose HTML carries the server-rendered
  content (checked before the run), not an empty shell.

The goal of the cached public GET on a 2-core machine is ≥ 1 500 req/s with p99 ≤ 50 ms
and no error. wrk runs on the same cores as the server: the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from dashboard import urls  # noqa: E402
from dashboard.app import SERVER_PAGE_ID  # noqa: E402

PUBLIC_INDICATOR = "mssante_messages_mois"  # public, shown down to the départements
DITP_SOURCES = ("ditp-mes-activation", "ditp-sas-population", "ditp-aidants-numeriques")
GOAL_RPS, GOAL_P99_MS = 1500, 50.0


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    connections: int | None = None  # None: --connections


TARGETS = (
    Target("GET public en cache (/api/v1/indicators)", urls.API_INDICATORS),
    Target(
        "Page d'observations, départements",
        urls.api_observations(PUBLIC_INDICATOR, {"level": "department"}),
    ),
    Target("Export CSV complet", urls.API_EXPORT_CSV, connections=4),
    Target("Page publique / (HTML avec son contenu)", urls.HOME),
)


@dataclass
class Result:
    name: str
    path: str
    connections: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    bytes_per_answer: int


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def services(postgres: str, redis: str) -> Iterator[tuple[str, str]]:
    """The given servers, or throwaway ones from scripts/services.sh (stopped after)."""
    if postgres and redis:
        yield postgres, redis
        return
    folder = tempfile.mkdtemp(prefix="tdb-bench-api.")
    try:
        out = subprocess.run(
            ["bash", str(ROOT / "scripts/services.sh"), "start", folder],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found = dict(line.split("=", 1) for line in out.split() if "=" in line)
        yield postgres or found["TEST_POSTGRES_URL"], redis or found["TEST_REDIS_URL"]
    finally:
        subprocess.run(["bash", str(ROOT / "scripts/services.sh"), "stop", folder], check=False)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new database on the server of `server_url`, dropped after."""
    name = f"bench_api_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def load_demo(env: dict[str, str]) -> float:
    """The full demo database, through the ETL's command line as an operator loads it."""
    started = time.perf_counter()
    for args in (["init"], ["published"], ["run", *DITP_SOURCES], ["demo"]):
        subprocess.run([sys.executable, "-m", "etl", *args], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


def _get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


def wait_idle(master: int, *, limit: float = 300) -> float:
    """Wait until the workers have built their warmed pages: under 5 % of a core for 2 s."""
    started = time.perf_counter()
    hz = os.sysconf("SC_CLK_TCK")
    while time.perf_counter() - started < limit:
        pids = _children(master)
        before = _cpu_ticks(pids)
        time.sleep(2)
        if _cpu_ticks(pids) - before < 0.05 * 2 * hz:
            break
    return time.perf_counter() - started


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--timeout",
        "120",  # the first build of a costly answer on a loaded machine
        "--bind",
        f"127.0.0.1:{port}",
        "dashboard.wsgi:server",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                if proc.poll() is not None or _get(base + urls.HEALTHZ, timeout=1)[0] == 200:
                    break
                time.sleep(0.1)
            if proc.poll() is not None or _get(base + urls.HEALTHZ, timeout=1)[0] != 200:
                raise SystemExit(f"gunicorn n'a pas démarré :\n{log.read_text()[-3000:]}")
            yield base, proc.pid
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def check_target(base: str, target: Target, log: Path) -> int:
    """The answer is a 200 with content (the page holds its server-rendered HTML)."""
    status, body = _get(base + target.path, timeout=120)
    if status != 200:
        raise SystemExit(
            f"{target.path} répond {status} : {body[:300]!r}\n{log.read_text()[-3000:]}"
        )
    if target.path == urls.HOME and f'id="{SERVER_PAGE_ID}"'.encode() not in body:
        raise SystemExit("/ ne porte pas le HTML rendu par le serveur : page vide mesurée.")
    return len(body)


_LATENCY = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """requests/s, p50 ms, p99 ms, requests, errors (non-2xx/3xx answers and socket errors)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    latency = {m[0]: float(m[1]) * _UNITS[m[2]] for m in _LATENCY.findall(output)}
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return rps, latency["50"], latency["99"], requests, errors


def drive(base: str, target: Target, *, duration: int, connections: int, size: int) -> Result:
    used = target.connections or connections
    command = [
        "wrk",
        f"-t{min(2, used)}",
        f"-c{used}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        base + target.path,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps, p50, p99, requests, errors = parse_wrk(output)
    return Result(target.name, target.path, used, rps, p50, p99, requests, errors, size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="secondes par adresse")
    parser.add_argument("--connections", type=int, default=32, help="connexions de wrk")
    parser.add_argument("--workers", type=int, default=2, help="processus gunicorn")
    parser.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", ""))
    parser.add_argument("--redis", default=os.environ.get("TEST_REDIS_URL", ""))
    parser.add_argument("--json", action="store_true", help="résultats en JSON")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(
            "wrk absent : « apt-get install wrk » (en root, `make bench` l'installe).",
            file=sys.stderr,
        )
        return 2
    results: list[Result] = []
    load = 0.0
    with (
        tempfile.TemporaryDirectory(prefix="tdb-bench-api.") as data_dir,
        services(args.postgres, args.redis) as (pg_server, redis_url),
        fresh_database(pg_server) as database_url,
    ):
        env = {
            **os.environ,
            "DATA_DIR": data_dir,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "API_RATE_LIMIT": "0",
            "PYTHONPATH": str(ROOT),
        }
        loaded = load_demo(env)
        print(f"Base de démonstration complète chargée dans PostgreSQL en {loaded:.0f} s.")
        log = Path(data_dir) / "gunicorn.log"
        with gunicorn(env, workers=args.workers, log=log) as (
            base,
            master,
        ):
            warmed = wait_idle(master)
            load = os.getloadavg()[0]
            print(
                f"Charge moyenne de la machine : {load:.1f} pour {os.cpu_count()} cœurs.",
                flush=True,
            )
            print(f"{args.workers} processus gunicorn prêts et préchauffés en {warmed:.0f} s.")
            for target in TARGETS:
                size = check_target(base, target, log)
                drive(base, target, duration=min(5, args.duration), connections=4, size=size)
                result = drive(
                    base, target, duration=args.duration, connections=args.connections, size=size
                )
                results.append(result)
                if not args.json:
                    print(f"… {result.name} : {result.requests_per_s:.0f} req/s", flush=True)
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=2))
        return 0
    print(
        f"\n{os.cpu_count()} cœurs (charge moyenne {load:.1f} au départ de la mesure), "
        f"wrk {args.duration} s par adresse, rien d'autre n'est arrêté sur la machine :"
    )
    print(f"{'adresse':44} {'conn.':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'erreurs':>8}")
    for r in results:
        print(
            f"{r.name:44} {r.connections:>5} {r.requests_per_s:>8.0f} {r.p50_ms:>8.1f} "
            f"{r.p99_ms:>8.1f} {r.errors:>8}   ({r.bytes_per_answer} octets)"
        )
    cached = results[0]
    met = cached.requests_per_s >= GOAL_RPS and cached.p99_ms <= GOAL_P99_MS and not cached.errors
    print(
        f"Objectif du GET public en cache (≥ {GOAL_RPS} req/s, p99 ≤ {GOAL_P99_MS:.0f} ms, "
        f"0 erreur) : {'atteint' if met else 'non atteint'}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
