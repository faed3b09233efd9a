"""Which truth labels a reader of a render can see.

A source file declares labels that its render may not show: LibreOffice draws the text of many
Visio shapes in near-white (``#feffff``) on white, because it does not draw the theme fill
behind it, and it clips shapes that lie off the page. A raster reader cannot read such a label
and a person looking at the picture would not expect it, so the real-figure benchmark scores
raster readings against the labels that are visible in the render, and vector readings against
the labels that are on the page at all (a reader of the text layer takes near-white text too;
it cannot take what the export put off the page), and reports the full-truth numbers beside
them. Text painted over by a later opaque fill (PyMuPDF's text trace: `dicmodel.ingest.hidden`)
is hidden to both.

A text line of the render's PDF is visible when its colour stands out from the background under
it (the median pixel of its box) and something is drawn in its box at all (a clipped line
leaves the box flat). A label is hidden when the lines of the PDF that spell it (lines of three
or more letters or digits contained in the label) are mostly invisible, counted in characters;
a label no line spells (text drawn as paths, a PNG) is kept.
"""

from __future__ import annotations

import re
from typing import Any

from dicmodel.diagram import Diagram

MIN_COLOUR_DISTANCE = 90   # sum of |dR|+|dG|+|dB| between text colour and background, 0-765
MIN_INK_RANGE = 40         # grey-level range inside the box; a flat box shows no text
DPI = 100
_SPELLED = 0.8          # share of a label a run of consecutive lines must spell

_NORM = re.compile(r"[^0-9a-z]+")


def _norm(text: str) -> str:
    return _NORM.sub("", text.lower())


def visible_lines(page: Any, clip: Any, colour: bool = True) -> list[tuple[str, bool]]:
    """(normalised text, visible) of every text line of ``page`` (a line of one or two letters
    too: a word wrapped after its first letter leaves one). With ``colour`` off a line is
    visible when it is on the page (in ``clip``) at all: what a reader of the PDF's text layer
    can take, whatever colour it is printed in."""
    import numpy as np
    import pymupdf

    from dicmodel.ingest.hidden import hidden_spans

    pm = page.get_pixmap(dpi=DPI, clip=clip)
    img = np.frombuffer(pm.samples, np.uint8).reshape(pm.h, pm.w, pm.n)[..., :3].astype(int)
    k = DPI / 72
    out = []
    # (text the export put off the page too: PyMuPDF clips to the page unless told otherwise)
    lines = [(line["bbox"], [s for s in line["spans"] if s["text"].strip()])
             for block in page.get_text("dict", clip=pymupdf.INFINITE_RECT())["blocks"]
             for line in block.get("lines", [])]
    # text painted over by a later opaque fill (a deck of cards, each card on the last one's
    # label) is seen by no one, whichever way the figure is read
    flat = [s for _, spans in lines for s in spans]
    over = {id(flat[j]) for j in hidden_spans(page, page.get_drawings(), flat)}
    for bbox, spans in lines:
        text = _norm("".join(s["text"] for s in spans))
        if not text:
            continue
        box = pymupdf.Rect(bbox) & clip
        seen = False
        if all(id(s) in over for s in spans):
            seen = False
        elif not colour:
            seen = not box.is_empty
        elif not box.is_empty:
            x0, y0 = int((box.x0 - clip.x0) * k), int((box.y0 - clip.y0) * k)
            x1, y1 = int((box.x1 - clip.x0) * k) + 1, int((box.y1 - clip.y0) * k) + 1
            patch = img[y0:y1, x0:x1].reshape(-1, 3)
            if patch.size:
                grey = patch.sum(axis=1)
                bg = np.median(patch, axis=0)
                c = spans[0]["color"]
                rgb = np.array([(c >> 16) & 255, (c >> 8) & 255, c & 255])
                seen = (int(np.abs(rgb - bg).sum()) >= MIN_COLOUR_DISTANCE
                        and int(grey.max() - grey.min()) // 3 >= MIN_INK_RANGE)
        out.append((text, seen))
    return out


def hidden_labels(truth: Diagram, lines: list[tuple[str, bool]], page_text: str | None = None
                  ) -> set[str]:
    """Ids of the truth's nodes whose label the render does not show. ``page_text`` (the
    page's whole text, normalised) is given for a render that writes every label as text (a
    LibreOffice export): there a label that no run of lines spells and that the page's text
    does not hold is not on the page at all (the export dropped the shape, or put it off the
    page), even where words of it are printed in other shapes."""
    hidden = set()
    for n in truth.nodes:
        label = _norm(n.label)
        if not label:
            continue
        run = _spelled(label, lines)
        if run is None and page_text is not None and label not in page_text:
            hidden.add(n.id)
            continue
        shown, total = run or _contained(label, lines)
        if total and shown < 0.5 * total:
            hidden.add(n.id)
    return hidden


def page_text(page: Any) -> str:
    """The page's whole text, normalised as labels are."""
    import pymupdf

    return _norm(page.get_text("text", clip=pymupdf.INFINITE_RECT()))


def _spelled(label: str, lines: list[tuple[str, bool]]) -> tuple[int, int] | None:
    """(visible characters, characters) of the run of consecutive lines that spells ``label``
    from its start (a shape's lines come one after another in the PDF), the run covering most
    of it, the most visible of equal runs; None when no run spells at least ``_SPELLED`` of the label."""
    best: tuple[int, int] | None = None
    for i, (text, _seen) in enumerate(lines):
        if not label.startswith(text):
            continue
        pos = shown = 0
        for t, seen in lines[i:]:
            if not label.startswith(t, pos):
                break
            pos += len(t)
            shown += len(t) if seen else 0
            if pos == len(label):
                break
        # the longest run; of equally long ones (a label printed twice), the most visible
        if pos >= _SPELLED * len(label) and (best is None or (pos, shown) > best[::-1]):
            best = (shown, pos)
    return best


def _contained(label: str, lines: list[tuple[str, bool]]) -> tuple[int, int]:
    """(visible characters, characters) of every line the label contains, wherever it is: the
    fallback where no run of lines spells the label in order."""
    shown = total = 0
    for text, seen in lines:
        if len(text) >= 3 and text in label:
            total += len(text)
            shown += len(text) if seen else 0
    return shown, total


def visible_truth(truth: Diagram, hidden: set[str]) -> Diagram:
    """The truth without the hidden nodes and the links that touch them."""
    if not hidden:
        return truth
    d = truth.model_copy(deep=True)
    d.nodes = [n for n in d.nodes if n.id not in hidden]
    d.edges = [e for e in d.edges if e.source not in hidden and e.target not in hidden]
    d.messages = [m for m in d.messages if m.source not in hidden and m.target not in hidden]
    for g in d.groups:
        g.members = [m for m in g.members if m not in hidden]
    return d
