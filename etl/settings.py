"""Settings: each declared once with its default and French help text.

Environment variables override the defaults; `check()` runs at start-up and a
test fails if the README does not document a setting.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "tableau-de-bord.sqlite"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        f"sqlite:///{DEFAULT_SQLITE_PATH}",
        "URL SQLAlchemy de la base (SQLite par défaut ; PostgreSQL en production, "
        "ex. postgresql+psycopg://utilisateur@hôte/base).",
    ),
    Setting(
        "REDIS_URL",
        "",
        "URL Redis du cache du tableau de bord (ex. redis://127.0.0.1:6379/0) ; "
        "vide : cache en mémoire du processus.",
    ),
    Setting("DEMO", "1", "« 0 » : `make run` ne charge pas les données de démonstration."),
    Setting(
        "MARQUE_ETAT",
        "1",
        "« 1 » : en-tête et pied de page officiels de l'État (DSFR, Marianne) ; "
        "« 0 » : en-tête neutre pour un déploiement hors administration.",
    ),
    Setting(
        "ETL_CACHE_DIR",
        str(PROJECT_ROOT / "data" / "cache"),
        "Dossier où l'ETL garde chaque fichier téléchargé (avec son URL et son SHA-256).",
    ),
    Setting(
        "ETL_LOCK_TIMEOUT",
        "30",
        "Secondes d'attente du verrou de chargement avant de refuser un second chargement.",
    ),
    Setting("HTTP_TIMEOUT", "30", "Délai d'attente d'une requête HTTP, en secondes."),
    Setting("HTTP_RETRIES", "3", "Nombre de nouvelles tentatives HTTP sur erreur 5xx ou délai."),
    Setting("HTTP_BACKOFF", "1", "Facteur d'attente exponentielle entre deux tentatives HTTP."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The setting's value: environment first, then its declared default."""
    setting = _BY_NAME[name]
    return os.environ.get(name, setting.default) or setting.default


def database_url() -> str:
    return get("DATABASE_URL")


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def state_marks() -> bool:
    return get("MARQUE_ETAT") != "0"


class SettingsError(Exception):
    """A setting has an invalid value; the message is French."""


def check() -> None:
    for name in ("ETL_LOCK_TIMEOUT", "HTTP_TIMEOUT", "HTTP_RETRIES", "HTTP_BACKOFF"):
        try:
            if float(get(name)) < 0:
                raise ValueError
        except ValueError:
            raise SettingsError(
                f"Paramètre {name} invalide « {get(name)} » : nombre positif attendu."
            ) from None
    for name in ("DEMO", "MARQUE_ETAT"):
        if get(name) not in {"0", "1"}:
            raise SettingsError(
                f"Paramètre {name} invalide « {get(name)} » : « 0 » ou « 1 » attendu."
            )
