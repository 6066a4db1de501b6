"""The compare and adjudicate page: an article's annotators side by side, and its gold layer
settled from the keyboard (promote, remove from gold, edit a gold span, curate). Reviewers and
managers; every change goes through ``services.gold`` and ``services.spans``."""

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from .. import services
from ..metrics.places import Kind
from ..models import Article, Confidence, Label, Probability, Span
from ..permissions import can_review
from ..selectors.compare import ArticleComparison, article_comparison
from ..templatetags.assay import excerpt
from .common import posted_version, user_project_for, whole_number
from .compare_render import render_rows, rows_touched
from .errors import answers_refusals, catch_refusal, error_response
from .workspace import grade_options

COUNTS_TEMPLATE = "annotations/partials/compare/counts.html"
LONG = 200  # places from which rows out of view are left to the browser to lay out later


class Compare:
    """The project, the article and the reader's role: a reviewer's or a manager's, else 403
    (an outsider gets 404, as everywhere)."""

    def __init__(self, request, slug: str, article_id: int):
        self.request = request
        self.project = user_project_for(
            request,
            slug,
            may=can_review,
            refusal="Only a reviewer or manager of the project compares annotators.",
        )
        self.article = get_object_or_404(Article, pk=article_id, project=self.project)
        self.label_names = dict(
            Label.objects.filter(project=self.project).values_list("pk", "name")
        )
        self._cmp = None

    @property
    def cmp(self) -> ArticleComparison:
        if self._cmp is None:
            self._cmp = article_comparison(article=self.article)
        return self._cmp

    def url(self, name: str = "article-compare", *args) -> str:
        return reverse(f"annotations:{name}", args=[self.project.slug, self.article.pk, *args])

    def span(self, span_id: int, *, gold: bool | None = None) -> Span:
        spans = Span.objects.filter(article=self.article).select_related("label", "annotator")
        if gold is not None:
            spans = spans.filter(gold=gold)
        return get_object_or_404(spans, pk=span_id)

    def counts(self) -> dict:
        cmp = self.cmp
        kinds = Counter(place.kind for place in cmp.places)
        open_places = [place for place in cmp.places if cmp.place_open(place)]
        return {
            "places": len(cmp.places),
            "spans": sum(not span.gold for span in cmp.spans),
            "gold": sum(span.gold for span in cmp.spans),
            "open_places": len(open_places),
            "open_disagreements": sum(p.kind in Kind.DISAGREEMENTS for p in open_places),
            "undecided": len(cmp.undecided),
            "kinds": [(kind, name, kinds.get(kind, 0)) for kind, name in Kind.NAMES.items()],
        }

    def changed(self, live: str, start: int, end: int) -> HttpResponse:
        """After a change over ``[start, end)``: the rows around it, the counts and the live
        message, all out of band (the request swaps nothing itself)."""
        self._cmp = None
        html = render_rows(self.cmp, self.label_names, rows_touched(self.cmp, start, end), oob=True)
        html.append(render_to_string(COUNTS_TEMPLATE, {"counts": self.counts(), "oob": True}))
        html.append(
            render_to_string("annotations/partials/annotate/live.html", {"live": live, "oob": True})
        )
        return HttpResponse("".join(html))


def _describe(span: Span) -> str:
    return f"{span.annotator.get_username()}'s {span.label.name} “{excerpt(span.text, 40)}”"


@login_required
@require_safe
def article_compare(request, slug, article_id):
    """The text once, beside it a row per place: the gold lane, then a lane per annotator."""
    page = Compare(request, slug, article_id)
    cmp = page.cmp
    selected = None
    if (wanted := whole_number(request.GET.get("span", ""))) is not None:
        selected = next((span for span in cmp.spans if span.pk == wanted), None)
    zero = [page.project.slug, page.article.pk, 0]
    context = {
        "project": page.project,
        "article": page.article,
        "lanes": [name for _, name in cmp.lanes],
        "rows": mark_safe("".join(render_rows(cmp, page.label_names))),  # escaped there
        "long": len(cmp.places) > LONG,
        "counts": page.counts(),
        "selected": selected,
        "selected_owner": selected and cmp.usernames.get(selected.annotator_id),
        "selected_label": selected and page.label_names.get(selected.label_id),
        "curate_url": page.url("article-curate"),
        "annotate_url": page.url("annotate"),
        "url_templates": {
            name: reverse(f"annotations:compare-{name}", args=zero)
            for name in ("promote", "remove", "edit")
        },
    }
    return render(request, "annotations/article_compare.html", context)


@login_required
@require_POST
@answers_refusals
def compare_promote(request, slug, article_id, span_id):
    """Promote an annotator's span into the gold layer (``services.span_promote``)."""
    page = Compare(request, slug, article_id)
    span = page.span(span_id)
    services.span_promote(span=span, user=request.user)
    if not request.htmx:
        return redirect(f"{page.url()}#place-{span.start}")
    return page.changed(f"Promoted {_describe(span)} to gold.", span.start, span.end)


@login_required
@require_POST
@answers_refusals
def compare_remove(request, slug, article_id, span_id):
    """Remove a gold span (``services.span_delete``: recorded, restorable)."""
    page = Compare(request, slug, article_id)
    span = page.span(span_id)
    if not span.gold:
        raise ValidationError({"span": "Only a gold span is removed from gold here."})
    services.span_delete(span=span, user=request.user)
    if not request.htmx:
        return redirect(page.url())
    live = f"Removed the gold {span.label.name} “{excerpt(span.text, 40)}”."
    return page.changed(live, span.start, span.end)


def _edit_context(page: Compare, span: Span, data=None) -> dict:
    """The gold span's grade and actors, and what the annotators of its place proposed."""
    cmp = page.cmp
    place = next(p for p in cmp.places if p.start <= span.start < p.end)
    current = next(s for s in cmp.spans if s.pk == span.pk)
    proposed: dict[tuple[int, str], list[str]] = {link: [] for link in current.actors}
    grades = []
    for other in place.spans:
        if other.gold:
            continue
        who = cmp.usernames[other.annotator_id]
        for link in other.actors:
            proposed.setdefault(link, []).append(who)
        if (other.start, other.end, other.label_id) == (span.start, span.end, span.label_id):
            grades.append((who, other.probability, other.confidence))
    picked = (
        {"probability": span.probability or "", "confidence": span.confidence or ""}
        if data is None
        else {key: data.get(key, "") for key in ("probability", "confidence")}
    )
    chosen = (
        {f"{actor}:{role}" for actor, role in current.actors}
        if data is None
        else set(data.getlist("actor"))
    )
    actors = [
        {
            "value": f"{actor}:{role}",
            "name": cmp.actor_names.get(actor, actor),
            "role": role,
            "by": ", ".join(sorted(set(by))) or "gold only",
            "checked": f"{actor}:{role}" in chosen,
        }
        for (actor, role), by in sorted(
            proposed.items(), key=lambda item: (str(cmp.actor_names.get(item[0][0])), item[0][1])
        )
    ]
    return {
        "project": page.project,
        "article": page.article,
        "span": span,
        "version": span.version if data is None else data.get("version", ""),
        **grade_options(picked["probability"], picked["confidence"]),
        "actors": actors,
        "grades": [
            (who, Probability(p).label if p else "—", Confidence(c).label if c else "—")
            for who, p, c in grades
        ],
        "edit_url": page.url("compare-edit", span.pk),
        "back_url": f"{page.url()}#s-{span.pk}",
    }


def _actor_links(values: list[str]) -> list[tuple[int, str]]:
    links = []
    for value in values:
        actor, _, role = value.partition(":")
        if whole_number(actor) is None:
            raise ValidationError({"actors": f"“{value[:40]}” is not an actor and a role."})
        links.append((int(actor), role))
    return links


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@vary_on_headers("HX-Request")
def compare_edit(request, slug, article_id, span_id):
    """A gold span's probability, confidence and actors (``services.span_update``, with the
    version the form was based on)."""
    page = Compare(request, slug, article_id)
    span = page.span(span_id, gold=True)
    template = (
        "annotations/partials/compare/gold_form.html"
        if request.htmx
        else "annotations/compare_edit.html"
    )
    if request.method != "POST":
        return render(request, template, _edit_context(page, span))
    with catch_refusal() as refused:
        services.span_update(
            span=span,
            user=request.user,
            version=posted_version(request),
            probability=request.POST.get("probability") or None,
            confidence=request.POST.get("confidence") or None,
            actors=_actor_links(request.POST.getlist("actor")),
        )
    if refused:
        if request.htmx:
            return error_response(request, refused.message, refused.status)
        context = {**_edit_context(page, span, request.POST), "error": refused.message}
        return render(request, template, context, status=refused.status)
    if not request.htmx:
        return redirect(f"{page.url()}#s-{span.pk}")
    live = f"Saved the gold {span.label.name} “{excerpt(span.text, 40)}”."
    return page.changed(live, span.start, span.end)


@login_required
@require_POST
@answers_refusals
def compare_curate(request, slug, article_id):
    """Curate the whole article at once (``services.article_curate``): unanimous or
    majority; then the page again, with what was made and what conflicted."""
    page = Compare(request, slug, article_id)
    result = services.article_curate(
        article=page.article, user=request.user, strategy=request.POST.get("strategy", "")
    )
    message = (
        f"Curated ({request.POST['strategy']}): {result.created} gold span"
        f"{'s' if result.created != 1 else ''} made, {result.existing} already gold"
        + (
            f", {len(result.conflicts)} with a grade or actors left empty where the "
            "annotators differ."
            if result.conflicts
            else "."
        )
    )
    if not request.htmx:
        return redirect(page.url())
    html = render_rows(page.cmp, page.label_names)
    body = render_to_string(
        "annotations/partials/compare/rows.html",
        {
            "rows": mark_safe("".join(html)),
            "article": page.article,
            "long": len(page.cmp.places) > LONG,
        },
    )
    body += render_to_string(COUNTS_TEMPLATE, {"counts": page.counts(), "oob": True})
    body += render_to_string(
        "annotations/partials/annotate/live.html", {"live": message, "oob": True}
    )
    return HttpResponse(body)
