"""The annotate page's suggestions beyond one span: accept every suggestion of a kind, and
label all occurrences of a selection. Each makes its spans through a service, all or
nothing, and answers the touched paragraphs, the span list's new entries and the counters
out of band (the page's panel is left as it is), with the count in the live region, and in
``assay:made`` the events that made them: the group the page's undo reverts as one."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from .. import selectors, services
from ..forms import SpanCreateForm
from ..models import Span
from ..templatetags.assay import excerpt
from .common import id_runs
from .errors import answers_refusals, error_response, form_message
from .workspace import Workspace

# The built-in kinds, each with an "Accept all" button on the page (a server's own kinds are
# accepted with Shift+Enter on one of them).
SUGGESTION_KINDS = (("actor", "actor mention"), ("estimative", "estimative phrase"),
                    ("source", "source"))  # fmt: skip
KIND_NAMES = dict(SUGGESTION_KINDS)


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _made(request, ws: Workspace, spans: list[Span], live: str):
    """The new spans drawn: their paragraphs and list entries, the counters, the message;
    the events that made them, for the page's undo."""
    if not request.htmx:
        return redirect(ws.url("annotate"))
    touched = set()
    for span in spans:
        touched |= ws.touched(span.start, span.end)
    response = ws.fragments(panel="", touched=touched, added=tuple(s.pk for s in spans), live=live)
    if spans:
        events = id_runs(services.span_events_latest(spans=spans))
        trigger_client_event(response, "assay:made", {"events": events, "message": live})
    return response


@login_required
@require_POST
@answers_refusals
def suggestions_accept_all(request, slug, article_id):
    """Every suggestion of ``kind`` that the user still sees on the article becomes a span
    (the proposed label, actor and grade), in one all-or-nothing call."""
    ws = Workspace.for_write(request, slug, article_id, None)
    kind = request.POST.get("kind", "")
    # The built-in kinds only have this action: the project's suggestion server is not asked.
    found = selectors.article_suggestions(article=ws.article, user=request.user, backend=False)
    chosen = [suggestion for suggestion in found.results if suggestion.kind == kind]
    name = KIND_NAMES.get(kind, kind or "suggestion")
    if not chosen:
        return error_response(request, f"No {name} suggestions are left to accept.")
    result = services.suggestions_accept(
        article=ws.article, annotator=request.user, suggestions=chosen
    )
    live = f"Accepted {_plural(len(result.created), name)} as spans."
    if result.unlabelled:
        live += (
            f" {_plural(result.unlabelled, 'suggestion')} without a proposed label "
            "stayed: press a label's key on each."
        )
    return _made(request, ws, result.created, live)


@login_required
@require_POST
@answers_refusals
def label_all(request, slug, article_id):
    """Label all occurrences: the selection's phrase labelled at every place the article
    has it (``services.span_label_all``: as written, on word boundaries, all or nothing)."""
    form = SpanCreateForm(request.POST)
    ws = Workspace.for_write(request, slug, article_id, None)
    label = ws.form_label(form)
    if not form.is_valid():
        return error_response(request, f"Nothing was labelled. {form_message(form)}")
    data = form.cleaned_data
    result = services.span_label_all(
        article=ws.article,
        label=label,
        annotator=request.user,
        start=data["start"],
        end=data["end"],
    )
    phrase = excerpt(ws.article.body[data["start"] : data["end"]], 60)
    live = f"Labelled {_plural(len(result.created), 'occurrence')} of “{phrase}” as {label.name}"
    if result.skipped_existing:
        live += f"; {result.skipped_existing:,} already had that label"
    return _made(request, ws, result.created, live + ".")
