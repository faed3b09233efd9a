"""Raster images in, PNG out, with the size checked before any pixel is decoded.

Below the pipeline and the Office and unstructured ingests, which all call it (so none of them
imports the pipeline that routes to them).
"""

from __future__ import annotations

import io
import warnings

from .errors import ImageError

__all__ = ["MAX_IMAGE_PIXELS", "to_png"]

MAX_IMAGE_PIXELS = 64_000_000  # 8,000 x 8,000: larger images are refused before decoding


def to_png(data: bytes, name: str = "<bytes>") -> tuple[bytes, tuple[int, int]]:
    """Any raster image PIL reads -> (PNG bytes, (width, height)); :class:`ImageError` otherwise.

    The declared size is checked from the header before any pixel is decoded: a PNG that
    claims 100,000 x 100,000 px (a decompression bomb) or a 12,000-px scan is refused."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our limit is lower
            im = Image.open(io.BytesIO(data))
        with im:
            w, h = im.size
            if w * h > MAX_IMAGE_PIXELS:
                raise ImageError(f"{name}: image of {w} x {h} px is over the limit of "
                                 f"{MAX_IMAGE_PIXELS:,} pixels (decoding it would need "
                                 f"{w * h * 4 / 2**30:.1f} GiB); scale it down first")
            im.load()
            buf = io.BytesIO()
            im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB").save(buf, "PNG")
            return buf.getvalue(), im.size
    except (ImageError, MemoryError):
        raise
    except Exception as err:  # noqa: BLE001 - PIL signals bad data with many types (bombs too)
        raise ImageError(f"{name}: cannot decode the image: {type(err).__name__}: {err}") from err
