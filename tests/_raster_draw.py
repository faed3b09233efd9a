"""Drawing helpers shared by the raster tests: a white canvas, a dark ink, PNG bytes."""

from __future__ import annotations

import numpy as np

INK = (40, 40, 40)


def canvas(w: int = 420, h: int = 300) -> np.ndarray:
    return np.full((h, w, 3), 255, np.uint8)


def png(img: np.ndarray) -> bytes:
    import cv2

    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()
