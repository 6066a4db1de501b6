"""projects/{id}/agreement/: κ per pair, α for the project, F1 against gold, ?label=."""

import re

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotations import services
from annotations.models import Role

from ..api_helpers import API, client_for
from ..factories import ArticleFactory, LabelFactory, SpanFactory

pytestmark = pytest.mark.django_db

BODIES = [
    "ISW assesses that Belarus' involvement in the war remains unlikely, for now.",
    "Peskov said such speculations are baseless and stupid; Russia denies it.",
]


def token_categories(body, spans, label=None):
    """The SPEC's definition, written plainly: the reference for the service's figures."""
    found = []
    for match in re.finditer(r"\w+|[^\w\s]", body):
        covering = [
            s
            for s in spans
            if s.start <= match.start() < s.end and (label is None or s.label_id == label)
        ]
        covering.sort(key=lambda s: (-(s.end - s.start), s.start, s.pk))
        found.append(covering[0].label_id if covering else 0)
    return found


@pytest.fixture
def setup(project, reviewer, make_member):
    users = [make_member(Role.ANNOTATOR, username=name) for name in ("ann", "ben", "cat")]
    claim, denial = (
        LabelFactory(project=project, name="Claim"),
        LabelFactory(project=project, name="Denial"),
    )
    first, second = (ArticleFactory(project=project, body=body) for body in BODIES)
    plan = {
        # article 1: ann and ben agree on one span, cat differs in label; ann adds one
        (first, "ann"): [(18, 25, claim), (41, 48, denial)],
        (first, "ben"): [(18, 25, claim), (0, 3, claim)],
        (first, "cat"): [(18, 25, denial)],
        # article 2: only ann and ben
        (second, "ann"): [(0, 6, claim), (55, 61, denial)],
        (second, "ben"): [(0, 11, claim)],
    }
    names = {user.username: user for user in users}
    spans = {}
    for (article, name), items in plan.items():
        spans[article.pk, name] = [
            SpanFactory(article=article, annotator=names[name], label=label, start=s, end=e)
            for s, e, label in items
        ]
    gold = services.span_promote(span=spans[first.pk, "ann"][0], user=reviewer)
    return {
        "project": project,
        "articles": (first, second),
        "spans": spans,
        "labels": (claim, denial),
        "gold": gold,
    }


def reference(setup, label=None):
    first, second = setup["articles"]
    spans = setup["spans"]
    kappa = {}
    for a, b in (("ann", "ben"), ("ann", "cat"), ("ben", "cat")):
        xs, ys = [], []
        for article in (first, second):
            if (article.pk, a) in spans and (article.pk, b) in spans:
                xs += token_categories(article.body, spans[article.pk, a], label)
                ys += token_categories(article.body, spans[article.pk, b], label)
        kappa[a, b] = cohen_kappa_score(xs, ys)
    rows = {name: [] for name in ("ann", "ben", "cat")}
    for article in (first, second):
        size = len(re.findall(r"\w+|[^\w\s]", article.body))
        for name in rows:
            if (article.pk, name) in spans:
                rows[name] += token_categories(article.body, spans[article.pk, name], label)
            else:
                rows[name] += [np.nan] * size
    alpha = krippendorff.alpha(
        reliability_data=np.array(list(rows.values()), dtype=float),
        level_of_measurement="nominal",
    )
    return kappa, alpha


@pytest.mark.parametrize("by_label", [False, True])
def test_kappa_and_alpha_are_the_reference_packages(setup, reviewer, by_label):
    label = setup["labels"][0].pk if by_label else None
    query = f"?label={label}" if label else ""
    response = client_for(reviewer).get(f"{API}projects/{setup['project'].pk}/agreement/{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    kappa, alpha = reference(setup, label)
    assert body["annotators"] == ["ann", "ben", "cat"]  # rita's gold span is no one's work
    for pair in body["pairs"]:
        assert pair["kappa"] == pytest.approx(kappa[pair["annotator_a"], pair["annotator_b"]])
    assert body["alpha"] == pytest.approx(alpha)


def test_f1_against_gold(setup, reviewer):
    body = client_for(reviewer).get(f"{API}projects/{setup['project'].pk}/agreement/").json()
    # Gold is on article 1 only: ann 1 of 2 spans, ben 1 of 2, cat 0 of 1 (other label).
    assert body["gold"] == [
        {"annotator": "ann", "articles": 1, "spans": 2, "gold_spans": 1, "matches": 1,
         "f1": pytest.approx(2 / 3)},
        {"annotator": "ben", "articles": 1, "spans": 2, "gold_spans": 1, "matches": 1,
         "f1": pytest.approx(2 / 3)},
        {"annotator": "cat", "articles": 1, "spans": 1, "gold_spans": 1, "matches": 0,
         "f1": 0.0},
    ]  # fmt: skip


def test_no_variation_is_null(project, annotator, make_member, label):
    other = make_member(Role.ANNOTATOR, username="bob")
    article = ArticleFactory(project=project, body="Same words here.")
    for user in (annotator, other):
        SpanFactory(article=article, annotator=user, label=label, start=0, end=16)
    body = client_for(annotator).get(f"{API}projects/{project.pk}/agreement/").json()
    assert body["pairs"][0]["kappa"] is None
    assert body["alpha"] is None
