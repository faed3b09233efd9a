"""PyMuPDF drawings -> plain data (tuples and floats) that pickles, compares and serialises.

``page.get_drawings()`` returns dicts holding ``pymupdf.Point``/``Rect``/``Quad`` objects. The
ingest stage converts them here once, so describers (possibly in another process) never need
PyMuPDF objects. Items keep PyMuPDF's operator letters:
``("l", p1, p2)``, ``("c", p1, c1, c2, p2)``, ``("re", (x0, y0, x1, y1), orientation)``,
``("qu", (p_ul, p_ur, p_ll, p_lr))`` with every point an ``(x, y)`` tuple.
"""

from __future__ import annotations

from typing import Any

from ._util import area

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


def image_drawings(images: list[Any], figure: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    """The embedded pictures of a vector figure (the caller picks those inside it) as pseudo
    drawings ``{"type": "image", "role": ...}``. ``images`` holds boxes, or dicts
    ``{"rect": box, "mask": bool}`` where ``mask`` marks a 1-bit stencil (lettering painted as
    a bitmap).

    Roles: ``icon`` (a small picture: in a network drawing a router or server icon is a node),
    ``text`` (a stencil mask: a label to read with OCR), ``raster`` (a picture covering more
    than a quarter of the figure: content of its own, to read with OCR and the raster
    reader, never a node)."""
    limit = 0.25 * area(figure)
    out = []
    for im in images:
        rect, mask = (im["rect"], bool(im.get("mask"))) if isinstance(im, dict) else (im, False)
        big = area(rect) > limit
        role = "raster" if big else "text" if mask else "icon"
        out.append({"type": "image", "rect": tuple(float(v) for v in rect), "items": [],
                    "role": role})
    return out
