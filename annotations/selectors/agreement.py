"""The rows inter-annotator agreement is computed from, and the project's figures; the method
is explained once, in ``annotations.metrics.agreement``."""

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import IntegerField, Value
from django.db.models.functions import Cast

from annotations.metrics import agreement, reliability
from annotations.metrics.agreement import ProjectAgreement
from annotations.models import Article, ArticleProgress, Label, Project, Span

from . import scope as selectors_scope
from .exports_pg import SPAN_FETCH_SIZE


class AgreementBasis(models.TextChoices):
    """Which articles count as annotated by a user, hence compared for a pair."""

    SPANS = "spans", "Articles on which the user has at least one span (of any label)"
    DONE = "done", "Articles the user has marked done"


def _agreement_rows(
    *, project: Project, basis: str, label: int | None, article: int | None, only_user: int | None
):
    """The rows of ``metrics.agreement.tally``, ordered by article: the spans to compare, and
    rows with a null label that only say a user annotated the article (their done marks, or
    their spans of other labels when ``label`` filters)."""
    spans = Span.objects.filter(project=project, gold=False).order_by()
    if article is not None:
        spans = spans.filter(article_id=article)
    if only_user is not None:
        spans = spans.filter(annotator_id=only_user)
    rows = spans.filter(label_id=label) if label is not None else spans
    rows = rows.values_list("article_id", "annotator_id", "label_id", "start", "end")
    null = Cast(Value(None), output_field=IntegerField())  # typed, or PostgreSQL says text
    nothing = {"no_label": null, "no_start": null, "no_end": null}
    if basis == AgreementBasis.DONE:
        marks = ArticleProgress.objects.filter(
            article__project=project, done_at__isnull=False
        ).order_by()
        if article is not None:
            marks = marks.filter(article_id=article)
        if only_user is not None:
            marks = marks.filter(user_id=only_user)
        markers = marks.annotate(**nothing).values_list("article_id", "user_id", *nothing)
    elif label is not None:
        markers = (
            spans.exclude(label_id=label)
            .annotate(**nothing)
            .values_list("article_id", "annotator_id", *nothing)
            .distinct()
        )
    else:
        markers = None
    if markers is not None:
        rows = rows.union(markers, all=True)
    return rows.order_by("article_id").iterator(chunk_size=SPAN_FETCH_SIZE)


def project_agreement(
    *,
    project: Project,
    basis: str = AgreementBasis.SPANS,
    label: int | None = None,
    article: int | None = None,
    user=None,
) -> ProjectAgreement:
    """Inter-annotator agreement on a project's spans, per pair of annotators and per label:
    the figures and the method are ``annotations.metrics.agreement``'s.

    ``basis`` says which articles count as annotated by a user (``AgreementBasis``); ``label``
    (a label id) restricts the spans compared, not the articles; ``article`` (an article id)
    restricts the articles.

    Three queries whatever the number of spans: one stream of the spans (and done marks)
    ordered by article, read through a server-side cursor on PostgreSQL and counted one
    article at a time, then the annotators' usernames and the label names. (A self-join
    in SQL was tried: the overlap condition defeats the planner, which compares every pair of
    spans of an article, and probing the index per span and pair was 10 to 20 times slower
    than this at 400,000 spans.)

    Then κ per pair, α for the project and each annotator's F1 against the gold spans
    (``metrics.reliability``): one more read of the spans, one of the gold spans and one of the
    bodies of the articles two or more annotators annotated, streamed. Gold spans never
    count as an annotator's work. ``user``: the reader; a blind project's annotator gets the
    figures of their own work only.
    """
    only_user = None
    if user is not None and selectors_scope.visible_annotator(project=project, user=user):
        only_user = user.pk  # a blind project's annotator: their own work only
    rows = _agreement_rows(
        project=project, basis=basis, label=label, article=article, only_user=only_user
    )
    counts = agreement.tally(rows, done_marks=basis == AgreementBasis.DONE)
    user_model = get_user_model()
    usernames = dict(
        user_model.objects.filter(pk__in=counts.annotators).values_list(
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
    spans, done, gold = _reliability_rows(
        project=project, basis=basis, label=label, article=article, only_user=only_user
    )
    scores = reliability.Reliability()
    for pk, body in (
        Article.objects.filter(pk__in=[pk for pk, users in done.items() if len(users) > 1])
        .order_by("pk")
        .values_list("pk", "body")
        .iterator(chunk_size=200)
    ):
        by_user = spans.get(pk, {})
        scores.add_article(body, {user: by_user.get(user, []) for user in done[pk]})
    ids = {name: pk for pk, name in usernames.items()}
    for pair in result.pairs:
        pair.kappa = scores.kappa(ids[pair.annotator_a], ids[pair.annotator_b])
    result.alpha = scores.alpha()
    places = {
        pk: {user: {row[:3] for row in rows} for user, rows in by_user.items()}
        for pk, by_user in spans.items()
    }
    missing = {user for by_user in places.values() for user in by_user} - set(usernames)
    if missing:
        usernames.update(
            user_model.objects.filter(pk__in=missing).values_list("pk", user_model.USERNAME_FIELD)
        )
    result.gold = reliability.gold_scores(places, gold, usernames)
    return result


def _reliability_rows(
    *, project: Project, basis: str, label: int | None, article: int | None, only_user
) -> tuple[dict, dict, dict]:
    """What κ, α and the gold scores are computed from, in three queries at most:
    ``spans[article][user]``, each annotator's non-gold spans ``(start, end, label, id)``
    (only ``label``'s, but every annotator with a span on the article, on the ``spans``
    basis, is listed); ``done[article]``, the annotators of each article by ``basis``; and
    ``gold[article]``, the gold places ``(start, end, label)`` of the articles with any."""
    spans: dict[int, dict[int, list]] = {}
    done: dict[int, set[int]] = {}
    rows = Span.objects.filter(project=project).order_by()
    if article is not None:
        rows = rows.filter(article_id=article)
    for article_id, user, label_id, start, end, pk, is_gold in rows.values_list(
        "article_id", "annotator_id", "label_id", "start", "end", "id", "gold"
    ).iterator(chunk_size=SPAN_FETCH_SIZE):
        if is_gold or (only_user is not None and user != only_user):
            continue
        by_user = spans.setdefault(article_id, {})
        mine = by_user.setdefault(user, [])
        if label is None or label_id == label:
            mine.append((start, end, label_id, pk))
    gold: dict[int, set] = {}
    golden = Span.objects.filter(project=project, gold=True).order_by()
    if article is not None:
        golden = golden.filter(article_id=article)
    for article_id, start, end, label_id in golden.values_list(
        "article_id", "start", "end", "label_id"
    ):
        places = gold.setdefault(article_id, set())
        if label is None or label_id == label:
            places.add((start, end, label_id))
    if basis == AgreementBasis.DONE:
        marks = ArticleProgress.objects.filter(
            article__project=project, done_at__isnull=False
        ).order_by()
        if article is not None:
            marks = marks.filter(article_id=article)
        if only_user is not None:
            marks = marks.filter(user_id=only_user)
        for article_id, user in marks.values_list("article_id", "user_id"):
            done.setdefault(article_id, set()).add(user)
    else:
        done = {pk: set(by_user) for pk, by_user in spans.items()}
    return spans, done, gold
