"""The annotate page: the page itself, marking an article done, creating a span."""

import re

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from .. import selectors, services
from ..forms import SpanCreateForm
from ..models import ArticleProgress, Span
from ..permissions import REVIEW_ROLES
from ..templatetags.assay import excerpt
from .annotate_render import render_paragraph_window, span_groups
from .annotate_suggestions import SUGGESTION_KINDS
from .common import whole_number
from .errors import answers_refusals, error_response, form_message
from .workspace import Workspace

FIND_MAX = 200  # characters of ``?find=`` looked for


@login_required
@require_safe
def annotate(request, slug, article_id):
    """The annotate page: highlighted text, the label palette, the span list and panel."""
    ws = Workspace(request, slug, article_id)
    previous_id, next_id = selectors.article_neighbours(article=ws.article, user=request.user)
    progress = ArticleProgress.objects.filter(article=ws.article, user=request.user).first()
    panel_span = hit = None
    if (wanted := whole_number(request.GET.get("span", ""))) is not None:
        panel_span = (
            Span.objects.select_related("label", "annotator")
            .filter(pk=wanted, article=ws.article, annotator=request.user, gold=False)
            .first()
        )
        if panel_span is None:
            # Not the user's (a search hit: another annotator's span, or gold): its words
            # are marked in the text (annotate.js), where the user may see it, and the panel
            # says whose it is and, to a reviewer, where to compare it.
            visible = Span.objects.filter(pk=wanted, article=ws.article)
            hit = (
                selectors.hide_others_work(visible, user=request.user)
                .values("pk", "start", "end", "gold", "label__name", "annotator__username")
                .first()
            )
    elif (find := request.GET.get("find", "").strip()[:FIND_MAX]) and (
        found := re.search(re.escape(find), ws.article.body, re.IGNORECASE)
    ):
        # An article's search hit: the first place its words are, case aside, marked.
        hit = {"start": found.start(), "end": found.end()}
    context = ws.context(
        groups=span_groups(ws.span_labels, ws.spans),
        # Through ws.bounds(), so that this process remembers the bounds for span creates.
        paragraphs=mark_safe(
            "".join(
                render_paragraph_window(
                    ws.article.body,
                    0,
                    [(index, *bounds) for index, bounds in enumerate(ws.bounds())],
                    ws.spans,
                )
            )
        ),  # escaped by render_paragraph_window, the fast twin of its template
        previous_url=previous_id and reverse("annotations:annotate", args=[slug, previous_id]),
        next_url=next_id and reverse("annotations:annotate", args=[slug, next_id]),
        done=bool(progress and progress.done_at),
        suggestion_kinds=SUGGESTION_KINDS,
        hit=hit,
        may_compare=ws.role in REVIEW_ROLES,
    )
    if panel_span is not None:
        context.update(ws.panel_context(panel_span))
    return render(request, "annotations/annotate.html", context)


@login_required
@require_POST
@answers_refusals
def article_done(request, slug, article_id):
    ws = Workspace.for_write(request, slug, article_id, None)  # neither the body nor the spans
    done = request.POST.get("done") == "1"
    services.article_mark_done(article=ws.article, user=request.user, done=done)
    if not request.htmx:
        return redirect(ws.url("annotate"))
    ctx = {**ws.context(with_spans=False), "done": done, "oob": False}
    live = "Marked as done." if done else "Marked as to do."
    html = render_to_string("annotations/partials/annotate/done_toggle.html", ctx, request)
    html += render_to_string(
        "annotations/partials/annotate/live.html", {"live": live, "oob": True}, request
    )
    return HttpResponse(html)


@login_required
@require_POST
@answers_refusals
def span_create(request, slug, article_id):
    """Save a span over ``[start, end)`` (code points) with a label, answer the changed pieces.

    The hot path of the page (a keypress): one query reads the article (without its body),
    its project and the user's role, and another the labels; the service saves; then the
    spans around the new one and the counts are read, and only the touched paragraphs, the
    new list entry, the counters and the panel are drawn.
    """
    form = SpanCreateForm(request.POST)
    valid = form.is_valid()
    near = (form.cleaned_data["start"], form.cleaned_data["end"]) if valid else None
    ws = Workspace.for_write(request, slug, article_id, near)
    label = ws.form_label(form)
    if not form.is_valid():
        return error_response(request, f"The span was not saved. {form_message(form)}")
    data = form.cleaned_data
    # An accepted suggestion's actor and grade (absent for a selection labelled by hand).
    extra = {field: data[field] for field in ("probability", "confidence") if data[field]}
    if data["actor"]:
        extra["actors"] = [{"actor": data["actor"], "role": data["role"] or "mentioned"}]
    try:
        span = services.span_create(
            article=ws.article,
            start=data["start"],
            end=data["end"],
            label=label,
            annotator=request.user,
            **extra,
        )
    except services.DuplicateSpan as exc:  # the message links to the span already there
        existing = services.duplicate_span_id(exc)
        link = existing and {"id": existing, "href": f"{ws.url('annotate')}?span={existing}"}
        return error_response(request, exc.messages[0], 422, span_link=link or None)
    if not request.htmx:
        return redirect(f"{ws.url('annotate')}?span={span.pk}")
    panel = render_to_string(
        "annotations/partials/annotate/span_panel.html",
        ws.panel_context(span, new="actors" not in extra),  # a new span has no links yet
        request,
    )
    return ws.fragments(
        touched=ws.touched(span.start, span.end),
        added=(span.pk,),
        panel=panel,
        live=f"Saved {label.name}: “{excerpt(span.text)}”.",
    )
