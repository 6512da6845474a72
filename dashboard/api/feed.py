"""The Atom feed of the change history: one entry per load and indicator, saying how many
values it added, revised or withdrew (RFC 4287, written with the standard library's XML
writer, which escapes every text)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from xml.etree import ElementTree as ET

import pandas as pd

from dashboard import urls
from dashboard.api.records import kinds_text, new_source_text

ATOM_NS = "http://www.w3.org/2005/Atom"
TITLE = "Tableau de bord du numérique en santé : changements des données"
AUTHOR = "Tableau de bord national du numérique en santé"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _stamp(when: object) -> str:
    if when is None or (not isinstance(when, dt.datetime) and pd.isna(when)):
        return EPOCH.isoformat()
    ts = pd.Timestamp(when)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.isoformat()


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def atom(
    summary: pd.DataFrame,
    *,
    new_sources: pd.DataFrame,
    labels: Mapping[str, str],
    base: str,
    updated: dt.datetime | None,
) -> bytes:
    """`summary` is queries.change_summary (run, indicator, kind, rows, changed_at);
    `new_sources` (queries.new_sources) adds an entry per indicator and new source."""
    ET.register_namespace("", ATOM_NS)
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    root.set("xml:lang", "fr")
    _add(root, "id", base + urls.FEED)
    _add(root, "title", TITLE)
    _add(root, "updated", _stamp(summary["changed_at"].max() if not summary.empty else updated))
    _add(root, "link", rel="self", href=base + urls.FEED)
    _add(root, "link", rel="alternate", href=base + urls.HOME)
    _add(_add(root, "author"), "name", AUTHOR)
    groups = summary.groupby(["run_id", "indicator_id"], sort=False) if not summary.empty else []
    for (run_id, indicator_id), rows in groups:
        counts = dict(zip(rows["kind"], rows["rows"].astype(int), strict=True))
        label = labels.get(str(indicator_id), str(indicator_id))
        page = base + urls.indicator(str(indicator_id))
        entry = _add(root, "entry")
        _add(entry, "id", f"{page}#traitement-{int(run_id)}")
        _add(entry, "title", f"{label} : {kinds_text(counts)}")
        stamp = _stamp(rows["changed_at"].max())
        _add(entry, "updated", stamp)
        _add(entry, "link", rel="alternate", href=page)
        changes = urls.with_query(base + urls.API_CHANGES, {"since": stamp[:10]})
        _add(
            entry,
            "summary",
            f"Traitement n° {int(run_id)} : {kinds_text(counts)}. Détail : {changes}",
        )
    for first in new_sources.itertuples(index=False):
        if str(first.indicator_id) not in labels:  # an indicator the reader may not see
            continue
        label = labels[str(first.indicator_id)]
        page = base + urls.indicator(str(first.indicator_id))
        text = new_source_text(str(first.source))
        entry = _add(root, "entry")
        _add(entry, "id", f"{page}#source-{int(first.run_id)}")
        _add(entry, "title", f"{label} : {text[:1].lower()}{text[1:]}")
        _add(entry, "updated", _stamp(first.changed_at))
        _add(entry, "link", rel="alternate", href=page)
        _add(entry, "summary", f"{text}, traitement n° {int(first.run_id)}.")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
