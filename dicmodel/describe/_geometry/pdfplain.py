"""PyMuPDF drawings -> plain data (tuples and floats) that pickles, compares and serialises.

``page.get_drawings()`` returns dicts holding ``pymupdf.Point``/``Rect``/``Quad`` objects. The
ingest stage converts them here once, so describers (possibly in another process) never need
PyMuPDF objects. Items keep PyMuPDF's operator letters:
``("l", p1, p2)``, ``("c", p1, c1, c2, p2)``, ``("re", (x0, y0, x1, y1), orientation)``,
``("qu", (p_ul, p_ur, p_ll, p_lr))`` with every point an ``(x, y)`` tuple.
"""

from __future__ import annotations

from typing import Any

from ._util import area, clip_segment

_KEEP = ("type", "fill", "color", "width", "dashes", "closePath", "even_odd", "fill_opacity",
         "stroke_opacity", "lineCap", "lineJoin", "seqno", "level", "layer")


def _pt(p: Any) -> tuple[float, float]:
    return (float(p.x), float(p.y)) if hasattr(p, "x") else (float(p[0]), float(p[1]))


def _rect(r: Any) -> tuple[float, float, float, float]:
    if hasattr(r, "x0"):
        return (float(r.x0), float(r.y0), float(r.x1), float(r.y1))
    return tuple(float(v) for v in r)  # type: ignore[return-value]


def _item(it: tuple) -> tuple:
    op = it[0]
    if op in ("l", "c"):
        return (op, *(_pt(p) for p in it[1:]))
    if op == "re":
        return (op, _rect(it[1]), int(it[2]) if len(it) > 2 else 0)
    if op == "qu":
        q = it[1]
        pts = (q.ul, q.ur, q.ll, q.lr) if hasattr(q, "ul") else q
        return (op, tuple(_pt(p) for p in pts))
    return tuple(it)


def plain_drawing(d: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: d[k] for k in _KEEP if k in d}
    for key in ("fill", "color"):
        if out.get(key) is not None:
            out[key] = tuple(float(v) for v in out[key])
    out["rect"] = _rect(d["rect"]) if "rect" in d else None
    out["items"] = [_item(it) for it in d.get("items", [])]
    return out


def plain_drawings(drawings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [plain_drawing(d) for d in drawings]


def honour_clips(drawings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PyMuPDF's *extended* drawings (paths plus ``clip`` and ``group`` entries) -> the
    paths, each cut to the clip in force where it is painted.

    ``get_drawings()`` reports a path whole even where a clip hides most of it: an embedded
    page (a diagram placed with its own clip box, as LaTeX and Word do) keeps lifelines and
    frames that run on below the part shown, and sequence diagrams became self-loop
    flowcharts. Straight segments and rectangles of stroked paths are cut exactly; a curve or
    quad is kept when it meets the clip and dropped when it lies wholly outside. Fill-only
    paths are kept whole."""
    out: list[dict[str, Any]] = []
    stack: list[tuple[int, tuple[float, float, float, float] | None]] = []
    for d in drawings:
        level = int(d.get("level") or 0)
        while stack and stack[-1][0] >= level:
            stack.pop()
        clip = stack[-1][1] if stack else None
        kind = d.get("type")
        if kind in ("clip", "group"):
            scissor = _rect(d["scissor"]) if kind == "clip" and d.get("scissor") is not None else None
            stack.append((level, _meet(clip, scissor)))
            continue
        # strokes are cut; a fill-only path stays whole: clipping a page-sized fill to a
        # table cell (how browsers paint cell shading) would turn a background the ingest
        # drops into a visible box
        cut = _cut(d, clip) if clip is not None and "s" in (kind or "") else d
        if cut is not None:
            out.append(cut)
    return out


def _meet(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return a if b is None else b
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _cut(d: dict[str, Any], clip: tuple[float, float, float, float]) -> dict[str, Any] | None:
    r = _rect(d["rect"])
    tol = 0.5 + float(d.get("width") or 0.0)
    if r[0] >= clip[0] - tol and r[1] >= clip[1] - tol and r[2] <= clip[2] + tol and r[3] <= clip[3] + tol:
        return d  # wholly visible (the common case)
    box = (clip[0] - tol, clip[1] - tol, clip[2] + tol, clip[3] + tol)
    items = []
    for it in d.get("items", []):
        if it[0] == "re" and d.get("type") == "s":
            # an outline is its four sides: what of them the clip shows (a frame drawn round
            # a clipped canvas shows nothing, not a box the size of the clip)
            items += _cut_sides(it, box)
            continue
        kept = _cut_item(it, box)
        if kept is not None:
            items.append(kept)
    if not items:
        return None
    pts = [p for it in items for p in _item_points(it)]
    out = dict(d)
    out["items"] = items
    box_pts = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts),
               max(p[1] for p in pts))
    out["rect"] = _like_rect(d["rect"], box_pts)
    return out


def _cut_sides(it: tuple, box: tuple[float, float, float, float]) -> list[tuple]:
    x0, y0, x1, y1 = _rect(it[1])
    corner = it[1].tl if hasattr(it[1], "tl") else (x0, y0)
    out = []
    for a, b in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        seg = clip_segment(a, b, box)
        if seg is not None and seg[0] != seg[1]:
            out.append(("l", *(_like(corner, p) for p in seg)))
    return out


def _item_points(it: tuple) -> list[tuple[float, float]]:
    if it[0] == "re":
        x0, y0, x1, y1 = _rect(it[1])
        return [(x0, y0), (x1, y1)]
    if it[0] == "qu":
        q = it[1]
        return [_pt(p) for p in ((q.ul, q.ur, q.ll, q.lr) if hasattr(q, "ul") else q)]
    return [_pt(p) for p in it[1:]]


def _cut_item(it: tuple, box: tuple[float, float, float, float]) -> tuple | None:
    op = it[0]
    if op == "l":
        seg = clip_segment(_pt(it[1]), _pt(it[2]), box)
        return None if seg is None else ("l", *(_like(it[1], p) for p in seg))
    if op == "re":
        r = _meet(_rect(it[1]), box)
        if r[2] < r[0] or r[3] < r[1]:
            return None
        return (op, _like_rect(it[1], r), *it[2:])
    pts = _item_points(it)
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    meets = min(xs) <= box[2] and max(xs) >= box[0] and min(ys) <= box[3] and max(ys) >= box[1]
    return it if meets else None


def _like(orig: Any, p: tuple[float, float]) -> Any:
    """A point of the same type as ``orig`` (pymupdf.Point or a tuple)."""
    return orig.__class__(p[0], p[1]) if hasattr(orig, "x") else p


def _like_rect(orig: Any, r: tuple[float, float, float, float]) -> Any:
    return orig.__class__(*r) if hasattr(orig, "x0") else r




def image_drawings(images: list[Any], figure: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    """The embedded pictures of a vector figure (the caller picks those inside it) as pseudo
    drawings ``{"type": "image", "role": ...}``. ``images`` holds boxes, or dicts
    ``{"rect": box, "mask": bool}`` where ``mask`` marks a 1-bit stencil (lettering painted as
    a bitmap).

    Roles: ``icon`` (a small picture: in a network drawing a router or server icon is a node),
    ``text`` (a stencil mask: a label to read with OCR), ``raster`` (a picture covering more
    than a quarter of the figure: content of its own, to read with OCR and the raster
    reader, never a node), ``shape`` (a box the renderer painted as a picture, its shadow
    left out: ``{"shape": {"rect", "kind", "fill"}}`` from the ingest, read as a drawn box).
    Pictures the ingest marked ``{"shadow": True}`` (a flat soft shadow painted alone,
    ``painted.painted_shadow``) are left out."""
    limit = 0.25 * area(figure)
    out = []
    for im in images:
        rect, mask = (im["rect"], bool(im.get("mask"))) if isinstance(im, dict) else (im, False)
        shape = im.get("shape") if isinstance(im, dict) else None
        if isinstance(im, dict) and im.get("shadow"):
            continue  # a shadow painted alone under a vector shape: nothing to read
        big = area(rect) > limit
        role = "shape" if shape else "raster" if big else "text" if mask else "icon"
        d = {"type": "image", "rect": tuple(float(v) for v in rect), "items": [], "role": role}
        if shape:
            d["shape"] = shape
        out.append(d)
    return out
