"""Figure crops (PNG) at the resolution their content deserves.

A figure that is one embedded picture is that picture's own pixels (extracted from the PDF);
a figure holding pictures is rendered at its finest picture's resolution, never below
``IngestOptions.dpi``, at most 600 dpi and a pixel budget; a vector figure is rendered at
``IngestOptions.dpi``. A 150-dpi re-render kept about 0.64x of a typical embedded diagram's
pixels and starved OCR.
"""

from __future__ import annotations

import math
from typing import Any

from ..document import Figure
from .figures import Candidate
from .options import IngestOptions
from .pdf import Rect

__all__ = ["figure_png"]

_PIXEL_BUDGET = 12_000_000  # pixels of one crop: a page-sized photo at 600 dpi stays bounded
_MAX_DPI = 600


def figure_png(page: Any, pdf: Any, clip: Rect, fig: Figure, cand: Candidate, opts: IngestOptions,
               turned: bool = False) -> bytes:
    """The figure's PNG. A figure that is one embedded picture is that picture's own pixels;
    a figure holding pictures is rendered at the resolution of its finest picture (not below
    ``opts.dpi``, within a pixel budget): a 150-dpi re-render kept ~0.64x of a typical
    embedded diagram's pixels and starved OCR. A picture coarser than ``opts.dpi`` is still
    rendered at ``opts.dpi``, as before."""
    one = None if turned else _lone_picture(fig, cand)
    if one is not None and 72.0 * one.pixels[0] / max(fig.bbox.width, 1e-6) >= opts.dpi - 1:
        png = _extract(pdf, one.xref)
        if png is not None:
            return png
    return page.get_pixmap(matrix=crop_matrix(clip, _crop_dpi(fig, cand, opts)), clip=clip).tobytes("png")


def _lone_picture(fig: Figure, cand: Candidate) -> Any:
    """The one picture a figure is made of (no drawing, no text sticking out), or None."""
    if cand.inks or len(cand.images) != 1:
        return None
    img = cand.images[0]
    box = fig.bbox.as_tuple()
    same = all(abs(img.rect[i] - box[i]) <= 1.0 for i in range(4))
    return img if same and img.plain and img.xref and not img.mask else None


def _extract(pdf: Any, xref: int) -> bytes | None:
    """An embedded image's own pixels as PNG (grey or RGB, no alpha); None when it is too
    large or PyMuPDF cannot decode it (the caller renders instead)."""
    import pymupdf

    try:
        pix = pymupdf.Pixmap(pdf, xref)
        if pix.width * pix.height > _PIXEL_BUDGET:
            return None
        if pix.alpha:
            pix = pymupdf.Pixmap(pix, 0)
        if pix.n not in (1, 3):  # CMYK, indexed, Lab: as the page shows it
            pix = pymupdf.Pixmap(pymupdf.csRGB, pix)
        return pix.tobytes("png")
    except Exception:  # noqa: BLE001 - an unusual stream: render the page region instead
        return None


def _crop_dpi(fig: Figure, cand: Candidate, opts: IngestOptions) -> int:
    """``opts.dpi``, or the native resolution of the finest picture that covers a tenth of
    the figure or more (bitmap-mask lettering and boxes painted as pictures excluded: a
    browser prints a shadowed box at 3-4 pixels per point), capped by the pixel budget."""
    box = fig.bbox
    fig_area = max(box.width * box.height, 1.0)
    dpi = float(opts.dpi)
    for img in cand.images:
        w, h = img.rect[2] - img.rect[0], img.rect[3] - img.rect[1]
        if img.mask or img.shape is not None or w * h < 0.1 * fig_area or w <= 0 or h <= 0:
            continue
        dpi = max(dpi, 72.0 * img.pixels[0] / w, 72.0 * img.pixels[1] / h)
    budget = 72.0 * math.sqrt(_PIXEL_BUDGET / fig_area)
    return round(max(float(opts.dpi), min(dpi, budget, float(_MAX_DPI))))


MAX_CROP_PIXELS = 16_000_000  # a crop is never larger (4,000 x 4,000 px): ~64 MB of RGBA at most


def crop_matrix(clip: Rect, dpi: int) -> Any:
    """Scale for a crop at ``dpi``, lowered so that the pixmap stays within MAX_CROP_PIXELS.

    Decided from the box before MuPDF allocates anything: a figure on a 200,000-pt page at
    150 dpi would be a 170-gigapixel pixmap."""
    import pymupdf

    w, h = max(clip[2] - clip[0], 1.0), max(clip[3] - clip[1], 1.0)
    zoom = min(dpi / 72.0, math.sqrt(MAX_CROP_PIXELS / (w * h)))
    while (w * zoom + 2) * (h * zoom + 2) > MAX_CROP_PIXELS:  # MuPDF rounds the pixel box outward
        zoom *= 0.99
    return pymupdf.Matrix(zoom, zoom)
