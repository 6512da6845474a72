"""The built wheel runs on its own: installed in a fresh venv, used from another directory.

The wheel is built offline from a copy of the sources (`pip wheel --no-build-isolation`),
installed without dependencies into a temporary venv that borrows the dev venv's
dependencies through a `.pth` line (a plain path: the dev venv's editable install of the
project is not activated). The ETL loads the data and gunicorn serves the pages with their
DSFR, Plotly and contours, from a directory that holds no checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_server import live_server

pytestmark = [pytest.mark.wheel, pytest.mark.xdist_group("wheel")]  # one build, one worker

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "etl", "dashboard")
INDICATOR_PAGE = "/indicateurs/mes_taux_activation"
# Every setting that could point back at the checkout or a test database is dropped.
DROPPED = ("DATABASE_URL", "DATA_DIR", "CATALOG_PATH", "ETL_CACHE_DIR", "REDIS_URL", "PYTHONPATH")


@dataclass(frozen=True)
class Installed:
    python: Path
    site_packages: Path
    workdir: Path
    env: dict[str, str]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _files(folder: Path) -> set[Path]:
    """Every file under `folder`, but Python's own bytecode caches."""
    return {p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def _build_wheel(tmp: Path) -> Path:
    """Build from a copy, so that the build writes nothing into the checkout."""
    src = tmp / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    dist = tmp / "dist"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"),
            *("--no-index", "-w", str(dist), str(src)),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(tmp)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dev venv's dependencies, as a plain path: its own .pth files (among them the
    # editable install of this checkout) are not processed.
    (site_packages / "dev_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(python), "install", "-q"),
            *("--no-deps", "--no-index", "--ignore-installed", str(wheel)),
        ],
        check=True,
        capture_output=True,
    )
    workdir = tmp / "ailleurs"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in DROPPED}
    return Installed(python=python, site_packages=site_packages, workdir=workdir, env=env)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[str]:
    """The ETL's three commands, then gunicorn, all from the unrelated directory."""
    for command in (["init"], ["published"], ["demo", "--until", "2025-12"]):
        done = installed.run("-m", "etl", *command)
        assert done.returncode == 0, done.stderr
    with live_server(
        lambda port: [
            *(str(installed.python), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"),
            *("--workers", "1", "dashboard.wsgi:server"),
        ],
        cwd=installed.workdir,
        env=installed.env,
        log=installed.workdir.parent / "gunicorn.log",
    ) as url:
        yield url


class TestInstalledWheel:
    def test_the_packages_come_from_the_temporary_venv_not_the_checkout(
        self, installed: Installed
    ) -> None:
        # Given the wheel installed in the temporary venv
        # When Python imports the three packages there
        done = installed.run(
            "-c",
            "import core, etl, dashboard; print(core.__file__, etl.__file__, dashboard.__file__)",
        )
        # Then each is the installed copy, never this checkout
        paths = [Path(p) for p in done.stdout.split()]
        assert len(paths) == 3, done.stderr
        for path in paths:
            assert path.is_relative_to(installed.site_packages)

    def test_front_end_files_and_package_data_are_in_the_wheel(self, installed: Installed) -> None:
        # Given the installed wheel, Then the files read at run time are there
        for name in (
            "core/indicators.yaml",
            "core/reference/geography.csv",
            "core/migrations/env.py",
            "etl/reference/published_figures.csv",
            "dashboard/assets/tdb.css",
            "dashboard/static/contours/regions.json",
            "dashboard/static/vendor/dsfr/dsfr.min.css",
            "dashboard/static/vendor/dsfr/dsfr.module.min.js",
            "dashboard/static/vendor/plotly-basic.min.js",
        ):
            assert (installed.site_packages / name).is_file(), name
        assert list((installed.site_packages / "core/migrations/versions").glob("0001_*.py"))


class TestServedFromAnotherDirectory:
    def test_pages_and_the_files_they_load_answer_200(self, served: str) -> None:
        # Given the ETL run and gunicorn started from an unrelated directory
        # When the home page, an indicator page and the files they name are fetched
        for page in ("/", INDICATOR_PAGE):
            status, body = _get(served + page)
            assert status == 200, page
            local = re.findall(r'(?:href|src)="(/[^/"][^"]*)"', body.decode())
            assert any(u.startswith("/dsfr/") for u in local)
            # Then every local file the page names is served
            for link in local:
                assert _get(served + link)[0] == 200, link
        # And so are the files loaded later: Plotly, the fonts and the contours
        for link in (
            "/vendor/plotly-basic.min.js",
            "/dsfr/fonts/Marianne-Regular.woff2",
            "/static-tdb/contours/regions.json",
            "/static-tdb/contours/departements.json",
        ):
            assert _get(served + link)[0] == 200, link

    def test_data_lives_in_the_working_directory_never_in_site_packages(
        self, installed: Installed, served: str
    ) -> None:
        # Given the ETL and the server run from the working directory (`served`)
        present = {
            p
            for p in _files(installed.site_packages)
            if p.suffix != ".pth" and "dist-info" not in str(p)
        }
        # Then the database was created under data/ in the working directory
        assert (installed.workdir / "data" / "tableau-de-bord.sqlite").is_file()
        # And every file in the installed packages came from the wheel
        record = (
            next(installed.site_packages.glob("tableau_de_bord_numerique_sante-*.dist-info"))
            / "RECORD"
        ).read_text()
        recorded = {installed.site_packages / line.split(",")[0] for line in record.splitlines()}
        assert present - recorded == set()
