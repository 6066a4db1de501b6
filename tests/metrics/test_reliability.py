"""κ and α on tokens (metrics.reliability), held to scikit-learn and the krippendorff package
on generated data, and to Krippendorff's own worked example."""

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from annotations.metrics.reliability import (
    Reliability,
    categories,
    cohen_kappa,
    gold_scores,
    krippendorff_alpha_nominal,
    token_starts,
)

from .examples import KRIPPENDORFF_2011_C

NULL = 0  # how a null category is coded for the reference packages (label ids start at 1)


def test_tokens_are_words_and_punctuation_by_code_point():
    body = "ISW: Belarus' role 🇺🇦 stays—unlikely."
    starts = token_starts(body)
    assert [body[s] for s in starts] == ["I", ":", "B", "'", "r", "🇺", "🇦", "s", "—", "u", "."]


def test_a_token_takes_the_longest_covering_span_then_the_earliest_then_the_lowest_id():
    starts = [0, 4, 8, 12, 16]
    spans = [(0, 9, 1, 10), (4, 13, 2, 11), (4, 6, 3, 12), (16, 18, 4, 14), (16, 18, 5, 13)]
    # tokens 4 and 8: (0,9) and (4,13) are as long, (0,9) starts first; token 12: (4,13)
    # alone; token 16: two spans alike, the lowest id wins.
    assert categories(starts, spans) == [1, 1, 1, 2, 5]
    assert categories(starts, []) == [None] * 5
    # A span covering no token's first character labels nothing.
    assert categories([0, 4], [(1, 3, 7, 1)]) == [None, None]


def _codes(values):
    return [NULL if value is None else value for value in values]


category = st.one_of(st.none(), st.integers(1, 4))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(category, category), min_size=1, max_size=60))
def test_kappa_is_scikit_learns(pairs):
    confusion = {}
    for pair in pairs:
        confusion[pair] = confusion.get(pair, 0) + 1
    ours = cohen_kappa(confusion)
    a, b = (_codes(side) for side in zip(*pairs, strict=True))
    if len(set(a) | set(b)) == 1:
        assert ours is None  # no variation: scikit-learn answers nan
        return
    with np.errstate(all="ignore"):
        theirs = cohen_kappa_score(a, b)
    if math.isnan(theirs):
        assert ours is None
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda coders: st.lists(
            st.lists(st.one_of(st.just("missing"), category), min_size=coders, max_size=coders),
            min_size=1,
            max_size=40,
        )
    )
)
def test_alpha_is_the_krippendorff_packages(units):
    counted = {}
    for unit in units:
        values = tuple(value for value in unit if value != "missing")
        counted[values] = counted.get(values, 0) + 1
    ours = krippendorff_alpha_nominal(counted)
    data = np.array(
        [
            [np.nan if v == "missing" else (NULL if v is None else v) for v in unit]
            for unit in units
        ],
        dtype=float,
    ).T  # coders × units
    pairable = [unit for unit in units if sum(v != "missing" for v in unit) >= 2]
    values = {v for unit in pairable for v in unit if v != "missing"}
    if not pairable or len(values) < 2:
        assert ours is None
        return
    theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_krippendorffs_worked_example_four_coders_twelve_units():
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four
    observers, twelve units, values 1–5, missing data; nominal α = 0.743."""
    m = None
    data = KRIPPENDORFF_2011_C
    units = {}
    for unit in zip(*data, strict=True):
        values = tuple(value for value in unit if value is not m)
        units[values] = units.get(values, 0) + 1
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)
    reference = krippendorff.alpha(
        reliability_data=np.array([[np.nan if v is m else v for v in row] for row in data], float),
        level_of_measurement="nominal",
    )
    assert krippendorff_alpha_nominal(units) == pytest.approx(reference, abs=1e-12)


def test_reliability_of_articles_counts_each_annotator_present_and_none_missing():
    body = "Belarus is unlikely to join. Russia denies it."
    starts = token_starts(body)
    scores = Reliability()
    ann = {1: [(0, 7, 5, 1)], 2: [(0, 7, 5, 2), (29, 35, 6, 3)]}
    scores.add_article(body, ann)
    scores.add_article("One annotator only.", {3: [(0, 3, 5, 4)]})  # no pair: ignored
    cat = {user: _codes(categories(starts, spans)) for user, spans in ann.items()}
    assert scores.kappa(2, 1) == pytest.approx(cohen_kappa_score(cat[1], cat[2]))
    data = np.array([cat[1], cat[2]], dtype=float)
    assert scores.alpha() == pytest.approx(krippendorff.alpha(data, level_of_measurement="nominal"))
    assert Reliability().alpha() is None and Reliability().kappa(1, 2) is None


def test_gold_scores_count_articles_with_gold_and_spans_of_theirs():
    spans = {
        1: {10: {(0, 3, 5), (4, 8, 5)}, 11: {(0, 3, 5)}},
        2: {10: {(0, 3, 5)}},  # no gold on article 2
    }
    gold = {1: {(0, 3, 5)}}
    scores = gold_scores(spans, gold, {10: "ann", 11: "ben"})
    assert [(s.annotator, s.articles, s.spans, s.gold_spans, s.matches) for s in scores] == [
        ("ann", 1, 2, 1, 1),
        ("ben", 1, 1, 1, 1),
    ]
    assert scores[0].f1 == pytest.approx(2 / 3) and scores[1].f1 == 1.0
