"""Page layouts as functions of the URL: 404 for unknown codes, a French page when the
database is unreachable, the demo banner when synthetic values exist."""

from __future__ import annotations

from pathlib import Path

import dash
import pytest

from dashboard import queries
from dashboard.app import create_app


@pytest.fixture
def app_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(url: str) -> dash.Dash:
        return create_app(database_url=url, redis_url="")

    return make


def _layout(module: str):  # type: ignore[no-untyped-def]
    return next(p for p in dash.page_registry.values() if p["module"] == module)["layout"]


def _text(component: object) -> str:
    return str(component.to_plotly_json())  # type: ignore[attr-defined]


class TestUnknownCodes:
    @pytest.mark.parametrize(
        ("module", "kwargs"),
        [
            ("pages.indicator", {"indicator_id": "inconnu"}),
            ("pages.region", {"code": "99"}),
            ("pages.department", {"code": "20"}),
        ],
    )
    def test_unknown_code_renders_the_404_page(
        self, app_for, db_url: str, module: str, kwargs: dict
    ) -> None:  # type: ignore[no-untyped-def]
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            assert "Page non trouvée" in _text(_layout(module)(**kwargs))


class TestUnreachableDatabase:
    def test_a_clear_french_page_not_a_traceback(self, app_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        app = app_for(f"sqlite:///{tmp_path}/absente.sqlite")
        with app.server.test_request_context("/"):
            text = _text(_layout("pages.home")())
        assert "Données momentanément indisponibles" in text


class TestPagesWithData:
    def test_indicator_page_with_unknown_params_renders(self, app_for, db_url: str) -> None:  # type: ignore[no-untyped-def]
        app = app_for(db_url)
        with app.server.test_request_context("/"):
            text = _text(
                _layout("pages.indicator")(
                    indicator_id="mes_taux_activation", foo="bar", periode="x"
                )
            )
        assert "Trajectoire nationale" in text
        # no territorial value in an empty database: said, not a silent empty chart
        assert "Publié à l'échelle nationale uniquement" in text
        assert "bandeau-demo" not in text
        queries.configure(database_url=db_url)
