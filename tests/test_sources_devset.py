"""The source readers against the real devset: every row of ../shared/devset/real/manifest.tsv
(88 diagrams drawn in draw.io, Visio, PowerPoint and PlantUML) must come out with exactly the
labelled shapes, glued edges (sequence: participants and messages) and connectors the manifest
records. Skipped when the devset is absent.

One deliberate deviation, asserted as such: PlantUML links styled ``[hidden]`` only steer the
layout and are not drawn; the manifest counts them (every link statement), the reader does not.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from dicmodel.sources import SourceDiagram, read_source

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "devset" / "real"
MANIFEST = REAL / "manifest.tsv"


def _rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with open(MANIFEST, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@cache
def _parts(path: str) -> dict[str, SourceDiagram]:
    return {p.part: p for p in read_source(path)}


def _hidden_links(path: Path) -> int:
    """Link statements styled [hidden] in a PlantUML file (the manifest counts them as edges)."""
    if path.suffix != ".puml":
        return 0
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines()
               if "[hidden]" in line and not line.strip().startswith("'"))


ROWS = _rows()


@pytest.mark.skipif(not ROWS, reason="../shared/devset/real is not present")
@pytest.mark.parametrize("row", ROWS, ids=[f"{r['file']}#{r['part'].strip()}" for r in ROWS])
def test_devset_part_is_exact(row: dict[str, str]) -> None:
    path = REAL / row["file"]
    parts = _parts(str(path))
    # PlantUML names a block by the text after @startuml; the manifest keeps its quotes
    want = row["part"].strip('"') if row["format"] == "plantuml" else row["part"]
    assert want in parts, f"{row['file']}: part {want!r} not in {list(parts)}"
    p = parts[want]
    d = p.diagram
    hidden = _hidden_links(path)
    if row["kind"] == "sequence":
        assert d.kind == "sequence"
        assert len(d.nodes) == int(row["nodes"])  # participants
        assert len(d.messages) == int(row["edges"])
    else:
        assert d.kind == "flowchart"
        assert p.labelled_nodes == int(row["nodes"])
        assert len(d.edges) == int(row["edges"]) - hidden
        assert all(d.node(e.source) and d.node(e.target) for e in d.edges)
    assert p.connectors_drawn == int(row["connectors_drawn"]) - hidden
    glued = len(d.messages) if d.kind == "sequence" else len(d.edges)
    assert p.loose_connectors == p.connectors_drawn - glued
    assert (p.confidence < 1.0) == (p.loose_connectors > 0)
    if hidden:
        assert any("[hidden]" in w for w in p.warnings)


@pytest.mark.skipif(not ROWS, reason="../shared/devset/real is not present")
def test_every_visio_page_reports_its_loose_connectors() -> None:
    """The README says every Visio page has connectors that are not glued: all are reported."""
    visio = [r for r in ROWS if r["format"] == "vsdx"]
    assert visio
    for r in visio:
        p = _parts(str(REAL / r["file"]))[r["part"]]
        assert p.loose_connectors == int(r["connectors_drawn"]) - int(r["edges"]) > 0
        assert any("not read as edges" in w for w in p.warnings)
