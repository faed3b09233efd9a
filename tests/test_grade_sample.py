"""The graded-sample rescore matches graded rows to a fresh draw by source, in draw order."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from grade_sample import rescore  # noqa: E402


def test_two_figures_of_one_source_are_matched_in_the_order_they_were_drawn(tmp_path):
    # d02 p4 holds a call flow and a strip cut off it, both without a caption: one source name
    tsv = tmp_path / "grades.tsv"
    tsv.write_text("id\tsource\tkind\ttype\tconfidence\tgrade\twhy\n"
                   "0\td02.pdf p4 \tvector\tsequence\t0.95\t2\tright\n"
                   "1\tother.pdf p1 \tvector\tflowchart\t0.5\t1\tpartly\n"
                   "2\td02.pdf p4 \tvector\tother\t0.45\t1\ta strip\n")
    items = [{"source": "d02.pdf p4 ", "type": "sequence", "confidence": 0.95},
             {"source": "other.pdf p1 ", "type": "flowchart", "confidence": 0.5},
             {"source": "d02.pdf p4 ", "type": "other", "confidence": 0.45}]
    out = rescore(tsv, items)
    assert out.startswith("3 graded figures drawn again; confidence AUROC against right: 1.00")
    assert "type" not in out  # no figure matched to its neighbour's row
