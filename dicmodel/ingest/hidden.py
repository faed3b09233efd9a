"""Text that a page holds but does not show: painted over by a later opaque fill, or drawn in
the invisible render mode.

A figure's reader takes its words from the page's text, so hidden text becomes words nobody
sees: TS 23.203 Figure D.2.1 paints "WiMAX IP-CAN" twice, one copy under the cloud's shadow,
and the hidden copy ("WiMAX IP" + "-CAN") split the cloud's name in two. PyMuPDF's text trace
numbers each span in painting order on the same counter as the drawings (``seqno``), so a span
painted before a fill that covers it is hidden by it.
"""

from __future__ import annotations

from typing import Any

from ..describe._geometry._util import area, contains

Rect = tuple[float, float, float, float]

_COVER = 0.8  # share of a span's width that hidden trace spans must cover
_PAGE_SHARE = 0.9  # a fill over (nearly) the whole page is its background, painted first
_TOL = 0.5  # pt: a span inside a fill's box


def hidden_spans(page: Any, drawings: list[dict[str, Any]], spans: list[dict[str, Any]]) -> set[int]:
    """Indexes of ``spans`` (PyMuPDF text-dict spans, page coordinates) that the page does not
    show. ``drawings`` are the page's drawings with their ``seqno``. The text trace is only
    read when some opaque fill lies over some span."""
    page_area = max(1.0, float(page.rect.width * page.rect.height))
    fills = [(d, _rect(d["rect"])) for d in drawings if _opaque_fill(d)]
    fills = [(d, r) for d, r in fills if area(r) < _PAGE_SHARE * page_area]
    boxes = [_rect(s["bbox"]) for s in spans]
    if not fills or not any(contains(r, b, _TOL) for b in boxes for _d, r in fills):
        return set()
    shapes = [(k, int(d["seqno"]), r, d) for k, (d, r) in enumerate(fills) if d.get("seqno") is not None]
    rings: dict[int, list[list[tuple[float, float]]]] = {}  # a fill's outline, traced when needed

    def outline(k: int, d: dict[str, Any]) -> list[list[tuple[float, float]]]:
        if k not in rings:
            rings[k] = _rings(d)
        return rings[k]

    hidden: list[Rect] = []
    shown: list[tuple[Rect, str]] = []
    for t in page.get_texttrace():
        b = _rect(t["bbox"])
        if b[2] <= b[0] or b[3] <= b[1]:
            continue
        invisible = t.get("type") == 3 or float(t.get("opacity", 1.0)) <= 0.0
        seq = t.get("seqno")
        covered = seq is not None and any(
            q > seq and contains(r, b, _TOL) and _covers(outline(k, d), b)
            for k, q, r, d in shapes)
        if invisible or covered:
            hidden.append(b)
        else:
            shown.append((b, "".join(chr(c[0]) for c in t.get("chars") or ()).strip()))
    if not hidden:
        return set()
    out = set()
    for k, (b, s) in enumerate(zip(boxes, spans)):
        text = str(s.get("text", "")).strip()
        # the same words shown in the same place (text painted twice, once under a fill)
        # keep the span; other words shown there (a box's own label) do not
        again = [o for o, t in shown if t and (t in text or text in t)]
        if _width_share(b, hidden) >= _COVER and _width_share(b, again) < 1 - _COVER:
            out.add(k)
    return out


def _opaque_fill(d: dict[str, Any]) -> bool:
    if d.get("type") not in ("f", "fs") or d.get("fill") is None or not d.get("rect"):
        return False
    op = d.get("fill_opacity")
    return op is None or float(op) >= 0.99


def _rect(r: Any) -> Rect:
    return (float(r[0]), float(r[1]), float(r[2]), float(r[3]))


def _width_share(b: Rect, others: list[Rect]) -> float:
    """Share of ``b``'s width covered by the boxes of ``others`` on its line (top within a
    fifth of its height): the trace cuts text into other pieces than the text dict does."""
    h = b[3] - b[1]
    cuts = sorted((max(b[0], o[0]), min(b[2], o[2])) for o in others
                  if abs(o[1] - b[1]) <= 0.2 * h + 0.5 and abs(o[3] - b[3]) <= 0.2 * h + 0.5
                  and o[0] < b[2] and o[2] > b[0])
    covered, end = 0.0, b[0]
    for x0, x1 in cuts:
        x0 = max(x0, end)
        if x1 > x0:
            covered += x1 - x0
            end = x1
    return covered / max(1e-6, b[2] - b[0])


def _rings(d: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The fill's outline as polygons (curves by their control points, close enough to say
    whether a word lies inside a cloud or a rounded box)."""
    rings: list[list[tuple[float, float]]] = []
    cur: list[tuple[float, float]] = []
    for it in d.get("items") or []:
        op = it[0]
        if op == "re":
            r = it[1]
            rings.append([(r[0], r[1]), (r[2], r[1]), (r[2], r[3]), (r[0], r[3])])
            continue
        if op == "qu":
            q = it[1]
            rings.append([tuple(q[0]), tuple(q[1]), tuple(q[3]), tuple(q[2])])
            continue
        pts = [(float(p[0]), float(p[1])) for p in it[1:]]
        if cur and (abs(cur[-1][0] - pts[0][0]) > 1e-3 or abs(cur[-1][1] - pts[0][1]) > 1e-3):
            rings.append(cur)
            cur = []
        cur.extend(pts if not cur else pts[1:])
    if cur:
        rings.append(cur)
    return [r for r in rings if len(r) >= 3]


def _covers(rings: list[list[tuple[float, float]]], b: Rect) -> bool:
    """The word's centre and its four corners, drawn in by a sixth, all lie in the fill."""
    w, h = (b[2] - b[0]) / 6, (b[3] - b[1]) / 6
    pts = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2), (b[0] + w, b[1] + h), (b[2] - w, b[1] + h),
           (b[0] + w, b[3] - h), (b[2] - w, b[3] - h)]
    return all(_in_rings(p, rings) for p in pts)


def _in_rings(p: tuple[float, float], rings: list[list[tuple[float, float]]]) -> bool:
    inside = False
    x, y = p
    for ring in rings:
        n = len(ring)
        for i in range(n):
            (x0, y0), (x1, y1) = ring[i - 1], ring[i]
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                inside = not inside
    return inside
