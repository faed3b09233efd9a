"""Hostile Mermaid for tests and the fuzzer: random edits of real diagrams.

Used by ``tests/test_diagram_hostile.py`` (a seeded few hundred) and ``fuzz/fuzz_mermaid.py``
(minutes of them). Standard library only.
"""

from __future__ import annotations

import random

__all__ = ["HEADERS", "TOKENS", "mutate"]

TOKENS = ["subgraph ", "end", "\"", "-->", "---", "--", "==>", "-.->", "-.", "|", "[", "]", "(", ")",
          "{", "}", "{{", "((", "[*]", ":", ";", "&", "@{ shape: ", ":::", "`", "<<", ">>", "state ",
          "participant ", "actor ", " as ", "note ", "loop ", "alt ", "else", "opt ", "\ufeff",
          "\n", "\r\n", "\t", " " * 64, "#quot;", "#35;", "%%", "%%{init}%%", "~", "o--", "..",
          "<|--", "*--", "||--o{", "}|..|{", "->>", "-->>", "-x", "-)", "+", "-", "---\n",
          "title: x\n", "\x00", "\u2028", "é", "漢", "**", "_", "<b>", "<br/>", "fa:fa-x ",
          "direction LR", "classDef a fill:#f00", "click A call f()", "namespace N {",
          "class A {", "<<choice>>", "accDescr {", "\\"]
HEADERS = ["flowchart TD", "graph LR", "flowchart-elk BT", "sequenceDiagram", "stateDiagram-v2",
           "stateDiagram", "classDiagram", "erDiagram", "gantt", "pie", "flowchart XX", ""]



def mutate(text: str, rng: random.Random) -> str:
    """A few random edits: insert a token or a run of one, delete, duplicate, swap lines."""
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(text) + 1)
        op = rng.randrange(7)
        if op == 0:
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif op == 1:
            text = text[:i] + text[i + rng.randint(1, 40):]
        elif op == 2:
            j = rng.randrange(len(text) + 1)
            text = text[:i] + text[min(i, j):max(i, j)] * rng.randint(1, 3) + text[i:]
        elif op == 3:
            text = text[:i] + rng.choice(TOKENS) * rng.choice([2, 10, 100, 2000]) + text[i:]
        elif op == 4:
            lines = text.split("\n")
            rng.shuffle(lines)
            text = "\n".join(lines)
        elif op == 5 and text:
            j = min(len(text) - 1, i)
            text = text[:j] + chr(rng.randrange(0x20, 0x3000)) + text[j + 1:]
        else:
            text = rng.choice(HEADERS) + "\n" + text.split("\n", 1)[-1]
    return text
