"""Shapes that a renderer painted as pictures: a flat box with a soft drop shadow.

Browsers print an SVG element that carries a filter (PlantUML and draw.io give boxes, notes,
frames and activation bars a ``feGaussianBlur``/``feOffset`` drop shadow) as a bitmap with a
soft mask: the element itself is fully opaque, its shadow a faint, blurred margin around it.
Read as a picture, such a box is an "icon" whose box takes in the shadow (an edge ending near
it lands on the wrong node) and a large one is sent to OCR as a raster part of the figure.

Its soft mask tells the element from its shadow without decoding the colour: the opaque core
is the box. Only the alpha channel is read, every other pixel in both directions (the
renderer paints filters at 2-4 pixels per point), and the colour only for small pictures
(an activation bar's pale fill tells it from a fork bar).
"""

from __future__ import annotations

from typing import Any

__all__ = ["painted_shadow", "painted_shape"]

_OPAQUE = 250  # alpha of the element itself
_SOFT = (8, 200)  # alpha of a shadow pixel (PlantUML: at most 0.4)
_CRISP = 150  # two pixels past a sharp edge: at most a shadow's alpha
_SOLID_RECT = 0.97  # share of the core's box that is opaque: a rectangle
_SOLID_ROUND = 0.85  # a rounded box or a note with a folded corner
_COLOUR_MAX_PIXELS = 250_000  # decode the colour of pictures up to this size only


def painted_shape(doc: Any, xref: int, smask: int, rect: tuple[float, float, float, float],
                  ) -> dict[str, Any] | None:
    """``{"rect": core box on the page, "kind": "rect" | "round_rect", "fill": rgb | None}``
    when the picture ``xref`` (placed upright at ``rect``, soft mask ``smask``) is a flat,
    box-shaped element with a soft shadow; None for anything else (icons, photos, pictures
    without a soft margin)."""
    alpha = _alpha(doc, smask)
    if alpha is None:
        return None
    height, width = alpha.shape
    side = min(width, height)
    step = 1 if side < 40 else 2 if side < 400 else 4  # a point is 2-4 pixels
    a = alpha[::step, ::step]
    core = _core(a >= _OPAQUE)
    if core is None:
        return None
    y0, y1, x0, x1 = core
    inner = a[y0:y1, x0:x1] >= _OPAQUE
    solid = float(inner.mean())
    full = _exact(alpha, (y0 * step, min(height, y1 * step), x0 * step, min(width, x1 * step)),
                  step)
    if solid < _SOLID_ROUND or not _soft_margin(alpha, full) or _crisp_sides(alpha, full) < 2:
        return None
    corners = inner[0, 0] and inner[0, -1] and inner[-1, 0] and inner[-1, -1]
    kind = "rect" if corners and solid >= _SOLID_RECT else "round_rect"
    sx = (rect[2] - rect[0]) / width
    sy = (rect[3] - rect[1]) / height
    box = (rect[0] + full[2] * sx, rect[1] + full[0] * sy, rect[0] + full[3] * sx, rect[1] + full[1] * sy)
    fill = None
    if width * height <= _COLOUR_MAX_PIXELS:
        fill = _fill(doc, xref, full)
    return {"rect": box, "kind": kind, "fill": fill}


def painted_shadow(doc: Any, xref: int, smask: int) -> bool:
    """True when the picture ``xref`` is a shadow painted alone: one flat colour everywhere,
    its soft mask faint or fading out on at least three sides. LibreOffice paints the soft
    shadows of PowerPoint shapes and connectors this way, under the vector shape; read as a
    picture, each was an "icon" node that swallowed the arrowheads of the links drawn over
    it (private5g slide 9: the four links out of "Service Orchestration" were lost). A flat
    silhouette icon has crisp edges and stays a picture."""
    import numpy as np
    import pymupdf

    if not smask or _pixels(doc, xref) > _COLOUR_MAX_PIXELS:
        return False  # (a large picture is no shadow worth decoding the colour of)
    try:
        pm = pymupdf.Pixmap(doc, xref)
    except (RuntimeError, ValueError):
        return False
    if pm.width * pm.height > _COLOUR_MAX_PIXELS:
        return False  # (its dictionary did not say)
    colour = np.frombuffer(pm.samples_mv, dtype=np.uint8).reshape(-1, pm.n)
    if colour.size == 0 or not _flat(colour[:, :3]):
        return False
    alpha = _alpha(doc, smask)
    if alpha is None:
        return False
    core = _core(alpha >= _OPAQUE)
    if core is None:
        return True  # faint everywhere: nothing of it is drawn at full strength
    return _crisp_sides(alpha, core) <= 1


def _alpha(doc: Any, smask: int) -> Any:
    """The soft mask as a (height, width) uint8 array (no copy), or None when it is not a
    one-channel mask of 4 x 4 pixels or more."""
    import numpy as np
    import pymupdf

    if not smask:
        return None
    try:
        pm = pymupdf.Pixmap(doc, smask)
    except (RuntimeError, ValueError):
        return None
    if pm.n != 1 or pm.width < 4 or pm.height < 4:
        return None
    return np.frombuffer(pm.samples_mv, dtype=np.uint8).reshape(pm.height, pm.width)


def _pixels(doc: Any, xref: int) -> int:
    """Width x height of the image ``xref`` from its dictionary, without decoding it (0 when
    unknown)."""
    try:
        w, h = (doc.xref_get_key(xref, key) for key in ("Width", "Height"))
        return int(w[1]) * int(h[1]) if w[0] == h[0] == "int" else 0
    except (RuntimeError, ValueError, TypeError):
        return 0


def _flat(colour: Any) -> bool:
    """Every pixel the same colour (rows of 1 or 3 channels)."""
    return bool((colour.max(axis=0) == colour.min(axis=0)).all())


def _core(opaque: Any) -> tuple[int, int, int, int] | None:
    """Rows y0:y1 and columns x0:x1 that hold opaque pixels."""
    import numpy as np

    rows = np.flatnonzero(opaque.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(opaque[rows[0]:rows[-1] + 1].any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _exact(alpha: Any, core: tuple[int, int, int, int], step: int) -> tuple[int, int, int, int]:
    """The core's edges to the pixel: each found on a sampled grid is searched again in the
    strip of ``step`` pixels around it (the whole mask is not read twice)."""
    y0, y1, x0, x1 = core
    h, w = alpha.shape
    if step == 1:
        return core
    cols = slice(x0, x1, max(1, (x1 - x0) // 64))
    rows = slice(y0, y1, max(1, (y1 - y0) // 64))

    def first(strip: Any, start: int) -> int:
        hit = strip.nonzero()[0]
        return start + int(hit[0]) if hit.size else start

    def last(strip: Any, start: int) -> int:
        hit = strip.nonzero()[0]
        return start + int(hit[-1]) + 1 if hit.size else start

    t, b = max(0, y0 - step), max(0, y1 - step)
    lft, r = max(0, x0 - step), max(0, x1 - step)
    return (first((alpha[t:y0 + step, cols] >= _OPAQUE).any(axis=1), t),
            last((alpha[b:min(h, y1 + step), cols] >= _OPAQUE).any(axis=1), b),
            first((alpha[rows, lft:x0 + step] >= _OPAQUE).any(axis=0), lft),
            last((alpha[rows, r:min(w, x1 + step)] >= _OPAQUE).any(axis=0), r))


def _soft_margin(alpha: Any, core: tuple[int, int, int, int]) -> bool:
    """Faint pixels lie 3-8 pixels beside the core (full-resolution ``alpha``, core in its
    pixels) along most of one side at least: an offset shadow shows on two sides, a glow
    on all four. (An icon's antialiased edge is 1-2 pixels wide: no shadow.)"""
    y0, y1, x0, x1 = core
    lo, hi = _SOFT
    sy, sx = max(1, (y1 - y0) // 64), max(1, (x1 - x0) // 64)  # 64 samples a side
    bands = [(alpha[y0:y1:sy, x1 + 3:x1 + 9], 1), (alpha[y1 + 3:y1 + 9, x0:x1:sx], 0),
             (alpha[y0:y1:sy, max(0, x0 - 8):max(0, x0 - 2)], 1),
             (alpha[max(0, y0 - 8):max(0, y0 - 2), x0:x1:sx], 0)]
    return any(b.size and float(((b > lo) & (b < hi)).any(axis=axis).mean()) >= 0.6
               for b, axis in bands)


def _crisp_sides(alpha: Any, core: tuple[int, int, int, int]) -> int:
    """Sides where the opacity drops at once past the core (full-resolution ``alpha``, core in
    its pixels): two pixels past the last opaque one (an antialiased edge pixel between) the
    element's sharp edge leaves at most its faint shadow. A blurred shadow painted alone
    (LibreOffice's soft shadows, under a vector shape) fades out over 8-10 pixels on every
    side: its opaque middle is no box."""
    import numpy as np

    y0, y1, x0, x1 = core
    my, mx = (y1 - y0) // 10, (x1 - x0) // 10
    # each side as rows running outward from inside the core
    sy, sx = max(1, (y1 - y0) // 64), max(1, (x1 - x0) // 64)  # 64 samples a side
    sides = [alpha[y0 + 2::-1, x0 + mx:x1 - mx:sx], alpha[y1 - 3:, x0 + mx:x1 - mx:sx],
             alpha[y0 + my:y1 - my:sy, x0 + 2::-1].T, alpha[y0 + my:y1 - my:sy, x1 - 3:].T]
    crisp = 0
    for band in sides:
        if band.shape[0] < 4 or band.shape[1] == 0:
            continue
        profile = np.median(band, axis=1)
        edge = next((k for k, v in enumerate(profile) if v < _OPAQUE), None)
        if edge is not None and edge + 2 < len(profile) and profile[edge + 2] < _CRISP:
            crisp += 1
    return crisp


def _fill(doc: Any, xref: int, core: tuple[int, int, int, int]) -> tuple[float, float, float] | None:
    """The median colour of the core's inside (its outline left out)."""
    import numpy as np
    import pymupdf

    try:
        pm = pymupdf.Pixmap(doc, xref)
    except (RuntimeError, ValueError):
        return None
    if pm.n < 3:
        return None
    img = np.frombuffer(pm.samples_mv, dtype=np.uint8).reshape(pm.height, pm.width, pm.n)
    y0, y1, x0, x1 = core
    m = max(1, min(y1 - y0, x1 - x0) // 4)
    inside = img[y0 + m:y1 - m, x0 + m:x1 - m, :3].reshape(-1, 3)
    if inside.size == 0:
        return None
    return tuple(float(v) / 255.0 for v in np.median(inside, axis=0))  # type: ignore[return-value]
