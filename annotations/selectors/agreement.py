"""The rows inter-annotator agreement is computed from, and the project's figures; the method
is explained once, in ``annotations.metrics.agreement``. They read from the replica when there
is one (``annotations.replica``)."""

from itertools import groupby
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Max, Min, Q

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


ID_CHUNK = 500  # ids per ``IN`` list when only some articles are read


def _by_articles(queryset, field: str, ids: list[int] | None):
    """``queryset`` restricted to the articles ``ids`` (sorted), a query per ``ID_CHUNK`` of
    them in that order; all of it, one query, when ``ids`` is None."""
    if ids is None:
        yield queryset
        return
    for first in range(0, len(ids), ID_CHUNK):
        yield queryset.filter(**{f"{field}__in": ids[first : first + ID_CHUNK]})


def _visible_spans(*, project: Project, article: int | None, only_user: int | None):
    """The project's spans the reader's figures count: gold ones too (the gold layer), and of
    a blind project's annotator only their own besides."""
    spans = Span.objects.filter(project=project)
    if article is not None:
        spans = spans.filter(article_id=article)
    if only_user is not None:
        spans = spans.filter(Q(gold=True) | Q(annotator_id=only_user))
    return spans


class _Work:
    """What the figures need read in full (see ``project_agreement``): an article that only
    one annotator covers (by the basis) adds that annotator to the tally's list and nothing
    else, so only the ``compared`` articles (two or more annotators) and those with a gold
    span are ``needed``; ``annotators``: every annotator the tally would list. ``every``: all
    of the project's articles with spans are needed, so they are read in one stream."""

    def __init__(self, *, spans, done: dict, by_done: bool):
        self.compared: set[int] = set()
        self.needed: set[int] = set()
        self.annotators: set[int] = set()
        if by_done:
            self._by_done(spans, done)
        else:
            self._by_spans(spans)

    def _by_spans(self, spans) -> None:
        """One aggregate of the spans by article: two annotators or more when the lowest id
        of an annotator is not the highest (``COUNT(DISTINCT)`` is not run in parallel)."""
        with_spans: set[int] = set()
        rows = (
            spans.order_by()
            .values("article_id")
            .annotate(
                low=Min("annotator_id", filter=Q(gold=False)),
                high=Max("annotator_id", filter=Q(gold=False)),
                golds=Count("pk", filter=Q(gold=True)),
            )
            .values_list("article_id", "low", "high", "golds")
        )
        for article_id, low, high, golds in rows:
            with_spans.add(article_id)
            if low != high:
                self.compared.add(article_id)
            elif low is not None:
                self.annotators.add(low)  # the others are in the spans read
            if low != high or golds:
                self.needed.add(article_id)
        self.every = with_spans <= self.needed

    def _by_done(self, spans, done: dict) -> None:
        """The done marks say who covers an article; the spans say only which articles have
        gold ones (from the partial index of the gold spans)."""
        self.annotators = set().union(*done.values())
        self.compared = {pk for pk, users in done.items() if len(users) > 1}
        golds = spans.filter(gold=True).order_by().values_list("article_id", flat=True)
        self.needed = self.compared | set(golds.distinct())
        self.every = False

    def ids(self, articles: set[int]) -> list[int] | None:
        """``articles`` sorted for ``_by_articles``, or None (all of them) when every article
        is needed."""
        return None if self.every else sorted(articles)


# The fields of a span's row, in ``_count_article``'s order.
SPAN_ROW = (
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


def _span_rows(spans, ids: list[int] | None):
    """The spans of the articles ``ids`` (None: all of ``spans``), ordered by article and id
    (the order the attributes' α sums its places in), as
    ``(article_id, user_id, label_id, start, end, id, gold, probability, confidence)``,
    streamed."""
    for part in _by_articles(spans.order_by("article_id", "id"), "article_id", ids):
        yield from part.values_list(*SPAN_ROW).iterator(chunk_size=SPAN_FETCH_SIZE)


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
    """The bodies of the articles ``ids`` (sorted) of the project, read in id order as they
    are asked for (in increasing id order)."""

    def __init__(self, project: Project, ids: list[int]):
        self._rows = (
            row
            for part in _by_articles(
                Article.objects.filter(project=project).order_by("pk"), "pk", ids
            )
            for row in part.values_list("pk", "body").iterator(chunk_size=200)
        )
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

    First what needs reading (``_Work``): an article that only one annotator covers (by the
    basis) and has no gold span adds its annotator to the list and nothing else, so it is not
    read; with ``basis=spans`` one aggregate of the spans by article says which, with
    ``basis=done`` the done marks and the articles with gold spans. Then one stream of the
    other articles' spans ordered by article (the whole project's in one query when every
    article with spans is needed, else a query per ``ID_CHUNK`` articles), through a
    server-side cursor on PostgreSQL and counted one article at a time, beside the bodies of
    the articles two or more annotated; then the annotators'
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
    spans = _visible_spans(project=project, article=article, only_user=only_user)
    work = _Work(spans=spans, done=done, by_done=by_done)
    counts = agreement.Tally()
    counts.annotators |= work.annotators
    scores = reliability.Reliability()
    gold_tally = reliability.GoldTally()
    matched: list[list[tuple]] = []
    matched_articles: set[int] = set()
    tallies = (counts, scores, gold_tally, matched)

    def count(article_id, rows, bodies):
        before = len(matched)
        _count_article(article_id, rows, label, done, by_done, tallies, bodies)
        if len(matched) > before:
            matched_articles.add(article_id)

    bodies = _Bodies(project, sorted(work.compared))
    for article_id, rows in groupby(_span_rows(spans, work.ids(work.needed)), key=itemgetter(0)):
        count(article_id, list(rows), bodies)
    # Done by two or more, without a span on it: their bodies, a second stream.
    unseen = sorted(work.compared - counts.seen)
    bodies = _Bodies(project, unseen)
    for article_id in unseen:
        count(article_id, [], bodies)
    return _figures(
        counts,
        scores,
        gold_tally,
        _with_actors(matched, project=project, article=article, ids=work.ids(matched_articles)),
        project=project,
        basis=basis,
        label=label,
        article=article,
    )


def _figures(counts, scores, gold_tally, matched_actors, *, project, basis, label, article):
    """The answer from the tallies: names for the ids, κ per pair, α, gold, attributes."""
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
    result.attributes = attributes.attribute_scores(matched_actors)
    return result


def _with_actors(
    matched: list[list[tuple]], *, project: Project, article: int | None, ids: list[int] | None
):
    """Each matched place's rows ``(probability, confidence, actors)``: the ``(id,
    probability, confidence)`` rows of ``matched`` with each span's set of (actor, role)
    links, read in one stream of the links to non-gold spans of the articles ``ids`` (None:
    the whole project's; a list of span ids in the query costs more than reading the links
    that are not needed)."""
    if not matched:
        return []
    wanted = {row[0] for rows in matched for row in rows}
    links_of: dict[int, set] = {}
    links = SpanActor.objects.filter(span__project=project, span__gold=False).order_by()
    if article is not None:
        links = links.filter(span__article_id=article)
    for part in _by_articles(links, "span__article_id", ids):
        for span_id, actor_id, role in part.values_list("span_id", "actor_id", "role").iterator(
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
