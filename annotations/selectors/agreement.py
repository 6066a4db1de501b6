"""The rows inter-annotator agreement is computed from, and the project's figures; the method
is explained once, in ``annotations.metrics.agreement``. They read from the replica when there
is one (``annotations.replica``)."""

from itertools import groupby
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.db import models

from annotations.metrics import agreement, attributes, reliability
from annotations.metrics.agreement import ProjectAgreement
from annotations.models import Article, ArticleProgress, Label, Project, Span, SpanActor
from annotations.replica import replica_reads

from . import scope as selectors_scope
from .exports_pg import SPAN_FETCH_SIZE


class AgreementBasis(models.TextChoices):
    """Which articles count as annotated by a user, hence compared for a pair."""

    SPANS = "spans", "Articles on which the user has at least one span (of any label)"
    DONE = "done", "Articles the user has marked done"


def _span_rows(*, project: Project, article: int | None, only_user: int | None):
    """Every span of the project (gold ones too: the gold layer), ordered by article, as
    ``(article_id, user_id, label_id, start, end, id, gold, probability, confidence)``,
    streamed."""
    spans = Span.objects.filter(project=project).order_by("article_id")
    if article is not None:
        spans = spans.filter(article_id=article)
    rows = spans.values_list(
        "article_id",
        "annotator_id",
        "label_id",
        "start",
        "end",
        "id",
        "gold",
        "probability",
        "confidence",
    )
    for row in rows.iterator(chunk_size=SPAN_FETCH_SIZE):
        if only_user is None or row[1] == only_user or row[6]:
            yield row


def _done_marks(*, project: Project, article: int | None, only_user: int | None) -> dict:
    """``{article_id: {user_id}}`` of the done marks."""
    marks = ArticleProgress.objects.filter(
        article__project=project, done_at__isnull=False
    ).order_by()
    if article is not None:
        marks = marks.filter(article_id=article)
    if only_user is not None:
        marks = marks.filter(user_id=only_user)
    done: dict[int, set[int]] = {}
    for article_id, user in marks.values_list("article_id", "user_id"):
        done.setdefault(article_id, set()).add(user)
    return done


class _Bodies:
    """The project's article bodies by id, read in one stream in id order as they are asked
    for (in increasing id order)."""

    def __init__(self, project: Project, article: int | None):
        articles = Article.objects.filter(project=project).order_by("pk")
        if article is not None:
            articles = articles.filter(pk=article)
        self._rows = articles.values_list("pk", "body").iterator(chunk_size=200)
        self._row = None

    def get(self, pk: int) -> str | None:
        while self._row is None or self._row[0] < pk:
            self._row = next(self._rows, None)
            if self._row is None:
                return None
        return self._row[1] if self._row[0] == pk else None


@replica_reads()
def project_agreement(
    *,
    project: Project,
    basis: str = AgreementBasis.SPANS,
    label: int | None = None,
    article: int | None = None,
    user=None,
) -> ProjectAgreement:
    """Inter-annotator agreement on a project's spans: per pair of annotators and per label
    exact and relaxed F1 (``metrics.agreement``), κ per pair, α for the project and each
    annotator's exact F1 against the gold spans (``metrics.reliability``).

    ``basis`` says which articles count as annotated by a user (``AgreementBasis``); ``label``
    (a label id) restricts the spans compared, not the articles; ``article`` (an article id)
    restricts the articles. Gold spans never count as an annotator's work. ``user``: the
    reader; a blind project's annotator gets the figures of their own work only.

    One stream of the spans ordered by article, read through a server-side cursor on
    PostgreSQL and counted one article at a time, beside one stream of the bodies (an
    article's tokens are counted only when two or more annotated it); then the annotators'
    usernames and the label names; the done marks too with ``basis=done``. (A self-join in
    SQL was tried for F1: the overlap condition defeats the planner, which compares every
    pair of spans of an article, and probing the index per span and pair was 10 to 20 times
    slower than this at 400,000 spans.)
    """
    only_user = None
    if user is not None and selectors_scope.visible_annotator(project=project, user=user):
        only_user = user.pk  # a blind project's annotator: their own work only
    by_done = basis == AgreementBasis.DONE
    done = _done_marks(project=project, article=article, only_user=only_user) if by_done else {}
    counts = agreement.Tally()
    scores = reliability.Reliability()
    gold_tally = reliability.GoldTally()
    matched: list[list[tuple]] = []
    bodies = _Bodies(project, article)
    tallies = (counts, scores, gold_tally, matched)
    for article_id, rows in groupby(
        _span_rows(project=project, article=article, only_user=only_user), key=itemgetter(0)
    ):
        _count_article(article_id, list(rows), label, done, by_done, tallies, bodies)
    for article_id in sorted(set(done) - counts.seen):  # done, without a span on it
        _count_article(article_id, [], label, done, by_done, tallies, bodies)
    user_model = get_user_model()
    usernames = dict(
        user_model.objects.filter(pk__in=counts.annotators | gold_tally.annotators).values_list(
            "pk", user_model.USERNAME_FIELD
        )
    )
    label_names = dict(
        Label.objects.filter(project=project).order_by("order", "name").values_list("id", "name")
    )
    result = agreement.figures(
        counts,
        usernames=usernames,
        label_names=label_names,
        basis=basis,
        label=label,
        article=article,
    )
    ids = {name: pk for pk, name in usernames.items()}
    for pair in result.pairs:
        pair.kappa = scores.kappa(ids[pair.annotator_a], ids[pair.annotator_b])
    result.alpha = scores.alpha()
    result.gold = gold_tally.scores(usernames)
    result.attributes = attributes.attribute_scores(
        _with_actors(matched, project=project, article=article)
    )
    return result


def _with_actors(matched: list[list[tuple]], *, project: Project, article: int | None):
    """Each matched place's rows ``(probability, confidence, actors)``: the ``(id,
    probability, confidence)`` rows of ``matched`` with each span's set of (actor, role)
    links, read in one stream of the project's links to non-gold spans (a list of ids in the
    query costs more than reading the links that are not needed)."""
    if not matched:
        return []
    wanted = {row[0] for rows in matched for row in rows}
    links_of: dict[int, set] = {}
    links = SpanActor.objects.filter(span__project=project, span__gold=False).order_by()
    if article is not None:
        links = links.filter(span__article_id=article)
    for span_id, actor_id, role in links.values_list("span_id", "actor_id", "role").iterator(
        chunk_size=SPAN_FETCH_SIZE
    ):
        if span_id in wanted:
            links_of.setdefault(span_id, set()).add((actor_id, role))
    none = frozenset()
    return [
        [(p, c, frozenset(links_of[pk]) if pk in links_of else none) for pk, p, c in rows]
        for rows in matched
    ]


def _count_article(article_id, rows, label, done, by_done, tallies, bodies):
    """One article's rows into the tallies (see ``project_agreement``): F1's counts, κ and α's,
    the gold scores, and the places two or more annotators matched exactly."""
    counts, scores, gold_tally, matched = tallies
    counts.seen.add(article_id)
    spans: dict[int, list] = {}
    gold: set = set()
    has_gold = False
    places: dict[tuple, list] = {}
    for _, user, label_id, start, end, pk, is_gold, probability, confidence in rows:
        if is_gold:
            has_gold = True
            if label is None or label_id == label:
                gold.add((start, end, label_id))
            continue
        mine = spans.setdefault(user, [])
        if label is None or label_id == label:
            mine.append((start, end, label_id, pk))
            places.setdefault((start, end, label_id), []).append(
                (user, (pk, probability, confidence))
            )
    cover = done.get(article_id, set()) if by_done else set(spans)
    for place in places.values():
        rows_compared = [row for user, row in place if user in cover]
        if len(rows_compared) > 1:
            matched.append(rows_compared)
    # The tally's rows: the spans compared, and a null-label row for each annotator of the
    # article (their done mark, or their spans of other labels).
    tally_rows = [(user, None, None, None) for user in cover]
    for user, mine in spans.items():
        tally_rows.extend((user, label_id, start, end) for start, end, label_id, _ in mine)
    counts.add_article(tally_rows, done_marks=True)
    if len(cover) > 1:
        body = bodies.get(article_id)
        if body is not None:
            scores.add_article(body, {user: spans.get(user, []) for user in cover})
    if has_gold:
        gold_tally.add_article(
            {user: {row[:3] for row in mine} for user, mine in spans.items()}, gold
        )
