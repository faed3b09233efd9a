"""Charts (``describe/_geometry/chart.py``) on generated figures: a bar chart's values come out
as a Markdown table, and timing drawings (dimension lines, arrowed axes) are charts, not
graphs."""

from __future__ import annotations

import io

import pytest

from dicmodel.describe.base import FigureRequest, get_describer
from dicmodel.document import BBox, FigureKind, FigureType

pymupdf = pytest.importorskip("pymupdf")

from tests.test_structural_engine import BLACK, Fig, read


def _matplotlib_request(values: dict[str, float], printed: bool) -> FigureRequest:
    mpl = pytest.importorskip("matplotlib")
    mpl.use("pdf")
    import matplotlib.pyplot as plt

    from dicmodel.describe._geometry.vector import page_inputs

    fig, ax = plt.subplots(figsize=(5, 3.5))
    bars = ax.bar(list(values), list(values.values()), color="#4472c4")
    if printed:
        ax.bar_label(bars)
    ax.set_ylabel("Throughput (Mbit/s)")
    ax.set_title("Load per slice")
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    plt.close(fig)
    page = pymupdf.open("pdf", buf.getvalue())[0]
    drawings, spans = page_inputs(page)
    return FigureRequest(figure_id="c", kind=FigureKind.vector, drawings=drawings, spans=spans,
                         bbox=BBox(x0=0, y0=0, x1=page.rect.width, y1=page.rect.height))


def _describe(req: FigureRequest):
    return get_describer("structural", ocr="none").describe([req])[0]


def test_a_bar_chart_with_printed_values_gives_them_as_a_markdown_table():
    d = _describe(_matplotlib_request({"eMBB": 42, "URLLC": 17, "mMTC": 30}, printed=True))
    assert d.figure_type is FigureType.chart and d.diagram is None and d.mermaid is None
    assert "| category | Throughput (Mbit/s) |" in d.text
    assert "| eMBB | 42 |" in d.text and "| URLLC | 17 |" in d.text and "| mMTC | 30 |" in d.text


def test_bar_values_not_printed_are_read_against_the_axis_and_marked_as_read():
    d = _describe(_matplotlib_request({"2019": 12, "2020": 25, "2021": 38}, printed=False))
    assert d.figure_type is FigureType.chart
    rows = [ln for ln in d.text.splitlines() if ln.startswith("| 20")]
    got = {ln.split("|")[1].strip(): ln.split("|")[2].strip() for ln in rows}
    assert set(got) == {"2019", "2020", "2021"} and all(v.startswith("~") for v in got.values())
    assert [round(float(got[k][1:])) for k in ("2019", "2020", "2021")] == [12, 25, 38]


def test_a_timing_drawing_with_a_dimension_line_is_a_chart_not_a_graph():
    # a DRX-style drawing: a pulse train, extension lines under two rising edges and the span
    # between them marked "|<-- DRX Cycle -->|" (the line in two halves broken by its label)
    f = Fig(500, 200)
    f.page.draw_polyline([(40, 100), (80, 100), (80, 50), (160, 50), (160, 100), (260, 100),
                          (260, 50), (340, 50), (340, 100), (460, 100)], color=BLACK)
    f.text("On", 120, 40, size=9)
    for x in (80, 260):
        f.page.draw_line((x, 110), (x, 160), color=BLACK)  # extension lines
    f.arrow((150, 140), (80, 140))
    f.arrow((190, 140), (260, 140))
    f.text("DRX Cycle", 170, 140, size=9)
    f.box(380, 20, 470, 40, "PDCCH")
    r = read(f)
    assert r.figure_type is FigureType.chart
    assert "dimension line" in r.prose and "leads to" not in r.prose


def test_two_axes_with_arrowheads_and_no_numbers_make_a_chart():
    f = Fig(500, 300)
    f.arrow((40, 270), (480, 270))  # frequency
    f.arrow((60, 290), (60, 20))  # time
    for x0, x1, y0, name in ((80, 160, 120, "BWP1"), (160, 300, 180, "BWP2"), (300, 380, 60, "BWP3")):
        f.box(x0, y0, x1, 250, name)
    f.text("Frequency", 440, 285, size=9)
    r = read(f)
    assert r.figure_type is FigureType.chart
    # which part follows which along the time axis (TS 38.300 Figure 6.10-1)
    assert 'left to right along its horizontal axis: "BWP1"; "BWP2"; "BWP3"; its other labels: "Frequency"' \
        in r.prose


def _lanes(f: Fig, names: tuple[str, ...], y0: float = 60, step: float = 60) -> list[float]:
    ys = []
    for k, name in enumerate(names):
        y = y0 + k * step
        f.text(name, 50, y, size=10)
        ys.append(y)
    return ys


def test_a_time_axis_with_named_lanes_is_a_timing_chart():
    # 3GPP TS 29.244 Figure 5.2.2.2-2's layout: the packets' lane is the time axis (arrowhead at
    # its right end, "Time" at its tip), two more lanes as long under it, each named at its
    # left; blocks stand on the lanes and a legend of swatches sits under them
    f = Fig(520, 260)
    ys = _lanes(f, ("Data Packet", "BTI", "Consumed"))
    f.arrow((90, ys[0]), (470, ys[0]))
    f.text("Time", 492, ys[0], size=10)
    for y in ys[1:]:
        f.page.draw_line((90, y), (470, y), color=BLACK, width=1.5)
    for x0, x1 in ((110, 170), (200, 230), (300, 330)):
        f.page.draw_rect(pymupdf.Rect(x0, ys[0] - 14, x1, ys[0]), color=BLACK, fill=(0.3, 0.6, 0.9))
        f.page.draw_rect(pymupdf.Rect(x0, ys[2] - 14, x1 + 20, ys[2]), color=BLACK, fill=(0.7, 0.7, 0.7))
    for x in (110, 170, 230, 290, 350):
        f.text("BTI", x + 30, ys[1] + 12, size=9)
        f.page.draw_line((x, ys[1]), (x, ys[2]), color=BLACK, dashes="[3] 0")
    f.box(330, 215, 370, 230, fill=(0.3, 0.6, 0.9))
    f.text("Data Packet", 420, 222, size=9)
    r = read(f)
    assert r.figure_type is FigureType.chart and "leads to" not in r.prose
    assert 'A timing chart with the lanes "Data Packet", "BTI", "Consumed" along the time axis "Time"' \
        in r.prose


def test_swimlanes_with_a_long_arrow_between_them_stay_a_graph():
    # lanes named at their left, but the arrows join boxes: a flow, not a time axis
    f = Fig(520, 260)
    ys = _lanes(f, ("Customer", "Sales", "Billing"), y0=40, step=80)
    for y in ys:
        f.page.draw_line((90, y + 40), (500, y + 40), color=BLACK)  # lane borders, no heads
    f.box(110, 25, 190, 55, "Order")
    f.box(400, 105, 480, 135, "Quote")
    f.box(400, 185, 480, 215, "Invoice")
    f.arrow((190, 40), (440, 40), (440, 105))
    f.arrow((440, 135), (440, 185))
    r = read(f)
    assert r.figure_type is not FigureType.chart and r.diagram.edges


def test_double_arrows_between_peer_boxes_stay_a_graph():
    f = Fig(400, 200)
    for y, name in ((30, "PDCP"), (80, "RLC"), (130, "MAC")):
        f.box(30, y, 130, y + 30, name)
        f.box(270, y, 370, y + 30, name)
        f.arrow((130, y + 15), (270, y + 15), tail=True)
    r = read(f)
    assert r.figure_type is not FigureType.chart and r.diagram.edges


def test_a_wordmark_half_as_tall_as_the_figure_is_a_logo_not_a_flowchart():
    f = Fig(400, 150)
    f.text("5G", 120, 70, size=80)
    f.text("ADVANCED", 300, 90, size=12)
    f.page.draw_bezier((230, 60), (260, 20), (320, 20), (360, 30), color=(0, 0.6, 0), width=3)
    f.page.draw_bezier((230, 75), (260, 40), (320, 40), (360, 50), color=(0, 0.6, 0), width=3)
    f.page.draw_rect((40, 120, 200, 140), color=None, fill=(0.8, 0, 0))
    r = read(f)
    assert r.figure_type is FigureType.logo


def test_a_one_row_chain_of_labelled_boxes_is_no_wordmark():
    f = Fig(560, 40)
    for k, name in enumerate(("Transform", "Mapping", "IFFT")):
        f.box(20 + 180 * k, 2, 140 + 180 * k, 38, name, size=14)
        if k:
            f.arrow((140 + 180 * (k - 1), 20), (20 + 180 * k, 20))
    r = read(f)
    assert r.figure_type is FigureType.flowchart


def test_lettering_alone_with_a_wordmark_is_a_logo():
    # the 3GPP cover logo as a picture: "3GPP" two thirds of its height over "A GLOBAL
    # INITIATIVE", no stroke OCR or tracing could find (it was 'other', "a figure whose
    # structure could not be read")
    f = Fig(140, 85)
    f.text("3GPP", 70, 35, size=60)
    f.text("A GLOBAL INITIATIVE", 70, 76, size=8)
    assert read(f).figure_type is FigureType.logo


def test_a_paragraph_drawn_as_a_figure_is_no_logo():
    f = Fig(300, 60)
    f.text("The UE shall start timer T3450", 150, 20, size=10)
    f.text("and enter state EMM-REGISTERED.", 150, 40, size=10)
    assert read(f).figure_type is FigureType.other


def test_a_reading_that_lists_labels_only_is_not_confident():
    # a call flow's legend (d02 Default Bearer, page 1): swatches beside their meanings; read
    # as "structure could not be read" with its labels, it said so at 0.75
    f = Fig(400, 150)
    f.page.draw_rect(pymupdf.Rect(2, 2, 398, 140), color=BLACK)  # the legend's frame
    f.page.draw_rect(pymupdf.Rect(10, 10, 30, 30), color=(0.3, 0.3, 0.8), dashes="[2] 0")
    f.text("Optional procedure", 120, 20, size=11)
    f.text("*", 20, 65, size=11)
    f.text("Sent on SRB1 if SRB2 is not established yet", 200, 65, size=11)
    f.arrow((10, 110), (30, 110), dashed=True)
    f.text("Abstraction link", 110, 110, size=11)
    r = read(f)
    assert r.figure_type is FigureType.other and r.confidence <= 0.45


def test_double_arrows_between_numbers_are_spans_of_a_chart_not_links():
    # TS 38.300 Figure 5.2.4-1 (time-frequency structure of SSB): the subcarrier ranges are
    # double arrows between numbers; it read '192 is linked both ways with 239' at 0.95
    f = Fig(200, 300)
    for y, text in ((20, "239"), (80, "192"), (110, "182"), (200, "56"), (230, "47"), (280, "0")):
        f.text(text, 20, y, size=8)
    for y0, y1 in ((28, 72), (118, 192), (238, 272)):
        f.arrow((20, y0), (20, y1), tail=True)
    for x, y, name in ((80, 60, "PBCH"), (80, 150, "PSS"), (120, 150, "SSS"), (80, 250, "PBCH")):
        f.box(x - 18, y - 20, x + 18, y + 20, name, size=7)
    r = read(f)
    assert r.figure_type is FigureType.chart and "linked" not in r.prose


def test_numbered_steps_in_circles_stay_a_graph():
    # numbers inside drawn outlines are elements (numbered states or steps), not axis values
    f = Fig(400, 200)
    for x, name in ((40, "1"), (200, "2"), (360, "3")):
        f.page.draw_circle((x, 100), 25, color=BLACK)
        f.text(name, x, 100)
    f.arrow((65, 100), (175, 100))
    f.arrow((225, 100), (335, 100))
    r = read(f)
    assert r.figure_type is not FigureType.chart and len(r.diagram.edges) == 2
