"""Continuous-tone pictures (a photograph, a shaded rendering such as the globe on every ETSI
cover) are typed ``photo`` with their words, never read as boxes and lines: a drawing is a few
flat colours, a photograph is not (``Primitives.palette_share``)."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")

from dicmodel.describe._geometry.classify import read_figure  # noqa: E402
from dicmodel.describe._geometry.raster import extract_raster, palette_share  # noqa: E402
from dicmodel.document import FigureType  # noqa: E402

from _raster_draw import canvas, png  # noqa: E402


def _globe() -> np.ndarray:
    """A shaded sphere on a blue gradient, a band and a rule across: the ETSI cover's look."""
    h, w = 300, 600
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.zeros((h, w, 3), np.float32)
    img[..., 0] = 255 - 0.25 * xx  # a gradient background, blue to white
    img[..., 1] = 200 - 0.15 * xx + 0.1 * yy
    img[..., 2] = 120 + 0.2 * xx
    d = np.sqrt((xx - 150) ** 2 + (yy - 150) ** 2)
    ball = d < 120
    shade = np.clip(1.0 - d / 140, 0, 1)
    for c, base in enumerate((230, 140, 40)):
        img[..., c] = np.where(ball, base * shade + 20, img[..., c])
    img = np.clip(img, 0, 255).astype(np.uint8)
    cv2.rectangle(img, (0, 250), (600, 270), (120, 60, 10), -1)
    cv2.line(img, (300, 120), (560, 120), (40, 40, 40), 2)
    return img


def _diagram() -> np.ndarray:
    img = canvas(600, 300)
    for x in (40, 240, 440):
        cv2.rectangle(img, (x, 100), (x + 120, 160), (40, 40, 40), 2)
        cv2.rectangle(img, (x + 2, 102), (x + 118, 158), (250, 220, 180), -1)
    cv2.line(img, (160, 130), (240, 130), (40, 40, 40), 2)
    cv2.line(img, (360, 130), (440, 130), (40, 40, 40), 2)
    return img


def test_a_shaded_picture_is_a_photo_with_no_geometry():
    assert palette_share(_globe()) < 0.7
    prims = extract_raster(png(_globe()), ocr=None)
    assert not (prims.shapes or prims.paths)
    r = read_figure(prims)
    assert r.figure_type is FigureType.photo
    assert any("continuous tone" in w for w in r.warnings)


def test_a_flat_coloured_drawing_is_still_read_as_one():
    assert palette_share(_diagram()) > 0.9
    r = read_figure(extract_raster(png(_diagram()), ocr=None))
    assert r.figure_type is not FigureType.photo
    assert len(r.diagram.edges) == 2
