"""/admin: the delegation's administration (DNS only; anyone else gets the 404 page).

Runs (status, duration, counts, errors; latest first, paginated), freshness per
indicator and per source (late first), data-quality alerts (etl.quality), accounts
(disable), deposits (withdraw, restore: each its own run through the write path) and the
audit log with its CSV export. Forms rendered on the server, plain POSTs with the CSRF
token; every action leaves an audit line. Never cached.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import flask
from dash import html
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from core import accounts
from core.accounts import AccountError, AuditAction
from core.db import transaction
from core.models import AuditEntry, Run
from core.policy import Actor, may_administer
from core.vocabulary import Level
from dashboard import queries, server_html, signin, urls
from dashboard.components import dsfr
from dashboard.pages import _forms
from etl import service

logger = logging.getLogger(__name__)

TITLE = "Administration"
RUNS_PER_PAGE = 25
AUDIT_SHOWN = 100
AUDIT_LABELS: dict[str, str] = {
    AuditAction.sign_in: "connexion",
    AuditAction.sign_in_failed: "connexion refusée",
    AuditAction.sign_in_locked: "connexion bloquée (trop d'échecs)",
    AuditAction.sign_in_unknown_sso: "connexion ProConnect d'un compte inconnu",
    AuditAction.sign_out: "déconnexion",
    AuditAction.user_added: "compte créé",
    AuditAction.user_disabled: "compte désactivé",
    AuditAction.deposit_preview: "dépôt : aperçu",
    AuditAction.deposit_rejected: "dépôt : refusé",
    AuditAction.deposit_confirm: "dépôt : confirmé",
    AuditAction.deposit_cancel: "dépôt : annulé",
    AuditAction.deposit_withdraw: "dépôt : retiré",
    AuditAction.deposit_restore: "dépôt : restauré",
}
STATUS_FR = {
    "success": ("réussi", "success"),
    "unchanged": ("inchangé", "info"),
    "failed": ("échec", "error"),
    "running": ("en cours", "new"),
}
UNAVAILABLE = (
    "L'administration est indisponible pour le moment (base de données injoignable) : rien "
    "n'a été modifié. Réessayez dans quelques minutes."
)


def install(server: flask.Flask) -> None:
    server.add_url_rule(urls.ADMIN, "admin", _guarded(admin_page))
    server.add_url_rule(urls.ADMIN_AUDIT_CSV, "admin_audit_csv", _guarded(audit_csv))
    server.add_url_rule(urls.ADMIN_DISABLE, "admin_disable", _guarded(disable), methods=["POST"])
    server.add_url_rule(urls.ADMIN_WITHDRAW, "admin_withdraw", _guarded(withdraw), methods=["POST"])
    server.add_url_rule(urls.ADMIN_RESTORE, "admin_restore", _guarded(restore), methods=["POST"])


def _guarded(view: _forms.View) -> Callable[[], ResponseReturnValue]:
    """Anyone but the delegation: 404, as for a page that does not exist."""
    return _forms.guard(
        view, allowed=may_administer, title=TITLE, unavailable=UNAVAILABLE, sign_in_first=False
    )


# -- actions ---------------------------------------------------------------------------------


def _run_id() -> int | None:
    text = flask.request.form.get("traitement", "")
    return int(text) if text.isdigit() and len(text) < 12 else None


def disable(actor: Actor) -> ResponseReturnValue:
    email = flask.request.form.get("email", "")
    if email.strip().lower() == (actor.email or ""):
        return _admin(actor, error="Vous ne pouvez pas désactiver votre propre compte.", status=409)
    try:
        with transaction(queries.store().engine) as db:
            user = accounts.disable_user(db, email, by=actor.email, address=signin.client_address())
            done = user.email
    except AccountError as exc:
        return _admin(actor, error=str(exc), status=404)
    return _admin(actor, message=f"Compte {done} désactivé : ses sessions sont fermées.")


def _revert(actor: Actor, *, withdrawing: bool) -> ResponseReturnValue:
    run_id = _run_id()
    if run_id is None:
        return _admin(actor, error="Numéro de dépôt manquant : rien n'a été modifié.", status=422)
    engine = queries.store().engine
    act = service.withdraw_deposit if withdrawing else service.restore_deposit
    try:
        done = act(engine, run_id, actor=actor)
    except service.DepositBusy as exc:
        return _admin(actor, error=str(exc), status=503)
    except service.RevertError as exc:
        return _admin(actor, error=str(exc), status=409)
    queries.store().forget_data_version()  # this process shows the values back at once
    report = done.report
    what = "retiré" if withdrawing else "restauré"
    detail = (
        f"traitement n° {done.run_id} : {report.rows_updated + report.rows_inserted} valeur(s) "
        f"remise(s), {report.rows_deleted} supprimée(s), {report.rows_kept} conservée(s) "
        "(modifiées depuis par un autre chargement)"
    )
    action = AuditAction.deposit_withdraw if withdrawing else AuditAction.deposit_restore
    _forms.audit(action, actor, obj=f"dépôt n° {run_id}", detail=detail)
    return _admin(actor, message=f"Dépôt n° {run_id} {what} ({detail}).")


def withdraw(actor: Actor) -> ResponseReturnValue:
    return _revert(actor, withdrawing=True)


def restore(actor: Actor) -> ResponseReturnValue:
    return _revert(actor, withdrawing=False)


def audit_csv(actor: Actor) -> ResponseReturnValue:
    """The whole audit log, oldest first; a cell that a spreadsheet would take for a
    formula is prefixed with « ' »."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["date", "acteur", "adresse", "action", "objet", "detail"])
    with transaction(queries.store().engine) as db:
        for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id)):
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        e.at.isoformat(),
                        e.actor or "",
                        e.address or "",
                        AUDIT_LABELS.get(e.action, e.action),
                        e.object or "",
                        e.detail or "",
                    )
                ]
            )
    response = flask.Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="journal-audit.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# -- page ------------------------------------------------------------------------------------


def admin_page(actor: Actor) -> ResponseReturnValue:
    return _admin(actor)


def _page_number() -> int:
    text = flask.request.args.get(urls.PAGE_PARAM, "1")
    return max(1, min(int(text), 100_000)) if text.isdigit() and len(text) < 7 else 1


def _admin(
    actor: Actor, *, message: str = "", error: str = "", status: int = 200
) -> flask.Response:
    store = queries.store()
    number = _page_number()
    runs, total = service.runs_page(
        store.engine, limit=RUNS_PER_PAGE, offset=(number - 1) * RUNS_PER_PAGE
    )
    parts = [server_html.to_html(html.H1(TITLE))]
    if message:
        parts.append(
            server_html.to_html(
                html.Div(dsfr.alert("success", title=message), className="fr-mb-3w", id="resultat")
            )
        )
    if error:
        parts.append(signin._alert(error))
    parts += [
        _section("traitements", "Traitements", _runs_table(runs, total=total, number=number)),
        _section("fraicheur", "Fraîcheur des données", _freshness(store.engine)),
        _section("qualite", "Alertes de qualité des données", _alerts(store)),
        _section("depots", "Dépôts", _deposits(store.engine)),
        _section("comptes", "Comptes", _accounts(store.engine)),
        _section("journal", "Journal d'audit", _audit_log(store.engine)),
    ]
    return signin._page(TITLE, "".join(parts), status=status, wide=True)


def _section(anchor: str, title: str, body: str) -> str:
    heading = server_html.to_html(html.H2(title, id=anchor, className="fr-h3 fr-mt-6w"))
    return heading + body


def table(
    caption: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *, table_id: str
) -> str:
    """A DSFR table whose cells are HTML already escaped (they may hold forms). Its
    container scrolls sideways on a narrow screen: a named region the keyboard can reach
    and scroll, like dsfr.table's."""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    if not rows:
        body = f'<tr><td colspan="{len(columns)}">Aucune ligne.</td></tr>'
    return (
        f'<div class="fr-table fr-table--no-caption-top" id="{table_id}"><div '
        'class="fr-table__wrapper"><div class="fr-table__container" role="region" tabindex="0" '
        f'aria-label="{escape(caption, quote=True)}"><div '
        f'class="fr-table__content"><table><caption>{escape(caption)}</caption><thead><tr>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></div></div></div></div>"
    )


def _text(value: object) -> str:
    return escape("" if value is None else str(value))


def _badge(text: str, kind: str) -> str:
    return server_html.to_html(dsfr.badge(text, kind=kind))


def _when(moment: Any) -> str:
    if moment is None:
        return "—"
    aware = service.aware(moment)
    return aware.astimezone(signin.PARIS).strftime("%d/%m/%Y %H:%M")


def _moment(text: str | None) -> Any:
    return service.parse_moment(text) if text else None


def _duration(run: Run) -> str:
    if run.finished_at is None:
        return "—"
    seconds = (service.aware(run.finished_at) - service.aware(run.started_at)).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _runs_table(runs: Sequence[Run], *, total: int, number: int) -> str:
    rows = []
    for r in runs:
        label, kind = STATUS_FR.get(str(r.status.value), (str(r.status.value), ""))
        counts = (
            f"{r.rows_read} lues, {r.rows_inserted} insérées, {r.rows_updated} mises à "
            f"jour, {r.rows_unchanged} inchangées, {r.rows_rejected} rejetées, "
            f"{r.rows_deleted} supprimées"
        )
        rows.append(
            [
                str(r.id),
                _text(r.source),
                _text(r.kind),
                _badge(label, kind),
                _when(r.started_at),
                _duration(r),
                escape(counts),
                _text(r.actor or "—"),
                _text((r.error or "")[:300]),
            ]
        )
    caption = f"Traitements, les plus récents d'abord ({total} au total)"
    columns = ["N°", "Source", "Type", "Statut", "Début", "Durée", "Lignes", "Par", "Erreur"]
    links = []
    if number > 1:
        links.append(
            f'<a class="fr-link fr-mr-3w" href="{escape(urls.admin(number - 1))}'
            '#traitements">Traitements plus récents</a>'
        )
    if number * RUNS_PER_PAGE < total:
        links.append(
            f'<a class="fr-link" href="{escape(urls.admin(number + 1))}'
            '#traitements">Traitements plus anciens</a>'
        )
    nav = f'<p id="pagination-traitements">Page {number}. {" ".join(links)}</p>'
    return table(caption, columns, rows, table_id="table-traitements") + nav


def _freshness(engine: Any) -> str:
    status = service.freshness_report(engine)
    order = {service.LATE: 0, service.NO_DATA: 1, service.FRESH: 2}
    details = sorted(
        status["indicators_detail"].items(),
        key=lambda kv: (order.get(kv[1]["freshness"], 3), kv[0]),
    )
    kinds = {service.LATE: "warning", service.NO_DATA: "error", service.FRESH: "success"}
    rows = [
        [
            _text(slug),
            _text(d["frequency"]),
            _text(d["latest_real_period"] or "—"),
            _text(d["expected_period"]),
            _when(_moment(d["last_update"])),
            _badge(d["freshness"], kinds.get(d["freshness"], "")),
        ]
        for slug, d in details
    ]
    indicators = table(
        "Par indicateur, les retards d'abord",
        [
            "Indicateur",
            "Fréquence",
            "Dernière période réelle",
            "Période attendue",
            "Dernier chargement",
            "État",
        ],
        rows,
        table_id="table-fraicheur",
    )
    sources = sorted(
        status["sources"].items(), key=lambda kv: (kv[1]["last_success_at"] or "", kv[0])
    )
    source_rows = [
        [
            _text(name),
            _text(s["last_success_at"] or "jamais"),
            _text(s["last_failure_at"] or "—"),
            _text((s["last_failure_error"] or "")[:200]),
        ]
        for name, s in sources
    ]
    per_source = table(
        "Par source, la plus anciennement chargée d'abord",
        ["Source", "Dernier succès", "Dernier échec", "Erreur du dernier échec"],
        source_rows,
        table_id="table-sources",
    )
    return indicators + per_source


def _alerts(store: queries.Queries) -> str:
    alerts = service.current_alerts(store.engine, catalog=store.catalog)
    rows = [
        [_text(a.kind), _text(a.indicator_id), _text(a.area), _text(a.period), _text(a.message)]
        for a in alerts
    ]
    intro = server_html.to_html(
        html.P(
            "Sur les données réelles (hors démonstration) : cumul qui baisse, départements "
            "dont la somme diffère de leur région ou de la France, variation hors de "
            "l'ordinaire de la série."
        )
    )
    return intro + table(
        f"Alertes ({len(alerts)})",
        ["Alerte", "Indicateur", "Territoire", "Période", "Détail"],
        rows,
        table_id="table-alertes",
    )


def _post_button(action: str, label: str, hidden: dict[str, str], *, form_id: str) -> str:
    fields = [signin._csrf_field()]
    fields += [signin._input(type="hidden", name=k, value=v) for k, v in hidden.items()]
    fields.append(server_html.to_html(dsfr.button(label, kind="secondary")))
    return signin._form(fields, action=action, form_id=form_id)


def _deposits(engine: Any) -> str:
    rows = []
    for d in service.deposits(engine):
        r = d.run
        if d.withdrawn_by is None:
            state = _badge("en vigueur", "success")
            action = _post_button(
                urls.ADMIN_WITHDRAW, "Retirer", {"traitement": str(r.id)}, form_id=f"retirer-{r.id}"
            )
        else:
            state = _badge(f"retiré (traitement n° {d.withdrawn_by})", "warning")
            action = _post_button(
                urls.ADMIN_RESTORE,
                "Restaurer",
                {"traitement": str(r.id)},
                form_id=f"restaurer-{r.id}",
            )
        rows.append(
            [
                str(r.id),
                _text(r.source.split(":", 1)[-1]),
                _text(r.actor or "—"),
                _when(r.finished_at),
                escape(f"{r.rows_inserted} insérées, {r.rows_updated} mises à jour"),
                state,
                action,
            ]
        )
    intro = server_html.to_html(
        html.P(
            "Retirer un dépôt remet les valeurs d'avant lui (les lignes qu'il a créées "
            "disparaissent) ; restaurer le remet en vigueur. Chacun est un traitement enregistré."
        )
    )
    return intro + table(
        "Dépôts chargés, les plus récents d'abord",
        ["Traitement", "Indicateur", "Déposé par", "Date", "Lignes", "État", "Action"],
        rows,
        table_id="table-depots",
    )


def _accounts(engine: Any) -> str:
    rows = []
    with transaction(engine) as db:
        for u in accounts.list_users(db):
            action = (
                "—"
                if u.disabled
                else _post_button(
                    urls.ADMIN_DISABLE,
                    "Désactiver",
                    {"email": u.email},
                    form_id=f"desactiver-{u.id}",
                )
            )
            rows.append(
                [
                    _text(u.email),
                    _text(u.role.upper()),
                    _text(u.region or "—"),
                    "ProConnect seulement" if u.sso_only else "mot de passe ou ProConnect",
                    _badge("désactivé", "error") if u.disabled else _badge("actif", "success"),
                    action,
                ]
            )
    return table(
        "Comptes",
        ["Adresse", "Rôle", Level.region.label.capitalize(), "Connexion", "État", "Action"],
        rows,
        table_id="table-comptes",
    )


def _audit_log(engine: Any) -> str:
    with transaction(engine) as db:
        entries = db.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_SHOWN)
        ).all()
        rows = [
            [
                _when(e.at),
                _text(e.actor or "—"),
                _text(e.address or "—"),
                _text(AUDIT_LABELS.get(e.action, e.action)),
                _text(e.object or ""),
                _text(e.detail or ""),
            ]
            for e in entries
        ]
    href = escape(urls.ADMIN_AUDIT_CSV)
    export = (
        f'<p><a class="fr-link fr-link--download" id="export-journal" href="{href}">'
        "Exporter tout le journal (CSV)</a></p>"
    )
    return export + table(
        f"Les {AUDIT_SHOWN} dernières lignes",
        ["Date", "Acteur", "Adresse", "Action", "Objet", "Détail"],
        rows,
        table_id="table-journal",
    )
