"""selectors.project_agreement reads only the articles its figures need (two or more
annotators by the basis, or a gold span): held to the full stream of every span it replaced,
on varied corpora, and a one-annotator project streams no span at all."""

import random
from itertools import groupby
from operator import itemgetter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotations.metrics import agreement, reliability
from annotations.models import ArticleProgress, Role, Span, SpanActor
from annotations.selectors import agreement as selector
from annotations.selectors.agreement import AgreementBasis, project_agreement

from ..factories import ActorFactory, ArticleFactory, LabelFactory

pytestmark = pytest.mark.django_db

WORDS = ("ISW", "assesses", "that", "Belarus", "involvement", "in", "the", "war", "remains")
PROBABILITIES = (None, "likely", "unlikely")


def full_stream(*, project, basis=AgreementBasis.SPANS, label=None, article=None, user=None):
    """The read the aggregate replaced: every span of the project counted one article at a
    time (``_count_article``), every body and every link at hand."""
    only_user = None
    if user is not None and selector.selectors_scope.visible_annotator(project=project, user=user):
        only_user = user.pk
    by_done = basis == AgreementBasis.DONE
    done = (
        selector._done_marks(project=project, article=article, only_user=only_user)
        if by_done
        else {}
    )
    spans = Span.objects.filter(project=project).order_by("article_id", "id")
    if article is not None:
        spans = spans.filter(article_id=article)
    rows = [
        row
        for row in spans.values_list(*selector.SPAN_ROW)
        if only_user is None or row[1] == only_user or row[6]
    ]
    bodies = dict(project.articles.values_list("pk", "body"))
    counts, scores = agreement.Tally(), reliability.Reliability()
    gold_tally, matched = reliability.GoldTally(), []
    tallies = (counts, scores, gold_tally, matched)
    for article_id, group in groupby(rows, key=itemgetter(0)):
        selector._count_article(article_id, list(group), label, done, by_done, tallies, bodies)
    for article_id in sorted(set(done) - counts.seen):
        selector._count_article(article_id, [], label, done, by_done, tallies, bodies)
    links = {}
    for span_id, actor_id, role in SpanActor.objects.values_list("span_id", "actor_id", "role"):
        links.setdefault(span_id, set()).add((actor_id, role))
    places = [[(p, c, frozenset(links.get(pk, ()))) for pk, p, c in rows] for rows in matched]
    return selector._figures(
        counts,
        scores,
        gold_tally,
        places,
        project=project,
        basis=basis,
        label=label,
        article=article,
    )


def fill(project, make_member, *, annotators, articles, seed, gold=True, done=True):
    """A random corpus: each article annotated by 0 to ``annotators`` of them (often one),
    spans on shared word boundaries so that some match, graded and linked at random; gold
    spans on some articles, done marks on some (with and without spans)."""
    rng = random.Random(seed)
    users = [make_member(Role.ANNOTATOR, username=f"ann{seed}-{i}") for i in range(annotators)]
    labels = [LabelFactory(project=project, name=f"L{i}") for i in range(3)]
    actors = [ActorFactory() for _ in range(3)]
    starts = [0]
    for word in WORDS[:-1]:
        starts.append(starts[-1] + len(word) + 1)
    body = " ".join(WORDS)
    spans, links, marks = [], [], []
    for n in range(articles):
        item = ArticleFactory(project=project, body=f"{body} {n}.")
        who = rng.sample(users, min(annotators, rng.choice([0, 1, 1, 1, 2, annotators])))
        for user in who:
            for i in rng.sample(range(len(WORDS)), rng.randint(0, 4)):
                spans.append(_span(item, user, rng.choice(labels), starts[i], WORDS[i], rng))
        if gold and rng.random() < 0.25:
            i = rng.randrange(len(WORDS))
            spans.append(_span(item, users[0], rng.choice(labels), starts[i], WORDS[i], rng, True))
        if done:
            for user in rng.sample(users, min(annotators, rng.choice([0, 0, 1, 2, annotators]))):
                marks.append(ArticleProgress(article=item, user=user, done_at=timezone.now()))
    spans = Span.objects.bulk_create(spans)
    for span in spans:
        for actor in rng.sample(actors, rng.choice([0, 0, 1, 2])):
            links.append(SpanActor(span=span, actor=actor, role="mentioned"))
    SpanActor.objects.bulk_create(links)
    ArticleProgress.objects.bulk_create(marks)
    return users, labels


def _span(article, user, label, start, word, rng, gold=False):
    return Span(
        article=article,
        project=article.project,
        annotator=user,
        label=label,
        start=start,
        end=start + len(word),
        text=word,
        gold=gold,
        probability=rng.choice(PROBABILITIES),
        confidence=rng.choice((None, "low", "high")),
    )


def same(project, **kwargs):
    new, old = project_agreement(project=project, **kwargs), full_stream(project=project, **kwargs)
    assert new == old
    return new


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("basis", [AgreementBasis.SPANS, AgreementBasis.DONE])
def test_the_same_figures_as_the_full_stream(project, make_member, basis, seed):
    users, labels = fill(project, make_member, annotators=3, articles=30, seed=seed)
    result = same(project, basis=basis)
    assert result.pairs and result.gold  # a corpus with something to compare
    same(project, basis=basis, label=labels[1].pk)
    first = project.articles.order_by("pk").first().pk
    same(project, basis=basis, article=first)
    project.blind = True
    project.save(update_fields=["blind"])
    blind = same(project, basis=basis, user=users[1])
    assert blind.pairs == [] and {s.annotator for s in blind.gold} <= {users[1].username}
    same(project, basis=basis, user=users[1], label=labels[0].pk)


@pytest.mark.parametrize("basis", [AgreementBasis.SPANS, AgreementBasis.DONE])
def test_a_few_articles_read_in_chunks(project, make_member, basis, monkeypatch):
    """Some articles skipped, so the ones read are named in lists of ``ID_CHUNK`` ids."""
    monkeypatch.setattr(selector, "ID_CHUNK", 3)
    fill(project, make_member, annotators=2, articles=40, seed=7)
    assert same(project, basis=basis).pairs


@pytest.mark.parametrize("basis", [AgreementBasis.SPANS, AgreementBasis.DONE])
def test_one_annotator(project, make_member, basis):
    users, _ = fill(project, make_member, annotators=1, articles=15, seed=4, gold=False)
    result = same(project, basis=basis)
    assert result.annotators == [users[0].username] and result.pairs == []


def _span_reads(queries):
    return [q["sql"] for q in queries if '"annotations_span"."start"' in q["sql"]]


@pytest.mark.parametrize("basis", [AgreementBasis.SPANS, AgreementBasis.DONE])
def test_a_one_annotator_project_streams_no_span(project, make_member, basis):
    users, labels = fill(project, make_member, annotators=1, articles=20, seed=5, gold=False)
    with CaptureQueriesContext(connection) as queries:
        result = project_agreement(project=project, basis=basis)
    assert result.annotators == [users[0].username]
    assert _span_reads(queries.captured_queries) == []
    assert not any("annotations_spanactor" in q["sql"] for q in queries.captured_queries)
    assert not any('"annotations_article"."body"' in q["sql"] for q in queries.captured_queries)
    # A second annotator on one article: that article's spans, and only those, are read.
    other = make_member(Role.ANNOTATOR, username="second")
    article = project.articles.order_by("pk").last()
    Span.objects.bulk_create([_span(article, other, labels[0], 0, "ISW", random.Random(0))])
    ArticleProgress.objects.bulk_create(
        ArticleProgress(article=article, user=user, done_at=timezone.now())
        for user in (users[0], other)
        if not ArticleProgress.objects.filter(article=article, user=user).exists()
    )
    with CaptureQueriesContext(connection) as queries:
        result = project_agreement(project=project, basis=basis)
    [read] = _span_reads(queries.captured_queries)
    assert f"IN ({article.pk})" in read
    assert result == full_stream(project=project, basis=basis)
    assert "second" in result.annotators and result.pairs


def test_done_by_two_without_a_span_counts_its_tokens(project, make_member):
    """An article two annotators marked done without a span is compared with ``basis=done``
    (its tokens agree on "no category"), also when its id is below an article read before
    it (the former read's one stream of bodies had passed it and left it out)."""
    ann, ben = (make_member(Role.ANNOTATOR, username=name) for name in ("ann", "ben"))
    claim = LabelFactory(project=project, name="Claim")
    empty = ArticleFactory(project=project, body="Nothing to tag here at all.")
    tagged = ArticleFactory(project=project, body="ISW assesses that it is unlikely.")
    rng = random.Random(0)
    Span.objects.bulk_create(
        [_span(tagged, ann, claim, 0, "ISW", rng), _span(tagged, ben, claim, 4, "assesses", rng)]
    )
    ArticleProgress.objects.bulk_create(
        ArticleProgress(article=item, user=user, done_at=timezone.now())
        for item in (empty, tagged)
        for user in (ann, ben)
    )
    result = project_agreement(project=project, basis=AgreementBasis.DONE)
    # tagged: 7 tokens, ann's (Claim, -, -, ...) against ben's (-, Claim, -, ...); empty: 7
    confusion = {(claim.pk, None): 1, (None, claim.pk): 1, (None, None): 5 + 7}
    assert result.pairs[0].articles == 2
    assert result.pairs[0].kappa == reliability.cohen_kappa(confusion)
    assert result.pairs[0].kappa != reliability.cohen_kappa({**confusion, (None, None): 5})
