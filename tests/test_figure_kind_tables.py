"""Tables drawn as pictures (``describe/_geometry/table.py``), on generated figures: read as
tables with their cells as Markdown, and the call flows and records whose long strokes look
like rulings are not."""

from __future__ import annotations

import pytest

from dicmodel.document import FigureType

pymupdf = pytest.importorskip("pymupdf")

from tests.test_structural_engine import BLACK, Fig, customer_entity, read

CELLS = [["Entry", "Key", "Action"], ["t1", "01001*", "set_port(1)"], ["t2", "1100*", "set_port(2)"]]


def _ruled_table(f: Fig, x0: float, y0: float, col_rules: bool = True, w: float = 90, h: float = 30) -> None:
    for r, row in enumerate(CELLS):
        for c, text in enumerate(row):
            f.text(text, x0 + w * c + w / 2, y0 + h * r + h / 2, size=9)
    for r in range(len(CELLS) + 1):
        f.page.draw_line((x0, y0 + h * r), (x0 + 3 * w, y0 + h * r), color=BLACK)
    for c in range(4) if col_rules else (0, 3):
        f.page.draw_line((x0 + w * c, y0), (x0 + w * c, y0 + 3 * h), color=BLACK)


def test_a_ruled_grid_of_text_is_a_table_with_its_cells_as_markdown():
    f = Fig(400, 200)
    _ruled_table(f, 40, 30)
    f.text("(a) Direct table.", 175, 150, size=9)
    r = read(f)
    assert r.figure_type is FigureType.table
    assert "| Entry | Key | Action |" in r.prose and "| t2 | 1100* | set_port(2) |" in r.prose
    assert '"(a) Direct table."' in r.prose  # the caption under it is kept as text


def test_tables_side_by_side_whose_column_rules_are_lost_are_read_from_the_text_gaps():
    # a scan's thin column rules are often lost: the row rules and the frame remain
    f = Fig(700, 200)
    _ruled_table(f, 20, 30, col_rules=False)
    _ruled_table(f, 370, 30, col_rules=False)
    r = read(f)
    assert r.figure_type is FigureType.table
    assert r.prose.count("| t1 | 01001* | set_port(1) |") == 2 and "Table 2 of 2" in r.prose


def test_a_framed_table_with_shaded_rows_and_no_inner_rules_is_a_table():
    f = Fig(400, 120)
    f.page.draw_rect((20, 20, 380, 50), color=None, fill=(0.9, 0.9, 0.9))  # header shading
    f.page.draw_rect((20, 20, 380, 90), color=BLACK, width=0.5)  # the frame alone
    for x, head, val in ((80, "Feature", "Congestion control"), (220, "ReqID", "MUST-19"),
                         (320, "MAY", "X")):
        f.text(head, x, 35, size=10)
        f.text(val, x, 70, size=9)
    r = read(f)
    assert r.figure_type is FigureType.table
    assert "| Feature | ReqID | MAY |" in r.prose and "| Congestion control | MUST-19 | X |" in r.prose


def test_a_call_flow_with_bars_across_its_lifelines_is_not_a_table():
    # step bars drawn across the lifelines give long horizontal rules of one width, and the
    # lifelines long vertical ones: the lifelines run on through the bars, so no table
    f = Fig(500, 300)
    xs = {"UE": 80, "gNB": 250, "AMF": 420}
    for name, x in xs.items():
        f.box(x - 30, 10, x + 30, 30, name)
        f.page.draw_line((x, 30), (x, 290), color=BLACK)
    for y, text in ((60, "1. Paging UE"), (100, "2. Resuming"), (140, "3. Connected")):
        f.box(50, y, 450, y + 20, text)
    # messages drawn without heads (Mermaid's '->'): nothing but rules and text
    f.arrow((80, 200), (250, 200), head=False)
    f.text("4. RRC Setup", 165, 192, size=9)
    f.arrow((250, 240), (420, 240), head=False)
    f.text("5. Initial UE Message", 335, 232, size=9)
    r = read(f)
    assert r.figure_type is FigureType.sequence



def test_an_entity_whose_column_rule_was_lost_is_a_record_not_a_table():
    # a raster ER entity often loses its thin column rule: the title band over rows of
    # "type name" pairs is still one record
    assert read(customer_entity(column_rule=False)).figure_type is not FigureType.table
