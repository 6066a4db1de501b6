"""The review queue: reviewers and managers accept or reject spans."""

from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Greatest, Substr
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from .. import services
from ..forms import ReviewFilterForm
from ..models import Article, Span, SpanStatus
from ..permissions import can_review
from .common import (
    filter_spans,
    label_and_annotator_choices,
    posted_version,
    user_project_for,
    whole_number,
)
from .errors import catch_refusal, error_response

REVIEW_PER_PAGE = 50
REVIEW_CONTEXT = 60  # characters of the body shown on each side of a span
REVIEW_FIELDS = (
    *("id", "start", "end", "text", "status", "version", "probability", "confidence", "note"),
    *("label__name", "label__color", "annotator__username"),
    *("article__id", "article__title", "article__project_id"),
)


def _review_project(request, slug):
    return user_project_for(
        request,
        slug,
        may=can_review,
        refusal="Only a reviewer or manager of the project reviews its spans.",
    )


def _review_spans(project, spans=None):
    """The project's spans (or ``spans`` of them) with what a review row shows: label,
    annotator, article title and the body around the span, sliced in the database (never
    a whole body in Python)."""
    body = "article__body"
    before_from = Greatest(F("start") - REVIEW_CONTEXT, Value(0))
    return (
        (Span.objects.filter(project=project) if spans is None else spans)
        .select_related("label", "annotator", "article")
        .only(*REVIEW_FIELDS)
        .annotate(
            before=Substr(body, before_from + 1, F("start") - before_from),
            after=Substr(body, F("end") + 1, REVIEW_CONTEXT),
        )
    )


def _review_counts(project) -> list[tuple[str, str, int]]:
    """``(status, its name, spans)`` for each status of the project's spans: one query."""
    counts = dict(
        Span.objects.filter(project=project)
        .order_by()
        .values_list("status")
        .annotate(n=Count("*"))  # from the (project, status) index alone
        .values_list("status", "n")
    )
    return [(value, text, counts.get(value, 0)) for value, text in SpanStatus.choices]


def _review_row(request, project, span, *, error: str = "", status: int = 200) -> HttpResponse:
    """The span's row, and the counts per status (out of band) after a change."""
    row = render_to_string(
        "annotations/partials/review/review_row.html",
        {"project": project, "span": span, "error": error},
        request,
    )
    if not error:
        # The queue's status filter, as the page's address holds it, stays marked.
        query = parse_qs(urlsplit(request.htmx.current_url or "").query)
        picked = {"status": query.get("status", [SpanStatus.PENDING])[0]}
        row += render_to_string(
            "annotations/partials/review/review_counts.html",
            {"counts": _review_counts(project), "picked": picked, "oob": True},
            request,
        )
    return HttpResponse(row, status=status)


@login_required
@require_safe
@vary_on_headers("HX-Request", "HX-Target")
def project_review(request, slug):
    """Reviewers and managers accept or reject spans: a queue with the text around each."""
    project = _review_project(request, slug)
    labels, annotators = label_and_annotator_choices(project)
    form = ReviewFilterForm(request.GET, labels=labels, annotators=annotators)
    picked = form.picked()
    queue = filter_spans(Span.objects.filter(project=project), picked)
    counts = _review_counts(project)
    if any(value for name, value in picked.items() if name != "status"):
        total = queue.count()  # the spans alone: no join to the articles a row shows
    else:  # a status, or none: the counts per status already tell
        total = sum(n for value, _, n in counts if picked["status"] in ("", value))
    spans = _review_spans(project, queue)
    # Keyset pages: spans after the last one shown, in the queue's order. A page number would
    # skip spans once those of the page before are accepted and leave a filtered queue.
    after = form.after_key()
    if after is not None:
        a, st, en, pk = after
        spans = spans.filter(
            Q(article_id__gt=a)
            | Q(article_id=a, start__gt=st)
            | Q(article_id=a, start=st, end__gt=en)
            | Q(article_id=a, start=st, end=en, id__gt=pk)
        )
    rows = list(spans.order_by("article_id", "start", "end", "id")[: REVIEW_PER_PAGE + 1])
    rows, more = rows[:REVIEW_PER_PAGE], len(rows) > REVIEW_PER_PAGE
    query = {k: v for k, v in picked.items() if v}
    base = {**query, "status": picked["status"]}
    last = rows[-1] if rows else None
    context = {
        "project": project,
        "spans": rows,
        "total": total,
        "first_query": urlencode(base) if after is not None else "",
        "next_query": urlencode(
            {**base, "after": f"{last.article_id}-{last.start}-{last.end}-{last.pk}"}
        )
        if more
        else "",
        "labels": labels,
        "annotators": annotators,
        "statuses": SpanStatus.choices,
        "counts": counts,
        "picked": picked,
        # A label or an annotator picked in the pending queue: accept (or reject) all of
        # theirs on an article at once.
        "bulk_articles": _bulk_articles(picked, rows),
        "bulk_query": urlencode(base),
    }
    if request.htmx and request.htmx.target == "review-queue":
        return render(request, "annotations/partials/review/review_queue.html", context)
    return render(request, "annotations/project_review.html", context)


@login_required
@require_POST
def span_review(request, slug, span_id):
    """Set one span's status from the review queue; answers its row (or the row and why not)."""
    project = _review_project(request, slug)
    span = get_object_or_404(_review_spans(project), pk=span_id)
    status, version = request.POST.get("status", ""), posted_version(request)
    with catch_refusal() as refused:
        services.span_update(span=span, user=request.user, version=version, status=status)
    if refused:
        if not request.htmx:  # a page saying why, rather than a bare row
            queue = reverse("annotations:project-review", args=[project.slug])
            return error_response(request, refused.message, refused.status, back=queue)
        span = get_object_or_404(_review_spans(project), pk=span_id)
        return _review_row(request, project, span, error=refused.message, status=refused.status)
    if not request.htmx:
        return redirect(reverse("annotations:project-review", args=[project.slug]))
    span = get_object_or_404(_review_spans(project), pk=span_id)
    return _review_row(request, project, span)


def _bulk_articles(picked: dict, rows: list) -> list[tuple[int, str]]:
    """The articles of the page, when the pending queue is filtered by label or annotator."""
    if picked["status"] != SpanStatus.PENDING or not (
        picked.get("label") or picked.get("annotator")
    ):
        return []
    return list(dict.fromkeys((span.article.id, span.article.title) for span in rows))


@login_required
@require_POST
def review_bulk(request, slug):
    """Accept (or reject) every pending span of the picked label and/or annotator on one
    article (``services.spans_review_bulk``), then back to the queue."""
    project = _review_project(request, slug)
    article = get_object_or_404(
        Article.objects.defer("body"), pk=whole_number(request.POST.get("article", "")) or 0,
        project=project,
    )  # fmt: skip
    label = whole_number(request.POST.get("label", ""))
    queue = reverse("annotations:project-review", args=[project.slug])
    with catch_refusal() as refused:
        services.spans_review_bulk(
            article=article,
            user=request.user,
            status=request.POST.get("status", SpanStatus.ACCEPTED),
            label=label,
            annotator=request.POST.get("annotator") or None,
        )
    if refused:
        return error_response(request, refused.message, refused.status, back=queue)
    query = request.POST.get("query", "")
    return redirect(f"{queue}?{query}" if query else queue)
