"""The compare page's rows: a paragraph of the text (drawn by the annotate page's renderer,
its places marked) beside its places, each a row of lanes: gold first, then an annotator a
lane. Written in Python, the fast twin of ``PLACE_TEMPLATE`` (tests/views/test_compare.py
holds the two to the same output): the big article has 2,000 places and 6,000 spans."""

from bisect import bisect_left, bisect_right
from html import escape as escape_html
from typing import NamedTuple

from django.template.loader import render_to_string

from ..metrics.places import Kind, Place
from ..models import Confidence, Probability
from ..selectors.compare import ArticleComparison
from ..templatetags.assay import excerpt
from .annotate_render import paragraph_bounds, render_paragraph_window, touched_range

PLACE_TEMPLATE = "annotations/partials/compare/place.html"
KIND_SHORT = {
    Kind.SAME: "Same",
    Kind.GRADE: "Grade",
    Kind.BOUNDARIES: "Bounds",
    Kind.LABEL: "Label",
    Kind.MISSING: "Partial",
    Kind.GOLD: "Gold",
}
# "Likely (55–80 %)" → "Likely": a lane is narrow.
PROBABILITY_SHORT = {value: name.split(" (")[0] for value, name in Probability.choices}
CONFIDENCE_SHORT = dict(Confidence.choices)
EXCERPT = 56


class Chip(NamedTuple):
    """A span in its lane."""

    pk: int
    classes: str
    label: str
    start: int
    end: int
    text: str
    grade: str
    actors: str
    gold: bool


class PlaceRow(NamedTuple):
    pk: int
    classes: str
    kind: str
    kind_short: str
    cells: list[list[Chip]]  # gold first, then the lanes' order


def lane_index(cmp: ArticleComparison) -> dict[int, int]:
    """Each annotator's cell in a row (the gold cell is 0)."""
    return {pk: index for index, (pk, _) in enumerate(cmp.lanes, start=1)}


def place_row(
    cmp: ArticleComparison, place: Place, label_names: dict[int, str], lanes: dict[int, int]
) -> PlaceRow:
    """What a place's row shows: its kind, whether it is open, and each lane's spans."""
    cells: list[list[Chip]] = [[] for _ in range(len(lanes) + 1)]
    for span in place.spans:
        grade = " · ".join(
            filter(
                None,
                (
                    PROBABILITY_SHORT.get(span.probability or ""),
                    CONFIDENCE_SHORT.get(span.confidence or ""),
                ),
            )
        )
        actors = ", ".join(
            f"{cmp.actor_names.get(actor, actor)} ({role})" for actor, role in span.actors
        )
        classes = f"cspan l{span.label_id}"
        if span.gold:
            classes += " is-gold"
        elif span.status == "rejected":
            classes += " rejected"
        elif span.pk not in cmp.undecided:
            classes += " decided"
        chip = Chip(
            span.pk,
            classes,
            label_names.get(span.label_id, "?"),
            span.start,
            span.end,
            excerpt(span.text, EXCERPT),
            grade,
            actors,
            span.gold,
        )
        cells[0 if span.gold else lanes[span.annotator_id]].append(chip)
    classes = f"place k-{place.kind}" + (" open" if cmp.place_open(place) else "")
    return PlaceRow(place.pk, classes, Kind.NAMES[place.kind], KIND_SHORT[place.kind], cells)


def render_place(row: PlaceRow) -> str:
    """A place's row as HTML (the fast twin of ``PLACE_TEMPLATE``)."""
    cells = []
    for index, chips in enumerate(row.cells):
        inner = "".join(
            [
                f'<a id="s-{c.pk}" class="{c.classes}" href="?span={c.pk}#s-{c.pk}"'
                f"{' data-gold' if c.gold else ''}>"
                f'<span class="cs-label">{escape_html(c.label)}</span> '
                f'<span class="cs-off">{c.start}–{c.end}</span> '
                f'<span class="cs-text">{escape_html(c.text)}</span>'
                + (f' <span class="cs-grade">{escape_html(c.grade)}</span>' if c.grade else "")
                + (f' <span class="cs-actors">{escape_html(c.actors)}</span>' if c.actors else "")
                + "</a>"
                for c in chips
            ]
        )
        cell_class = "cell gold-cell" if index == 0 else "cell"
        cells.append(f'<div class="{cell_class}">{inner}</div>')
    return (
        f'<div id="place-{row.pk}" class="{row.classes}" data-place="{row.pk}">'
        f'<div class="place-kind" title="{escape_html(row.kind)}">{row.kind_short}</div>'
        + "".join(cells)
        + "</div>"
    )


def render_place_template(row: PlaceRow) -> str:
    """``render_place`` through its template (the reference; see there)."""
    return render_to_string(PLACE_TEMPLATE, {"row": row})


def _mark_place(covering: list) -> tuple[str, str]:
    """A segment of the text inside a place: marked by the place's kind (places never
    overlap, so one covers it)."""
    place = covering[0]
    return f"seg pm k-{place.kind}{' open' if place.open else ''}", str(place.pk)


class _Marked(NamedTuple):
    pk: int
    start: int
    end: int
    label_id: int
    kind: str
    open: bool


def render_rows(
    cmp: ArticleComparison,
    label_names: dict[int, str],
    indexes=None,
    *,
    oob: bool = False,
) -> list[str]:
    """The page's rows (a paragraph and the places that start in it), all of them or those
    of ``indexes`` (paragraph indexes; ``oob`` for htmx's out-of-band swap)."""
    body = cmp.article.body
    bounds = paragraph_bounds(body)
    indexes = range(len(bounds)) if indexes is None else sorted(indexes)
    marked = [_Marked(p.pk, p.start, p.end, 0, p.kind, cmp.place_open(p)) for p in cmp.places]
    # Places are disjoint and in text order: their starts and their ends are both sorted.
    starts = [place.start for place in cmp.places]
    ends = [place.end for place in cmp.places]
    by_row: dict[int, list[Place]] = {}
    for place in cmp.places:  # a place belongs to the row of the paragraph it starts in
        by_row.setdefault(touched_range(bounds, place.start, place.start).start, []).append(place)
    oob_attr = ' hx-swap-oob="outerHTML"' if oob else ""
    lanes = lane_index(cmp)
    out = []
    for index in indexes:
        ps, pe = bounds[index]
        inside = marked[bisect_left(ends, ps) : bisect_right(starts, pe)]
        text = render_paragraph_window(body, 0, [(index, ps, pe)], inside, classify=_mark_place)
        rows = [
            render_place(place_row(cmp, place, label_names, lanes))
            for place in by_row.get(index, ())
        ]
        out.append(
            f'<section id="row-{index}" class="cmp-row"{oob_attr}>'
            f'<div class="cmp-text">{text[0]}</div>'
            f'<div class="cmp-places">{"".join(rows)}</div></section>'
        )
    return out


def rows_touched(cmp: ArticleComparison, start: int, end: int) -> set[int]:
    """The rows to draw again after a change over ``[start, end)``: those of the paragraphs
    that the places around it overlap (a place may have grown, shrunk or split)."""
    low, high = start, end
    for place in cmp.places:
        if place.start <= end and place.end >= start:
            low, high = min(low, place.start), max(high, place.end)
    return set(touched_range(paragraph_bounds(cmp.article.body), low, high))
