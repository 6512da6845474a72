"""/depot: an ARS (for its région) or the delegation deposits a filled template.

Forms rendered on the server, plain POSTs carrying the CSRF token (no JavaScript needed):
choose an indicator and download its template; upload the filled CSV or XLSX; read the
preview (rows new, updated, unchanged, each value before → after, or every error with
its row and column: the report of `python -m etl import`); then « Confirmer » loads it
through the locked write path of the command line, or « Annuler » writes nothing. The
pending deposit lives in the database (etl.service), so any worker may confirm it.
An anonymous reader is sent to the sign-in page; the pages are never cached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

import flask
from dash import html
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

from core.accounts import AuditAction
from core.catalog import Indicator
from core.policy import Actor, deposit_levels, may_deposit, may_see_indicator
from core.vocabulary import Level
from dashboard import queries, server_html, signin, urls
from dashboard.components import dsfr
from dashboard.pages import _forms
from etl import service

logger = logging.getLogger(__name__)

TITLE = "Déposer des données"
FILE_FIELD = "fichier"
FORMATS = {
    "csv": (".csv", "text/csv"),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
UNAVAILABLE = (
    "Le dépôt est indisponible pour le moment (base de données injoignable) : rien n'a été "
    "enregistré. Réessayez dans quelques minutes."
)


def install(server: flask.Flask) -> None:
    server.add_url_rule(urls.DEPOSIT, "deposit", _guarded(deposit_page), methods=["GET", "POST"])
    server.add_url_rule(urls.DEPOSIT_TEMPLATE, "deposit_template", _guarded(template_file))
    server.add_url_rule(urls.DEPOSIT_PREVIEW, "deposit_preview", _guarded(preview_page))
    server.add_url_rule(
        urls.DEPOSIT_CONFIRM, "deposit_confirm", _guarded(confirm), methods=["POST"]
    )
    server.add_url_rule(urls.DEPOSIT_CANCEL, "deposit_cancel", _guarded(cancel), methods=["POST"])


def may_deposit_somewhere(actor: Actor) -> bool:
    """An ARS for its région, the delegation for all: the public never."""
    return actor.signed_in and may_deposit(actor, actor.region or "")


def _guarded(view: _forms.View) -> Callable[[], ResponseReturnValue]:
    """Anonymous → the sign-in page (then back here); a signed-in actor who may not
    deposit → 404."""
    return _forms.guard(
        view,
        allowed=may_deposit_somewhere,
        title=TITLE,
        unavailable=UNAVAILABLE,
        sign_in_first=True,
    )


def depositable(actor: Actor) -> list[Indicator]:
    """Indicators the actor may see and deposit: an ARS only those shown by région or
    département (France is the delegation's)."""
    levels = deposit_levels(actor)
    return [
        i
        for i in queries.store().catalog.indicators
        if may_see_indicator(actor, i.visibility) and levels & set(i.levels_shown)
    ]


# -- views -----------------------------------------------------------------------------------


def deposit_page(actor: Actor) -> ResponseReturnValue:
    choices = depositable(actor)
    if flask.request.method == "GET":
        chosen = flask.request.args.get(urls.INDICATOR_PARAM, "")
        return page(_deposit_content(actor, choices, chosen=chosen))
    request = flask.request
    request.max_content_length = service.web_max_bytes() + 65_536  # the form around the file
    try:
        indicator = request.form.get(urls.INDICATOR_PARAM, "")
        upload = request.files.get(FILE_FIELD)
    except RequestEntityTooLarge:
        message = (
            f"Fichier trop volumineux : au plus {service.bytes_fr(service.web_max_bytes())}. "
            "Rien n'a été enregistré."
        )
        return page(_deposit_content(actor, choices, errors=_error(message)), status=413)
    if indicator not in {i.id for i in choices}:
        message = "Choisissez l'indicateur du fichier dans la liste. Rien n'a été enregistré."
        return page(_deposit_content(actor, choices, errors=_error(message)), status=422)
    if upload is None or not upload.filename:
        message = "Choisissez le fichier à déposer (.csv ou .xlsx). Rien n'a été enregistré."
        content = _deposit_content(actor, choices, chosen=indicator, errors=_error(message))
        return page(content, status=422)
    data = upload.read(service.web_max_bytes() + 1)
    name = service.safe_filename(upload.filename)
    try:
        preview = service.preview_upload(
            queries.store().engine,
            data,
            filename=upload.filename,
            catalog=queries.store().catalog,
            indicator=indicator,
            actor=actor,
        )
    except service.ValidationFailed as exc:
        _forms.audit(
            AuditAction.deposit_rejected,
            actor,
            obj=f"{indicator} — {name}",
            detail=f"{len(exc.errors)} erreur(s)",
        )
        content = _deposit_content(actor, choices, chosen=indicator, errors=_report(exc))
        return page(content, status=422)
    except service.UserError as exc:
        _forms.audit(
            AuditAction.deposit_rejected, actor, obj=f"{indicator} — {name}", detail=str(exc)
        )
        content = _deposit_content(actor, choices, chosen=indicator, errors=_error(str(exc)))
        return page(content, status=422)
    counts = preview.plan["counts"]
    _forms.audit(
        AuditAction.deposit_preview,
        actor,
        obj=f"{indicator} — {preview.filename}",
        detail=f"{counts['new']} nouvelles, {counts['updated']} mises à jour, "
        f"{counts['unchanged'] + counts['kept']} inchangées",
    )
    return flask.redirect(urls.deposit_preview(preview.token), code=303)


def template_file(actor: Actor) -> ResponseReturnValue:
    wanted = flask.request.args.get(urls.INDICATOR_PARAM, "")
    fmt = flask.request.args.get(urls.FORMAT_PARAM, "csv")
    indicator = next((i for i in depositable(actor) if i.id == wanted), None)
    if indicator is None or fmt not in FORMATS:
        flask.abort(404)
    suffix, mimetype = FORMATS[fmt]
    data, name = service.template_file(indicator, suffix=suffix)
    response = flask.Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def preview_page(actor: Actor) -> ResponseReturnValue:
    token = flask.request.args.get(urls.TOKEN_PARAM, "")
    try:
        preview = service.pending(queries.store().engine, token, actor=actor)
    except service.DepositError as exc:
        return page(_error(str(exc)) + _back_link(), status=404)
    return page(_preview_content(preview), wide=True)


def confirm(actor: Actor) -> ResponseReturnValue:
    token = flask.request.form.get(urls.TOKEN_PARAM, "")
    store = queries.store()
    try:
        preview = service.pending(store.engine, token, actor=actor)
        result = service.confirm_pending(store.engine, token, catalog=store.catalog, actor=actor)
    except service.DepositBusy as exc:
        return page(_error(str(exc)) + _back_link(token), status=503)
    except service.DepositOutdated as exc:
        _forms.audit(AuditAction.deposit_rejected, actor, obj=token[:8], detail=str(exc))
        return page(_error(str(exc)) + _back_link(), status=409)
    except service.ValidationFailed as exc:
        return page(_report(exc) + _back_link(), status=422)
    except service.UserError as exc:
        return page(_error(str(exc)) + _back_link(), status=404)
    store.forget_data_version()  # this process shows its own deposit at once
    summary = result.report.summary()
    _forms.audit(
        AuditAction.deposit_confirm,
        actor,
        obj=f"{preview.indicator_id} — {preview.filename} (traitement n° {result.run_id})",
        detail=summary,
    )
    return page(_confirmed_content(actor, preview, run_id=result.run_id, summary=summary))


def cancel(actor: Actor) -> ResponseReturnValue:
    token = flask.request.form.get(urls.TOKEN_PARAM, "")
    try:
        preview = service.cancel_pending(queries.store().engine, token, actor=actor)
    except service.DepositError as exc:
        return page(_error(str(exc)) + _back_link(), status=404)
    _forms.audit(
        AuditAction.deposit_cancel, actor, obj=f"{preview.indicator_id} — {preview.filename}"
    )
    message = dsfr.alert("info", title="Dépôt annulé : rien n'a été enregistré.")
    return page(server_html.to_html(html.Div(message, className="fr-mb-3w")) + _back_link())


# -- content ---------------------------------------------------------------------------------


def page(content: str, *, status: int = 200, wide: bool = False) -> flask.Response:
    return signin._page(TITLE, content, status=status, wide=wide)


def _error(message: str) -> str:
    return signin._alert(message)


def _report(exc: service.ValidationFailed) -> str:
    """Every error with its row and column, as `python -m etl import` reports them."""
    head = exc.report().splitlines()[0]
    rows = [[str(e.row), e.column, e.value or "(vide)", e.expected] for e in exc.errors]
    table = dsfr.table(
        caption="Erreurs du fichier",
        columns=["Ligne", "Colonne", "Valeur lue", "Attendu"],
        rows=rows,
        table_id="erreurs-depot",
    )
    lines = html.Ul([html.Li(line[2:]) for line in exc.report().splitlines()[1:]])
    return server_html.to_html(
        html.Div(
            [dsfr.alert("error", title=head, text=lines), table],
            className="fr-mb-3w",
            id="rapport-depot",
        )
    )


def _select(
    name: str, label: str, options: Sequence[tuple[str, str]], *, chosen: str, field_id: str
) -> str:
    opts = "".join(
        server_html.element(
            "option", {"value": value, "selected": value == chosen, "children": text}
        )
        for value, text in options
    )
    label_html = server_html.to_html(html.Label(label, htmlFor=field_id, className="fr-label"))
    select = server_html.element(
        "select", {"id": field_id, "name": name, "className": "fr-select", "children": ""}
    ).replace("></select>", f">{opts}</select>")
    return f'<div class="fr-select-group">{label_html}{select}</div>'


def _deposit_content(
    actor: Actor, choices: Sequence[Indicator], *, chosen: str = "", errors: str = ""
) -> str:
    where = f"la région {actor.region} et ses départements" if actor.region else "tout territoire"
    options = [(i.id, f"{i.label} ({i.id})") for i in choices]
    intro = server_html.to_html(
        [
            html.H1(TITLE),
            html.P(
                f"Compte {actor.email} : dépôt pour {where}. Le fichier est vérifié puis un aperçu "
                "montre ce qui changera ; rien n'est enregistré avant votre confirmation."
            ),
        ]
    )
    template_form = (
        server_html.to_html(html.H2("1. Télécharger le modèle", className="fr-h4"))
        + '<form method="get" action="'
        + urls.DEPOSIT_TEMPLATE
        + '" id="formulaire-modele">'
        + _select(
            urls.INDICATOR_PARAM,
            "Indicateur",
            options,
            chosen=chosen,
            field_id="modele-indicateur",
        )
        + _select(
            urls.FORMAT_PARAM,
            "Format",
            [("csv", "CSV (;)"), ("xlsx", "Excel (.xlsx)")],
            chosen="csv",
            field_id="modele-format",
        )
        + server_html.to_html(dsfr.button("Télécharger le modèle", kind="secondary"))
        + "</form>"
    )
    limit = service.bytes_fr(service.web_max_bytes())
    upload = server_html.to_html(
        html.Div(
            [
                html.Label(
                    [
                        "Fichier rempli",
                        html.Span(
                            f"Formats .csv ou .xlsx, au plus {limit}.", className="fr-hint-text"
                        ),
                    ],
                    htmlFor="champ-fichier",
                    className="fr-label",
                ),
            ],
            className="fr-upload-group",
        )
    ).replace(
        "</div>",
        signin._input(
            id="champ-fichier",
            name=FILE_FIELD,
            type="file",
            className="fr-upload",
            accept=".csv,.xlsx",
            required=True,
        )
        + "</div>",
        1,
    )
    upload_form = server_html.to_html(
        html.H2("2. Déposer le fichier rempli", className="fr-h4 fr-mt-4w")
    ) + signin._form(
        [
            signin._csrf_field(),
            _select(
                urls.INDICATOR_PARAM,
                "Indicateur du fichier",
                options,
                chosen=chosen,
                field_id="depot-indicateur",
            ),
            upload,
            server_html.to_html(
                html.Div(dsfr.button("Vérifier et prévisualiser"), className="fr-mt-2w")
            ),
        ],
        action=urls.DEPOSIT,
        form_id="formulaire-depot",
        multipart=True,
    )
    return intro + errors + template_form + upload_form


def _counts_text(counts: dict[str, int]) -> list[Any]:
    return [
        dsfr.badge(f"{counts['new']} nouvelle(s)", kind="new"),
        dsfr.badge(f"{counts['updated']} mise(s) à jour", kind="warning"),
        dsfr.badge(f"{counts['unchanged'] + counts['kept']} inchangée(s)", kind="info"),
    ]


def _preview_content(preview: service.Preview) -> str:
    plan = preview.plan
    rows = [
        [
            str(r["row"]),
            r["level"],
            r["code"],
            r["period"],
            r["breakdown"] or "—",
            r["value"],
            r["status"],
        ]
        for r in cast(list[dict[str, Any]], plan["rows"])
    ]
    changes = [
        [str(c["row"]), c["column"], c["before"], c["after"]]
        for c in cast(list[dict[str, Any]], plan["changes"])
    ]
    expires = preview.expires_at.astimezone(signin.PARIS).strftime("%H h %M")
    parts: list[Any] = [
        html.H1("Aperçu du dépôt"),
        html.P(
            f"Fichier « {preview.filename} », indicateur {preview.indicator_id} : "
            f"{plan['total']} ligne(s). Rien n'est encore enregistré ; cet aperçu est gardé "
            f"jusqu'à {expires} (heure de Paris)."
        ),
        html.Div(
            _counts_text(cast(dict[str, int], plan["counts"])),
            id="comptes-apercu",
            className="fr-badges-group fr-mb-3w",
        ),
    ]
    if changes:
        parts.append(
            dsfr.table(
                caption="Valeurs modifiées (avant → après)",
                columns=["Ligne", "Colonne", "Avant", "Après"],
                rows=changes,
                table_id="changements",
            )
        )
    parts.append(
        dsfr.table(
            caption="Lignes du fichier",
            columns=["Ligne", "Niveau", "Code", "Période", "Ventilation", "Valeur", "Effet"],
            rows=rows,
            table_id="lignes-apercu",
        )
    )
    token = signin._input(type="hidden", name=urls.TOKEN_PARAM, value=preview.token)
    confirm_form = signin._form(
        [signin._csrf_field(), token, server_html.to_html(dsfr.button("Confirmer"))],
        action=urls.DEPOSIT_CONFIRM,
        form_id="formulaire-confirmer",
    )
    cancel_form = signin._form(
        [
            signin._csrf_field(),
            token,
            server_html.to_html(dsfr.button("Annuler", kind="secondary")),
        ],
        action=urls.DEPOSIT_CANCEL,
        form_id="formulaire-annuler",
    )
    buttons = f'<div class="fr-btns-group fr-btns-group--inline">{confirm_form}{cancel_form}</div>'
    return server_html.to_html(parts) + buttons


def _confirmed_content(actor: Actor, preview: service.Preview, *, run_id: int, summary: str) -> str:
    links: list[Any] = [html.A("Déposer un autre fichier", href=urls.DEPOSIT, className="fr-link")]
    if actor.region:
        links.insert(
            0,
            html.A(
                "Voir la page de votre région",
                className="fr-link fr-mr-3w",
                href=urls.area(Level.region, actor.region),
            ),
        )
    return server_html.to_html(
        [
            html.Div(
                dsfr.alert(
                    "success",
                    title=f"Dépôt enregistré (traitement n° {run_id})",
                    text=f"Fichier « {preview.filename} » : {summary}.",
                ),
                className="fr-mb-3w",
                id="depot-enregistre",
            ),
            html.P(links),
        ]
    )


def _back_link(token: str | None = None) -> str:
    href = urls.deposit_preview(token) if token else urls.DEPOSIT
    text = "Revenir à l'aperçu" if token else "Revenir au dépôt"
    return server_html.to_html(html.P(html.A(text, href=href, className="fr-link")))
