"""The annotate page's text: paragraph bounds (and their per-process cache), the highlight
segments, the label styles and the span list."""

import threading
from bisect import bisect_left, bisect_right
from collections import defaultdict
from functools import lru_cache
from html import escape as escape_html

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from ..models import Label
from ..templatetags.assay import excerpt


@lru_cache(maxsize=16)
def paragraph_bounds(body: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` of each line of the body in code points; ``end`` excludes the ``\\n``.

    Cached: one request asks for the same 200,000-character body's bounds several times."""
    bounds, start = [], 0
    for line in body.split("\n"):
        bounds.append((start, start + len(line)))
        start += len(line) + 1
    return tuple(bounds)


# Paragraph bounds by article id, with the body's sha256 they were computed from: a span's
# fragments then read only the touched paragraphs' text, not the whole body. Per process, a
# few articles' worth (a 200,000-character article's bounds are a few kilobytes).
_ARTICLE_BOUNDS: dict[int, tuple[str, tuple[tuple[int, int], ...]]] = {}
_ARTICLE_BOUNDS_LOCK = threading.Lock()  # for threaded servers (runserver)
ARTICLE_BOUNDS_KEPT = 64


def remember_bounds(article_id: int, sha256: str, body: str) -> tuple[tuple[int, int], ...]:
    """The body's paragraph bounds, remembered for ``cached_bounds``."""
    bounds = paragraph_bounds(body)
    with _ARTICLE_BOUNDS_LOCK:
        _ARTICLE_BOUNDS.pop(article_id, None)
        _ARTICLE_BOUNDS[article_id] = (sha256, bounds)
        while len(_ARTICLE_BOUNDS) > ARTICLE_BOUNDS_KEPT:
            del _ARTICLE_BOUNDS[next(iter(_ARTICLE_BOUNDS))]  # the oldest
    return bounds


def cached_bounds(article_id: int) -> tuple[str, tuple[tuple[int, int], ...]] | None:
    """``(sha256, bounds)`` remembered for the article, or ``None``."""
    return _ARTICLE_BOUNDS.get(article_id)


def _covering(covering: list) -> tuple[str, str]:
    """A highlight's classes and ``data-spans`` (ids, innermost first).

    The shortest span colours the background, up to three others underline it (the u1-/u2-/u3-
    classes of ``label_styles``). Classes rather than a style and a title on each of thousands
    of highlights: the page is that much less to parse; the page's script gives a highlight
    its title (the labels' names) on hover."""
    classes = f"seg hl l{covering[0].label_id}"
    if len(covering) > 1:
        covering = sorted(covering, key=lambda s: (s.end - s.start, -s.start, s.pk))
        classes = f"seg hl l{covering[0].label_id} multi" + "".join(
            [f" u{depth}-{s.label_id}" for depth, s in enumerate(covering[1:4], start=1)]
        )
    return classes, " ".join([str(s.pk) for s in covering])


def paragraph_segments(
    text: str, base: int, paragraphs: list[tuple[int, int, int]], spans: list, classify=_covering
):
    """``(index, start, segments)`` for each paragraph, split on every span boundary; a
    segment is ``(start, text, classes, ids)`` (``ids`` empty where no span covers it).

    ``text`` is ``body[base:...]`` and ``paragraphs`` lists ``(index, start, end)`` of the
    paragraphs it holds, in text order; ``spans`` (with ``pk``, ``start``, ``end``,
    ``label_id``) are those that overlap them. Offsets are code points. ``classify`` gives a
    covered segment its ``(classes, ids)`` from the spans covering it (by default the
    annotate page's highlights; the compare page marks its places)."""
    starts, ends = defaultdict(list), defaultdict(list)
    for span in spans:
        starts[span.start].append(span)
        ends[span.end].append(span)
    cuts = sorted(set(starts) | set(ends))
    active: dict[int, object] = {}
    ci = 0

    def segment(start: int, end: int) -> tuple[str, str, str, str]:
        piece = text[start - base : end - base]
        if not active:
            return (start, piece, "seg", "")
        return (start, piece, *classify(list(active.values())))

    for index, ps, pe in paragraphs:
        pieces, pos = [], ps
        while ci < len(cuts) and cuts[ci] <= pe:
            cut = cuts[ci]
            if cut > pos:
                pieces.append(segment(pos, cut))
            pos = max(pos, cut)
            for span in ends.get(cut, ()):
                active.pop(span.pk, None)
            for span in starts.get(cut, ()):
                active[span.pk] = span
            ci += 1
        if pe > pos:
            pieces.append(segment(pos, pe))
        if ps == pe:
            pieces.append((ps, "", "seg empty", ""))
        yield index, ps, pieces


def render_paragraphs(
    body: str, spans: list, *, only: set[int] | None = None, oob: bool = False
) -> list[str]:
    """The body as ``<p>`` elements split on every span boundary, escaped (HTML strings).

    Each segment carries ``data-start`` (code points) and ``data-spans`` (the spans covering
    it, innermost first), so the page can turn a selection into offsets and a click into a
    span. ``only`` limits the output to some paragraph indexes (for htmx out-of-band updates).
    """
    bounds = paragraph_bounds(body)
    indexes = range(len(bounds)) if only is None else sorted(only)
    return render_paragraph_window(
        body, 0, [(index, *bounds[index]) for index in indexes], spans, oob=oob
    )


PARAGRAPHS_TEMPLATE = "annotations/partials/annotate/paragraphs.html"


def render_paragraph_window(
    text: str,
    base: int,
    paragraphs: list[tuple[int, int, int]],
    spans: list,
    *,
    oob: bool = False,
    classify=_covering,
) -> list[str]:
    """``paragraph_segments`` as HTML, a string per paragraph: the fast twin of
    ``PARAGRAPHS_TEMPLATE`` (``render_paragraph_window_template``), which writes the same
    HTML five times slower; the article of 200,000 characters and 2,000 spans is the page's
    hot path. tests/views/test_annotate_render.py holds the two to the same output."""
    oob_attr = ' hx-swap-oob="outerHTML"' if oob else ""
    return [
        f'<p id="para-{index}" class="para" data-start="{ps}"{oob_attr}>'
        + "".join(
            [
                f'<mark class="{classes}" data-start="{start}" data-spans="{ids}">'
                f"{escape_html(piece)}</mark>"
                if ids
                else f'<span class="{classes}" data-start="{start}">{escape_html(piece)}</span>'
                for start, piece, classes, ids in segments
            ]
        )
        + "</p>"
        for index, ps, segments in paragraph_segments(text, base, paragraphs, spans, classify)
    ]


def render_paragraph_window_template(
    text: str,
    base: int,
    paragraphs: list[tuple[int, int, int]],
    spans: list,
    *,
    oob: bool = False,
) -> str:
    """``render_paragraph_window`` through its template (the reference; see there)."""
    context = {
        "oob": oob,
        "paragraphs": [
            {
                "index": index,
                "start": ps,
                "segments": [
                    {"start": start, "text": piece, "classes": classes, "ids": ids}
                    for start, piece, classes, ids in segments
                ],
            }
            for index, ps, segments in paragraph_segments(text, base, paragraphs, spans)
        ],
    }
    return render_to_string(PARAGRAPHS_TEMPLATE, context)


def touched_range(bounds: tuple[tuple[int, int], ...], start: int, end: int) -> range:
    """Indexes of the paragraphs that ``[start, end)`` overlaps (its ends included)."""
    first = bisect_left(bounds, start, key=lambda b: b[1])
    last = bisect_right(bounds, end, key=lambda b: b[0])
    return range(first, max(first, last))


def paragraphs_touched(body: str, *ranges: tuple[int, int]) -> set[int]:
    """Indexes of the paragraphs that ``[start, end)`` ranges overlap."""
    bounds = paragraph_bounds(body)
    return {index for start, end in ranges for index in touched_range(bounds, start, end)}


def label_styles(labels) -> SafeString:
    """Each label's colour: ``--c`` for its highlights, ``--u1`` to ``--u3`` for the underlines
    it draws beneath an inner span's highlight (the page's ``<style>``)."""
    return render_to_string("annotations/partials/annotate/label_styles.html", {"labels": labels})


SPAN_ITEM_TEMPLATE = "annotations/partials/annotate/span_item.html"


def span_items(spans: list) -> SafeString:
    """Entries of the span list (``SPAN_ITEM_TEMPLATE``, one per span), written in Python: the
    fast twin of that partial, which htmx gets for a new span. The page lists every span of
    the article (2,000 on the big one): the partial took ~100 ms for them, this ~2 ms.
    tests/views/test_annotate_render.py holds the two to the same output."""
    return mark_safe(
        "".join(
            [
                f'<li id="item-{span.pk}" data-start="{span.start}">'
                f'<a href="?span={span.pk}" data-span-link="{span.pk}">'
                f"{escape_html(excerpt(span.text, 90))}</a></li>"
                for span in spans
            ]
        )
    )


def span_groups(labels: list[Label], spans: list) -> list[dict]:
    """The span list: a group per span label (empty ones hidden), in the scheme's order."""
    by_label = defaultdict(list)
    for span in spans:
        by_label[span.label_id].append(span)
    return [
        {"label": label, "count": len(by_label[label.pk]), "items": span_items(by_label[label.pk])}
        for label in labels
    ]
