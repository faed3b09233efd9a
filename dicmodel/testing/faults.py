"""A fault corpus built in code: broken, hostile and odd inputs with what a conversion must do.

Used by ``tests/test_fault_corpus.py`` (fast cases through the Python API and the CLI batch),
``benchmarks/fault_corpus.py`` (peak memory and hangs per case through the CLI) and
``fuzz/fuzz_pdf.py`` (the seeds it mutates). Every case is deterministic.

Each :class:`Case` is a file to place in an input folder (``data``), or a special file made by
:func:`materialize` (a FIFO, a symlink loop). ``expect`` is ``"ok"`` (must convert),
``"failed"`` (one failed line with a :class:`~dicmodel.errors.DicmodelError` type) or
``"either"`` (MuPDF may repair it: it converts or fails with a typed error, nothing else).
"""

from __future__ import annotations

import functools
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Case", "build", "cases", "convert_job", "good_cases", "materialize", "png_header", "raw_pdf", "warm_worker"]


@dataclass
class Case:
    name: str  # the file name in the input folder (bytes names are written with os.fsencode)
    expect: str  # ok | failed | either | skipped (left out of a folder walk, with a note)
    data: bytes | None = None  # None: made by materialize (fifo, symlink loop)
    kind: str = "file"  # file | fifo | symlink_loop
    why: str = ""


def raw_pdf(content: bytes = b"", mediabox: tuple[float, ...] = (0, 0, 612, 792), *,
            pages_obj: bytes | None = None, page_extra: bytes = b"", catalog_extra: bytes = b"",
            extra: tuple[bytes, ...] = ()) -> bytes:
    """A one-page PDF written by hand (objects 1 catalog, 2 pages, 3 page, 4 content, 5...
    ``extra``) with a correct xref: the way to make page boxes and trees PyMuPDF would refuse
    to write."""
    box = " ".join(f"{v:.10g}" for v in mediabox).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
            pages_obj or b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [" + box + b"] /Contents 4 0 R " + page_extra + b">>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream", *extra]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def png_header(width: int, height: int, idat: bytes = b"") -> bytes:
    """A PNG whose header declares ``width`` x ``height`` with (almost) no pixel data."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", idat or zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def _boxes(side: float) -> bytes:
    """A few stroked boxes and a diagonal spread over a page of ``side`` points."""
    ops = [b"%.6g %.6g %.6g %.6g re S" % (side * 0.1 * i, side * 0.1 * i, side * 0.3, side * 0.3)
           for i in range(4)]
    return b"\n".join([*ops, b"0 0 m %.6g %.6g l S" % (side * 0.5, side * 0.5)])


def _many_paths(n: int) -> bytes:
    return b"\n".join(b"%d %d 3 3 re f" % (20 + (i * 7) % 560, 20 + (i * 13) % 750) for i in range(n))


def _flate_image_pdf(width: int, height: int) -> bytes:
    """A page showing one gray image of ``width`` x ``height`` px, all zeros (Flate makes the
    file small; decoding it costs width*height bytes)."""
    z = zlib.compressobj(1)
    row = bytes(width)
    data = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    img = (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
           b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(data))
           + data + b"\nendstream")
    return raw_pdf(b"q 300 0 0 300 100 300 cm /Im0 Do Q", page_extra=b"/Resources << /XObject << /Im0 5 0 R >> >> ",
                   extra=(img,))


def _text_pdf(text: bytes) -> bytes:
    return raw_pdf(b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET",
                   page_extra=b"/Resources << /Font << /F1 5 0 R >> >> ",
                   extra=(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",))


def _pdfgen() -> Any:
    from .. import _pdfgen

    return _pdfgen


def good_cases() -> list[Case]:
    """Devset-like documents generated in code: every one must convert."""
    g = _pdfgen()
    return [Case("report.pdf", "ok", g.sample_report().data, why="the sample report: 3 figures, a table"),
            Case("two-column.pdf", "ok", g.two_column_pdf().data, why="two columns"),
            Case("rotated.pdf", "ok", g.rotated_pdf(90).data, why="a /Rotate 90 page"),
            Case("topology.png", "ok", g.topology_png(), why="a raster diagram as an image input")]


def cases() -> list[Case]:
    """The hostile and broken inputs (see the module docs for ``expect``)."""
    return list(_cases())


@functools.lru_cache(maxsize=1)
def _cases() -> tuple[Case, ...]:
    g = _pdfgen()
    report = g.sample_report().data
    bad_xref = report.replace(b"startxref", b"startxref\n999999999 ", 1)
    out = [
        Case("corrupt.pdf", "failed", g.corrupt_pdf(), why="a header and garbage"),
        Case("truncated-hard.pdf", "failed", report[:400], why="cut after 400 bytes"),
        Case("truncated.pdf", "either", report[: int(len(report) * 0.6)], why="cut at 60 %: MuPDF may repair it"),
        Case("encrypted.pdf", "failed", g.encrypted_pdf(), why="needs --password"),
        Case("zero-bytes.pdf", "failed", b"", why="an empty file"),
        Case("zero-pages.pdf", "failed", g.empty_pdf(), why="a page tree with no page"),
        Case("text-as.pdf", "failed", b"just some text, not a PDF\n" * 20, why="text named .pdf"),
        Case("html-as.pdf", "failed", b"<html><body>hi</body></html>", why="HTML named .pdf"),
        Case("png-as.pdf", "failed", g.not_a_pdf(), why="a PNG named .pdf"),
        Case("broken-xref.pdf", "either", bad_xref, why="startxref points nowhere"),
        Case("tree-cycle.pdf", "either", raw_pdf(b"", pages_obj=b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"),
             why="the page tree holds itself"),
        Case("bad-count.pdf", "either", raw_pdf(b"", pages_obj=b"<< /Type /Pages /Kids [3 0 R] /Count -7 >>"),
             why="a negative page count"),
        Case("huge-count.pdf", "either",
             raw_pdf(b"", pages_obj=b"<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>"),
             why="a page count of 2^31-1"),
        Case("no-root.pdf", "either", raw_pdf(b"").replace(b"/Root 1 0 R", b"/Root 9 0 R"),
             why="the trailer's /Root names a missing object"),
        Case("js-embedded.pdf", "ok", raw_pdf(
            b"BT /F1 12 Tf 72 720 Td (hello) Tj ET",
            catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >> "
                          b"/Names << /EmbeddedFiles << /Names [(x.exe) 6 0 R] >> >> ",
            page_extra=b"/Resources << /Font << /F1 5 0 R >> >> ",
            extra=(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
                   b"<< /Type /Filespec /F (x.exe) /EF << /F 7 0 R >> >>",
                   b"<< /Length 4 >>\nstream\nMZ\x90\x00\nendstream")),
            why="JavaScript and an embedded file: ignored, never run"),
        Case("many-paths.pdf", "ok", raw_pdf(_many_paths(100_000)), why="100,000 filled paths on a page"),
        Case("huge-mediabox.pdf", "ok", raw_pdf(_boxes(1e9), (0, 0, 1e9, 1e9)), why="a 1e9-pt page box"),
        Case("mediabox-1e6.pdf", "ok", raw_pdf(_boxes(1e6), (0, 0, 1e6, 1e6)), why="a 1e6-pt page"),
        Case("mediabox-200k.pdf", "ok", raw_pdf(_boxes(2e5), (0, 0, 2e5, 2e5)), why="a 200,000-pt page"),
        Case("negative-box.pdf", "either", raw_pdf(_boxes(500), (0, 0, -500, -500)), why="an inverted page box"),
        Case("flate-image-20k.pdf", "either", _flate_image_pdf(20_000, 20_000),
             why="a 20,000 x 20,000 px image (400 MB decoded) in a small file"),
        Case("unicode-ünï-名前.pdf", "ok", _text_pdf(b"unicode name"), why="a UTF-8 file name"),
        Case(os.fsdecode(b"latin1-caf\xe9.pdf"), "ok", _text_pdf(b"latin-1 name"), why="a non-UTF-8 file name"),
        Case("summary.pdf", "ok", _text_pdf(b"a document called summary"),
             why="its outputs must not collide with the run's summary"),
        Case("bomb.png", "failed", png_header(100_000, 100_000), why="a PNG declaring 10 gigapixels"),
        Case("big-declared.png", "failed", png_header(12_000, 12_000), why="a 12,000-px PNG (144 Mpx)"),
        Case("broken.png", "failed", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, why="a PNG signature and nothing"),
        Case("fifo.pdf", "skipped", kind="fifo", why="a FIFO named .pdf: reading it would block"),
        Case("loop", "skipped", kind="symlink_loop", why="a folder link to itself"),
    ]
    return tuple(out)


def materialize(case: Case, folder: Path) -> Path:
    """Create the case in ``folder`` and return its path."""
    path = Path(folder) / case.name  # str with surrogate escapes: the OS gets the original bytes
    if case.kind == "fifo":
        os.mkfifo(path)
    elif case.kind == "symlink_loop":
        os.symlink(".", path)  # the folder itself: a walk that follows links would never end
    else:
        assert case.data is not None
        path.write_bytes(case.data)
    return path


def build(folder: Path, chosen: list[Case] | None = None,
          keep: Callable[[Case], bool] = lambda c: True) -> dict[str, Case]:
    """Write the cases (default: every bad and good case) into ``folder``; name -> case."""
    folder.mkdir(parents=True, exist_ok=True)
    picked = [c for c in (chosen if chosen is not None else cases() + good_cases()) if keep(c)]
    for c in picked:
        materialize(c, folder)
    return {c.name: c for c in picked}


def convert_job(payload: tuple[bytes, str, str]) -> tuple[str, str, str, float, float]:
    """Convert PDF/image bytes in a worker (see ``fuzz/fuzz_pdf.py``): ``(outcome, error type,
    message, wall seconds, CPU seconds)``; outcome is ``ok``, ``typed`` (a DicmodelError other
    than InternalError) or ``unexpected``."""
    import time

    from ..errors import DicmodelError, InternalError
    from ..pipeline import convert

    data, describer, _label = payload
    t0, c0 = time.perf_counter(), time.process_time()
    outcome, etype, msg = "ok", "", ""
    try:
        convert(data, describer=describer)
    except DicmodelError as err:
        outcome = "unexpected" if isinstance(err, InternalError) else "typed"
        etype, msg = type(err).__name__, str(err)[:300]
    except Exception as err:  # noqa: BLE001 - what the fuzzer counts
        outcome, etype, msg = "unexpected", type(err).__name__, str(err)[:300]
    return outcome, etype, msg, time.perf_counter() - t0, time.process_time() - c0


def warm_worker(describer: str) -> None:
    """Worker set-up for :func:`convert_job`: load PyMuPDF and the describer's lazy libraries
    (OCR, OpenCV) once, so an input's time is its own."""
    from .. import _pdfgen
    from ..pipeline import convert

    convert(_pdfgen.sample_report().data, describer=describer)
