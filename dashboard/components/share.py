"""« Copier le lien »: the permalink of the view, shared as a link that works without a script.

The view lives in the URL (dashboard/urls.py), so sharing a view is sharing its address.
Without JavaScript the permalink is a plain link the reader can copy (and a printed page
shows it); assets/share.js shows the « Copier le lien » button when the browser can copy,
copies the address of the page and announces « Lien copié ».
"""

from __future__ import annotations

from dash import html

from dashboard.components.dsfr import attrs

PERMALINK_ID = "lien-permanent"
COPY_BUTTON_ID = "bouton-copier-lien"
COPIED = "Lien copié"  # what assets/share.js announces


def share_link(href: str) -> html.Div:
    """The permalink `href` (path and normalised query) and the copy button."""
    return html.Div(
        [
            html.P(
                [
                    "Lien permanent de cette vue : ",
                    html.A(href, href=href, id=PERMALINK_ID, className="fr-link tdb-permalink"),
                ],
                className="fr-text--sm fr-mb-1v",
            ),
            html.Button(
                "Copier le lien",
                id=COPY_BUTTON_ID,
                type="button",
                className="fr-btn fr-btn--sm fr-btn--tertiary tdb-copy-link",
                title="Copier l'adresse de cette page",
            ),
            # what was copied, visible; screen readers hear it from the index's live region
            html.Span(
                className="fr-text--sm fr-ml-2w tdb-copy-status", **attrs(aria_hidden="true")
            ),
        ],
        className="tdb-share fr-mb-2w",
    )
