"""The calibration measures behind the benchmarks' AUROC lines and hybrid's threshold split."""

import random

from dicmodel.diagram import Diagram, Edge, Node
from dicmodel.eval.calibration import auroc, is_right, split_at
from dicmodel.eval.structure import score_structure


def _pairwise(scores, labels):
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def test_auroc_matches_the_pairwise_definition_with_ties():
    rng = random.Random(7)
    for _ in range(50):
        n = rng.randint(2, 40)
        scores = [rng.choice([0.1, 0.45, 0.5, 0.9, 0.95, rng.random()]) for _ in range(n)]
        labels = [rng.random() < 0.4 for _ in range(n)]
        if all(labels) or not any(labels):
            assert auroc(scores, labels) is None
        else:
            assert abs(auroc(scores, labels) - _pairwise(scores, labels)) < 1e-12


def test_auroc_extremes():
    assert auroc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5


def test_split_at_threshold():
    sp = split_at([0.9, 0.5, 0.49, 0.2], [True, False, True, False], 0.5)
    assert sp == {"kept_right": 1, "kept_wrong": 1, "routed_right": 1, "routed_wrong": 1}


def _graph(edges):
    names = sorted({x for e in edges for x in e})
    return Diagram(nodes=[Node(id=n, label=n) for n in names],
                   edges=[Edge(source=a, target=b) for a, b in edges])


def test_is_right_needs_labels_and_links():
    ref = _graph([("AMF", "SMF"), ("SMF", "UPF"), ("UPF", "DN"), ("AMF", "AUSF"), ("AUSF", "UDM")])
    assert is_right(score_structure(ref, ref))
    missing_links = _graph([("AMF", "SMF"), ("UPF", "DN")])
    missing_links.nodes += [Node(id=n, label=n) for n in ("AUSF", "UDM")]
    assert not is_right(score_structure(missing_links, ref))
    assert not is_right(None)
