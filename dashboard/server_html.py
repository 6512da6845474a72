"""A page's Dash layout as HTML, so that the server's response paints before any script runs.

The index of a server-rendered page carries this HTML beside Dash's entry point; Dash
replaces it once mounted (dashboard/assets/server-page.js). It walks the layout through the
components' public `to_plotly_json()`: html.* elements become their tag, dcc.Link a link,
dcc.Graph a placeholder as tall as its figure holding a static drawing of it
(dashboard/figures/static_svg.py; its caption and value table are plain HTML around it;
Plotly draws it once Dash runs), dcc.Store and dcc.Location nothing. A value
table whose rows the browser builds on first opening (dashboard/callbacks/tables.py) gets
them here, from its Store: without JavaScript, opening it shows them. Every text and
attribute value is escaped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from dash import html

from dashboard.callbacks import tables
from dashboard.figures import static_svg

HTML_NAMESPACE = "dash_html_components"
DCC_NAMESPACE = "dash_core_components"
# Dash's own props, which are not HTML attributes.
DASH_PROPS = frozenset(
    {"children", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "key", "loading_state"}
)
ATTRIBUTE_NAMES = {"className": "class", "htmlFor": "for"}
TAG_NAMES = {"ObjectEl": "object"}
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction"})
VALID_ATTRIBUTE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.:-]*$")
# CSS properties React writes without a unit when given a number.
UNITLESS = frozenset({"flex", "flexGrow", "flexShrink", "fontWeight", "lineHeight", "opacity"})
UNITLESS |= {"order", "zIndex", "zoom"}
# The props of a dcc.Input that are HTML attributes (Dash's own, like `debounce`, are not).
INPUT_PROPS: tuple[str, ...] = ("type", "name", "value", "id", "className", "placeholder")
INPUT_PROPS += ("autoComplete", "maxLength", "required", "readOnly", "disabled")
# dcc components with no markup of their own before Dash runs.
INVISIBLE = frozenset({"Store", "Location", "Interval"})
PLOTLY_HEIGHT = static_svg.PLOTLY_HEIGHT  # Plotly's height for a figure that sets none
# Where Plotly will draw a chart: its static drawing until then, and the page's for a reader
# without JavaScript (the index's <noscript> style hides only an empty one, a graph without
# a figure).
GRAPH_PLACEHOLDER = "tdb-graph-placeholder"


logger = logging.getLogger(__name__)


class UnrenderableComponent(Exception):
    """The layout holds a component that has no server-side HTML (e.g. dcc.Dropdown)."""


def to_html(node: Any) -> str:
    """HTML for a component, a list of them, a text or a number (None and booleans: nothing)."""
    return _Renderer(_deferred_rows(node)).html(node)


def _deferred_rows(node: Any) -> dict[str, dict[str, Any]]:
    """The Store data of each deferred value table in the layout, by table id."""
    found: dict[str, dict[str, Any]] = {}
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
            continue
        if not hasattr(item, "to_plotly_json"):
            continue
        props = item.to_plotly_json()["props"]
        ident = props.get("id")
        if isinstance(ident, Mapping) and ident.get("type") == tables.DATA:
            found[str(ident.get("table"))] = props.get("data") or {}
        children = props.get("children")
        if children is not None and not isinstance(children, str | int | float):
            stack.append(children)
    return found


def deferred_body(data: Mapping[str, Any]) -> list[html.Tr]:
    """The rows assets/tables.js builds from a Store's data, as components: a row header,
    then data cells, numbers aligned right, each named by its column (`data-label`)."""
    numeric = list(data.get("numeric") or [])
    columns = list(data.get("columns") or [])
    rows = []
    for row in data.get("rows") or []:
        cells: list[Any] = []
        for i, text in enumerate(row):
            label = {"data-label": columns[i]} if i < len(columns) and columns[i] else {}
            if i == 0:
                cells.append(html.Th(text, scope="row", **label))
            else:
                number = i < len(numeric) and numeric[i]
                cells.append(
                    html.Td(text, className="fr-cell--right tdb-num" if number else None, **label)
                )
        rows.append(html.Tr(cells))
    return rows


class _Renderer:
    """One layout's HTML; knows the rows of its deferred tables."""

    def __init__(self, deferred: Mapping[str, Mapping[str, Any]]) -> None:
        self.deferred = deferred

    def html(self, node: Any) -> str:
        if node is None or isinstance(node, bool):
            return ""
        if isinstance(node, str | int | float):
            return escape(str(node), quote=False)
        if not hasattr(node, "to_plotly_json"):
            if isinstance(node, Sequence):
                return "".join(self.html(child) for child in node)
            raise UnrenderableComponent(
                f"Élément de mise en page inattendu : {type(node).__name__}."
            )
        data = node.to_plotly_json()
        namespace, kind, props = data["namespace"], data["type"], data["props"]
        if namespace == HTML_NAMESPACE:
            ident = props.get("id")
            if kind == "Tbody" and isinstance(ident, Mapping) and ident.get("type") == tables.ROWS:
                rows = self.deferred.get(str(ident.get("table")))
                if rows is not None and not props.get("children"):
                    props = {**props, "children": deferred_body(rows)}
            return self.element(TAG_NAMES.get(kind, kind.lower()), props)
        if namespace == DCC_NAMESPACE:
            return self._dcc(kind, props)
        raise UnrenderableComponent(f"Composant sans rendu serveur : {namespace}.{kind}.")

    def _dcc(self, kind: str, props: Mapping[str, Any]) -> str:
        if kind in INVISIBLE:
            return ""
        if kind == "Link":
            link = ("href", "className", "title", "target", "id", "children")
            return self.element("a", {k: props[k] for k in link if k in props})
        if kind == "Input":  # a form field: a hidden one kept in the URL, the search box
            return self.element("input", {k: props[k] for k in INPUT_PROPS if k in props})
        if kind == "Graph":  # drawn in Python now, by Plotly once Dash runs
            box = {k: props[k] for k in ("id", "className", "style") if k in props}
            box["className"] = " ".join(filter(None, [box.get("className"), GRAPH_PLACEHOLDER]))
            style = dict(box.get("style") or {})
            style.setdefault("minHeight", _figure_height(props.get("figure")))
            box["style"] = style
            attributes = "".join(_attribute(name, box[name]) for name in sorted(box))
            return f"<div{attributes}>{_static_chart(props.get('figure'))}</div>"
        raise UnrenderableComponent(f"Composant sans rendu serveur : dcc.{kind}.")

    def element(self, tag: str, props: Mapping[str, Any]) -> str:
        attributes = "".join(_attribute(name, props[name]) for name in sorted(props))
        if tag in VOID_TAGS:
            return f"<{tag}{attributes}>"
        return f"<{tag}{attributes}>{self.html(props.get('children'))}</{tag}>"


def _static_chart(figure: Any) -> str:
    """The static drawings of a figure (a dict, or a `go.Figure`); none without a figure."""
    if figure is None:
        return ""
    data = figure if isinstance(figure, Mapping) else figure.to_plotly_json()
    layout = data.get("layout") or {}
    if not any([data.get("data"), layout.get("title"), layout.get("annotations")]):
        return ""
    try:
        drawings = static_svg.static_chart(data)
    except (ArithmeticError, LookupError, TypeError, ValueError) as exc:  # Plotly draws it
        logger.warning("Graphique sans dessin statique : %s", exc)
        return ""
    return drawings


def _figure_height(figure: Any) -> int:
    """The height Plotly will draw a figure at (its layout's, else Plotly's default)."""
    layout = (
        figure.get("layout") if isinstance(figure, Mapping) else getattr(figure, "layout", None)
    )
    height = (
        layout.get("height") if isinstance(layout, Mapping) else getattr(layout, "height", None)
    )
    return int(height) if isinstance(height, int | float) and height > 0 else PLOTLY_HEIGHT


def element(tag: str, props: Mapping[str, Any]) -> str:
    """One element with its attributes and children; void elements have no closing tag.

    Attributes in name order: Dash keeps `aria-*` and `data-*` props in no stable order, and
    the same page must give the same bytes (shared caches, ETags).
    """
    return _Renderer({}).element(tag, props)


def _attribute(name: str, value: Any) -> str:
    if name in DASH_PROPS or value is None or value is False:
        return ""
    if name == "id" and not isinstance(value, str):  # pattern-matching ids: Dash's business
        return ""
    if not VALID_ATTRIBUTE.match(name):
        raise UnrenderableComponent(f"Nom d'attribut invalide : « {name} ».")
    html_name = ATTRIBUTE_NAMES.get(name, name.lower())
    if value is True:
        return f" {html_name}"
    if name == "style" and isinstance(value, Mapping):
        value = _style(value)
    text = str(value)
    if html_name in URL_ATTRIBUTES and _is_script_url(text):
        return ""  # as React does, a javascript: URL never reaches the page
    return f' {html_name}="{escape(text, quote=True)}"'


def _is_script_url(url: str) -> bool:
    """Browsers ignore whitespace and control characters inside a URL's scheme."""
    compact = "".join(ch for ch in url if ord(ch) > 0x20).lower()
    return compact.startswith("javascript:")


def _style(style: Mapping[str, Any]) -> str:
    """React's `{"marginTop": 8}` as CSS: `margin-top:8px`."""
    declarations = []
    for key, value in style.items():
        prop = re.sub(r"[A-Z]", lambda m: "-" + m.group().lower(), key)
        if isinstance(value, int | float) and not isinstance(value, bool) and key not in UNITLESS:
            value = f"{value}px"
        declarations.append(f"{prop}:{value}")
    return ";".join(declarations)
