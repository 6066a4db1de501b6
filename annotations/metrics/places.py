"""Where the annotators of one article agree, place by place: pure functions over span rows.

A **place** is a stretch of the text that spans cover without a gap: two spans that share a
code point (any annotator, any label, gold spans too) are in the same place, and so, in a
chain, are the spans that share one with either. A place's **kind** compares the annotators'
non-gold spans in it, the annotators being those with at least one non-gold span on the
article (as curation counts them, ``services.gold.article_curate``):

- ``same``: every annotator has the same (start, end, label)s there, graded alike (probability,
  confidence and the actor set);
- ``grade``: the same (start, end, label)s, graded differently;
- ``boundaries``: the same labels, but not the same start and end;
- ``label``: different labels;
- ``missing``: only some annotators marked it (with the same labels);
- ``gold``: gold spans only (made directly by a reviewer).

The page reads them in order of weight: a different label says more than different ends.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple


class Kind:
    SAME = "same"
    GRADE = "grade"
    BOUNDARIES = "boundaries"
    LABEL = "label"
    MISSING = "missing"
    GOLD = "gold"
    # In the order the page lists them, with their names.
    NAMES = {
        SAME: "Same span",
        BOUNDARIES: "Same label, different boundaries",
        LABEL: "Different label",
        GRADE: "Different grade or actors",
        MISSING: "Marked by only some",
        GOLD: "Gold only",
    }
    DISAGREEMENTS = frozenset({GRADE, BOUNDARIES, LABEL, MISSING})


class CompareSpan(NamedTuple):
    """A span as the compare page weighs and draws it (no model instance: 6,000 are cheap)."""

    pk: int
    start: int
    end: int
    label_id: int
    annotator_id: int
    gold: bool
    probability: str | None
    confidence: str | None
    status: str
    version: int
    text: str
    actors: tuple[tuple[int, str], ...]  # (actor id, role), sorted


@dataclass(slots=True)
class Place:
    start: int
    end: int
    spans: list[CompareSpan] = field(default_factory=list)
    kind: str = Kind.SAME

    @property
    def pk(self) -> int:
        """Its id on the page: its start (no two places share one)."""
        return self.start


def group_places(spans: Iterable[CompareSpan]) -> list[Place]:
    """The spans grouped into places (see the module docstring), in text order; a place's
    spans are in the order of (start, end, id)."""
    places: list[Place] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end, s.pk)):
        if places and span.start < places[-1].end:
            place = places[-1]
            place.end = max(place.end, span.end)
        else:
            place = Place(span.start, span.end)
            places.append(place)
        place.spans.append(span)
    return places


def place_kind(spans: list[CompareSpan], annotators: Iterable[int]) -> str:
    """The kind of a place holding ``spans``, for the article's ``annotators`` (ids)."""
    own = [span for span in spans if not span.gold]
    if not own:
        return Kind.GOLD
    marks: dict[int, set] = {annotator: set() for annotator in annotators}
    for span in own:
        marks.setdefault(span.annotator_id, set()).add((span.start, span.end, span.label_id))
    sets = list(marks.values())
    if all(found == sets[0] for found in sets[1:]):
        grades: dict[tuple, set] = {}
        for span in own:
            key = (span.start, span.end, span.label_id)
            grades.setdefault(key, set()).add((span.probability, span.confidence, span.actors))
        return Kind.SAME if all(len(found) == 1 for found in grades.values()) else Kind.GRADE
    labels = [frozenset(label for _, _, label in found) for found in sets if found]
    if any(found != labels[0] for found in labels[1:]):
        return Kind.LABEL
    return Kind.MISSING if len(labels) < len(sets) else Kind.BOUNDARIES


def article_places(spans: Iterable[CompareSpan]) -> tuple[list[Place], list[int]]:
    """An article's places with their kinds, and its annotators (ids, sorted): those with at
    least one non-gold span on it."""
    spans = list(spans)
    annotators = sorted({span.annotator_id for span in spans if not span.gold})
    places = group_places(spans)
    for place in places:
        place.kind = place_kind(place.spans, annotators)
    return places, annotators
