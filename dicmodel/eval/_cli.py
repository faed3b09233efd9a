"""``dicmodel eval captions|questions|structure`` and ``dicmodel bench describe``.

Flags map 1:1 onto the option models (CaptionOptions, QuestionOptions, MatchOptions,
BenchOptions); input readers and output writers are small helpers here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

__all__ = ["register"]


def register(sub: Any) -> None:
    ev = sub.add_parser("eval", help="score captions, objective questions or diagram structure")
    evs = ev.add_subparsers(dest="eval_command", metavar="WHAT")
    _captions_parser(evs)
    _questions_parser(evs)
    _structure_parser(evs)
    ev.set_defaults(func=lambda a: _help(ev))
    bench = sub.add_parser("bench", help="benchmarks over the devset")
    bs = bench.add_subparsers(dest="bench_command", metavar="WHAT")
    _bench_parser(bs)
    bench.set_defaults(func=lambda a: _help(bench))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _field_help(model: Any, name: str) -> str:
    """A flag's help from its option field (description and default), so the two cannot drift."""
    field = model.model_fields[name]
    default = field.get_default(call_default_factory=True)
    if isinstance(default, (list, tuple)):
        default = " ".join(map(str, default))
    shown = "" if default in (None, "", False) else f" (default: {default})"
    return (field.description or "") + shown


def _outputs(p: argparse.ArgumentParser, chart: bool = False) -> None:
    p.add_argument("--json", dest="json_out", help="write the full result as JSON here")
    p.add_argument("--markdown", dest="md_out", help="write the Markdown table here")
    if chart:
        p.add_argument("--chart", dest="chart_out", help="write a PNG bar chart here")


# ---- captions ---------------------------------------------------------------------------

def _captions_parser(evs: Any) -> None:
    p = evs.add_parser("captions", help="BLEU / chrF / ROUGE-L of predicted captions")
    p.add_argument("--pred", required=True, help="predictions: .txt (one per line), .jsonl or .json")
    p.add_argument("--ref", required=True, help="references, same formats (a list per item allowed)")
    from .captions import CaptionOptions as C

    p.add_argument("--tokenize", default="auto", choices=["auto", "13a", "zh", "intl", "char", "none"],
                   help=_field_help(C, "tokenize"))
    p.add_argument("--lowercase", action="store_true", help=_field_help(C, "lowercase"))
    p.add_argument("--bootstrap", type=int, default=1000, metavar="N", help=_field_help(C, "bootstrap"))
    p.add_argument("--confidence", type=float, default=0.95, help=_field_help(C, "confidence"))
    p.add_argument("--seed", type=int, default=12345, help=_field_help(C, "seed"))
    p.add_argument("--per-item", action="store_true", help="print per-item scores too")
    _outputs(p, chart=True)
    p.set_defaults(func=_cmd_captions)


_TEXT_KEYS = ("text", "prediction", "caption", "reference", "references", "output", "answer")


def _read_texts(path: str) -> tuple[list[Any], list[str] | None]:
    """(texts, ids) from .txt lines, .jsonl objects/strings or a .json list."""
    p = Path(path)
    if not p.is_file():
        raise SystemExit(f"error: file {path!r} does not exist")
    if p.suffix.lower() == ".txt":
        return p.read_text(encoding="utf-8").splitlines(), None
    if p.suffix.lower() == ".json":
        rows = json.loads(p.read_text(encoding="utf-8"))
    else:
        rows = [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts, ids = [], []
    for i, r in enumerate(rows):
        if isinstance(r, (str, list)):
            texts.append(r)
            ids.append(str(i))
            continue
        key = next((k for k in _TEXT_KEYS if k in r), None)
        if key is None:
            raise SystemExit(f"error: {p.name} item {i} has none of the fields {list(_TEXT_KEYS)}")
        texts.append(r[key])
        ids.append(str(r.get("id", i)))
    return texts, ids


def _align(pred: tuple[list[Any], list[str] | None], ref: tuple[list[Any], list[str] | None]
           ) -> tuple[list[Any], list[Any], list[str] | None]:
    """Pair predictions with references by id when both files carry ids, else by position."""
    (pt, pi), (rt, ri) = pred, ref
    if pi is None or ri is None or set(pi) != set(ri) or set(pi) == {str(i) for i in range(len(pi))}:
        return pt, rt, pi or ri
    by_id = dict(zip(ri, rt))
    return pt, [by_id[i] for i in pi], pi


def _cmd_captions(a: argparse.Namespace) -> int:
    from .captions import CaptionOptions, score_captions
    from .report import captions_rows, markdown_table

    try:
        opts = CaptionOptions(tokenize=a.tokenize, lowercase=a.lowercase, bootstrap=a.bootstrap,
                              confidence=a.confidence, seed=a.seed)
    except ValidationError as err:
        return _bad(err)
    preds, refs, ids = _align(_read_texts(a.pred), _read_texts(a.ref))
    report = score_captions(preds, refs, opts, ids=ids)
    rows = captions_rows(report, Path(a.pred).stem)
    table = markdown_table(rows)
    print(table, end="")
    print(f"BLEU signature: {report.bleu_signature}\nchrF signature: {report.chrf_signature}")
    if a.per_item:
        print(markdown_table([x.model_dump() for x in report.items]), end="")
    _write(a, report, table, rows, ["BLEU", "chrF", "ROUGE-L"], "system")
    return 0


def _write(a: argparse.Namespace, result: Any, table: str, rows: list[dict[str, Any]],
           metrics: list[str], label: str) -> None:
    from .report import bar_chart, write_json

    if getattr(a, "json_out", None):
        write_json(result, a.json_out)
    if getattr(a, "md_out", None):
        Path(a.md_out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.md_out).write_text(table, encoding="utf-8")
    if getattr(a, "chart_out", None):
        bar_chart(rows, metrics, label, a.chart_out)


def _bad(err: ValidationError) -> int:
    print(f"error: {err}", file=sys.stderr)
    return 2


# ---- questions --------------------------------------------------------------------------

def _questions_parser(evs: Any) -> None:
    p = evs.add_parser("questions", help="objective (multiple-choice) and open questions")
    p.add_argument("--items", required=True, help="questions: .jsonl, .json, .csv or .tsv")
    p.add_argument("--describer", required=True, choices=["hf", "openai"],
                   help="who answers: hf (a local checkpoint, --model) or openai (a server, --base-url)")
    p.add_argument("--image-root", help="folder that relative image paths start from")
    p.add_argument("--model", help="hf: local checkpoint folder; openai: served model name")
    p.add_argument("--base-url", help="openai: server root including /v1")
    p.add_argument("--adapter", help="hf: local peft adapter folder")
    from .questions import QuestionOptions as Q

    p.add_argument("--max-new-tokens", type=int, default=256,
                   help="longest answer the model may generate, in tokens (default: 256)")
    p.add_argument("--batch-size", type=int, default=8, help=_field_help(Q, "batch_size"))
    p.add_argument("--limit", type=int, metavar="N", help=_field_help(Q, "limit"))
    p.add_argument("--fuzzy-threshold", type=float, default=80.0, help=_field_help(Q, "fuzzy_threshold"))
    p.add_argument("--option-threshold", type=float, default=75.0, help=_field_help(Q, "option_threshold"))
    _outputs(p, chart=True)
    p.set_defaults(func=_cmd_questions)


def _cmd_questions(a: argparse.Namespace) -> int:
    from .questions import QuestionOptions, describer_ask, evaluate_questions, load_items
    from .report import markdown_table, questions_rows

    try:
        opts = QuestionOptions(batch_size=a.batch_size, limit=a.limit,
                               fuzzy_threshold=a.fuzzy_threshold, option_threshold=a.option_threshold)
    except ValidationError as err:
        return _bad(err)
    if not a.model:
        print("error: --model is required (hf: checkpoint folder, openai: model name)", file=sys.stderr)
        return 2
    errors: list[str] = []
    items = load_items(a.items, a.image_root, errors)
    for e in errors[:10]:
        print(f"skipped: {e}", file=sys.stderr)
    backend: dict[str, Any] = {"model": a.model, "max_new_tokens": a.max_new_tokens}
    if a.describer == "openai":
        if not a.base_url:
            print("error: --base-url is required with --describer openai", file=sys.stderr)
            return 2
        backend["base_url"] = a.base_url
    elif a.adapter:
        backend["adapter"] = a.adapter
    report = evaluate_questions(items, describer_ask(a.describer, **backend), opts)
    rows = questions_rows(report)
    table = markdown_table(rows, digits=3)
    print(table, end="")
    if report.n_open:
        print(f"open questions: {report.n_open}, fuzzy match {report.open_match:.3f}, "
              f"BLEU {report.open_bleu or 0:.2f}, ROUGE-L {report.open_rouge_l or 0:.2f}")
    print(f"unanswered: {report.unanswered}, backend errors: {report.errors}")
    _write(a, report, table, rows, ["accuracy"], "category")
    return 0


# ---- structure --------------------------------------------------------------------------

def _structure_parser(evs: Any) -> None:
    p = evs.add_parser("structure", help="node / edge / message F1 between diagrams")
    p.add_argument("--pred", required=True, help="a Mermaid file, a folder of them, or JSONL of Diagrams")
    p.add_argument("--ref", required=True, help="the same kind of input as --pred")
    from .structure import MatchOptions as M

    p.add_argument("--threshold", type=float, default=80.0, help=_field_help(M, "threshold"))
    p.add_argument("--message-threshold", type=float, default=60.0, help=_field_help(M, "message_threshold"))
    p.add_argument("--ignore-direction", action="store_true", help=_field_help(M, "ignore_direction"))
    p.add_argument("--match-edge-labels", action="store_true", help=_field_help(M, "match_edge_labels"))
    p.add_argument("--per-item", action="store_true", help="print per-item scores too")
    _outputs(p)
    p.set_defaults(func=_cmd_structure)


def _read_diagrams(path: str) -> dict[str, Any]:
    """name -> Diagram (or an error string) from a .mmd file, a folder of them, or JSONL."""
    from ..diagram import Diagram

    p = Path(path)
    if p.is_dir():
        files = sorted(x for x in p.iterdir() if x.suffix in (".mmd", ".mermaid"))
    elif p.is_file() and p.suffix in (".jsonl", ".json"):
        out: dict[str, Any] = {}
        lines = [x for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
        for i, line in enumerate(lines):
            row = json.loads(line)  # a Diagram, or {"id", "diagram" | "mermaid"}
            name = str(row.get("id", i))
            if "mermaid" in row:
                out[name] = _parse_or_error(row["mermaid"])
            else:
                out[name] = Diagram.model_validate(row.get("diagram", row))
        return out
    elif p.is_file():
        files = [p]
    else:
        raise SystemExit(f"error: {path!r} does not exist")
    return {f.name: _parse_or_error(f.read_text(encoding="utf-8")) for f in files}


def _parse_or_error(text: str) -> Any:
    from ..diagram import parse_mermaid
    from ..errors import MermaidSyntaxError

    try:
        return parse_mermaid(text)
    except MermaidSyntaxError as err:
        return f"unparseable: {err}"


def _cmd_structure(a: argparse.Namespace) -> int:
    from ..diagram import Diagram
    from .report import markdown_table, structure_rows
    from .structure import MatchOptions, aggregate, score_structure

    try:
        opts = MatchOptions(threshold=a.threshold, message_threshold=a.message_threshold,
                            ignore_direction=a.ignore_direction, match_edge_labels=a.match_edge_labels)
    except ValidationError as err:
        return _bad(err)
    preds, refs = _read_diagrams(a.pred), _read_diagrams(a.ref)
    if len(preds) == len(refs) == 1:
        names = [(next(iter(preds)), next(iter(refs)))]
    else:
        names = [(n, n) for n in refs]
    scores, per_item = [], []
    for pn, rn in names:
        ref = refs[rn]
        if isinstance(ref, str):
            print(f"skipped reference {rn}: {ref}", file=sys.stderr)
            continue
        pred = preds.get(pn)
        if not isinstance(pred, Diagram):  # missing or unparseable: an empty answer
            pred = Diagram()
        s = score_structure(pred, ref, opts)
        scores.append(s)
        per_item.append({"item": rn, "node F1": s.nodes.f1,
                         "edge F1": s.edges.f1 if s.edges.applies else None,
                         "message F1": s.messages.f1 if s.messages.applies else None})
    agg = aggregate(scores)
    rows = structure_rows(agg, Path(a.pred).name)
    table = markdown_table(rows, digits=3)
    print(table, end="")
    if a.per_item:
        print(markdown_table(per_item, digits=3), end="")
    _write(a, agg, table, rows, [], "system")
    return 0


# ---- bench ------------------------------------------------------------------------------

def _bench_parser(bs: Any) -> None:
    p = bs.add_parser("describe", help="describers and peers side by side on rendered devset figures")
    p.add_argument("--devset", help="devset folder (default: ../shared/devset)")
    p.add_argument("--cache-dir", help="render cache (default: ~/.cache/dicmodel-bench/eval)")
    from .bench import BenchOptions as B

    p.add_argument("--kinds", nargs="+", default=["flowchart", "sequence", "state"], metavar="KIND",
                   help=_field_help(B, "kinds") + " (default: flowchart sequence state)")
    p.add_argument("--limit", type=int, metavar="N", help=_field_help(B, "limit"))
    p.add_argument("--systems", nargs="+", metavar="SYSTEM",
                   default=["structural/vector", "structural/raster", "pymupdf4llm", "ocr"],
                   help=_field_help(B, "systems") + " (default: structural/vector structural/raster "
                        "pymupdf4llm ocr)")
    p.add_argument("--model", help="adds 'hf' (a local checkpoint) or, with --base-url, 'openai'")
    p.add_argument("--base-url", help="openai-compatible server root including /v1")
    p.add_argument("--batch-size", type=int, default=8, help=_field_help(B, "batch_size"))
    p.add_argument("--describer-option", action="append", default=[], metavar="KEY=VALUE",
                   help="option of the NAME/vector and NAME/raster describers (JSON values), "
                   "e.g. time_budget=120; repeatable")
    _outputs(p)
    p.set_defaults(func=_cmd_bench)


def _key_values(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: --describer-option must be KEY=VALUE, got {pair!r}")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _cmd_bench(a: argparse.Namespace) -> int:
    from .bench import BenchOptions, bench_markdown, run_bench
    from .report import write_json

    try:
        opts = BenchOptions(devset=a.devset, cache_dir=a.cache_dir, kinds=a.kinds, limit=a.limit,
                            systems=a.systems, model=a.model, base_url=a.base_url,
                            batch_size=a.batch_size,
                            describer_options=_key_values(a.describer_option))
    except ValidationError as err:
        return _bad(err)
    results = run_bench(opts)
    table = bench_markdown(results)
    print(table, end="")
    for r in results:
        for e in r.errors[:3]:
            print(f"{r.system}: {e}", file=sys.stderr)
    if a.json_out:
        write_json([r.model_dump() for r in results], a.json_out)
    if a.md_out:
        Path(a.md_out).write_text(table, encoding="utf-8")
    return 0
