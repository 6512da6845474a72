"""A page's Dash layout as HTML, so that the server's response paints before any script runs.

The index of a server-rendered page carries this HTML beside Dash's entry point; Dash
replaces it once mounted (dashboard/assets/server-page.js). It walks the layout through the
components' public `to_plotly_json()`: html.* elements become their tag, dcc.Link a link,
dcc.Graph an empty placeholder (its figure's caption and table are plain HTML around it),
dcc.Store and dcc.Location nothing. Every text and attribute value is escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

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


class UnrenderableComponent(Exception):
    """The layout holds a component that has no server-side HTML (e.g. dcc.Dropdown)."""


def to_html(node: Any) -> str:
    """HTML for a component, a list of them, a text or a number (None and booleans: nothing)."""
    if node is None or isinstance(node, bool):
        return ""
    if isinstance(node, str | int | float):
        return escape(str(node), quote=False)
    if not hasattr(node, "to_plotly_json"):
        if isinstance(node, Sequence):
            return "".join(to_html(child) for child in node)
        raise UnrenderableComponent(f"Élément de mise en page inattendu : {type(node).__name__}.")
    data = node.to_plotly_json()
    namespace, kind, props = data["namespace"], data["type"], data["props"]
    if namespace == HTML_NAMESPACE:
        return element(TAG_NAMES.get(kind, kind.lower()), props)
    if namespace == DCC_NAMESPACE:
        return _dcc(kind, props)
    raise UnrenderableComponent(f"Composant sans rendu serveur : {namespace}.{kind}.")


def _dcc(kind: str, props: Mapping[str, Any]) -> str:
    if kind in INVISIBLE:
        return ""
    if kind == "Link":
        link = ("href", "className", "title", "target", "id", "children")
        return element("a", {k: props[k] for k in link if k in props})
    if kind == "Input":  # a form field: a hidden one kept in the URL, the search box
        return element("input", {k: props[k] for k in INPUT_PROPS if k in props})
    if kind == "Graph":  # drawn by Plotly once Dash runs
        box = ("id", "className", "style")
        return element("div", {k: props[k] for k in box if k in props})
    raise UnrenderableComponent(f"Composant sans rendu serveur : dcc.{kind}.")


def element(tag: str, props: Mapping[str, Any]) -> str:
    """One element with its attributes and children; void elements have no closing tag.

    Attributes in name order: Dash keeps `aria-*` and `data-*` props in no stable order, and
    the same page must give the same bytes (shared caches, ETags).
    """
    attributes = "".join(_attribute(name, props[name]) for name in sorted(props))
    if tag in VOID_TAGS:
        return f"<{tag}{attributes}>"
    return f"<{tag}{attributes}>{to_html(props.get('children'))}</{tag}>"


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
