"""3GPP benchmark: every graphic figure of the Word specs found, and how many get a Diagram.

Usage (outputs under /tmp, never the specs themselves)::

    PYTHONPATH=. python benchmarks/bench_3gpp.py [--dir ../shared/3gpp] [--out /tmp/bench_3gpp]

For each ``*.docx``:

- graphic captions: ``TF`` paragraphs starting "Figure" with a ``w:drawing``, ``w:object`` or
  VML picture (``w:pict`` holding ``v:imagedata``) within the three paragraphs before them,
  counted from the XML here, independently of the ingest; found = those captions carried by
  a figure of ``dicmodel.ingest.office``;
- structure share: found figures whose structural description has a Diagram, split by route
  (source: the embedded Visio source read by ``dicmodel.sources``, when the describer has that
  package and the source was usable; metafile vector; raster);
- seconds: our ingest (LibreOffice included) and the structural describer, next to
  python-docx's plain text extraction of the same file in the same run.

For each ``*.pdf`` (ETSI renditions) through the PDF ingest: captions "Figure x:" from the PDF
text, graphic ones (a drawing or a picture above them, outside tables: see ``pdf_captions``),
found = figures with that label, and the same structure share.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
V = "{urn:schemas-microsoft-com:vml}"
_NORM = re.compile(r"\s+")


def norm(text: str) -> str:
    return _NORM.sub(" ", text).strip()


def graphic_captions(path: Path) -> list[str]:
    import docx

    body = docx.Document(str(path)).element.body
    paras = list(body.iter(f"{W}p"))
    style = {}
    for i, p in enumerate(paras):
        ps = p.find(f"{W}pPr/{W}pStyle")
        style[i] = ps.get(f"{W}val") if ps is not None else ""

    def graphic(p) -> bool:
        if next(p.iter(f"{W}drawing", f"{W}object"), None) is not None:
            return True
        return any(next(pict.iter(f"{V}imagedata"), None) is not None for pict in p.iter(f"{W}pict"))

    out = []
    for i, p in enumerate(paras):
        text = norm("".join(t.text or "" for t in p.iter(f"{W}t")))
        if style[i] == "TF" and text.startswith("Figure") and any(graphic(q) for q in paras[max(0, i - 3):i]):
            out.append(text)
    return out


def route(fig) -> str:
    """Which reading gave the description: the embedded source (when dicmodel.sources read it),
    data from the file (chart, SmartArt), the metafile's vectors, a raster crop."""
    desc = fig.description
    if desc is not None and ":source-" in desc.describer:
        return "source"
    if desc is not None and desc.describer.startswith("ingest:"):
        return "file data"
    if fig.drawings or (fig.kind.value != "raster" and fig.spans):
        return "metafile vector"
    if fig.image is not None:
        return "raster"
    return "no content"


def describe(doc):
    from dicmodel.pipeline import describe_document

    t = time.perf_counter()
    out = describe_document(doc, "structural", ocr="rapidocr")
    return out, time.perf_counter() - t


def write_sample(doc, out: Path, per_doc: int) -> None:
    """Every k-th captioned figure: its crop and its description side by side, for grading."""
    figs = [f for f in doc.figures if f.caption and f.caption.startswith("Figure") and f.image]
    if not figs or per_doc <= 0:
        return
    step = max(1, len(figs) // per_doc)
    out.mkdir(parents=True, exist_ok=True)
    for f in figs[::step][:per_doc]:
        stem = f"{Path(doc.source).stem}-{f.label}"
        (out / f"{stem}.png").write_bytes(f.image)
        d = f.description
        (out / f"{stem}.md").write_text(
            f"{f.caption}\nroute: {route(f)}  kind: {f.kind.value}  source: {f.source_format}\n"
            f"describer: {d.describer if d else ''}  type: {d.figure_type.value if d else ''}\n\n"
            f"{d.text if d else ''}\n\n{(d.mermaid or '') if d else ''}\n")


def bench_docx(path: Path, sample: Path | None = None, per_doc: int = 0) -> dict:
    import docx

    from dicmodel.ingest.office import ingest_office

    t = time.perf_counter()
    plain = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    t_plain = time.perf_counter() - t
    t = time.perf_counter()
    doc = ingest_office(path)
    t_ingest = time.perf_counter() - t
    caps = graphic_captions(path)
    # whitespace-free comparison: a caption's tabs and breaks are spaces for us, nothing in w:t
    carried = [re.sub(r"\s", "", f.caption) for f in doc.figures if f.caption]
    caught = {c: any(x.startswith(re.sub(r"\s", "", c)) for x in carried) for c in caps}
    found = [c for c in caps if caught[c]]
    doc, t_desc = describe(doc)
    if sample is not None:
        write_sample(doc, sample, per_doc)
    by_route: dict[str, list[int]] = {}
    captioned: list[int] = []  # figures carrying a graphic caption (cover logos left out)
    for f in doc.figures:
        if f.duplicate_of:
            continue
        r = route(f)
        hit = int(f.description is not None and f.description.diagram is not None)
        by_route.setdefault(r, []).append(hit)
        if f.caption and f.caption.startswith("Figure"):
            captioned.append(hit)
    return {"file": path.name, "graphic_captions": len(caps), "found": len(found),
            "recall": round(len(found) / len(caps), 3) if caps else None,
            "figures": len(doc.figures), "errors": len(doc.errors),
            "error_kinds": dict(Counter(e.error_type for e in doc.errors)),
            "missed": [c[:90] for c in caps if not caught[c]],
            "diagram": {r: [sum(v), len(v)] for r, v in by_route.items()},
            "diagram_captioned": [sum(captioned), len(captioned)],
            "seconds_ingest": round(t_ingest, 2), "seconds_libreoffice": doc.metadata.get("libreoffice_seconds"),
            "seconds_describe": round(t_desc, 2), "seconds_python_docx_text": round(t_plain, 3), "text_chars": len(plain),
            "routes": doc.metadata.get("figure_routes")}


_PDF_CAPTION = re.compile(r"^\s*Figure\s+([A-Z]?[0-9]+(?:[-.][0-9]+)*[a-z]?)\s*:", re.MULTILINE)


def _bit_row(words: list[str]) -> bool:
    """The bit numbers 8 7 6 5 4 3 2 1 over an octet layout, in a row."""
    return "8 7 6 5 4 3 2 1" in " ".join(words)


def pdf_captions(pdf) -> tuple[set[str], set[str]]:
    """(every "Figure x:" caption label of the PDF text, the graphic ones).

    As for the DOCX, a caption is graphic when a drawing or a picture ends in the 500 pt above
    it on its page outside any table. TS 24.334 titles its information elements' octet layouts
    "Figure x" (in the DOCX they are Word tables, which the DOCX count leaves out too): a caption
    with "octet" twice in the 200 pt above it, or once under the bit row "8 7 6 5 4 3 2 1", is
    such a layout, not a figure."""
    import pymupdf

    every, graphic = set(), set()
    for page in pdf:
        lines = [(m.group(1), m) for m in _PDF_CAPTION.finditer(page.get_text())]
        if not lines:
            continue
        every |= {label for label, _ in lines}
        tables = [pymupdf.Rect(t.bbox) for t in page.find_tables().tables]
        inks = [d["rect"] for d in page.get_drawings()] + [pymupdf.Rect(i["bbox"]) for i in page.get_image_info()]
        inks = [r for r in inks if not any(t.contains((r.tl + r.br) / 2) for t in tables)
                and r.width * r.height < 0.8 * page.rect.width * page.rect.height]
        words = page.get_text("words")
        for label, _ in lines:
            for hit in page.search_for(f"Figure {label}:"):
                above = [w[4].lower() for w in words if hit.y0 - 200 <= w[3] <= hit.y0]
                if above.count("octet") >= 2 or (_bit_row(above) and any(w.startswith("octet") for w in above)):
                    continue  # an information element's octet layout: a table drawn with rules
                if any(hit.y0 - 500 <= r.y1 <= hit.y0 + 2 for r in inks):
                    graphic.add(label)
    return every, graphic


def bench_pdf(path: Path) -> dict:
    import pymupdf

    from dicmodel.ingest import ingest

    with pymupdf.open(str(path)) as pdf:
        all_labels, labels = pdf_captions(pdf)
    t = time.perf_counter()
    doc = ingest(path)
    t_ingest = time.perf_counter() - t
    have = {f.label for f in doc.figures if f.label}
    doc, t_desc = describe(doc)
    kinds: dict[str, list[int]] = {}
    for f in doc.figures:
        if f.duplicate_of:
            continue
        kinds.setdefault(f.kind.value, []).append(int(f.description is not None and f.description.diagram is not None))
    return {"file": path.name, "graphic_captions": len(labels), "found": len(labels & have),
            "recall": round(len(labels & have) / len(labels), 3) if labels else None,
            "captions_all": len(all_labels), "found_all": len(all_labels & have),
            "missed": sorted(labels - have),
            "figures": len(doc.figures), "diagram": {k: [sum(v), len(v)] for k, v in kinds.items()},
            "seconds_ingest": round(t_ingest, 2), "seconds_describe": round(t_desc, 2)}


def table(rows: list[dict]) -> str:
    lines = [("| file | graphic captions | found | recall | figures with a Diagram, by route | "
              "ingest s (LibreOffice s) | describe s | python-docx text s |"), "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        routes = "; ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(r["diagram"].items()))
        lines.append(f"| {r['file']} | {r['graphic_captions']} | {r['found']} | {r['recall']} | {routes} | "
                     f"{r['seconds_ingest']} ({r.get('seconds_libreoffice', '-')}) | {r['seconds_describe']} | {r.get('seconds_python_docx_text', '-')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "3gpp"))
    ap.add_argument("--out", default="/tmp/bench_3gpp")
    ap.add_argument("--no-pdf", action="store_true", help="skip the ETSI PDFs")
    ap.add_argument("--sample", type=int, default=4,
                    help="captioned figures per DOCX whose crop and description go to OUT/sample for grading")
    args = ap.parse_args(argv)
    src, out = Path(args.dir), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in sorted(src.glob("*.docx")):
        rows.append(bench_docx(path, out / "sample", args.sample))
        print(json.dumps(rows[-1]), flush=True)
    if not args.no_pdf:
        for path in sorted(src.glob("*.pdf")):
            rows.append(bench_pdf(path))
            print(json.dumps(rows[-1]), flush=True)
    docs = [r for r in rows if r["file"].endswith(".docx")]
    caps, found = sum(r["graphic_captions"] for r in docs), sum(r["found"] for r in docs)
    total: dict[str, list[int]] = {}
    for r in docs:
        for k, (a, b) in r["diagram"].items():
            t = total.setdefault(k, [0, 0])
            t[0] += a
            t[1] += b
    capt = [sum(r["diagram_captioned"][0] for r in docs), sum(r["diagram_captioned"][1] for r in docs)]
    summary = {"docx_diagram_captioned": capt,
               "docx_graphic_captions": caps, "docx_found": found,
               "docx_recall": round(found / caps, 3) if caps else None, "docx_diagram_by_route": total,
               "docx_diagram_share": round(sum(a for a, _ in total.values()) / max(1, sum(b for _, b in total.values())), 3)}
    (out / "results.json").write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))
    (out / "table.md").write_text(table(rows) + "\n")
    print(table(rows))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
