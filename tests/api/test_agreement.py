"""GET /api/v1/projects/{id}/agreement/: pairwise inter-annotator agreement on spans.

The figures below are worked out by hand from the spans each test lays down.
"""

import random
from itertools import combinations

import pytest
from django.contrib.auth import get_user_model

from annotations import services
from annotations.models import Label, Membership, Role

from ..api_helpers import API, client_for, other_project_objects  # noqa: F401
from ..factories import ArticleFactory, LabelFactory, ProjectFactory, SpanFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = "abcdefghij" * 10


def agreement(user, project, **params):
    return client_for(user).get(f"{API}projects/{project.pk}/agreement/", params)


def spans(annotator, article, *items):
    """``items`` are (start, end, label) triples of ``annotator`` on ``article``."""
    for start, end, label in items:
        SpanFactory(article=article, annotator=annotator, start=start, end=end, label=label)


def by_pair(data):
    return {(p["annotator_a"], p["annotator_b"]): p for p in data["pairs"]}


def by_label(rows):
    return {row["name"]: row for row in rows}


@pytest.fixture
def labels(project):
    # Label order: Assessment, Claim, Denial (same order value, then by name).
    return {
        name: LabelFactory(project=project, name=name) for name in ("Claim", "Assessment", "Denial")
    }


@pytest.fixture
def corpus(project, labels):
    """bob and alice, alice created second so her id is the larger; carol on some articles.

    a1: both alice and bob (and carol); a2: alice and bob; a3: alice and carol; a4: bob only.
    """
    bob = UserFactory(username="bob")
    alice = UserFactory(username="alice")
    carol = UserFactory(username="carol")
    asm, claim, denial = labels["Assessment"], labels["Claim"], labels["Denial"]
    a1, a2, a3, a4 = (ArticleFactory(project=project, body=BODY + str(i)) for i in range(4))
    spans(alice, a1, (0, 5, asm), (10, 15, asm), (20, 25, claim), (40, 45, denial))
    spans(bob, a1, (0, 5, asm), (10, 14, asm), (20, 25, claim), (30, 35, claim))
    spans(alice, a2, (0, 5, claim))
    spans(bob, a2, (0, 5, asm))  # same offsets, another label: no match, not even relaxed
    spans(alice, a3, (0, 5, asm))
    spans(bob, a4, (0, 5, claim))
    return {"alice": alice, "bob": bob, "carol": carol, "articles": (a1, a2, a3, a4)}


@pytest.fixture
def with_carol(corpus, labels):
    a1, _, a3, _ = corpus["articles"]
    carol = corpus["carol"]
    spans(carol, a1, (0, 5, labels["Assessment"]), (20, 25, labels["Claim"]))
    spans(carol, a3, (0, 5, labels["Assessment"]))
    return corpus


def test_two_annotators_exact_and_relaxed_per_label(corpus):
    response = agreement(corpus["alice"], corpus["alice"].memberships.get().project)

    assert response.status_code == 200
    data = response.json()
    assert data["annotators"] == ["alice", "bob"]
    assert data["basis"] == "spans"
    (pair,) = data["pairs"]
    # alphabetical, although bob's id is the smaller: every _a figure is alice's
    assert (pair["annotator_a"], pair["annotator_b"]) == ("alice", "bob")
    assert pair["articles"] == 2  # a1 and a2; a3 (alice only) and a4 (bob only) left out
    labels = by_label(pair["labels"])
    assert list(labels) == ["Assessment", "Claim", "Denial"]
    assessment = labels["Assessment"]
    # alice: a1 0-5, 10-15; bob: a1 0-5, 10-14, a2 0-5. One exact match (a1 0-5).
    assert (assessment["spans_a"], assessment["spans_b"], assessment["matches"]) == (2, 3, 1)
    assert (assessment["only_a"], assessment["only_b"]) == (1, 2)
    assert assessment["f1"] == pytest.approx(2 / 5)
    # relaxed: alice's two both overlap one of bob's; bob's a2 span has no Assessment of alice's
    assert (assessment["overlapping_a"], assessment["overlapping_b"]) == (2, 2)
    assert assessment["relaxed_f1"] == pytest.approx(2 * 1 * (2 / 3) / (1 + 2 / 3))
    claim = labels["Claim"]
    # alice: a1 20-25, a2 0-5; bob: a1 20-25, 30-35 (bob's a4 span is not compared)
    assert (claim["spans_a"], claim["spans_b"], claim["matches"]) == (2, 2, 1)
    assert claim["f1"] == pytest.approx(0.5)
    assert (claim["overlapping_a"], claim["overlapping_b"]) == (1, 1)
    assert claim["relaxed_f1"] == pytest.approx(0.5)
    denial = labels["Denial"]  # only alice uses it
    assert (denial["spans_a"], denial["spans_b"], denial["matches"]) == (1, 0, 0)
    assert (denial["only_a"], denial["only_b"]) == (1, 0)
    assert denial["f1"] == 0
    assert denial["relaxed_f1"] == 0
    # the pair's totals are the sums over labels
    assert (pair["spans_a"], pair["spans_b"], pair["matches"]) == (5, 5, 2)
    assert (pair["only_a"], pair["only_b"]) == (3, 3)
    assert pair["f1"] == pytest.approx(4 / 10)
    assert (pair["overlapping_a"], pair["overlapping_b"]) == (3, 3)
    assert pair["relaxed_f1"] == pytest.approx(0.6)
    assert (data["matches"], data["spans"]) == (2, 10)
    assert data["f1"] == pytest.approx(0.4)


def test_three_annotators_every_pair_and_pooled_labels(project, with_carol):
    data = agreement(with_carol["carol"], project).json()

    assert data["annotators"] == ["alice", "bob", "carol"]
    pairs = by_pair(data)
    assert list(pairs) == [("alice", "bob"), ("alice", "carol"), ("bob", "carol")]
    assert pairs["alice", "bob"]["f1"] == pytest.approx(0.4)  # carol changes nothing there

    alice_carol = pairs["alice", "carol"]
    assert alice_carol["articles"] == 2  # a1 and a3
    labels = by_label(alice_carol["labels"])
    assert [(n, r["spans_a"], r["spans_b"], r["matches"]) for n, r in labels.items()] == [
        ("Assessment", 3, 2, 2),
        ("Claim", 1, 1, 1),
        ("Denial", 1, 0, 0),
    ]
    assert labels["Assessment"]["f1"] == pytest.approx(4 / 5)
    assert labels["Claim"]["f1"] == pytest.approx(1.0)
    assert alice_carol["f1"] == pytest.approx(6 / 8)

    bob_carol = pairs["bob", "carol"]
    assert bob_carol["articles"] == 1  # a1 only: carol has nothing on a2, bob nothing on a3
    labels = by_label(bob_carol["labels"])
    assert [(n, r["spans_a"], r["spans_b"], r["matches"]) for n, r in labels.items()] == [
        ("Assessment", 2, 1, 1),
        ("Claim", 2, 1, 1),
    ]
    assert bob_carol["f1"] == pytest.approx(4 / 6)

    pooled = by_label(data["labels"])
    assert [(n, r["pairs"], r["matches"], r["spans"]) for n, r in pooled.items()] == [
        ("Assessment", 3, 4, 13),
        ("Claim", 3, 3, 9),
        ("Denial", 2, 0, 2),
    ]
    assert pooled["Assessment"]["f1"] == pytest.approx(8 / 13)
    assert (data["matches"], data["spans"]) == (7, 24)
    assert data["f1"] == pytest.approx(14 / 24)


def test_relaxed_match_is_half_open_and_needs_the_label(project, labels):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    article = ArticleFactory(project=project, body=BODY)
    asm = labels["Assessment"]
    # 0-10 touches 10-20 without sharing a code point; 30-60 holds both 32-35 and 40-45.
    spans(alice, article, (0, 10, asm), (30, 60, asm))
    spans(bob, article, (10, 20, asm), (32, 35, asm), (40, 45, asm))

    (pair,) = agreement(alice, project).json()["pairs"]

    assert pair["matches"] == 0
    assert (pair["overlapping_a"], pair["overlapping_b"]) == (1, 2)
    # found: 1 of alice's 2, 2 of bob's 3
    assert pair["relaxed_f1"] == pytest.approx(2 * (1 / 2) * (2 / 3) / (1 / 2 + 2 / 3))


def test_a_long_span_far_before_still_overlaps(project, labels):
    """The overlap probe looks back as far as the project's longest span."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    article = ArticleFactory(project=project, body=BODY)
    asm = labels["Assessment"]
    spans(alice, article, (0, 100, asm))
    spans(bob, article, (98, 99, asm), (3, 4, asm))

    (pair,) = agreement(alice, project).json()["pairs"]

    assert (pair["overlapping_a"], pair["overlapping_b"]) == (1, 2)


def _naive_pairs(spans, cover):
    """The figures by their definitions, comparing every span with every other:
    ``spans`` are (article, user, label, start, end), ``cover`` maps users to articles."""
    answer = {}
    for u, v in combinations(sorted(cover), 2):
        shared = cover[u] & cover[v]
        if not shared:
            continue
        pair = {"articles": len(shared), "labels": {}}
        for label in sorted({span[2] for span in spans}):
            mine, theirs = (
                [
                    (s[0], s[3], s[4])
                    for s in spans
                    if s[1] == who and s[2] == label and s[0] in shared
                ]
                for who in (u, v)
            )
            if not mine and not theirs:
                continue

            def found(x, others):
                return any(y[0] == x[0] and y[1] < x[2] and x[1] < y[2] for y in others)

            pair["labels"][label] = (
                len(mine),
                len(theirs),
                len(set(mine) & set(theirs)),
                sum(found(x, theirs) for x in mine),
                sum(found(y, mine) for y in theirs),
            )
        answer[u, v] = pair
    return answer


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_agree_with_a_naive_count_on_random_spans(project, labels, seed):
    rng = random.Random(seed)
    # ids in the reverse of alphabetical order, so that pairs must be turned round
    users = [UserFactory(username=name) for name in ("dora", "carl", "bea", "al")]
    for user in users:
        Membership.objects.create(project=project, user=user, role=Role.ANNOTATOR)
    articles = [ArticleFactory(project=project, body=f"{BODY} {i}") for i in range(5)]
    label_list = list(labels.values())
    spans_made, done = [], {user.username: set() for user in users}

    def random_span():
        start = rng.randrange(0, 40)
        return start, start + rng.randint(1, 12), rng.choice(label_list)

    for article in articles:
        # what there is to find in the article: most picks come from here, so some match
        pool = [random_span() for _ in range(6)]
        for user in users:
            if rng.random() < 0.3:
                continue
            if rng.random() < 0.7:
                done[user.username].add(article.pk)
                services.article_mark_done(article=article, user=user, done=True)
            keys = {rng.choice(pool) if rng.random() < 0.7 else random_span() for _ in range(6)}
            for start, end, label in keys:
                spans(user, article, (start, end, label))
                spans_made.append((article.pk, user.username, label.name, start, end))
    with_spans = {}
    for article_id, username, *_ in spans_made:
        with_spans.setdefault(username, set()).add(article_id)

    for basis, cover in [("spans", with_spans), ("done", {k: v for k, v in done.items() if v})]:
        data = agreement(users[0], project, basis=basis).json()
        expected = _naive_pairs(spans_made, cover)
        assert data["annotators"] == sorted(cover)
        got = {
            key: {
                "articles": pair["articles"],
                "labels": {
                    row["name"]: tuple(
                        row[f]
                        for f in ("spans_a", "spans_b", "matches", "overlapping_a", "overlapping_b")
                    )
                    for row in pair["labels"]
                },
            }
            for key, pair in by_pair(data).items()
        }
        assert got == expected, basis
        assert any(pair["matches"] for pair in data["pairs"])  # the data does exercise matches


# --- filters --------------------------------------------------------------------------------


def test_label_filter_restricts_the_spans_not_the_articles(project, corpus, labels):
    claim = labels["Claim"]

    data = agreement(corpus["alice"], project, label=claim.pk).json()

    assert data["label"] == claim.pk
    (pair,) = data["pairs"]
    assert pair["articles"] == 2
    assert [row["name"] for row in pair["labels"]] == ["Claim"]
    assert (pair["spans_a"], pair["spans_b"], pair["matches"]) == (2, 2, 1)
    assert [row["name"] for row in data["labels"]] == ["Claim"]


def test_a_label_nobody_used_keeps_the_pair_with_no_figures(project, corpus):
    unused = LabelFactory(project=project, name="Unused")

    (pair,) = agreement(corpus["alice"], project, label=unused.pk).json()["pairs"]

    assert pair["articles"] == 2
    assert (pair["spans_a"], pair["spans_b"], pair["matches"], pair["labels"]) == (0, 0, 0, [])
    assert pair["f1"] is None
    assert pair["relaxed_f1"] is None


def test_article_filter(project, with_carol):
    a1 = with_carol["articles"][0]

    data = agreement(with_carol["alice"], project, article=a1.pk).json()

    assert data["article"] == a1.pk
    pairs = by_pair(data)
    assert [p["articles"] for p in pairs.values()] == [1, 1, 1]
    assessment = by_label(pairs["alice", "bob"]["labels"])["Assessment"]
    assert (assessment["spans_a"], assessment["spans_b"], assessment["matches"]) == (2, 2, 1)


def test_done_basis_compares_the_articles_both_marked_done(project, corpus):
    a1, a2, a3, _ = corpus["articles"]
    alice, bob = corpus["alice"], corpus["bob"]
    dan = UserFactory(username="dan")  # found nothing to tag, but read a1 through
    Membership.objects.create(project=project, user=dan, role=Role.ANNOTATOR)
    for user, article in [(alice, a1), (alice, a2), (alice, a3), (bob, a1), (dan, a1)]:
        services.article_mark_done(article=article, user=user, done=True)
    services.article_mark_done(article=a2, user=bob, done=True)
    services.article_mark_done(article=a2, user=bob, done=False)  # no longer done

    data = agreement(alice, project, basis="done").json()

    assert data["basis"] == "done"
    assert data["annotators"] == ["alice", "bob", "dan"]
    pairs = by_pair(data)
    assert {key: p["articles"] for key, p in pairs.items()} == {
        ("alice", "bob"): 1,
        ("alice", "dan"): 1,
        ("bob", "dan"): 1,
    }
    alice_bob = pairs["alice", "bob"]  # a1 only now
    assert (alice_bob["spans_a"], alice_bob["spans_b"], alice_bob["matches"]) == (4, 4, 2)
    alice_dan = pairs["alice", "dan"]
    assert (alice_dan["spans_a"], alice_dan["spans_b"], alice_dan["f1"]) == (4, 0, 0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"basis": "maybe"}, "basis"),
        ({"label": "abc"}, "label"),
        ({"label": "0"}, "label"),
        ({"label": str(2**70)}, "label"),
        ({"label": "999999"}, "label"),
        ({"article": "x"}, "article"),
        ({"article": "-3"}, "article"),
        ({"article": "999999"}, "article"),
    ],
)
def test_bad_filters_answer_400_with_field_messages(annotator, project, params, field):
    response = agreement(annotator, project, **params)

    assert response.status_code == 400
    assert isinstance(response.json()[field], list)


def test_another_projects_label_or_article_is_refused(
    annotator,
    project,
    other_project_objects,  # noqa: F811
):
    hidden = other_project_objects
    assert agreement(annotator, project, label=hidden["label"].pk).status_code == 400
    assert agreement(annotator, project, article=hidden["article"].pk).status_code == 400


def test_a_relation_label_is_refused(annotator, project):
    relation = LabelFactory(project=project, name="Responds to", kind=Label.Kind.RELATION)

    response = agreement(annotator, project, label=relation.pk)

    assert response.status_code == 400
    assert "label" in response.json()


def test_blank_filters_are_no_filters(annotator, project):
    response = agreement(annotator, project, label="", article="", basis="")

    assert response.status_code == 200
    assert response.json()["basis"] == "spans"


# --- empty cases ----------------------------------------------------------------------------


ATTRIBUTE_LEVELS = (("probability", "ordinal"), ("confidence", "ordinal"), ("actors", "jaccard"))


def test_an_empty_project_answers_empty_lists(annotator, project):
    response = agreement(annotator, project)

    assert response.status_code == 200
    assert response.json() == {
        "basis": "spans",
        "label": None,
        "article": None,
        "annotators": [],
        "matches": 0,
        "spans": 0,
        "f1": None,
        "pairs": [],
        "labels": [],
        "alpha": None,
        "gold": [],
        "attributes": [
            {"attribute": a, "level": lv, "places": 0, "agreed": 0, "percent": None, "alpha": None}
            for a, lv in ATTRIBUTE_LEVELS
        ],
    }


def test_a_single_annotator_has_no_pair(annotator, project, label, article):
    SpanFactory(article=article, label=label, annotator=annotator, start=0, end=3)

    data = agreement(annotator, project).json()

    assert data["annotators"] == ["alice"]
    assert (data["pairs"], data["labels"], data["f1"]) == ([], [], None)


# --- who may read it ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER])
def test_every_member_may_read_it(make_member, project, corpus, role):
    member = make_member(role, username=f"member-{role}")

    response = agreement(member, project)

    assert response.status_code == 200
    assert len(response.json()["pairs"]) == 1


def test_a_superuser_may_read_any_project(project, corpus):
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw")

    assert agreement(root, project).status_code == 200


def test_a_non_member_gets_404(outsider, project, corpus):
    response = agreement(outsider, project)

    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_missing_project_gets_404(annotator):
    response = client_for(annotator).get(f"{API}projects/999999/agreement/")

    assert response.status_code == 404


def test_signed_out_is_refused(project):
    assert agreement(None, project).status_code in (401, 403)


def test_other_projects_spans_do_not_count(project, corpus, labels):
    """The same users annotating another project do not add to this one's figures."""
    other = ProjectFactory(name="Other")
    label = LabelFactory(project=other, name="Assessment")
    article = ArticleFactory(project=other, body=BODY)
    for user in (corpus["alice"], corpus["bob"]):
        spans(user, article, (0, 5, label))

    (pair,) = agreement(corpus["alice"], project).json()["pairs"]

    assert (pair["articles"], pair["matches"]) == (2, 2)


# --- queries --------------------------------------------------------------------------------


def _grow(project, labels, *, annotators, articles, per_article):
    """Every annotator tags ``per_article`` spans on each of ``articles`` new articles: the
    even ones at the same place (exact matches), the odd ones shifted for every other user."""
    users = [UserFactory() for _ in range(annotators)]
    label_list = list(labels.values())
    for _ in range(articles):
        article = ArticleFactory(project=project, body=f"{BODY} {project.articles.count()}")
        for n, user in enumerate(users):
            for k in range(per_article):
                start = 2 * k + (n % 2) * (k % 2)
                spans(user, article, (start, start + 2, label_list[k % len(label_list)]))
    return users


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # project, the spans' aggregate by article, the stream of spans (gold ones too; every
        # article is compared here, so one stream, no list of ids), the stream of bodies,
        # usernames, label names, the actor links of the spans matched exactly
        ({}, 7),
        # ... and one to check each filter belongs to the project
        ({"label": True, "article": True}, 9),
    ],
)
def test_query_count_is_constant(
    django_assert_num_queries, annotator, project, labels, params, queries
):
    def request():
        query = {}
        if params.get("label"):
            query["label"] = labels["Claim"].pk
        if params.get("article"):
            query["article"] = project.articles.order_by("id").first().pk
        with django_assert_num_queries(queries):
            response = agreement(annotator, project, **query)
        assert response.status_code == 200
        return response.json()

    _grow(project, labels, annotators=2, articles=1, per_article=2)
    few = request()
    _grow(project, labels, annotators=4, articles=5, per_article=12)
    many = request()

    assert len(few["annotators"]) == 2
    assert len(many["annotators"]) == (2 if params.get("article") else 6)
    if not params:
        assert len(many["pairs"]) == 1 + 6  # the first two, and the four new ones' pairs
        assert many["spans"] > few["spans"]


def test_the_answer_has_exactly_the_documented_fields(project, corpus):
    schemas = client_for().get(API + "schema/?format=json").json()["components"]["schemas"]
    data = agreement(corpus["alice"], project).json()
    pair = data["pairs"][0]

    for component, answer in [
        ("Agreement", data),
        ("AgreementPair", pair),
        ("AgreementLabel", pair["labels"][0]),
        ("AgreementLabelPooled", data["labels"][0]),
    ]:
        documented = schemas[component]
        assert set(documented["properties"]) == set(answer), component
        assert set(documented["required"]) == set(answer), component


# --- attributes of matched spans --------------------------------------------------------------


def test_attributes_compare_the_grades_and_actors_of_exact_matches(project, corpus, labels):
    """On a1 alice and bob match at (0, 5, Assessment) and (20, 25, Claim); a2 has no match."""
    from annotations.models import Span, SpanActor

    from ..factories import ActorFactory

    alice, bob = corpus["alice"], corpus["bob"]
    a1 = corpus["articles"][0]

    def at(user, start):
        return Span.objects.get(article=a1, annotator=user, start=start)

    Span.objects.filter(pk=at(alice, 0).pk).update(probability="likely", confidence="high")
    Span.objects.filter(pk=at(bob, 0).pk).update(probability="unlikely", confidence="high")
    Span.objects.filter(pk=at(alice, 20).pk).update(probability="likely")  # bob's: ungraded
    putin = ActorFactory()
    for span in (at(alice, 0), at(bob, 0), at(alice, 20)):
        SpanActor.objects.create(span=span, actor=putin, role="source")

    data = agreement(alice, project).json()

    scores = {row["attribute"]: row for row in data["attributes"]}
    assert scores["probability"]["places"] == 2
    assert scores["probability"]["agreed"] == 0  # likely/unlikely, likely/ungraded
    assert scores["probability"]["percent"] == 0
    assert scores["probability"]["alpha"] == 0  # one graded pair, and it differs
    assert scores["confidence"]["agreed"] == 2  # high/high; none/none
    assert scores["actors"]["agreed"] == 1  # same source at 0; {putin} against {} at 20
    assert scores["actors"]["level"] == "jaccard"
    # A label filter narrows the places to that label's.
    narrowed = agreement(alice, project, label=labels["Claim"].pk).json()["attributes"]
    assert [row["places"] for row in narrowed] == [1, 1, 1]
