"""Figures whose content the package states as data: charts and SmartArt.

A chart part (``c:chartSpace``) stores every series with its name, categories and values in
caches: they become a Markdown data table. A SmartArt data model (``dgm:dataModel``) stores
its points and their parent-of connections: they become a hierarchy :class:`Diagram`.
Both work on the part's XML bytes, so the DOCX and PPTX readers share them.
"""

from __future__ import annotations

from typing import Any

from ...diagram import Diagram
from ...document import Description, FigureType
from .common import INGEST_DESCRIBER, markdown_table, office_module

__all__ = ["DGM", "C", "chart_data", "chart_description", "smartart_description", "smartart_diagram"]

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _cache(ref: Any) -> list[str]:
    """Point values of a c:strRef/c:numRef/c:strLit/c:numLit/c:multiLvlStrRef, by index."""
    if ref is None:
        return []
    pts: dict[int, str] = {}
    for pt in ref.iter(_q(C, "pt")):
        v = pt.find(_q(C, "v"))
        idx = int(pt.get("idx", len(pts)))
        if v is not None and idx not in pts:  # multi-level categories: the first level wins
            pts[idx] = v.text or ""
    return [pts.get(i, "") for i in range(max(pts) + 1)] if pts else []


def _series_name(ser: Any) -> str:
    tx = ser.find(_q(C, "tx"))
    if tx is None:
        return ""
    names = _cache(tx)
    if names:
        return names[0]
    v = tx.find(_q(C, "v"))
    return (v.text or "") if v is not None else ""


def chart_data(xml: bytes) -> tuple[str | None, list[str], list[tuple[str, list[str], list[str]]]]:
    """(title, chart kinds, [(series name, categories, values)]) of a chart part."""
    etree = office_module("lxml.etree")
    root = etree.fromstring(xml)
    title_el = root.find(f".//{_q(C, 'title')}")
    title = " ".join("".join(t.text or "" for t in title_el.iter(_q(A, "t"))).split()) \
        if title_el is not None else None
    plot = root.find(f".//{_q(C, 'plotArea')}")
    kinds: list[str] = []
    series: list[tuple[str, list[str], list[str]]] = []
    for chart in (plot if plot is not None else []):
        tag = etree.QName(chart).localname
        if not tag.endswith("Chart"):
            continue
        kinds.append(tag[:-5])
        for ser in chart.findall(_q(C, "ser")):
            cats = _cache(ser.find(_q(C, "cat")) if ser.find(_q(C, "cat")) is not None else ser.find(_q(C, "xVal")))
            vals = _cache(ser.find(_q(C, "val")) if ser.find(_q(C, "val")) is not None else ser.find(_q(C, "yVal")))
            series.append((_series_name(ser) or f"Series {len(series) + 1}", cats, vals))
    return title or None, kinds, series


def _chart_table(series: list[tuple[str, list[str], list[str]]]) -> str | None:
    if not series:
        return None
    n = max(max(len(c), len(v)) for _, c, v in series)
    cats = next((c for _, c, _ in series if c), [str(i + 1) for i in range(n)])
    rows = [["Category", *(name for name, _, _ in series)]]
    for i in range(n):
        rows.append([cats[i] if i < len(cats) else str(i + 1), *(v[i] if i < len(v) else "" for _, _, v in series)])
    return markdown_table(rows)


def chart_description(xml: bytes) -> Description:
    """The chart's data as a Markdown table, exact (figure_type chart, confidence 1)."""
    title, kinds, series = chart_data(xml)
    table = _chart_table(series)
    kind = "/".join(dict.fromkeys(kinds)) or "unknown"
    head = f"A {kind} chart" + (f" titled {title!r}" if title else "") + \
        f" with {len(series)} data series" + (":" if table else ".")
    return Description(text=head + ("\n\n" + table if table else ""), figure_type=FigureType.chart,
                       confidence=1.0 if table else 0.3, describer=f"{INGEST_DESCRIBER}:chart")


def smartart_diagram(xml: bytes) -> Diagram:
    """SmartArt data model -> a top-down hierarchy: one node per text point, parent-of edges."""
    etree = office_module("lxml.etree")
    root = etree.fromstring(xml)
    text: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for pt in root.iter(_q(DGM, "pt")):
        mid = pt.get("modelId", "")
        kinds[mid] = pt.get("type", "node")
        t = pt.find(_q(DGM, "t"))
        if t is not None:
            text[mid] = " ".join("".join(x.text or "" for x in t.iter(_q(A, "t"))).split())
    d = Diagram(kind="flowchart", direction="TD")
    ids: dict[str, str] = {}
    for mid, kind in kinds.items():
        if kind in ("node", "asst") and text.get(mid):
            ids[mid] = f"n{len(ids) + 1}"
            d.add_node(ids[mid], text[mid])
    parent: dict[str, str] = {}
    cxns = sorted(root.iter(_q(DGM, "cxn")), key=lambda c: int(c.get("srcOrd", "0") or 0))
    for cxn in cxns:
        if cxn.get("type", "parOf") == "parOf":
            parent[cxn.get("destId", "")] = cxn.get("srcId", "")
    for mid, nid in ids.items():
        up = parent.get(mid)
        while up and up not in ids and up in parent:  # through the text-less document root
            up = parent[up]
        if up in ids:
            d.edges.append(_edge(ids[up], nid))
    return d


def _edge(src: str, dst: str) -> Any:
    from ...diagram import Edge

    return Edge(source=src, target=dst)


def smartart_description(xml: bytes) -> Description:
    d = smartart_diagram(xml)
    prose = d.to_prose() if d.nodes else "The SmartArt graphic holds no text."
    return Description(text=prose, diagram=d if d.nodes else None, mermaid=d.to_mermaid() if d.nodes else None,
                       figure_type=FigureType.other, confidence=1.0 if d.nodes else 0.2,
                       describer=f"{INGEST_DESCRIBER}:smartart")
