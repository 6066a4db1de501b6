"""The annotate page's text: the fast Python renderer and its template twin write the same HTML."""

import pytest
from django.template.loader import render_to_string

from annotations.views.annotate_render import (
    SPAN_ITEM_TEMPLATE,
    paragraph_bounds,
    render_paragraph_window,
    render_paragraph_window_template,
    span_items,
)


class Row:
    def __init__(self, pk, start, end, label_id):
        self.pk, self.start, self.end, self.label_id = pk, start, end, label_id


BODY = (
    'Say <script>alert("x")</script> & it\'s 🇺🇦 «here»\n'
    "\n"
    "𝕏 two\tthree — four five six seven\n"
    "last line without spans"
)

CASES = {
    "no spans": [],
    "one span": [Row(1, 4, 12, 7)],
    "nested and overlapping": [
        Row(1, 0, 30, 1),
        Row(2, 4, 12, 2),
        Row(3, 6, 20, 3),
        Row(4, 5, 9, 4),
        Row(5, 5, 9, 5),
    ],
    "across paragraphs and the empty line": [Row(9, 40, 60, 2), Row(10, 44, 55, 3)],
    "same offsets, many labels": [Row(pk, 2, 8, pk % 3) for pk in range(20, 26)],
    "flags and astral characters": [Row(30, 37, 39, 1), Row(31, 53, 54, 2)],
}


@pytest.mark.parametrize("oob", [False, True])
@pytest.mark.parametrize("case", CASES)
def test_the_fast_renderer_and_the_template_agree(case, oob):
    spans = CASES[case]
    paragraphs = [(index, *bounds) for index, bounds in enumerate(paragraph_bounds(BODY))]
    fast = "".join(render_paragraph_window(BODY, 0, paragraphs, spans, oob=oob))
    assert fast == render_paragraph_window_template(BODY, 0, paragraphs, spans, oob=oob)
    assert "<script" not in fast and "&lt;" in fast


@pytest.mark.parametrize("case", CASES)
def test_they_agree_on_a_window_of_the_body(case):
    """A span's fragments draw only the touched paragraphs, from a piece of the body."""
    bounds = paragraph_bounds(BODY)
    paragraphs = [(index, *bounds[index]) for index in (2, 3)]
    base = bounds[2][0]
    text = BODY[base : bounds[3][1]]
    spans = [s for s in CASES[case] if s.end >= base]
    fast = "".join(render_paragraph_window(text, base, paragraphs, spans, oob=True))
    assert fast == render_paragraph_window_template(text, base, paragraphs, spans, oob=True)
    assert fast.startswith('<p id="para-2" class="para" data-start="50" hx-swap-oob="outerHTML">')


class ListRow:
    def __init__(self, pk, start, text):
        self.pk, self.start, self.text = pk, start, text


def test_the_span_list_items_and_their_partial_agree():
    rows = [
        ListRow(1, 0, 'Say <script>alert("x")</script> & it\'s'),
        ListRow(2, 5, "🇺🇦 «here»\n\n𝕏  two\tthree"),
        ListRow(3, 9, "word " * 40),  # cut at 90 characters with …
        ListRow(4, 12, ""),
    ]
    fast = span_items(rows)
    partial = "".join(render_to_string(SPAN_ITEM_TEMPLATE, {"span": row}) for row in rows)
    assert fast == partial
    assert "<script" not in fast and "…</a>" in fast
