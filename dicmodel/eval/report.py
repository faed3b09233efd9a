"""Reports: Markdown tables, JSON files and PNG bar charts of evaluation results.

Rows are plain dicts (one per system, item or category); the helpers here only format them.
matplotlib is imported (with the Agg backend, so no display is needed) only to draw a chart.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .._extras import require

__all__ = [
    "bar_chart",
    "captions_rows",
    "markdown_table",
    "questions_rows",
    "structure_rows",
    "write_json",
]


def _cell(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None,
                   digits: int = 2, headers: Mapping[str, str] | None = None) -> str:
    """A GitHub Markdown table; numbers right-aligned, missing values as '-'."""
    if not rows:
        return ""
    cols = list(columns) if columns else list(dict.fromkeys(k for r in rows for k in r))
    names = [(headers or {}).get(c, c) for c in cols]
    numeric = [all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows) for c in cols]
    out = ["| " + " | ".join(names) + " |",
           "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    for r in rows:
        out.append("| " + " | ".join(_cell(r.get(c), digits) for c in cols) + " |")
    return "\n".join(out) + "\n"


def write_json(obj: Any, path: str | Path) -> Path:
    """Write a pydantic model, dict or list as indented UTF-8 JSON, atomically."""
    from .._io import atomic_write  # the project's one temp-file-and-rename (cleans up on failure)

    p = Path(path)
    data = obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj
    atomic_write(p, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    return p


def bar_chart(rows: Sequence[Mapping[str, Any]], metrics: Sequence[str], label: str,
              path: str | Path, title: str | None = None, ylabel: str = "score") -> Path:
    """Grouped bars: one group per row (``row[label]``), one bar per metric; PNG at ``path``."""
    mpl = require("matplotlib", "PNG charts")
    mpl.use("Agg", force=True)
    plt = require("matplotlib.pyplot", "PNG charts")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    names = [str(r.get(label, "")) for r in rows]
    width = 0.8 / max(len(metrics), 1)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * len(rows) * max(len(metrics), 1) * 0.6 + 2), 3.6))
    try:
        for k, m in enumerate(metrics):
            vals = [float(r[m]) if isinstance(r.get(m), (int, float)) else 0.0 for r in rows]
            xs = [i + (k - (len(metrics) - 1) / 2) * width for i in range(len(rows))]
            ax.bar(xs, vals, width=width, label=m)
        ax.set_xticks(range(len(rows)))
        ax.set_xticklabels(names, rotation=20, ha="right")
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend(fontsize="small")
        fig.tight_layout()
        fig.savefig(p, dpi=120)
    finally:
        plt.close(fig)
    return p


# ---- rows from the evaluation results --------------------------------------------------------

def captions_rows(report: Any, name: str = "system") -> list[dict[str, Any]]:
    """One row from a :class:`~dicmodel.eval.captions.CaptionReport`."""
    row: dict[str, Any] = {"system": name, "n": report.n, "BLEU": report.bleu,
                           "chrF": report.chrf, "ROUGE-L": report.rouge_l}
    if report.bleu_ci is not None:
        row["BLEU 95% CI"] = f"{report.bleu_ci.low:.2f}-{report.bleu_ci.high:.2f}"
    row["tokenize"] = report.tokenize
    return [row]


def structure_rows(agg: Any, name: str = "system") -> list[dict[str, Any]]:
    """One row from a :class:`~dicmodel.eval.structure.AggregateScore` (micro scores)."""
    mi = agg.micro
    row = {"system": name, "pairs": agg.n}
    for key, title in (("nodes", "node"), ("edges", "edge"), ("messages", "message")):
        prf = mi.get(key)
        if prf is None:
            continue
        row[f"{title} P"] = prf.precision if prf.applies else None
        row[f"{title} R"] = prf.recall if prf.applies else None
        row[f"{title} F1"] = prf.f1 if prf.applies else None
    row["message order"] = agg.message_order
    return [row]


def questions_rows(report: Any) -> list[dict[str, Any]]:
    """Per-category rows plus an 'all' row from a :class:`~dicmodel.eval.questions.QuestionsReport`."""
    rows = [{"category": k, "n": v["n"], "correct": v["correct"], "unanswered": v["unanswered"],
             "accuracy": v["accuracy"]} for k, v in report.per_category.items()]
    if report.n_choice:
        rows.append({"category": "all", "n": report.n_choice,
                     "correct": sum(r["correct"] for r in rows),
                     "unanswered": report.unanswered, "accuracy": report.accuracy})
    return rows
