"""The rows inter-annotator agreement is computed from, and the project's figures; the method
is explained once, in ``annotations.metrics.agreement``."""

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import IntegerField, Value
from django.db.models.functions import Cast

from annotations.metrics import agreement
from annotations.metrics.agreement import ProjectAgreement
from annotations.models import ArticleProgress, Label, Project, Span

from .exports_pg import SPAN_FETCH_SIZE


class AgreementBasis(models.TextChoices):
    """Which articles count as annotated by a user, hence compared for a pair."""

    SPANS = "spans", "Articles on which the user has at least one span (of any label)"
    DONE = "done", "Articles the user has marked done"


def _agreement_rows(*, project: Project, basis: str, label: int | None, article: int | None):
    """The rows of ``metrics.agreement.tally``, ordered by article: the spans to compare, and
    rows with a null label that only say a user annotated the article (their done marks, or
    their spans of other labels when ``label`` filters)."""
    spans = Span.objects.filter(project=project).order_by()
    if article is not None:
        spans = spans.filter(article_id=article)
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
    """
    rows = _agreement_rows(project=project, basis=basis, label=label, article=article)
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
    return agreement.figures(
        counts,
        usernames=usernames,
        label_names=label_names,
        basis=basis,
        label=label,
        article=article,
    )
