"""`python -m etl`: French command line of the ETL. Never a traceback for a user error."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from core import accounts, db, settings
from core.catalog import Catalog, load_catalog
from core.errors import UserError
from etl.freshness import database_status
from etl.published import (
    PUBLISHED_CSV,
    load_published,
)
from etl.sync import sync_reference

FREQUENCY_FR = {"monthly": "mensuel", "quarterly": "trimestriel", "yearly": "annuel"}


def _say(message: str) -> None:
    print(message, flush=True)


def _fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_ready(engine: Engine) -> None:
    """Refuse to work on a database that is not at the latest migration."""
    current, head = db.current_revision(engine), db.head_revision(engine)
    if current != head:
        raise db.DatabaseError(
            f"Base {db.safe_url(str(engine.url))} non initialisée ou pas à jour "
            f"(version {current or 'aucune'}, attendue {head}). "
            "Lancez d'abord : python -m etl init"
        )


def cmd_init(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    before = db.current_revision(engine)
    db.upgrade(engine)
    with engine.begin() as conn:
        sync_reference(conn, catalog)
    after = db.current_revision(engine)
    state = "créée" if before is None else ("mise à jour" if before != after else "déjà à jour")
    _say(
        f"Base {db.safe_url(str(engine.url))} {state} (version {after}) : "
        f"{len(catalog.indicators)} indicateurs, 120 territoires."
    )
    return 0


def cmd_published(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    ensure_ready(engine)
    path = Path(args.file)
    report = load_published(engine, path, catalog=catalog)
    _say(f"Chiffres publiés chargés depuis {path.name} : {report.summary()}.")
    return 0


def cmd_demo(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    from etl import demo

    ensure_ready(engine)
    if args.purge:
        n = demo.purge_demo(engine)
        _say(f"Données de démonstration supprimées : {n} observations.")
        return 0
    if args.if_empty and demo.has_demo(engine):
        _say("Données de démonstration déjà présentes : rien à faire.")
        return 0
    until = demo.parse_until(args.until) if args.until else None
    report = demo.run_demo(engine, catalog, seed=args.seed, until=until, progress=_say)
    _say(f"Données de démonstration (synthétiques) chargées : {report.summary()}.")
    return 0


def cmd_import(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    """Load a filled ARS template; the whole file or nothing."""
    from etl.service import confirm_deposit

    ensure_ready(engine)
    path = Path(args.file)
    result = confirm_deposit(
        engine,
        path,
        catalog=catalog,
        indicator=args.indicator,
        force=args.force,
        lock_timeout=args.lock_timeout,
        actor=_cli_actor(),
    )
    if result.skipped:
        _say(f"Fichier {path.name} déjà importé à l'identique : rien à faire (traitement n° "
             f"{result.run_id}). Utilisez --force pour le relire.")  # fmt: skip
        return 0
    _say(f"Fichier {path.name} importé (traitement n° {result.run_id}) : "
         f"{result.report.summary()}.")  # fmt: skip
    if result.ignored:
        _say(result.ignored)
    agg = result.aggregates
    if agg.rows_read:
        _say(f"Agrégats régions et France recalculés : {agg.rows_inserted} insérés, "
             f"{agg.rows_updated} mis à jour, {agg.rows_unchanged} inchangés.")  # fmt: skip
    return 0


def cmd_template(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    """Write the empty deposit template of one indicator (CSV or XLSX by extension)."""
    from etl.template import write_template

    indicator = catalog.get(args.indicator)
    path = write_template(Path(args.output), indicator=indicator)
    _say(f"Modèle de dépôt pour « {indicator.id} » écrit dans {path}.")
    return 0


def cmd_run(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    """Pull every configured source (or the named ones); non-zero exit if any failed."""
    from etl.run import run_sources

    ensure_ready(engine)
    results = run_sources(engine, catalog, names=args.sources, force=args.force, say=_say)
    if not results:
        _say("Aucune source configurée dans le catalogue (section « sources: »).")
        return 0
    failed = [r for r in results if r.failed]
    _say(
        f"Bilan : {len(results)} source{'s' if len(results) > 1 else ''}, "
        f"{len(results) - len(failed)} sans erreur, {len(failed)} en échec."
    )
    for r in failed:
        _fail(f"Échec de « {r.name} » : {r.message}")
    return 1 if failed else 0


def cmd_status(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    ensure_ready(engine)
    status = database_status(engine)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
        return 0
    _say(f"Base : {status['database']}")
    _say(f"Indicateurs : {status['indicators']}")
    a = status["areas"]
    _say(
        f"Territoires : {a['national']} France, {a['region']} régions, "
        f"{a['department']} départements"
    )
    _say(f"Observations : {status['observations']}")
    for origin, n in sorted(status["observations_by_origin"].items()):
        _say(f"  - {origin} : {n}")
    _say("Dernière période par indicateur :")
    for slug, period in status["latest_period"].items():
        _say(f"  - {slug} : {period}")
    _say("Fraîcheur des données réelles par indicateur :")
    for slug, info in status["indicators_detail"].items():
        _say(
            f"  - {slug} ({FREQUENCY_FR.get(info['frequency'], info['frequency'])}) : "
            f"{info['freshness']}, dernière période "
            f"{info['latest_real_period'] or '—'} (attendue {info['expected_period']})"
        )
    _say("Sources :")
    for source, info in status["sources"].items():
        ok = info["last_success_at"]
        line = f"  - {source} : dernier succès {ok[:19].replace('T', ' ') if ok else 'jamais'}"
        if info["last_failure_at"]:
            line += f" ; dernier échec {info['last_failure_at'][:19].replace('T', ' ')}"
        _say(line)
    _say("Derniers traitements :")
    for r in status["last_runs"]:
        _say(
            f"  - n° {r['id']} {r['source']} ({r['kind']}) : {r['status']}, "
            f"{r['started_at'][:19].replace('T', ' ')}"
            + (f" — erreur : {r['error']}" if r["error"] else "")
        )
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    """None for --sso-only; one line of standard input with --password-stdin; else typed
    twice on a terminal (never echoed, never an argument: it would show in `ps`)."""
    if args.sso_only:
        if args.password_stdin:
            raise UserError(
                "Un compte --sso-only n'a pas de mot de passe : retirez --password-stdin."
            )
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError(
            "Mot de passe : tapez-le dans un terminal, ou passez-le sur une ligne de l'entrée "
            "standard avec --password-stdin."
        )
    first = getpass.getpass("Mot de passe : ")
    if getpass.getpass("Mot de passe (confirmation) : ") != first:
        raise UserError("Les deux mots de passe diffèrent. Aucun compte créé.")
    return first


def cmd_users_add(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    """Create an account; the account and its audit line are one transaction."""
    ensure_ready(engine)
    account = accounts.NewAccount(
        email=args.email,
        role=args.role,
        region=args.region,
        password=_read_password(args),
        sso_only=args.sso_only,
    )
    with db.transaction(engine) as session:
        user = accounts.add_user(session, account, by=_cli_actor())
        email, region = user.email, user.region
    where = f", région {region}" if region else ""
    how = " (connexion par ProConnect seulement)" if args.sso_only else ""
    _say(f"Compte {email} créé : rôle {args.role}{where}{how}.")
    return 0


def cmd_users_list(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    ensure_ready(engine)
    with db.transaction(engine) as session:
        users = accounts.list_users(session)
        lines = [
            f"{u.email}\t{u.role}\t{u.region or '—'}\t"
            f"{'ProConnect seulement' if u.sso_only else 'mot de passe ou ProConnect'}\t"
            f"{'désactivé' if u.disabled else 'actif'}"
            for u in users
        ]
    if not lines:
        _say("Aucun compte. Créez le premier : python -m etl users add EMAIL --role dns")
        return 0
    _say("adresse\trôle\trégion\tconnexion\tétat")
    for line in lines:
        _say(line)
    return 0


def cmd_users_disable(args: argparse.Namespace, engine: Engine, catalog: Catalog) -> int:
    ensure_ready(engine)
    with db.transaction(engine) as session:
        email = accounts.disable_user(session, args.email, by=_cli_actor()).email
    _say(f"Compte {email} désactivé : ses sessions ouvertes perdent l'accès à leur prochaine "
         "requête.")  # fmt: skip
    return 0


def _cli_actor() -> str:
    """Who changes accounts or imports from the command line (audit log, run): the system
    user."""
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:
        return "cli"


def _users_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = sub.add_parser("users", help="comptes ARS et DNS : créer, lister, désactiver")
    cmds = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    p = cmds.add_parser("add", help="crée un compte (mot de passe lu sur l'entrée standard)")
    p.add_argument("email", help="adresse électronique du compte")
    p.add_argument("--role", required=True, choices=["ars", "dns"], help="ars ou dns")
    p.add_argument("--region", default=None, help="code de la région d'un compte ars (ex. 53)")
    p.add_argument(
        "--password-stdin", action="store_true",
        help="lit le mot de passe sur une ligne de l'entrée standard (sinon : tapé deux fois)",
    )  # fmt: skip
    p.add_argument(
        "--sso-only", action="store_true",
        help="compte sans mot de passe, qui ne se connecte que par ProConnect",
    )  # fmt: skip
    p.set_defaults(func=cmd_users_add)
    p = cmds.add_parser("list", help="liste les comptes")
    p.set_defaults(func=cmd_users_list)
    p = cmds.add_parser("disable", help="désactive un compte : il ne peut plus se connecter")
    p.add_argument("email", help="adresse électronique du compte")
    p.set_defaults(func=cmd_users_disable)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m etl",
        description="Collecte et chargement des indicateurs du numérique en santé.",
    )
    parser.add_argument("--catalog", default=None, help="chemin du catalogue indicators.yaml")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")

    p = sub.add_parser("init", help="crée ou met à jour la base (migrations Alembic)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("published", help="charge les chiffres réellement publiés (idempotent)")
    p.add_argument("--file", default=str(PUBLISHED_CSV), help="fichier des chiffres publiés")
    p.set_defaults(func=cmd_published)

    p = sub.add_parser("demo", help="génère les données de démonstration (synthétiques)")
    p.add_argument("--seed", type=int, default=42, help="graine du générateur (défaut 42)")
    p.add_argument(
        "--until", default=None, help="dernière période AAAA-MM (défaut : dernière complète)"
    )
    p.add_argument(
        "--purge", action="store_true", help="supprime toutes les données de démonstration"
    )
    p.add_argument(
        "--if-empty", action="store_true", help="seulement si aucune donnée de démonstration"
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import", help="importe un fichier de dépôt ARS (CSV ou XLSX du modèle)")
    p.add_argument("file", help="fichier rempli à partir du modèle (python -m etl template)")
    p.add_argument("--indicator", default=None, help="identifiant de l'indicateur attendu")
    p.add_argument("--force", action="store_true", help="relit le fichier même déjà importé")
    p.add_argument(
        "--lock-timeout", type=float, default=None,
        help="secondes d'attente si un autre chargement est en cours (défaut ETL_LOCK_TIMEOUT)",
    )  # fmt: skip
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("template", help="écrit le modèle de dépôt ARS d'un indicateur")
    p.add_argument("indicator", help="identifiant de l'indicateur (voir indicators.yaml)")
    p.add_argument("--output", required=True, help="fichier à écrire : .csv ou .xlsx")
    p.set_defaults(func=cmd_template)

    p = sub.add_parser("run", help="récupère et charge les sources du catalogue")
    p.add_argument("sources", nargs="*", help="noms des sources (défaut : toutes les actives)")
    p.add_argument("--force", action="store_true", help="recharge même un fichier inchangé")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("status", help="état de la base : comptes, dernières périodes, traitements")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=cmd_status)
    _users_parser(sub)
    return parser


Command = Callable[[argparse.Namespace, Engine, Catalog], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings.check()
        catalog = load_catalog(args.catalog) if args.catalog else load_catalog()
        engine = db.make_engine()
        func: Command = args.func
        return func(args, engine, catalog)
    except UserError as exc:
        _fail(f"Erreur : {exc}")
        return 1
    except OperationalError as exc:
        _fail(
            f"Erreur : base de données injoignable ou inutilisable "
            f"({db.safe_url(settings.database_url())}) : {exc.orig}"
        )
        return 1
    except SQLAlchemyError as exc:
        _fail(f"Erreur de base de données : {exc}")
        return 1
    except KeyboardInterrupt:
        _fail("Interrompu. Aucune donnée modifiée par le traitement en cours.")
        return 130
    except Exception as exc:  # last resort: a message, the traceback only on request
        _fail(f"Erreur inattendue : {exc}. Relancez avec ETL_DEBUG=1 pour le détail technique.")
        if os.environ.get("ETL_DEBUG"):
            traceback.print_exc()
        return 1
