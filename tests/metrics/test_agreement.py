"""The agreement figures on hand-made rows ``(article, user, label, start, end)``; every number
is worked out by hand from the method in ``annotations.metrics.agreement``'s docstring."""

import pytest

from annotations.metrics.agreement import AgreementCounts, figures, tally

ALICE, BOB, CAROL = 1, 2, 3
NAMES = {ALICE: "alice", BOB: "bob", CAROL: "carol"}
CLAIM, ACTOR = 10, 20
LABELS = {CLAIM: "Claim", ACTOR: "Actor"}  # the scheme's order


def agree(rows, *, done_marks=False, usernames=NAMES):
    counts = tally(sorted(rows, key=lambda row: row[0]), done_marks=done_marks)
    return figures(
        counts,
        usernames={pk: usernames[pk] for pk in counts.annotators},
        label_names=LABELS,
        basis="done" if done_marks else "spans",
    )


def only_pair(result):
    (pair,) = result.pairs
    return pair


def test_no_rows_give_no_annotators_and_no_figure():
    result = agree([])

    assert result.annotators == [] and result.pairs == [] and result.labels == []
    assert (result.matches, result.spans, result.f1) == (0, 0, None)


def test_one_annotator_is_named_but_makes_no_pair():
    result = agree([(1, ALICE, CLAIM, 0, 5), (2, ALICE, CLAIM, 3, 9)])

    assert result.annotators == ["alice"]
    assert result.pairs == [] and result.labels == [] and result.f1 is None


def test_exact_matches_pair_one_to_one():
    result = agree(
        [
            (1, ALICE, CLAIM, 0, 5),
            (1, ALICE, CLAIM, 10, 15),
            (1, BOB, CLAIM, 0, 5),
            (1, BOB, CLAIM, 20, 25),
        ]
    )

    pair = only_pair(result)
    assert (pair.annotator_a, pair.annotator_b, pair.articles) == ("alice", "bob", 1)
    assert (pair.spans_a, pair.spans_b, pair.matches) == (2, 2, 1)
    assert (pair.only_a, pair.only_b) == (1, 1)
    assert pair.f1 == 0.5  # 2·1 / (2 + 2)
    assert (pair.overlapping_a, pair.overlapping_b) == (1, 1)
    assert pair.relaxed_f1 == 0.5  # harmonic mean of 1/2 and 1/2


def test_relaxed_match_finds_overlaps_but_not_touching_ends():
    # alice's [0, 10) holds bob's [2, 4) and [6, 8); bob's [10, 12) only touches it.
    result = agree(
        [
            (1, ALICE, CLAIM, 0, 10),
            (1, BOB, CLAIM, 2, 4),
            (1, BOB, CLAIM, 6, 8),
            (1, BOB, CLAIM, 10, 12),
        ]
    )

    pair = only_pair(result)
    assert (pair.spans_a, pair.spans_b, pair.matches) == (1, 3, 0)
    assert pair.f1 == 0.0
    assert (pair.overlapping_a, pair.overlapping_b) == (1, 2)
    assert pair.relaxed_f1 == pytest.approx(0.8)  # harmonic mean of 1/1 and 2/3 = (4/3)/(5/3)


def test_an_exact_match_is_also_an_overlap_and_one_span_may_find_two():
    result = agree([(1, ALICE, CLAIM, 0, 10), (1, BOB, CLAIM, 0, 10), (1, BOB, CLAIM, 2, 3)])

    pair = only_pair(result)
    assert (pair.spans_a, pair.spans_b, pair.matches) == (1, 2, 1)
    assert pair.f1 == pytest.approx(2 / 3)  # 2·1 / 3
    assert (pair.overlapping_a, pair.overlapping_b) == (1, 2)
    assert pair.relaxed_f1 == 1.0  # every span of each is found


def test_an_annotators_own_overlapping_spans_find_nothing():
    result = agree([(1, ALICE, CLAIM, 0, 5), (1, ALICE, CLAIM, 3, 8), (1, BOB, CLAIM, 20, 25)])

    pair = only_pair(result)
    assert (pair.spans_a, pair.spans_b, pair.overlapping_a, pair.overlapping_b) == (2, 1, 0, 0)
    assert pair.relaxed_f1 == 0.0


def test_spans_match_only_within_a_label_and_are_given_per_label():
    result = agree([(1, ALICE, ACTOR, 0, 5), (1, ALICE, CLAIM, 7, 9), (1, BOB, ACTOR, 7, 9)])

    pair = only_pair(result)
    assert [(row.name, row.spans_a, row.spans_b, row.matches) for row in pair.labels] == [
        ("Claim", 1, 0, 0),  # in the scheme's order, not the rows'
        ("Actor", 1, 1, 0),
    ]
    assert (pair.spans_a, pair.spans_b, pair.matches, pair.f1) == (2, 1, 0, 0.0)
    assert (pair.overlapping_a, pair.overlapping_b, pair.relaxed_f1) == (0, 0, 0.0)
    assert [(label.name, label.pairs, label.spans, label.f1) for label in result.labels] == [
        ("Claim", 1, 1, 0.0),
        ("Actor", 1, 2, 0.0),
    ]


def test_only_the_articles_both_annotated_are_compared():
    result = agree(
        [
            (1, ALICE, CLAIM, 0, 5),
            (1, BOB, CLAIM, 0, 5),
            (2, ALICE, CLAIM, 0, 5),  # bob did not annotate article 2
            (3, BOB, CLAIM, 0, 5),  # nor alice article 3
        ]
    )

    pair = only_pair(result)
    assert (pair.articles, pair.spans_a, pair.spans_b, pair.matches, pair.f1) == (1, 1, 1, 1, 1.0)


def test_a_pair_is_answered_in_alphabetical_order_of_usernames_not_ids():
    names = {ALICE: "zoe", BOB: "adam"}
    result = agree(
        [(1, ALICE, CLAIM, 0, 5), (1, ALICE, CLAIM, 8, 9), (1, BOB, CLAIM, 0, 5)], usernames=names
    )

    pair = only_pair(result)
    assert (pair.annotator_a, pair.annotator_b) == ("adam", "zoe")
    assert (pair.spans_a, pair.spans_b, pair.matches) == (1, 2, 1)
    assert (pair.overlapping_a, pair.overlapping_b) == (1, 1)
    assert pair.labels[0].spans_a == 1 and pair.labels[0].spans_b == 2
    assert result.annotators == ["adam", "zoe"]


def test_three_annotators_are_pooled_over_every_pair():
    result = agree(
        [
            (1, ALICE, CLAIM, 0, 5),
            (1, BOB, CLAIM, 0, 5),
            (1, CAROL, CLAIM, 0, 5),
            (1, CAROL, CLAIM, 7, 9),
        ]
    )

    assert result.annotators == ["alice", "bob", "carol"]
    assert [(p.annotator_a, p.annotator_b, p.f1) for p in result.pairs] == [
        ("alice", "bob", 1.0),
        ("alice", "carol", pytest.approx(2 / 3)),
        ("bob", "carol", pytest.approx(2 / 3)),
    ]
    assert (result.matches, result.spans) == (3, 8)  # spans: 2 + 3 + 3
    assert result.f1 == 0.75  # 2·3 / 8, not the mean of the pairs' F1s
    (claim,) = result.labels
    assert (claim.pairs, claim.matches, claim.spans, claim.f1) == (3, 3, 8, 0.75)


def test_done_marks_decide_who_annotated_an_article():
    # A row without a label is a done mark; bob's span counts for nothing without one.
    rows = [
        (1, ALICE, None, None, None),
        (1, ALICE, CLAIM, 0, 5),
        (1, BOB, CLAIM, 0, 5),
        (1, CAROL, None, None, None),
    ]

    result = agree(rows, done_marks=True)

    assert result.annotators == ["alice", "carol"]
    pair = only_pair(result)
    assert (pair.annotator_a, pair.annotator_b, pair.articles) == ("alice", "carol", 1)
    assert (pair.spans_a, pair.spans_b, pair.matches, pair.f1) == (1, 0, 0, 0.0)

    by_spans = agree(rows)  # a null row still says its user annotated the article
    assert [(p.annotator_a, p.annotator_b, p.matches) for p in by_spans.pairs] == [
        ("alice", "bob", 1),
        ("alice", "carol", 0),
        ("bob", "carol", 0),
    ]


def test_a_pair_whose_shared_articles_hold_no_span_has_zero_counts_and_no_f1():
    result = agree([(1, ALICE, None, None, None), (1, BOB, None, None, None)], done_marks=True)

    pair = only_pair(result)
    assert (pair.articles, pair.spans_a, pair.spans_b, pair.labels) == (1, 0, 0, [])
    assert pair.f1 is None and pair.relaxed_f1 is None
    assert result.labels == [] and result.f1 is None


def test_counts_add_up():
    total = AgreementCounts(1, 2, 1, 1, 1)
    total.add(AgreementCounts(3, 0, 0, 0, 0))

    assert (total.spans_a, total.spans_b, total.matches) == (4, 2, 1)
    assert (total.only_a, total.only_b) == (3, 1)
    assert total.f1 == pytest.approx(1 / 3)  # 2·1 / 6
