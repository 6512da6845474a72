"""Settings: each declared once, with its default and French help text, in one section per app.

pydantic-settings reads them from environment variables of the same name (e.g. `HTTP_TIMEOUT`)
and checks their type; `check()` runs at start-up and turns a bad value into a French message.
A test fails if the README does not document a setting. Relative paths are resolved against the
working directory, never against the installed package: data lives in `DATA_DIR`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import UserError

DATABASE_FILE = "tableau-de-bord.sqlite"

_CONFIG = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)


class SettingsError(UserError):
    """A setting has an invalid value; the message is French."""


class CoreSettings(BaseSettings):
    """Shared by both apps: where the data and the catalog are."""

    model_config = _CONFIG

    data_dir: Path = Field(
        Path("data"),
        description="Dossier des données locales : base SQLite, cache de l'ETL, secrets générés "
        "(relatif au dossier de travail ; jamais dans le paquet installé).",
    )
    database_url: str = Field(
        "",
        description="URL SQLAlchemy de la base ; vide : SQLite dans DATA_DIR. PostgreSQL en "
        "production, ex. postgresql+psycopg://utilisateur@hôte/base.",
    )
    catalog_path: Path | None = Field(
        None,
        description="Autre catalogue d'indicateurs (YAML) ; vide : celui livré avec le paquet.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / DATABASE_FILE).resolve()}"


class EtlSettings(BaseSettings):
    """The ETL's own: downloads, lock, HTTP."""

    model_config = _CONFIG

    demo: Literal["0", "1"] = Field(
        "1", description="« 0 » : `make run` ne charge pas les données de démonstration."
    )
    etl_cache_dir: Path | None = Field(
        None,
        description="Dossier où l'ETL garde chaque fichier téléchargé (avec son URL et son "
        "SHA-256) ; vide : DATA_DIR/cache.",
    )
    etl_lock_timeout: float = Field(
        30,
        ge=0,
        description="Secondes d'attente du verrou de chargement avant de refuser un second "
        "chargement.",
    )
    import_max_bytes: int = Field(
        100_000_000,
        gt=0,
        description="Taille maximale (octets) d'un fichier importé ou déposé ; au-delà il est "
        "refusé avant lecture (un CSV occupe en mémoire environ 14 fois sa taille).",
    )
    http_timeout: float = Field(30, ge=0, description="Délai d'attente d'une requête HTTP (s).")
    http_retries: int = Field(
        3, ge=0, description="Nombre de nouvelles tentatives HTTP sur erreur 5xx ou délai."
    )
    http_backoff: float = Field(
        1, ge=0, description="Facteur d'attente exponentielle entre deux tentatives HTTP."
    )
    http_deadline: float = Field(
        3600,
        gt=0,
        description="Durée maximale (s) d'un téléchargement entier, comptée dès la première "
        "tentative ; au-delà il est interrompu, même si le serveur envoie encore des octets.",
    )
    http_retry_after_max: int = Field(
        30,
        ge=0,
        description="Attente maximale (s) entre deux tentatives HTTP, même si le serveur "
        "demande plus (en-tête Retry-After).",
    )
    http_max_bytes: int = Field(
        5_000_000_000,
        gt=0,
        description="Taille maximale (octets) d'un fichier téléchargé ; au-delà il est refusé "
        "(un mois d'Open DAMIR compressé fait environ 1 Go).",
    )
    http_json_max_bytes: int = Field(
        20_000_000,
        gt=0,
        description="Taille maximale (octets) d'une réponse JSON d'API (data.gouv.fr) ; "
        "au-delà elle est refusée.",
    )

    def cache_dir(self) -> Path:
        return self.etl_cache_dir or core().data_dir / "cache"


class DashboardSettings(BaseSettings):
    """The dashboard's own: shared cache and brand."""

    model_config = _CONFIG

    redis_url: str = Field(
        "",
        description="URL Redis du cache du tableau de bord (ex. redis://127.0.0.1:6379/0) ; "
        "vide : cache en mémoire du processus.",
    )
    data_version_ttl: float = Field(
        1,
        ge=0,
        le=60,
        description="Secondes pendant lesquelles un processus réutilise la version des données "
        "(dernier chargement réussi) sans la redemander à la base ; un chargement est vu par "
        "tous les processus dans ce délai. 0 : relue à chaque requête.",
    )
    marque_etat: Literal["0", "1"] = Field(
        "1",
        description="« 1 » : en-tête et pied de page officiels de l'État (DSFR, Marianne) ; "
        "« 0 » : en-tête neutre pour un déploiement hors administration.",
    )

    api_rate_limit: str = Field(
        "300/minute",
        description="Limite de requêtes d'un client anonyme sur /api/ (notation de "
        "flask-limiter, ex. « 300/minute » ou « 10/second;1000/hour ») ; « 0 » : aucune limite. "
        "Compteurs dans Redis si REDIS_URL est posé.",
    )

    @field_validator("api_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        if value.strip() in ("", "0"):
            return "0"
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("attendu : « 0 » ou une limite comme « 300/minute »") from None
        return value

    @property
    def state_marks(self) -> bool:
        return self.marque_etat == "1"


class AccessSettings(BaseSettings):
    """Sign-in and web security of the dashboard: session, proxies, ProConnect."""

    model_config = _CONFIG

    env: Literal["development", "production"] = Field(
        "development",
        description="« production » : SECRET_KEY obligatoire (le serveur refuse de démarrer "
        "sans), cookies de session « Secure » ; « development » : clé générée dans DATA_DIR.",
    )
    secret_key: SecretStr = Field(
        SecretStr(""),
        description="Clé qui signe les cookies de session (au moins 32 caractères aléatoires) ; "
        "vide hors production : générée une fois dans DATA_DIR/secret_key (mode 600).",
    )
    session_hours: float = Field(
        8, gt=0, le=24 * 30, description="Durée (heures) d'une session après la connexion."
    )
    cookie_secure: Literal["auto", "0", "1"] = Field(
        "auto",
        description="Cookie de session « Secure » (envoyé en HTTPS seulement) : « 1 » oui, "
        "« 0 » non, « auto » : oui quand ENV=production.",
    )
    trusted_proxies: int = Field(
        0,
        ge=0,
        le=5,
        description="Nombre de mandataires inverses (reverse proxies) devant le serveur dont on "
        "croit l'en-tête X-Forwarded-For : l'adresse du client du verrouillage des connexions "
        "et du journal d'audit. 0 : l'adresse de la connexion TCP.",
    )
    proconnect_issuer: str = Field(
        "",
        description="Émetteur OpenID Connect de ProConnect (ex. "
        "https://auth.agentconnect.gouv.fr/api/v2) ; vide : pas de bouton ProConnect.",
    )
    proconnect_client_id: str = Field("", description="Identifiant client ProConnect.")
    proconnect_client_secret: SecretStr = Field(
        SecretStr(""), description="Secret client ProConnect (jamais journalisé)."
    )
    proconnect_redirect_url: str = Field(
        "",
        description="URL de retour déclarée chez ProConnect, ex. "
        "https://tableau.example.gouv.fr/connexion/proconnect/retour.",
    )

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure == "1" or (self.cookie_secure == "auto" and self.production)

    @property
    def proconnect_configured(self) -> bool:
        return bool(
            self.proconnect_issuer
            and self.proconnect_client_id
            and self.proconnect_client_secret.get_secret_value()
            and self.proconnect_redirect_url
        )


S = TypeVar("S", bound=BaseSettings)

SECTIONS: tuple[type[BaseSettings], ...] = (
    CoreSettings,
    EtlSettings,
    DashboardSettings,
    AccessSettings,
)


def _load(section: type[S]) -> S:
    try:
        return section()
    except ValidationError as exc:
        problems = "; ".join(
            f"{str(err['loc'][0]).upper()} invalide « {err.get('input')} » : {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"Paramètre {problems}.") from None


def core() -> CoreSettings:
    """Read afresh from the environment at each call (cheap; tests change the environment)."""
    return _load(CoreSettings)


def etl() -> EtlSettings:
    return _load(EtlSettings)


def dashboard() -> DashboardSettings:
    return _load(DashboardSettings)


def access() -> AccessSettings:
    return _load(AccessSettings)


def database_url() -> str:
    return core().resolved_database_url()


def check() -> None:
    """Validate every section at start-up; raises SettingsError with a French message."""
    for section in SECTIONS:
        _load(section)


@dataclass(frozen=True)
class Documented:
    name: str
    default: str
    help: str


def documented() -> Iterator[Documented]:
    """Every setting, as the README's table documents it."""
    for section in SECTIONS:
        for name, field in section.model_fields.items():
            value = field.default
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            default = "" if value is None else str(value)
            yield Documented(name.upper(), default, field.description or "")
