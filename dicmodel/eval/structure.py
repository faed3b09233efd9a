"""Structure metrics: how much of a reference :class:`~dicmodel.diagram.Diagram` a prediction got.

Fluent text can hide a misread figure; these scores cannot. Two diagrams are compared by

1. **Entity matching.** Every node (and every group or participant that an edge or message
   refers to without declaring it as a node) is an *entity* with a label (``Node.text``).
   Labels are normalised (Unicode NFKC, case-folded, punctuation and underscores turned into
   spaces, whitespace collapsed) and scored with rapidfuzz (the better of ``ratio`` and
   ``token_sort_ratio``, 0-100; a leading UML stereotype, ``<<TOSCA>> Policy``, may be left
   out on both sides: it marks the name, and readings and sources differ on where they keep it). Pairs scoring at least ``threshold`` are assigned one-to-one
   with the best total score (scipy's ``linear_sum_assignment`` when scipy is installed, a
   greedy best-first assignment otherwise). Pseudo-states (start, end, fork/join bars, choice)
   carry no visible text, so they are labelled by kind. When labels repeat (two bars, two
   "Router" nodes), the overlap of neighbour labels breaks the tie.
2. **Node precision / recall / F1** over entities: a true positive is a matched pair.
3. **Edge precision / recall / F1.** A predicted edge maps to ``(ref id of its source, ref id of
   its target)`` through the matching. A directed edge must agree in direction; an undirected
   edge (on either side) matches an edge between the same two entities in either direction; a
   bidirectional edge counts as two directed edges, one each way. With ``ignore_direction``
   every edge is one undirected unit. With ``match_edge_labels`` the edge labels must also
   fuzzy-match.
4. **Message precision / recall / F1** (sequence diagrams): a predicted message matches a
   reference message when its sender and receiver map onto the reference's and the texts
   fuzzy-match (two empty texts match). The assignment is one-to-one; among equally good
   candidates it prefers the one closest in position, so repeated messages pair up in order.
5. **Message order agreement:** among matched messages, the fraction of pairs ``(i, j)`` whose
   order in the prediction is the same as in the reference (Kendall-tau-style concordance,
   ``(tau + 1) / 2`` without ties). 1.0 for a single matched message, ``None`` for none.

Empty sets: when both sides are empty, precision, recall and F1 are 1.0; when only one side is
empty they are 0.0. Aggregation (:func:`aggregate`) gives micro scores (true positives and
counts summed over pairs) and macro scores (the mean of per-pair scores, over the pairs where
the quantity applies, i.e. at least one side has such items).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, computed_field

from .._extras import require
from ..diagram import split_stereotype

if TYPE_CHECKING:
    from ..diagram import Diagram, Edge

__all__ = [
    "PRF",
    "AggregateScore",
    "MatchOptions",
    "StructureScore",
    "aggregate",
    "label_recall_in_text",
    "label_scores",
    "label_similarity",
    "match_labels",
    "normalize_label",
    "order_agreement",
    "score_structure",
]


class MatchOptions(BaseModel):
    """How two diagrams are matched."""

    threshold: float = Field(80.0, ge=0.0, le=100.0,
                             description="lowest fuzzy label score (0-100) for two labels to match")
    ignore_direction: bool = Field(False, description="score edges as undirected pairs")
    match_edge_labels: bool = Field(False, description="an edge also needs its label to match")
    message_threshold: float = Field(60.0, ge=0.0, le=100.0,
                                     description="lowest fuzzy score (0-100) for message texts")


class PRF(BaseModel):
    """True positives and the two counts; precision, recall and F1 derive from them."""

    tp: int = Field(0, ge=0)
    n_pred: int = Field(0, ge=0)
    n_ref: int = Field(0, ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def precision(self) -> float:
        if self.n_pred == 0:
            return 1.0 if self.n_ref == 0 else 0.0
        return self.tp / self.n_pred

    @computed_field  # type: ignore[prop-decorator]
    @property
    def recall(self) -> float:
        if self.n_ref == 0:
            return 1.0 if self.n_pred == 0 else 0.0
        return self.tp / self.n_ref

    @computed_field  # type: ignore[prop-decorator]
    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    @property
    def applies(self) -> bool:
        return self.n_pred + self.n_ref > 0

    def __add__(self, other: PRF) -> PRF:
        return PRF(tp=self.tp + other.tp, n_pred=self.n_pred + other.n_pred,
                   n_ref=self.n_ref + other.n_ref)


class StructureScore(BaseModel):
    """Scores of one (prediction, reference) pair."""

    nodes: PRF = Field(default_factory=PRF)
    edges: PRF = Field(default_factory=PRF)
    messages: PRF = Field(default_factory=PRF)
    message_order: float | None = Field(None, description="concordant fraction of matched "
                                        "message pairs; None when no message matched")
    mapping: dict[str, str] = Field(default_factory=dict,
                                    description="prediction entity id -> reference entity id")


class MacroPRF(BaseModel):
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    n: int = Field(0, description="pairs the quantity applied to")


class AggregateScore(BaseModel):
    """Scores over many pairs: micro (summed counts) and macro (mean of per-pair scores)."""

    n: int = 0
    micro: dict[str, PRF] = Field(default_factory=dict)
    macro: dict[str, MacroPRF] = Field(default_factory=dict)
    message_order: float | None = Field(None, description="mean over pairs that have one")


# ---- labels -----------------------------------------------------------------------------

_PUNCT = re.compile(r"[\W_]+")


def normalize_label(text: str) -> str:
    """Case-folded, NFKC, punctuation to spaces, whitespace collapsed (CJK letters kept)."""
    t = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_PUNCT.sub(" ", t).split())


def _unmarked(text: str) -> str:
    """The label less a leading UML stereotype ("<<TOSCA>> Policy" -> "Policy"): it marks the
    name, and one reading writes it into the label, another (or the source) beside it."""
    return split_stereotype(text)[0]


def label_similarity(a: str, b: str, *, normalized: bool = False) -> float:
    """0-100 similarity of two labels (the better of rapidfuzz ratio and token_sort_ratio);
    labels not yet normalised also score without a leading UML stereotype, the better of the
    two counting."""
    if normalized:
        return _similarity(a, b)
    score = _similarity(normalize_label(a), normalize_label(b))
    bare_a, bare_b = _unmarked(a), _unmarked(b)
    if (bare_a, bare_b) != (a, b):
        score = max(score, _similarity(normalize_label(bare_a), normalize_label(bare_b)))
    return score


def _similarity(a: str, b: str) -> float:
    fuzz = require("rapidfuzz.fuzz", "fuzzy label matching")
    if a == b:
        return 100.0
    if not a or not b:
        return 0.0
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def match_labels(pred: Sequence[str], ref: Sequence[str], threshold: float = 80.0) -> list[tuple[int, int, float]]:
    """One-to-one matching of two label lists: ``(pred index, ref index, score)`` triples.

    Maximises the total score over pairs at or above ``threshold``.
    """
    if not pred or not ref:
        return []
    return _assign(label_scores(pred, ref), threshold)


def _match_scores(scores: list[list[float]], threshold: float,
                  tie_break: Sequence[Sequence[float]] | None) -> list[tuple[int, int, float]]:
    """Assign on ``scores``; half of ``tie_break`` (``[P][R]`` values in ``[0, 1]``) is added to
    pairs that already pass the threshold, so it only chooses among (nearly) equally labelled
    candidates. The scores returned are the label scores alone."""
    if tie_break is None:
        return _assign(scores, threshold)
    boosted = [[s + 0.5 * tie_break[i][j] if s >= threshold else s for j, s in enumerate(row)]
               for i, row in enumerate(scores)]
    return [(i, j, scores[i][j]) for i, j, _ in _assign(boosted, threshold)]


def label_scores(pred: Sequence[str], ref: Sequence[str]) -> list[list[float]]:
    """The ``[P][R]`` matrix of :func:`label_similarity` scores, computed in bulk."""
    out = _score_matrix([normalize_label(x) for x in pred], [normalize_label(x) for x in ref])
    bare_p, bare_r = [_unmarked(x) for x in pred], [_unmarked(x) for x in ref]
    if bare_p != list(pred) or bare_r != list(ref):  # (a stereotype somewhere: see _unmarked)
        bare = _score_matrix([normalize_label(x) for x in bare_p], [normalize_label(x) for x in bare_r])
        out = [[max(x, y) for x, y in zip(row, brow)] for row, brow in zip(out, bare)]
    return out


def _score_matrix(a: list[str], b: list[str]) -> list[list[float]]:
    """``_cell`` scores of normalised labels, computed in bulk."""
    process = require("rapidfuzz.process", "fuzzy label matching")
    fuzz = require("rapidfuzz.fuzz", "fuzzy label matching")
    ratio = process.cdist(a, b, scorer=fuzz.ratio)  # [P, R]
    tsort = process.cdist(a, b, scorer=fuzz.token_sort_ratio)  # [P, R]
    return [[_cell(a[i], b[j], float(ratio[i][j]), float(tsort[i][j])) for j in range(len(b))]
            for i in range(len(a))]


def _cell(a: str, b: str, r: float, t: float) -> float:
    # rapidfuzz scores two empty strings as 0; equal labels (even empty) are a perfect match
    if a == b:
        return 100.0
    return max(r, t)


def _assign(scores: list[list[float]], threshold: float) -> list[tuple[int, int, float]]:
    """Best one-to-one assignment of a score matrix, keeping pairs >= threshold."""
    try:
        from scipy.optimize import linear_sum_assignment
    except ImportError:
        return _assign_greedy(scores, threshold)
    import numpy as np

    s = np.asarray(scores, dtype=float)  # [P, R]
    # scores under the threshold are worth nothing, so they never displace a real match
    gain = np.where(s >= threshold, s, 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return [(int(i), int(j), float(s[i, j])) for i, j in zip(rows, cols) if s[i, j] >= threshold]


def _assign_greedy(scores: list[list[float]], threshold: float) -> list[tuple[int, int, float]]:
    cands = sorted(((s, i, j) for i, row in enumerate(scores) for j, s in enumerate(row)
                    if s >= threshold), key=lambda c: (-c[0], c[1], c[2]))
    used_p, used_r, out = set(), set(), []
    for s, i, j in cands:
        if i in used_p or j in used_r:
            continue
        used_p.add(i)
        used_r.add(j)
        out.append((i, j, s))
    return out


# ---- entities ---------------------------------------------------------------------------

# pseudo-states are drawn without text (a bar, a disc, an empty diamond): what they are, not
# any id or name the source gave them, decides what they match, and only each other
_PSEUDO = {"start": "start", "end": "end", "fork": "bar", "join": "bar", "choice": "choice"}

Entity = tuple[str, str, str]  # (id, label, pseudo-state kind or "")


def _entities(d: Diagram) -> list[Entity]:
    """Every node, plus groups/participants referenced but not declared."""
    out = [(n.id, "" if n.shape in _PSEUDO else n.text, _PSEUDO.get(n.shape, "")) for n in d.nodes]
    seen = {n.id for n in d.nodes}
    for a, b in _links(d):
        for x in (a, b):
            if x not in seen:
                seen.add(x)
                out.append((x, d.label_of(x), ""))
    return out


def _links(d: Diagram) -> list[tuple[str, str]]:
    """(source, target) of every edge and message."""
    return [(e.source, e.target) for e in d.edges] + [(m.source, m.target) for m in d.messages]


def _entity_scores(pe: list[Entity], re_: list[Entity]) -> list[list[float]]:
    """Label scores; a pseudo-state scores 100 against one of its kind and 0 against the rest
    (a state diagram's start disc is no flowchart box that reads "Start")."""
    scores = label_scores([t for _, t, _ in pe], [t for _, t, _ in re_])
    for i, (_, _, a) in enumerate(pe):
        if a:
            scores[i] = [100.0 if a == b else 0.0 for _, _, b in re_]
    for j, (_, _, b) in enumerate(re_):
        if b:
            for i, (_, _, a) in enumerate(pe):
                if not a:
                    scores[i][j] = 0.0
    return scores


def _names(ents: list[Entity]) -> dict[str, str]:
    """What an entity is called for neighbour comparison: its normalised label or its kind."""
    return {i: f"<{k}>" if k else normalize_label(t) for i, t, k in ents}


def _neighbours(d: Diagram, ents: list[Entity], name: dict[str, str]) -> list[set[str]]:
    """For each entity, the set of ``name[x]`` over the entities x it is wired to."""
    near: dict[str, set[str]] = defaultdict(set)
    for a, b in _links(d):
        near[a].add(name.get(b, ""))
        near[b].add(name.get(a, ""))
    return [near[i] for i, *_ in ents]


def _jaccard(a: list[set[str]], b: list[set[str]]) -> list[list[float]]:
    return [[len(x & y) / len(x | y) if x | y else 0.0 for y in b] for x in a]


def _match_entities(pred: Diagram, pe: list[Entity], ref: Diagram,
                    re_: list[Entity], threshold: float) -> list[tuple[int, int, float]]:
    """Labels first; where labels repeat, neighbour labels break the tie, and then two matched
    entities trade partners whenever that costs no label score and lines up more edges (two
    "red text" boxes each wired to a "blue text" box pair up as the reference wires them)."""
    if not pe or not re_:
        return []
    scores = _entity_scores(pe, re_)  # once, for both steps
    tie = _neighbour_overlap(pred, pe, ref, re_)
    pairs = _match_scores(scores, threshold, tie)
    if tie is None or len(pairs) < 2:
        return pairs
    return _swap_for_edges(pairs, scores, pred, pe, ref, re_)


_SWAP_PASSES = 4  # trades are tried until none helps, at most this many rounds


def _swap_for_edges(pairs: list[tuple[int, int, float]], scores: list[list[float]], pred: Diagram,
                    pe: list[Entity], ref: Diagram, re_: list[Entity]) -> list[tuple[int, int, float]]:
    pidx = {e[0]: k for k, e in enumerate(pe)}
    ridx = {e[0]: k for k, e in enumerate(re_)}
    links = [(pidx[a], pidx[b]) for a, b in _links(pred) if a in pidx and b in pidx]
    target = {(ridx[a], ridx[b]) for a, b in _links(ref) if a in ridx and b in ridx}
    target |= {(b, a) for a, b in target}  # wiring, not direction, decides who pairs with whom
    touching: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for a, b in links:
        touching[a].append((a, b))
        touching[b].append((a, b))
    to = {i: j for i, j, _ in pairs}

    def hits(i: int, k: int) -> int:
        return sum(1 for a, b in set(touching[i] + touching[k]) if (to.get(a), to.get(b)) in target)

    matched = sorted(to)
    for _ in range(_SWAP_PASSES):
        changed = False
        for x, i in enumerate(matched):
            for k in matched[x + 1:]:
                j, l_ = to[i], to[k]
                if scores[i][l_] < scores[i][j] or scores[k][j] < scores[k][l_]:
                    continue  # a trade must not cost label score
                before = hits(i, k)
                to[i], to[k] = l_, j
                if hits(i, k) > before:
                    changed = True
                else:
                    to[i], to[k] = j, l_
        if not changed:
            break
    return [(i, to[i], scores[i][to[i]]) for i in matched]


def _neighbour_overlap(pred: Diagram, pe: list[Entity], ref: Diagram,
                       re_: list[Entity]) -> list[list[float]] | None:
    """Jaccard overlap of neighbour labels: among equally labelled entities (two fork bars,
    two nodes both called "Router"), the one wired like the reference's is chosen."""
    pn, rn = _names(pe), _names(re_)
    if len(set(pn.values())) == len(pe) and len(set(rn.values())) == len(re_):
        return None  # no two labels alike on either side: nothing to break
    return _jaccard(_neighbours(pred, pe, pn), _neighbours(ref, re_, rn))


# ---- edges ------------------------------------------------------------------------------

def _units(edges: Iterable[Edge], ignore_direction: bool) -> list[tuple[str, str, bool, str]]:
    """Edges as (source, target, directed, label) units; bidirectional edges become two."""
    out = []
    for e in edges:
        if ignore_direction or not e.directed:
            out.append((e.source, e.target, False, e.label))
        elif e.bidirectional:
            out.append((e.source, e.target, True, e.label))
            out.append((e.target, e.source, True, e.label))
        else:
            out.append((e.source, e.target, True, e.label))
    return out


def _match_edges(pred: list[tuple[str, str, bool, str]], ref: list[tuple[str, str, bool, str]],
                 opts: MatchOptions) -> int:
    """Matched edge units; candidates only meet within the same unordered endpoint pair."""
    bucket_p: dict[frozenset, list[int]] = defaultdict(list)
    bucket_r: dict[frozenset, list[int]] = defaultdict(list)
    for i, u in enumerate(pred):
        bucket_p[frozenset(u[:2])].append(i)
    for j, u in enumerate(ref):
        bucket_r[frozenset(u[:2])].append(j)
    tp = 0
    for key, pis in bucket_p.items():
        rjs = bucket_r.get(key)
        if not rjs:
            continue
        cands = []
        for i in pis:
            for j in rjs:
                s = _edge_pair_score(pred[i], ref[j], opts)
                if s is not None:
                    cands.append((s, i, j))
        cands.sort(key=lambda c: -c[0])
        used_p, used_r = set(), set()
        for _, i, j in cands:
            if i not in used_p and j not in used_r:
                used_p.add(i)
                used_r.add(j)
                tp += 1
    return tp


def _edge_pair_score(p: tuple[str, str, bool, str], r: tuple[str, str, bool, str],
                     opts: MatchOptions) -> float | None:
    same_way = p[0] == r[0] and p[1] == r[1]
    if p[2] and r[2] and not same_way:
        return None  # both directed, opposite ways
    label = 0.0
    if opts.match_edge_labels:
        label = label_similarity(p[3], r[3])
        if label < opts.threshold:
            return None
    # an exact-direction match is preferred, so undirected units take what is left
    return (2.0 if same_way and p[2] == r[2] else 1.0) + label / 1000.0


# ---- messages ---------------------------------------------------------------------------

def _match_messages(pred: Diagram, ref: Diagram, mapping: dict[str, str],
                    opts: MatchOptions) -> list[tuple[int, int]]:
    n, m = len(pred.messages), len(ref.messages)
    if not n or not m:
        return []
    scores = [[-1.0] * m for _ in range(n)]  # -1: not a candidate
    for i, pm in enumerate(pred.messages):
        src, dst = mapping.get(pm.source), mapping.get(pm.target)
        for j, rm in enumerate(ref.messages):
            if src != rm.source or dst != rm.target:
                continue
            s = label_similarity(pm.text, rm.text)
            if s < opts.message_threshold:
                continue
            # position closeness breaks ties between repeated messages (at most +1)
            closeness = 1.0 - abs(i / max(n - 1, 1) - j / max(m - 1, 1))
            scores[i][j] = s + closeness
    return [(i, j) for i, j, _ in _assign(scores, opts.message_threshold)]


def order_agreement(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Fraction of concordant pairs among matched (pred index, ref index) pairs."""
    if not pairs:
        return None
    if len(pairs) == 1:
        return 1.0
    ref_order = [j for _, j in sorted(pairs)]
    total = concordant = 0
    for a in range(len(ref_order)):
        for b in range(a + 1, len(ref_order)):
            total += 1
            concordant += ref_order[a] < ref_order[b]
    return concordant / total


# ---- the score ---------------------------------------------------------------------------

def score_structure(pred: Diagram, ref: Diagram, options: MatchOptions | None = None) -> StructureScore:
    """Compare a predicted diagram with a reference one (see the module docstring)."""
    opts = options or MatchOptions()
    pe, re_ = _entities(pred), _entities(ref)
    pairs = _match_entities(pred, pe, ref, re_, opts.threshold)
    mapping = {pe[i][0]: re_[j][0] for i, j, _ in pairs}
    nodes = PRF(tp=len(pairs), n_pred=len(pe), n_ref=len(re_))

    pu = _units(pred.edges, opts.ignore_direction)
    ru = _units(ref.edges, opts.ignore_direction)
    mapped = [(mapping[s], mapping[t], d, lab) for s, t, d, lab in pu
              if s in mapping and t in mapping]
    edges = PRF(tp=_match_edges(mapped, ru, opts), n_pred=len(pu), n_ref=len(ru))

    mpairs = _match_messages(pred, ref, mapping, opts)
    messages = PRF(tp=len(mpairs), n_pred=len(pred.messages), n_ref=len(ref.messages))
    return StructureScore(nodes=nodes, edges=edges, messages=messages,
                          message_order=order_agreement(mpairs), mapping=mapping)


def aggregate(scores: Iterable[StructureScore]) -> AggregateScore:
    """Micro and macro averages over many pairs."""
    scores = list(scores)
    out = AggregateScore(n=len(scores))
    for key in ("nodes", "edges", "messages"):
        items: list[PRF] = [getattr(s, key) for s in scores]
        out.micro[key] = sum(items, PRF())
        used = [x for x in items if x.applies]
        out.macro[key] = MacroPRF(
            precision=_mean(x.precision for x in used), recall=_mean(x.recall for x in used),
            f1=_mean(x.f1 for x in used), n=len(used))
    out.message_order = _mean(s.message_order for s in scores if s.message_order is not None)
    return out


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    if not vals:
        return None
    total = math.fsum(vals)
    return total / len(vals)


def label_recall_in_text(text: str, ref: Diagram, threshold: float = 90.0) -> PRF:
    """How many reference labels a plain text mentions (for peers that return no structure).

    A label counts when its normalised form occurs in the normalised text, when every word of
    it occurs there (text extractors break multi-line labels apart and interleave them with
    their neighbours), or when rapidfuzz's ``partial_ratio`` finds it at ``threshold`` or above.
    ``tp``/``n_ref`` only: precision has no meaning for free text, so ``n_pred`` is ``tp``.
    """
    fuzz = require("rapidfuzz.fuzz", "fuzzy label matching")
    body = normalize_label(text)
    words = set(body.split())
    # pseudo-states have no text to find
    labels = [normalize_label(t) for _, t, kind in _entities(ref) if not kind]
    found = 0
    for lab in labels:
        if not lab:
            continue
        if (re.search(rf"(?<!\w){re.escape(lab)}(?!\w)", body) or set(lab.split()) <= words
                or (len(lab) > 3 and fuzz.partial_ratio(lab, body) >= threshold)):
            found += 1
    return PRF(tp=found, n_pred=found, n_ref=len(labels))
