"""Arrowheads: the parts of the connector ink that survive a morphological opening wider than a
line (filled triangles), their tip and direction from where the line attaches; thick heads
fused with a line; small empty heads found among the regions (UML inheritance,
aggregation); open heads drawn as two strokes (a 'V' at a line end); small 'x' marks at
message ends.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .._util import dist, expand, inside, poly_len
from ..primitives import Arrowhead, Path, Point, Rect
from .frame import _Frame


def _hollow_head(f: _Frame, region: Any, at: tuple[int, int]) -> Arrowhead | None:
    """An empty triangle (UML inheritance) or small diamond (aggregation) with a line leaving
    one corner or side: a head that points away from where the line attaches."""
    np, cv2 = f.np, f.cv2
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    c = max(contours, key=cv2.contourArea)
    h, w = region.shape
    fill = float(region.sum()) / float(w * h)
    poly = cv2.approxPolyDP(c, 0.08 * cv2.arcLength(c, True), True).reshape(-1, 2).astype(float)
    poly += np.array(at, float)
    centre = poly.mean(axis=0)
    reach = (int(2 * f.stroke + 3), int(4 * f.stroke + 10))
    if len(poly) == 3 and 0.35 <= fill <= 0.65:
        # the line leaves the middle of the base, opposite the tip
        cand = []
        for i in range(3):
            mid = (poly[(i + 1) % 3] + poly[(i + 2) % 3]) / 2.0
            cand.append((_probe_ink(f, mid, mid - poly[i], reach), i, mid))
    elif len(poly) == 4 and 0.35 <= fill <= 0.65 and max(w, h) >= 1.3 * min(w, h):
        # a diamond: the line leaves one corner, the head points at the opposite one
        cand = [(_probe_ink(f, poly[(i + 2) % 4], poly[(i + 2) % 4] - centre, reach), i, poly[(i + 2) % 4])
                for i in range(4)]
    else:
        return None
    cand.sort(key=lambda t: -t[0])
    if cand[0][0] < 0.6 * (reach[1] - reach[0]) or (len(cand) > 1 and cand[1][0] >= 0.6 * (reach[1] - reach[0])):
        return None  # no line, or lines on two sides (a loop of connectors)
    _, i, base = cand[0]
    tip = poly[i]
    d = tip - base
    n = float(np.hypot(d[0], d[1]))
    if n < 1e-6:
        return None
    x, y = at
    pad = f.stroke + 1.0
    return Arrowhead(tip=(float(tip[0]), float(tip[1])), direction=(float(d[0] / n), float(d[1] / n)),
                     bbox=(x - pad, y - pad, x + w + pad, y + h + pad))


def _probe_ink(f: _Frame, start: Any, outward: Any, reach: tuple[int, int]) -> int:
    n = math.hypot(float(outward[0]), float(outward[1]))
    if n < 1e-6:
        return 0
    ux, uy = float(outward[0]) / n, float(outward[1]) / n
    hh, ww = f.ink.shape
    hits = 0
    for k in range(*reach):
        px, py = round(start[0] + ux * k), round(start[1] + uy * k)
        if 0 <= px < ww and 0 <= py < hh and f.ink[max(0, py - 1):py + 2, max(0, px - 1):px + 2].any():
            hits += 1
        elif any(b[0] <= px <= b[2] and b[1] <= py <= b[3] for b in f.words):
            hits += 1  # the line runs on under a label that sits right against the head
    return hits


_HEAD_FILL = 0.65  # a filled head covers this much of its enclosing triangle at least (~0.85)


def _arrowheads(f: _Frame, conn: Any, pictures: Sequence[Rect] = ()) -> tuple[list[Arrowhead], Any]:
    """Filled heads: blobs that survive an opening wider than a line. Returns heads, lines.
    ``pictures``: the boxes of device pictures, where fans of links meet."""
    np, cv2 = f.np, f.cv2
    # wider than any line (anti-aliased diagonals of a 1 px line are 2-3 px wide)
    k = max(5, math.ceil(f.stroke * 1.6) + 1)
    hair = f.stroke <= 1.25 and f.dark is not None
    if hair:
        # hairline drawings have heads of ~6 px that a 5 px opening erases; their solid dark
        # core survives a 3 px one, which the grey fringes of a thin curve never fill. A head
        # in a light colour (an Office theme's blue arrow) has no dark core but is wide enough
        # for the usual opening: such coloured blobs are taken as they are (grey ones are left
        # over from shape fills and shadows)
        wide = cv2.morphologyEx(conn, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        k = 3
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        blobs = cv2.morphologyEx(conn & f.dark, cv2.MORPH_OPEN, kernel)
        if f.tint is not None:
            blobs |= _tinted(wide, f.dark, f.tint, 0.4 * f.text_h, np, cv2)
    else:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        blobs = cv2.morphologyEx(conn, cv2.MORPH_OPEN, kernel)
    n, labels, stats, cents = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    found: list[tuple[Arrowhead, Any]] = []
    lines = conn.copy()
    big = max(60.0, 3.0 * f.text_h)
    # heads are drawn at about half the text height; the knot where two lines of different
    # widths cross also survives the opening, but is only as big as the wider line
    small = max(2 * f.stroke + 2, (0.2 if hair else 0.3) * f.text_h)
    for i in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[i])
        if max(w, h) < small or area < 8:
            continue
        if max(w, h) > 2.2 * min(w, h):
            # a thick line (a bold link) survives the opening whole, with its head on it
            part = _thick_head(labels, i, (x, y, w, h), np)
            if part is None:
                continue  # no head on it: it stays a line
            blob, (x, y, w, h) = part
            if max(w, h) > big:
                continue
        elif max(w, h) > big or area < 0.2 * max(w, h) ** 2:
            continue  # too big, or a thick curved run of line (a head is compact)
        else:
            blob = (labels[y:y + h, x:x + w] == i).astype(np.uint8)
        ys, xs = np.nonzero(blob)
        head = _one_head(f, conn, blob, (x, y, w, h), (float(xs.mean() + x), float(ys.mean() + y)))
        if head is None:
            continue  # a thick bend of a line (anti-aliased curve) stays part of the line
        if pictures and _at_picture(head.tip, pictures, f.text_h) and _forked_behind(conn, head, (x, y, w, h), f):
            continue  # the knot where a fan of links from a picture meets, not a head
        found.append((head, (blob, x, y)))
    # two "heads" tip to tip are the knot where two lines cross at a slant, split in two by
    # the opening (real heads at the two ends of one line are a line's length apart)
    near = max(3.0 * f.stroke, 8.0)
    knot = {k for i, (a, _) in enumerate(found) for k, (b, _) in enumerate(found) if k != i
            and math.dist(a.tip, b.tip) <= near
            and a.direction[0] * b.direction[0] + a.direction[1] * b.direction[1] < -0.8}
    heads: list[Arrowhead] = []
    for j, (head, (blob, x, y)) in enumerate(found):
        if j not in knot:
            _clear_grown(lines, blob, x, y, kernel, cv2)
            heads.append(head)
    return heads, lines


def _tinted(blobs: Any, dark: Any, tint: Any, least: float, np: Any, cv2: Any) -> Any:
    """The components of ``blobs`` shaped like a filled head, mostly ``tint`` and without a
    pixel of ``dark``: they fill most of their enclosing triangle (a corner of a gradient-
    filled box that escaped the shape finder fills less than half of it) and are ``least``
    across at least (a head is about half the text height; where two coloured lines cross,
    the knot is only a stroke or two wide)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    if n <= 1:
        return blobs
    area = stats[:, cv2.CC_STAT_AREA]
    coloured = np.bincount(labels.ravel(), weights=tint.ravel().astype(np.float64), minlength=n)
    keep = (coloured > 0.5 * area) & (np.maximum(stats[:, 2], stats[:, 3]) >= least)
    keep[0] = False
    keep[np.unique(labels[(dark > 0) & (labels > 0)])] = False
    for i in np.nonzero(keep)[0]:
        x, y, w, h = (int(v) for v in stats[i, :4])
        pts = np.argwhere(labels[y:y + h, x:x + w] == i)[:, ::-1].astype(np.float32)
        tri_area, _ = cv2.minEnclosingTriangle(pts.reshape(-1, 1, 2))
        keep[i] = area[i] >= _HEAD_FILL * tri_area
    return keep[labels].astype(np.uint8)


def _clear_grown(mask: Any, blob: Any, x: int, y: int, kernel: Any, cv2: Any) -> None:
    """Clear ``mask`` under ``blob`` (a mask over the box at ``x, y``) grown by ``kernel``,
    working on the box alone (a frame-wide mask per head is slow on a large figure)."""
    pad = kernel.shape[0] // 2 + 1
    grown = cv2.dilate(cv2.copyMakeBorder(blob, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0), kernel)
    x0, y0 = max(0, x - pad), max(0, y - pad)
    grown = grown[y0 - (y - pad):, x0 - (x - pad):]  # the part inside the frame
    region = mask[y0:y0 + grown.shape[0], x0:x0 + grown.shape[1]]
    region[grown[:region.shape[0], :region.shape[1]] > 0] = 0


def _thick_head(labels: Any, i: int, box: tuple[int, int, int, int], np: Any
                ) -> tuple[Any, tuple[int, int, int, int]] | None:
    """The head at one end of a thick straight line: where it is clearly wider than the line.

    Returns the head's own mask (over its box) and box, or None for a line without one.
    """
    x, y, w, h = box
    crop = labels[y:y + h, x:x + w] == i
    vertical = h >= w
    prof = crop.sum(axis=1 if vertical else 0)
    t = float(np.median(prof[prof > 0]))
    wide = np.nonzero(prof > 1.35 * t)[0]
    if wide.size == 0:
        return None
    n = len(prof)
    a, b = (int(wide.min()), n) if wide.mean() > n / 2 else (0, int(wide.max()) + 1)
    if b - a > 3.0 * float(prof.max()) or b - a >= 0.8 * n:
        return None  # not a compact head at one end
    if vertical:
        return crop[a:b].astype(np.uint8), (x, y + a, w, b - a)
    return crop[:, a:b].astype(np.uint8), (x + a, y, b - a, h)


def _crosses(f: _Frame, conn: Any) -> list[Path]:
    """Small 'x' marks (a message that ends in a cross): two short diagonal strokes each.

    Thinning breaks an 'x' fused with a line end into burrs too short to keep, so its two
    strokes are found directly: what survives an opening with a short diagonal line in each
    direction, where both directions meet in a mark smaller than a line of text.
    """
    np, cv2 = f.np, f.cv2
    if f.text_h <= 0:
        return []
    # longer than the diagonal across the corner where two thick lines meet (~2 widths)
    n_ = max(4, round(0.25 * f.text_h), math.ceil(2.5 * f.stroke) + 1)
    diag = np.eye(n_, dtype=np.uint8)
    a = cv2.morphologyEx(conn, cv2.MORPH_OPEN, diag)
    b = cv2.morphologyEx(conn, cv2.MORPH_OPEN, diag[:, ::-1].copy())
    if not a.any() or not b.any():
        return []
    out: list[Path] = []
    # where the strokes cross, a mark is about a line thick; a filled head or a bold bend
    # that also holds both diagonals is much thicker
    dist = cv2.distanceTransform(conn, cv2.DIST_L2, 3)
    thin = max(2.5, 1.2 * f.stroke + 1.0)
    na, la, sa, _ = cv2.connectedComponentsWithStats(a, connectivity=8)
    nb, lb, sb, _ = cv2.connectedComponentsWithStats(b, connectivity=8)
    limit = 1.0 * f.text_h
    for i in range(1, na):
        x, y, w, h, ar = (int(v) for v in sa[i])
        if max(w, h) > limit:
            continue  # a diagonal connector, not a mark
        if ar > max(w, h) * (3.0 * f.stroke + 2.0):
            continue  # the bend of a thick line holds a wide diagonal band, a mark a thin one
        hits = set(lb[y:y + h, x:x + w][la[y:y + h, x:x + w] == i].tolist()) - {0}
        grown = lb[max(0, y - 2):y + h + 2, max(0, x - 2):x + w + 2]
        hits |= set(grown.ravel().tolist()) - {0}
        for j in sorted(hits):
            x2, y2, w2, h2, ar2 = (int(v) for v in sb[j])
            if max(w2, h2) > limit or ar2 > max(w2, h2) * (3.0 * f.stroke + 2.0) or abs((x + w / 2) - (x2 + w2 / 2)) > 2 + 0.3 * w \
                    or abs((y + h / 2) - (y2 + h2 / 2)) > 2 + 0.3 * h:
                continue
            cx, cy = (x + w // 2 + x2 + w2 // 2) // 2, (y + h // 2 + y2 + h2 // 2) // 2
            if float(dist[max(0, cy - 1):cy + 2, max(0, cx - 1):cx + 2].max()) > thin:
                continue
            out.append(Path(points=[(float(x), float(y)), (float(x + w), float(y + h))], width=f.stroke))
            out.append(Path(points=[(float(x2 + w2), float(y2)), (float(x2), float(y2 + h2))], width=f.stroke))
            break
    return out


def _at_picture(p: Point, pictures: Sequence[Rect], h: float) -> bool:
    return any(inside(p, expand(b, max(8.0, h))) for b in pictures)


def _forked_behind(conn: Any, head: Arrowhead, box: tuple[int, int, int, int], f: _Frame) -> bool:
    """Two or more lines leave the blob behind its base: the wedge where a fan of links from one
    picture's corner runs together (each a line's width apart there) survives the opening like
    a filled head, and points at the picture. A head has one shaft behind it; a lifeline or an
    outline at its tip lies beside or in front of it."""
    np = f.np
    x, y, w, h = box
    cx, cy = x + w / 2.0, y + h / 2.0
    r = 0.5 * math.hypot(w, h) + 2.0 * f.stroke + 2.0
    ang = np.linspace(0.0, 2.0 * math.pi, max(48, int(2.0 * math.pi * r)), endpoint=False)
    dx, dy = np.cos(ang), np.sin(ang)
    behind = -(dx * head.direction[0] + dy * head.direction[1]) > 0.3
    xs = np.clip(np.round(cx + r * dx).astype(int), 0, conn.shape[1] - 1)
    ys = np.clip(np.round(cy + r * dy).astype(int), 0, conn.shape[0] - 1)
    on = (conn[ys, xs] > 0) & behind
    # runs of ink along the arc behind the base (the arc is one stretch of the circle)
    start = int(np.argmin(behind)) if not behind.all() else 0
    seq = np.roll(on, -start)
    runs = int(np.count_nonzero(seq[1:] & ~seq[:-1])) + int(seq[0])
    return runs >= 2


def _one_head(f: _Frame, conn: Any, blob: Any, box: tuple[int, int, int, int],
              centre: Point) -> Arrowhead | None:
    """Tip and direction of one blob: the vertex whose opposite side has the line attached.

    The line leaves a filled head at the middle of its base; probing outward from the middle
    of each side of the enclosing triangle finds it. (A lifeline or node outline touching the
    tip does not fool this, unlike the centre of all nearby ink.)
    """
    np, cv2 = f.np, f.cv2
    x, y, w, h = box
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    c = (max(contours, key=cv2.contourArea).reshape(-1, 2) + (x, y)).astype(np.float32)
    if float(blob.sum()) / float(w * h) > 0.9:  # solid squares are not arrowheads
        return None
    _, tri = cv2.minEnclosingTriangle(c.reshape(-1, 1, 2))
    t = tri.reshape(3, 2).astype(float)
    scores = []
    for i in range(3):
        mid = (t[(i + 1) % 3] + t[(i + 2) % 3]) / 2.0
        side = float(np.linalg.norm(t[(i + 1) % 3] - t[(i + 2) % 3]))
        scores.append((_probe(conn, mid, mid - t[i], f), -side, i))
    _, _, apex = max(scores)
    mid = (t[(apex + 1) % 3] + t[(apex + 2) % 3]) / 2.0
    dx, dy = t[apex][0] - mid[0], t[apex][1] - mid[1]
    norm = math.hypot(dx, dy)
    if norm < 1e-6:
        return None
    d = (dx / norm, dy / norm)
    proj = c.astype(float) @ np.array(d)
    tip = c[int(proj.argmax())]
    return Arrowhead(tip=(float(tip[0]), float(tip[1])), direction=d,
                     bbox=(float(x), float(y), float(x + w), float(y + h)))


def _probe(mask: Any, start: Any, outward: Any, f: _Frame) -> int:
    """Ink pixels met walking outward from ``start`` for a few line widths."""
    n = math.hypot(float(outward[0]), float(outward[1]))
    if n < 1e-6:
        return 0
    ux, uy = float(outward[0]) / n, float(outward[1]) / n
    hh, ww = mask.shape
    hits = 0
    for k in range(2, int(3 * f.stroke + 6)):
        px, py = round(start[0] + ux * k), round(start[1] + uy * k)
        if 0 <= px < ww and 0 <= py < hh and mask[py, px]:
            hits += 1
    return hits


_BARB_MIN_DEG, _BARB_MAX_DEG = 12.0, 70.0  # a barb's angle off the line it heads
_BARB_SKEW_DEG = 25.0  # the two barbs of one head are drawn symmetric about the line


def _open_heads(f: _Frame, paths: list[Path], filled: list[Arrowhead]
                ) -> tuple[list[Arrowhead], list[Path]]:
    """Open heads drawn as two strokes, a 'V' whose point is the line's end (UML navigability,
    draw.io's 'open' arrow): thinning leaves the line and two short barbs meeting at the tip,
    each barb running back beside the line on its own side. Returns all heads (a speck of the
    'V's point that survived the opening as a filled head gives way to the open head) and the
    paths without the barbs (each headed line cut back to the head's base, as a filled
    head's is)."""
    lo = max(4.0, 2.5 * f.stroke)
    hi = max(12.0, 1.2 * f.text_h)
    near = 2.0 * f.stroke + 3.0  # the thinned strokes of a 'V' part a few pixels from its point
    lens = [poly_len(p.points) for p in paths]
    short = [k for k, n in enumerate(lens) if lo <= n <= hi and len(paths[k].points) <= 3]
    heads: list[Arrowhead] = []
    barbs: set[int] = set()
    for k, p in enumerate(paths):
        for end in (0, 1):
            if lens[k] < 1.5 * lo:
                continue
            pts = p.points if end == 1 else p.points[::-1]
            tip = pts[-1]
            cand = [(b, _far_end(paths[b].points, tip, near)) for b in short if b != k and b not in barbs]
            cand = [(b, q) for b, q in cand if q is not None]
            pair = _barb_pair(pts, cand) if len(cand) >= 2 else None
            if pair is None:
                continue
            (b1, q1), (b2, q2), d = pair
            barbs.update((b1, b2))
            # the point: the foremost of the line's end and the barbs' near ends
            tip = max([tip] + [_near_end(paths[b].points, q) for b, q in pair[:2]],
                      key=lambda q: q[0] * d[0] + q[1] * d[1])
            depth = 0.5 * sum((tip[0] - q[0]) * d[0] + (tip[1] - q[1]) * d[1] for q in (q1, q2))
            if dist(pts[-2], tip) > depth + 1.0:  # the line's end moves back to the head's base
                pts[-1] = (tip[0] - d[0] * depth, tip[1] - d[1] * depth)
                p.points = pts if end == 1 else pts[::-1]
            xs, ys = [tip[0], q1[0], q2[0]], [tip[1], q1[1], q2[1]]
            pad = f.stroke + 1.0
            heads.append(Arrowhead(tip=tip, direction=d,
                                   bbox=(min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)))
            break
    kept = [a for a in filled if not any(_overlaps(a.bbox, o.bbox) for o in heads)]
    return kept + heads, [p for k, p in enumerate(paths) if k not in barbs]


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _near_end(pts: list[Point], far: Point) -> Point:
    return pts[0] if pts[-1] == far else pts[-1]


def _far_end(pts: list[Point], tip: Point, near: float) -> Point | None:
    """The free end of a short stroke that starts at ``tip`` (None when it does not)."""
    if dist(pts[0], tip) <= near:
        return pts[-1]
    if dist(pts[-1], tip) <= near:
        return pts[0]
    return None


def _barb_pair(pts: list[Point], cand: list[tuple[int, Point]]
               ) -> tuple[tuple[int, Point], tuple[int, Point], Point] | None:
    """Two barbs on opposite sides of the line's last stretch, each at a like angle off it;
    with the unit direction in which the line arrives at its tip."""
    tip = pts[-1]
    back = next((q for q in reversed(pts[:-1]) if dist(q, tip) >= 3.0), pts[0])
    n = dist(back, tip)
    if n < 1e-6:
        return None
    d = ((tip[0] - back[0]) / n, (tip[1] - back[1]) / n)
    sides: list[tuple[float, float, int, Point]] = []
    for b, q in cand:
        vx, vy = q[0] - tip[0], q[1] - tip[1]
        m = math.hypot(vx, vy)
        if m < 1e-6:
            continue
        ang = math.degrees(math.acos(max(-1.0, min(1.0, -(vx * d[0] + vy * d[1]) / m))))
        if _BARB_MIN_DEG <= ang <= _BARB_MAX_DEG:
            sides.append((math.copysign(1.0, d[0] * vy - d[1] * vx), ang, b, q))
    best = None
    for s1, a1, b1, q1 in sides:
        for s2, a2, b2, q2 in sides:
            if s1 > 0 > s2 and abs(a1 - a2) <= _BARB_SKEW_DEG and (best is None or abs(a1 - a2) < best[0]):
                best = (abs(a1 - a2), (b1, q1), (b2, q2))
    return None if best is None else (best[1], best[2], d)
