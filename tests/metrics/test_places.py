"""Places and their kinds: pure functions over span rows."""

from annotations.metrics.places import CompareSpan, Kind, article_places, group_places, place_kind

ALICE, BOB, CAROL, RITA = 1, 2, 3, 9


def span(pk, start, end, label=1, who=ALICE, gold=False, probability=None, actors=()):
    return CompareSpan(
        pk, start, end, label, who, gold, probability, None, "pending", 1, "", tuple(actors)
    )


def test_spans_sharing_a_code_point_are_one_place_and_touching_ones_are_not():
    places = group_places([span(1, 0, 5), span(2, 4, 9, who=BOB), span(3, 9, 12), span(4, 20, 25)])
    assert [(p.start, p.end, [s.pk for s in p.spans]) for p in places] == [
        (0, 9, [1, 2]),
        (9, 12, [3]),
        (20, 25, [4]),
    ]


def test_a_chain_of_overlaps_is_one_place():
    places = group_places([span(1, 0, 5), span(2, 4, 9, who=BOB), span(3, 8, 14, who=CAROL)])
    assert [(p.start, p.end) for p in places] == [(0, 14)]


def test_kinds():
    both = (ALICE, BOB)
    assert place_kind([span(1, 0, 5), span(2, 0, 5, who=BOB)], both) == Kind.SAME
    assert (
        place_kind([span(1, 0, 5, probability="likely"), span(2, 0, 5, who=BOB)], both)
        == Kind.GRADE
    )
    assert (
        place_kind([span(1, 0, 5, actors=[(4, "source")]), span(2, 0, 5, who=BOB)], both)
        == Kind.GRADE
    )
    assert place_kind([span(1, 0, 5), span(2, 0, 7, who=BOB)], both) == Kind.BOUNDARIES
    assert place_kind([span(1, 0, 5), span(2, 0, 5, label=2, who=BOB)], both) == Kind.LABEL
    assert place_kind([span(1, 0, 5)], both) == Kind.MISSING
    assert place_kind([span(1, 0, 5, who=RITA, gold=True)], both) == Kind.GOLD
    # A gold span beside them changes nothing: only the annotators' spans are weighed.
    beside = [span(1, 0, 5), span(2, 0, 5, who=BOB), span(3, 0, 9, who=RITA, gold=True)]
    assert place_kind(beside, both) == Kind.SAME
    # Two labels each, alike: the same; a label one of them lacks: a different label.
    two = [span(1, 0, 5), span(2, 0, 5, label=2), span(3, 0, 5, who=BOB), span(4, 0, 5, 2, BOB)]
    assert place_kind(two, both) == Kind.SAME
    assert place_kind(two[:3], both) == Kind.LABEL


def test_article_places_counts_annotators_with_an_own_span_on_the_article():
    places, annotators = article_places(
        [span(1, 0, 5), span(2, 10, 15, who=BOB), span(3, 20, 25, who=RITA, gold=True)]
    )
    assert annotators == [ALICE, BOB]
    assert [p.kind for p in places] == [Kind.MISSING, Kind.MISSING, Kind.GOLD]
