"""Agreement on the attributes of matched spans (metrics.attributes): the general α held to the
krippendorff package (nominal, ordinal), the Jaccard α to a hand count, and the places'
figures to the SPEC's words (no value is a value for ``agreed``, missing for ``alpha``)."""

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.metrics.attributes import (
    attribute_scores,
    jaccard,
    krippendorff_alpha,
    nominal,
    ordinal,
)
from annotations.metrics.reliability import krippendorff_alpha_nominal

from .examples import KRIPPENDORFF_2011_C

STEPS = [0, 1, 2, 3, 4, 5, 6]
value = st.one_of(st.none(), st.sampled_from(STEPS))
units_strategy = st.integers(2, 4).flatmap(
    lambda coders: st.lists(
        st.lists(value, min_size=coders, max_size=coders).map(tuple), min_size=1, max_size=30
    )
)


def _package(units, level):
    data = np.array([[np.nan if v is None else v for v in unit] for unit in units], float).T
    pairable = [unit for unit in units if sum(v is not None for v in unit) >= 2]
    if not pairable or len({v for unit in pairable for v in unit if v is not None}) < 2:
        return None
    return krippendorff.alpha(data, level_of_measurement=level, value_domain=STEPS)


@settings(max_examples=200, deadline=None)
@given(units_strategy)
def test_ordinal_alpha_is_the_krippendorff_packages(units):
    theirs = _package(units, "ordinal")
    ours = krippendorff_alpha(units, ordinal(STEPS))
    if theirs is None:
        assert ours is None
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(units_strategy)
def test_nominal_alpha_is_the_packages_and_the_token_alphas(units):
    theirs = _package(units, "nominal")
    ours = krippendorff_alpha(units, nominal)
    counted = {}
    for unit in units:
        present = tuple(v for v in unit if v is not None)
        counted[present] = counted.get(present, 0) + 1
    assert (ours is None) == (theirs is None) == (krippendorff_alpha_nominal(counted) is None)
    if ours is not None:
        assert ours == pytest.approx(theirs, abs=1e-9)
        assert ours == pytest.approx(krippendorff_alpha_nominal(counted), abs=1e-9)


def test_krippendorffs_worked_example_ordinal():
    """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C's data:
    the ordinal α the package computes (0.815), which the paper's interval α (0.849) and
    nominal α (0.743) bracket as they should."""
    m = None
    data = KRIPPENDORFF_2011_C
    units = list(zip(*data, strict=True))
    ours = krippendorff_alpha(units, ordinal([1, 2, 3, 4, 5]))
    reference = krippendorff.alpha(
        np.array([[np.nan if v is m else v for v in row] for row in data], float),
        level_of_measurement="ordinal",
    )
    assert ours == pytest.approx(reference, abs=1e-12)
    assert ours == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(units, nominal) == pytest.approx(0.743, abs=5e-4)


def test_jaccard_alpha_is_nominal_when_sets_never_overlap_and_counts_partial_overlap():
    a, b, c = frozenset({1}), frozenset({2}), frozenset()
    units = [(a, a), (a, b), (b, b), (c, a), (c, c)]
    as_names = [tuple(min(s, default=0) for s in unit) for unit in units]
    assert krippendorff_alpha(units, jaccard) == pytest.approx(
        krippendorff_alpha(as_names, nominal)
    )
    # Partial overlap, counted by hand: units ({1,2},{1}) and ({1},{1}).
    # Coincidences: each unit pairs its two values both ways, weight 1 each; n = 4.
    # Observed: δ({1,2},{1}) = 1 - 1/2 = 0.5, twice → 1.0.
    # Marginals: n_{1,2} = 1, n_{1} = 3; expected Σ n_c n_k δ = 2·1·3·0.5 = 3.0.
    # α = 1 - (n - 1)·observed / expected = 1 - 3·1.0/3.0 = 0.
    both, one = frozenset({1, 2}), frozenset({1})
    assert krippendorff_alpha([(both, one), (one, one)], jaccard) == pytest.approx(0.0)
    assert krippendorff_alpha([(one, one), (both, both)], jaccard) == pytest.approx(1.0)


def test_places_count_no_value_as_a_value_for_agreed_and_as_missing_for_alpha():
    actors_a = frozenset({(1, "source")})
    places = [
        [("likely", "moderate", actors_a), ("likely", "moderate", actors_a)],  # all agree
        [("likely", None, actors_a), (None, None, frozenset())],  # graded vs ungraded
        [
            ("unlikely", "high", actors_a),
            ("very_unlikely", "high", actors_a),
            (None, "high", actors_a),
        ],
    ]
    scores = {score.attribute: score for score in attribute_scores(places)}
    probability = scores["probability"]
    assert (probability.places, probability.agreed) == (3, 1)
    assert probability.percent == pytest.approx(1 / 3)
    # α ordinal over the graded values only: ("likely","likely") and ("unlikely","very_unlikely").
    expected = krippendorff_alpha(
        [("likely", "likely"), ("unlikely", "very_unlikely")],
        ordinal(["very_unlikely", "unlikely", "likely"]),
    )
    assert probability.alpha == pytest.approx(expected)
    assert scores["confidence"].agreed == 3  # None == None agrees; "high" thrice agrees
    assert scores["confidence"].alpha == pytest.approx(1.0)  # moderate twice, high thrice
    same = [[("likely", "low", actors_a)] * 2] * 3
    assert [s.alpha for s in attribute_scores(same)] == [None, None, None]  # no variation
    assert scores["actors"].agreed == 2 and scores["actors"].level == "jaccard"
    assert [s.places for s in attribute_scores([])] == [0, 0, 0]
    assert [s.percent for s in attribute_scores([])] == [None, None, None]
