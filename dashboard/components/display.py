"""The DSFR « Paramètres d'affichage » modal: light, dark or the system's theme.

Opened by the footer's button (components/dsfr.py `display_button`); the DSFR's module
script switches the theme (`data-fr-theme` on <html>, remembered in the browser) when a
radio is chosen, from `data-fr-scheme="system"` on <html> (dashboard/app.py). The modal is
written in the index, outside the page Dash renders: its pictograms are SVG `<use>`
elements, which Dash's html components do not have, and it is the same on every page.
"""

from __future__ import annotations

from dashboard import urls
from dashboard.components.dsfr import DISPLAY_MODAL_ID

# (value, label, hint, pictogram) of each choice, as in the DSFR 1.14 documentation.
THEMES = (
    ("light", "Thème clair", "", "environment/sun"),
    ("dark", "Thème sombre", "", "environment/moon"),
    ("system", "Système", "Utilise les paramètres système", "system/system"),
)
PICTOGRAMS = tuple(f"artwork/pictograms/{p}.svg" for *_, p in THEMES)  # copied by `make`


def _choice(value: str, label: str, hint: str, pictogram: str) -> str:
    href = urls.dsfr(f"artwork/pictograms/{pictogram}.svg")
    uses = "".join(
        f'<use class="fr-artwork-{part}" href="{href}#artwork-{part}"></use>'
        for part in ("decorative", "minor", "major")
    )
    hint_html = f'<span class="fr-hint-text">{hint}</span>' if hint else ""
    return (
        '<div class="fr-fieldset__element"><div class="fr-radio-group fr-radio-rich">'
        f'<input value="{value}" type="radio" id="fr-radios-theme-{value}" name="fr-radios-theme">'
        f'<label class="fr-label" for="fr-radios-theme-{value}">{label}{hint_html}</label>'
        '<div class="fr-radio-rich__pictogram">'
        '<svg aria-hidden="true" class="fr-artwork" viewBox="0 0 80 80" width="80px" height="80px">'
        f"{uses}</svg></div></div></div>"
    )


def modal() -> str:
    """The modal's HTML (the DSFR's markup, French texts)."""
    title_id = f"{DISPLAY_MODAL_ID}-titre"
    return (
        f'<dialog id="{DISPLAY_MODAL_ID}" class="fr-modal" aria-labelledby="{title_id}">'
        '<div class="fr-container fr-container--fluid fr-container-md">'
        '<div class="fr-grid-row fr-grid-row--center">'
        '<div class="fr-col-12 fr-col-md-6 fr-col-lg-4">'
        '<div class="fr-modal__body"><div class="fr-modal__header">'
        f'<button aria-controls="{DISPLAY_MODAL_ID}" title="Fermer" type="button" '
        'class="fr-btn--close fr-btn">Fermer</button></div>'
        '<div class="fr-modal__content">'
        f'<h2 id="{title_id}" class="fr-modal__title">Paramètres d’affichage</h2>'
        '<div id="fr-display" class="fr-display">'
        '<fieldset class="fr-fieldset" id="display-fieldset">'
        '<legend class="fr-fieldset__legend--regular fr-fieldset__legend" '
        'id="display-fieldset-legend">'
        "Choisissez un thème pour personnaliser l’apparence du site.</legend>"
        + "".join(_choice(*theme) for theme in THEMES)
        + "</fieldset></div></div></div></div></div></div></dialog>"
    )
