"""Binary Visio ``.vsd`` (and Visio objects inside OLE ``oleObject*.bin`` containers).

A ``.vsd`` is an OLE compound file with a ``VisioDocument`` stream. LibreOffice headless
(``libvisio``) converts it to ODG; :func:`read_vsd_many` converts any number of files in one
``soffice`` run (a private profile under the temp folder, kept warm between runs) and reads each
ODG's ``content.xml``: pages (``draw:page``), shapes and their text, lines and arrows.

What LibreOffice keeps and what it loses: libvisio flattens every shape to geometry (polygons,
paths, lines, text frames) and drops connector glue, so a ``.vsd`` gives its labelled shapes
exactly (nodes, in drawing order) and counts its lines and arrows (``draw:line``/``polyline``/
``connector``, and paths with an arrowhead), but no edge is guessed from geometry: every line
is reported as loose and the confidence is at most 0.5. The structural describer then reads edges
from the figure's vector preview instead.

An OLE container holding a ``Package`` stream carries a ``.vsdx`` zip: that one is read exactly
by :mod:`.vsdx`.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ..diagram import Diagram
from ..errors import CorruptDocumentError, MissingExtraError, UnsupportedFormatError
from ._model import SourceDiagram, clean_text, finish

__all__ = ["convert_to_odg", "read_vsd", "read_vsd_many", "soffice_path", "unwrap_ole"]

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_SHAPES = ("frame", "custom-shape", "rect", "ellipse", "circle", "polygon", "path", "regular-polygon")


def soffice_path() -> str:
    """The LibreOffice binary, or :class:`MissingExtraError` saying how to install it."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    err = MissingExtraError("soffice", "sources", "reading binary Visio .vsd files")
    # a system package, not a pip extra: say which (ImportError prints .msg)
    err.msg = ("LibreOffice (soffice) is needed to read binary Visio .vsd files but is not "
               "installed; install it with: apt-get install libreoffice-draw")
    err.args = (err.msg,)
    raise err


def unwrap_ole(data: bytes, name: str = "") -> tuple[str, bytes]:
    """('vsd', bytes) for a Visio OLE file, ('vsdx', zip) for a container with a Package stream."""
    if not data.startswith(_OLE):
        raise UnsupportedFormatError(f"{name or 'data'}: not an OLE/Visio file")
    try:
        import olefile
    except ImportError as err:
        raise MissingExtraError("olefile", "sources", "opening OLE containers (.vsd, oleObject*.bin)") from err
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except OSError as err:
        raise CorruptDocumentError(f"{name or 'OLE data'}: not a readable OLE file: {err}") from err
    with ole:
        if ole.exists("VisioDocument"):
            return "vsd", data  # libvisio reads the VisioDocument stream of the file itself
        if ole.exists("Package"):
            package = ole.openstream("Package").read()
            if package.startswith(b"PK") and b"visio/" in package[:1 << 16]:
                return "vsdx", package
        streams = ["/".join(s) for s in ole.listdir()]
    raise UnsupportedFormatError(f"{name or 'OLE data'}: no Visio drawing inside (streams: {streams[:8]})")


def read_vsd(data: bytes, name: str = "", *, as_drawn: bool = False) -> list[SourceDiagram]:
    """One .vsd (or Visio OLE container); see :func:`read_vsd_many` to share a LibreOffice run."""
    [res] = read_vsd_many([data], names=[name], as_drawn=as_drawn)
    if isinstance(res, Exception):
        raise res
    return res


def read_vsd_many(sources: list[Any], names: list[str] | None = None, timeout: float = 600,
                  *, as_drawn: bool = False) -> list[list[SourceDiagram] | Exception]:
    """Many .vsd sources (paths or bytes) in one LibreOffice run; per source its parts or the
    exception it raised. ``as_drawn`` applies to a .vsdx package inside an OLE container
    (:func:`.vsdx.read_vsdx`); LibreOffice's ODG keeps no glue to read either way."""
    names = names or [s if isinstance(s, str) else str(s) if isinstance(s, os.PathLike) else ""
                      for s in sources]
    out: list[list[SourceDiagram] | Exception] = [[] for _ in sources]
    todo: list[tuple[int, bytes]] = []
    for i, src in enumerate(sources):
        try:
            data = bytes(src) if isinstance(src, (bytes, bytearray)) else Path(src).read_bytes()
            kind, payload = unwrap_ole(data, names[i])
            if kind == "vsdx":
                from .vsdx import read_vsdx

                note = "read from the .vsdx package inside an OLE container"
                out[i] = [p.model_copy(update={"warnings": [*p.warnings, note]})
                          for p in read_vsdx(payload, names[i], as_drawn=as_drawn)]
            else:
                todo.append((i, payload))
        except Exception as err:  # noqa: BLE001 - recorded per source
            out[i] = err
    if todo:
        try:
            odgs = convert_to_odg([p for _, p in todo], timeout=timeout)
        except Exception as err:  # noqa: BLE001 - LibreOffice missing or failed: every vsd gets it
            for i, _ in todo:
                out[i] = err
            return out
        for (i, _), odg in zip(todo, odgs):
            try:
                if odg is None:
                    raise CorruptDocumentError(f"{names[i] or 'vsd'}: LibreOffice could not convert it")
                out[i] = read_odg(odg)
            except Exception as err:  # noqa: BLE001
                out[i] = err
    return out


def _profile() -> str:
    # a private profile: never touches the user's LibreOffice, kept between runs (a fresh one
    # costs 30-90 s of first-start work)
    return Path(tempfile.gettempdir(), f"dicmodel-lo-sources-{os.getuid()}").as_uri()


def convert_to_odg(files: list[bytes], timeout: float = 600) -> list[bytes | None]:
    """Convert .vsd bytes to ODG bytes with one soffice call (None where a file failed)."""
    soffice = soffice_path()
    with tempfile.TemporaryDirectory(prefix="dicmodel-vsd-") as tmp:
        paths = []
        for k, data in enumerate(files):
            p = Path(tmp, f"f{k}.vsd")
            p.write_bytes(data)
            paths.append(p)
        outdir = Path(tmp, "odg")
        cmd = [soffice, f"-env:UserInstallation={_profile()}", "--headless", "--norestore",
               "--convert-to", "odg", "--outdir", str(outdir), *map(str, paths)]
        try:
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout,
                           check=False)
        except subprocess.TimeoutExpired as err:
            raise CorruptDocumentError(f"LibreOffice did not finish converting {len(files)} .vsd "
                                       f"file(s) within {timeout:.0f} s") from err
        return [(outdir / f"{p.stem}.odg").read_bytes() if (outdir / f"{p.stem}.odg").exists()
                else None for p in paths]


def read_odg(data: bytes) -> list[SourceDiagram]:
    """The pages of an ODG drawing: labelled shapes as nodes, arrows counted (no glue in ODG)."""
    from xml.etree import ElementTree as ET

    try:
        root = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("content.xml"))
    except (zipfile.BadZipFile, KeyError, ET.ParseError) as err:
        raise CorruptDocumentError(f"the ODG from LibreOffice does not read: {err}") from err
    markers = _arrow_styles(root)
    pages = list(root.iter(DRAW + "page"))
    return [_read_page(page, k, markers) for k, page in enumerate(pages, 1)]


def _arrow_styles(root: Any) -> set[str]:
    """Graphic style names whose lines carry an arrowhead (marker) at either end."""
    out = set()
    for st in root.iter(STYLE + "style"):
        gp = st.find(STYLE + "graphic-properties")
        if gp is not None and (gp.get(DRAW + "marker-start") or gp.get(DRAW + "marker-end")):
            out.add(st.get(STYLE + "name"))
    return out


def _page_name(page: Any, k: int) -> str:
    name = page.get(DRAW + "name") or ""
    return name if name.isprintable() and "\ufffd" not in name and name.strip() else f"page-{k}"


def _read_page(page: Any, k: int, arrow_styles: set[str]) -> SourceDiagram:
    d = Diagram(kind="flowchart")
    arrows = 0
    for el in page.iter():
        local = el.tag.rsplit("}", 1)[-1]
        if not el.tag.startswith(DRAW):
            continue
        # a line, polyline or connector, or a path with an arrowhead: something that may connect
        is_line = local in ("line", "polyline", "connector") or (
            local == "path" and el.get(DRAW + "style-name") in arrow_styles)
        if is_line:
            arrows += 1
            continue
        if local in _SHAPES:
            text = clean_text(" ".join(clean_text("".join(p.itertext())) for p in el.iter(TEXT + "p")))
            if text:
                d.add_node(f"s{len(d.nodes) + 1}", text)
    warn = []
    if arrows:
        warn.append(f"{arrows} line(s)/arrow(s) drawn: a .vsd reaches dicmodel through LibreOffice, "
                    "which keeps no connector glue, so no edge is read from the source")
    part = finish("vsd", _page_name(page, k), d, arrows, warnings=warn)
    # labels are exact, the connections are unknown: never claim more than half
    part.confidence = min(part.confidence, 0.5)
    return part
